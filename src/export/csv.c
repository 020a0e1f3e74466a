/* csv.c - RFC 4180 field output and the exact text forms of stored values
 * (ISO-8601 times, scaled integers, averages). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "export/export.h"

bool csv_write_field(FILE *f, const char *s, size_t len) {
  bool quote = false;
  for (size_t i = 0; i < len && !quote; i++)
    quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
  if (!quote) return fwrite(s, 1, len, f) == len;
  if (putc('"', f) == EOF) return false;
  /* Copy runs between quotes in one fwrite each; every quote is doubled. */
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    if (i < len && s[i] != '"') continue;
    size_t run = i - start;
    if (run && fwrite(s + start, 1, run, f) != run) return false;
    if (i < len && fputs("\"\"", f) == EOF) return false;
    start = i + 1;
  }
  return putc('"', f) != EOF;
}

void csv_format_iso(int64_t ms, bool with_ms, char *out, size_t n) {
  /* Floor division: a (theoretical) pre-1970 time keeps 0..999 millis. */
  int64_t sec = ms / 1000, rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    sec -= 1;
  }
  time_t t = (time_t)sec;
  struct tm tm;
  if (!gmtime_r(&t, &tm)) {
    snprintf(out, n, "%s", "");
    return;
  }
  int len = snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (len < 0 || (size_t)len >= n) return;
  if (with_ms)
    snprintf(out + len, n - (size_t)len, ".%03dZ", (int)rem);
  else
    snprintf(out + len, n - (size_t)len, "Z");
}

/* Remove trailing zeros after a decimal point, then the point itself. */
static void trim_zeros(char *s) {
  char *dot = strchr(s, '.');
  if (!dot) return;
  char *end = s + strlen(s);
  while (end > dot + 1 && end[-1] == '0') end--;
  if (end == dot + 1) end = dot;
  *end = '\0';
}

void csv_format_scaled(int64_t v, int decimals, char *out, size_t n) {
  if (decimals <= 0 || decimals > 18) {
    snprintf(out, n, "%" PRId64, v);
    return;
  }
  uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v, div = 1;
  for (int i = 0; i < decimals; i++) div *= 10;
  char frac[20];
  uint64_t rest = mag % div;
  for (int i = decimals - 1; i >= 0; i--, rest /= 10) frac[i] = (char)('0' + rest % 10);
  frac[decimals] = '\0';
  snprintf(out, n, "%s%" PRIu64 ".%s", v < 0 ? "-" : "", mag / div, frac);
  trim_zeros(out);
}

void csv_format_real(double v, char *out, size_t n) {
  if (!isfinite(v) || fabs(v) >= 1e20) {
    snprintf(out, n, "%.17g", v);
    return;
  }
  snprintf(out, n, "%.4f", v);
  trim_zeros(out);
  if (strcmp(out, "-0") == 0) snprintf(out, n, "0");
}
