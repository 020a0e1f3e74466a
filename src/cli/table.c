/* table.c - aligned text tables (cells kept as strings until printed, so
 * column widths fit the widest cell) and human-readable units. */
#define _GNU_SOURCE /* vasprintf */
#include "cli/table.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hiro.h"

struct table {
  size_t ncols;
  size_t nrows;  /* rows including the header row */
  size_t filled; /* cells filled in the current row */
  char **cells;  /* nrows * ncols, NULL = empty */
  bool *right;   /* per column */
};

table *table_new(size_t ncols, const char *const *headers) {
  table *t = xcalloc(1, sizeof *t);
  t->ncols = ncols;
  t->right = xcalloc(ncols, sizeof *t->right);
  if (!headers) return t;
  table_row(t);
  for (size_t c = 0; c < ncols; c++) {
    t->right[c] = headers[c][0] == '>';
    table_cell(t, "%s", headers[c] + (t->right[c] ? 1 : 0));
  }
  return t;
}

void table_row(table *t) {
  t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *t->cells);
  memset(t->cells + t->nrows * t->ncols, 0, t->ncols * sizeof *t->cells);
  t->nrows++;
  t->filled = 0;
}

void table_cell(table *t, const char *fmt, ...) {
  if (t->filled >= t->ncols) return;
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0) s = xstrdup("?");
  va_end(ap);
  t->cells[(t->nrows - 1) * t->ncols + t->filled++] = s;
}

void table_print(const table *t, FILE *out) {
  size_t *width = xcalloc(t->ncols, sizeof *width);
  for (size_t i = 0; i < t->nrows * t->ncols; i++) {
    size_t len = t->cells[i] ? strlen(t->cells[i]) : 0;
    if (len > width[i % t->ncols]) width[i % t->ncols] = len;
  }
  for (size_t r = 0; r < t->nrows; r++) {
    char **row = t->cells + r * t->ncols;
    size_t last = t->ncols; /* last non-empty cell + 1, to avoid trailing blanks */
    while (last > 0 && (!row[last - 1] || !row[last - 1][0])) last--;
    for (size_t c = 0; c < last; c++) {
      const char *cell = row[c] ? row[c] : "";
      int w = (int)width[c];
      if (t->right[c])
        fprintf(out, "%s%*s", c ? "  " : "", w, cell);
      else if (c + 1 == last)
        fprintf(out, "%s%s", c ? "  " : "", cell);
      else
        fprintf(out, "%s%-*s", c ? "  " : "", w, cell);
    }
    fputc('\n', out);
  }
  free(width);
}

void table_free(table *t) {
  if (!t) return;
  for (size_t i = 0; i < t->nrows * t->ncols; i++) free(t->cells[i]);
  free(t->cells);
  free(t->right);
  free(t);
}

char *fmt_bytes(double bytes, char *buf, size_t n) {
  static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (!isfinite(bytes) || bytes < 0) bytes = 0;
  size_t u = 0;
  while (bytes >= 1024 && u + 1 < HIRO_ARRAY_LEN(units)) {
    bytes /= 1024;
    u++;
  }
  if (u == 0)
    snprintf(buf, n, "%.0f B", bytes);
  else
    snprintf(buf, n, "%.1f %s", bytes, units[u]);
  return buf;
}

char *fmt_rate(double bytes_per_sec, char *buf, size_t n) {
  fmt_bytes(bytes_per_sec, buf, n);
  size_t len = strlen(buf);
  snprintf(buf + len, n - len, "/s");
  return buf;
}

char *fmt_local_time(double unix_seconds, char *buf, size_t n) {
  if (!isfinite(unix_seconds) || fabs(unix_seconds) > 1e15) {
    snprintf(buf, n, "-");
    return buf;
  }
  time_t t = (time_t)floor(unix_seconds);
  struct tm tm;
  if (!localtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%d %H:%M:%S", &tm) == 0)
    snprintf(buf, n, "%.0f", unix_seconds);
  return buf;
}
