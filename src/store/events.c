/* events.c - reading the lifecycle events table (written through the record
 * queue by write.c): a time range, optional process and kind filters, the
 * newest ones when there are more than asked for. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "store/store_internal.h"

/* Seconds beyond which a requested time is clamped: keeps the millisecond
 * conversion far inside int64. */
static const double TIME_LIMIT_S = 9e12;
enum { EVENTS_INITIAL = 16 };

static int64_t clamp_ms(double seconds) {
  if (seconds > TIME_LIMIT_S) seconds = TIME_LIMIT_S;
  if (seconds < -TIME_LIMIT_S) seconds = -TIME_LIMIT_S;
  return (int64_t)floor(seconds * 1000.0);
}

static void copy_text(char *dst, size_t cap, sqlite3_stmt *stmt, int col) {
  const unsigned char *text = sqlite3_column_text(stmt, col);
  hiro_strlcpy(dst, text ? (const char *)text : "", cap);
}

static int int_or(sqlite3_stmt *stmt, int col, int none) {
  return sqlite3_column_type(stmt, col) == SQLITE_NULL ? none : sqlite3_column_int(stmt, col);
}

static double real_or_nan(sqlite3_stmt *stmt, int col) {
  return sqlite3_column_type(stmt, col) == SQLITE_NULL ? NAN : sqlite3_column_double(stmt, col);
}

/* The row at stmt as an event; false for a kind this binary does not know. */
static bool read_event(sqlite3_stmt *stmt, hiro_event *e) {
  const unsigned char *kind = sqlite3_column_text(stmt, 1);
  event_kind k;
  if (!kind || !event_kind_parse((const char *)kind, &k)) return false;
  event_init(e, k, (double)sqlite3_column_int64(stmt, 0) / 1000.0, "", 0);
  copy_text(e->process, sizeof e->process, stmt, 2);
  e->pid = int_or(stmt, 3, 0);
  copy_text(e->detail, sizeof e->detail, stmt, 4);
  e->exit_code = int_or(stmt, 5, -1);
  e->signal = int_or(stmt, 6, -1);
  e->err = int_or(stmt, 7, -1);
  e->cpu_seconds = real_or_nan(stmt, 8);
  e->lifetime_seconds = real_or_nan(stmt, 9);
  e->delay_seconds = real_or_nan(stmt, 10);
  return true;
}

hiro_err store_query_events(store *s, double from, double to, const char *process, const char *kind,
                            size_t max, hiro_event **out, size_t *n) {
  *out = NULL;
  *n = 0;
  if (!s || isnan(from) || isnan(to) || to < from) return HIRO_EINVAL;
  if (max == 0) return HIRO_OK;
  writer_sync_for_read(s, to);
  int slot;
  store_reader *r = reader_acquire(s, &slot);
  if (!r) return HIRO_EIO;
  sqlite3 *db = reader_db(r);
  /* Newest first with LIMIT (the index on ts_ms serves both), reversed below. */
  static const char sql[] =
      "SELECT ts_ms, kind, process, pid, detail, exit_code, signal, errno, cpu_seconds,"
      " lifetime_seconds, delay_seconds FROM events WHERE ts_ms BETWEEN ?1 AND ?2"
      " AND (?3 IS NULL OR process = ?3) AND (?4 IS NULL OR kind = ?4)"
      " ORDER BY ts_ms DESC, id DESC LIMIT ?5";
  sqlite3_stmt *stmt = NULL;
  hiro_err rc = HIRO_EIO;
  hiro_event *v = NULL;
  size_t count = 0, cap = 0;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) goto out;
  sqlite3_bind_int64(stmt, 1, clamp_ms(from));
  sqlite3_bind_int64(stmt, 2, clamp_ms(to));
  if (process) sqlite3_bind_text(stmt, 3, process, -1, SQLITE_STATIC);
  if (kind) sqlite3_bind_text(stmt, 4, kind, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 5, max > INT64_MAX ? INT64_MAX : (sqlite3_int64)max);
  int step;
  while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (count == cap) {
      cap = cap ? 2 * cap : EVENTS_INITIAL;
      v = xrealloc(v, cap * sizeof *v);
    }
    if (read_event(stmt, &v[count])) count++;
  }
  if (step != SQLITE_DONE) goto out;
  for (size_t i = 0; i < count / 2; i++) { /* oldest first */
    hiro_event t = v[i];
    v[i] = v[count - 1 - i];
    v[count - 1 - i] = t;
  }
  rc = HIRO_OK;
out:
  if (rc != HIRO_OK) {
    log_warn("store: events query on %s: %s", s->path, sqlite3_errmsg(db));
    free(v);
    v = NULL;
    count = 0;
  }
  sqlite3_finalize(stmt);
  reader_release(s, r, slot);
  if (!count) {
    free(v);
    v = NULL;
  }
  *out = v;
  *n = count;
  return rc;
}
