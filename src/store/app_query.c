/* app_query.c - application-metrics history from SQLite: per series, at the
 * finest tier (raw, 1 minute, 1 hour) whose point count fits max_points, on
 * a read-only connection of its own. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appmetrics/statsd_parse.h"
#include "store/store_internal.h"

/* The same columns for every tier; the per-type rows are made in C. */
static const char *const tier_sql[3] = {
    "SELECT a.id, n.kind, n.name, a.key, a.name, a.tags, a.type, r.ts_ms / 1000.0, "
    "r.interval_ms / 1000.0, r.count, r.value, r.value, r.value, r.value, r.value, r.sum, r.min, "
    "r.max, r.p50, r.p90, r.p99 FROM raw_app r",
    "SELECT a.id, n.kind, n.name, a.key, a.name, a.tags, a.type, r.bucket, r.seconds, r.count, "
    "r.value_avg, r.value_min, r.value_max, r.value_last, r.distinct_members, r.sum, r.min, "
    "r.max, r.p50, r.p90, r.p99 FROM app_1m r",
    "SELECT a.id, n.kind, n.name, a.key, a.name, a.tags, a.type, r.bucket, r.seconds, r.count, "
    "r.value_avg, r.value_min, r.value_max, r.value_last, r.distinct_members, r.sum, r.min, "
    "r.max, r.p50, r.p90, r.p99 FROM app_1h r"};
static const char *const tier_where[3] = {" WHERE r.ts_ms >= ?1 * 1000 AND r.ts_ms <= ?2 * 1000",
                                          " WHERE r.bucket >= ?1 / 60 * 60 AND r.bucket <= ?2",
                                          " WHERE r.bucket >= ?1 / 3600 * 3600 AND r.bucket <= ?2"};
static const char tail_sql[] =
    " AND (?3 IS NULL OR (CASE n.kind WHEN 0 THEN 'server' ELSE n.name END) = ?3)"
    " AND (?4 IS NULL OR a.name = ?4) ORDER BY a.id, 8";

static double col(sqlite3_stmt *stmt, int i) {
  return sqlite3_column_type(stmt, i) == SQLITE_NULL ? NAN : sqlite3_column_double(stmt, i);
}

size_t store_app_columns(int type) {
  switch (type) {
  case STATSD_COUNTER: return 4; /* timestamp, rate, count, total */
  case STATSD_GAUGE:
  case STATSD_SET: return 2; /* timestamp, value | distinct */
  default: return 8;         /* timestamp, count, sum, min, max, p50, p90, p99 */
  }
}

/* One row of the answer from the statement's current row. */
static void make_row(sqlite3_stmt *stmt, int tier, int type, store_agg agg, double *row) {
  bool raw = tier == 0;
  double seconds = col(stmt, 8), count = col(stmt, 9);
  row[0] = col(stmt, 7);
  switch (type) {
  case STATSD_COUNTER:
    row[1] = seconds > 0 ? count / seconds : NAN;
    row[2] = count;
    row[3] = col(stmt, 13); /* raw: value; rollups: value_last (the total) */
    break;
  case STATSD_GAUGE:
    row[1] = raw ? col(stmt, 10)
                 : col(stmt, agg == STORE_AGG_MIN   ? 11
                             : agg == STORE_AGG_MAX ? 12
                                                    : 10);
    break;
  case STATSD_SET: row[1] = raw ? col(stmt, 10) : col(stmt, 14); break;
  default:
    row[1] = count;
    for (int i = 0; i < 6; i++) row[2 + i] = col(stmt, 15 + i);
  }
}

static store_app_series *series_append(store_app_series **list, size_t *n, size_t *cap,
                                       sqlite3_stmt *stmt) {
  if (*n == *cap) {
    *cap = *cap ? *cap * 2 : 8;
    *list = xrealloc(*list, *cap * sizeof **list);
  }
  store_app_series *sr = &(*list)[(*n)++];
  memset(sr, 0, sizeof *sr);
  sr->id = sqlite3_column_int64(stmt, 0);
  sr->server = sqlite3_column_int(stmt, 1) == 0;
  hiro_strlcpy(sr->process, sr->server ? "server" : (const char *)sqlite3_column_text(stmt, 2),
               sizeof sr->process);
  sr->key = xstrdup((const char *)sqlite3_column_text(stmt, 3));
  sr->name = xstrdup((const char *)sqlite3_column_text(stmt, 4));
  sr->tags = xstrdup((const char *)sqlite3_column_text(stmt, 5));
  sr->type = sqlite3_column_int(stmt, 6);
  sr->n_cols = store_app_columns(sr->type);
  return sr;
}

/* The tier for the range: raw when the snapshots in it fit max_points. */
static int choose_tier(sqlite3 *db, double from, double to, size_t max_points) {
  sqlite3_stmt *stmt = NULL;
  int64_t snapshots = INT64_MAX;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM raw_system WHERE ts_ms >= ?1 AND ts_ms <= ?2",
                         -1, &stmt, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(stmt, 1, (int64_t)(from * 1000));
    sqlite3_bind_int64(stmt, 2, (int64_t)(to * 1000));
    if (sqlite3_step(stmt) == SQLITE_ROW) snapshots = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  if (snapshots <= (int64_t)max_points) return 0;
  return (to - from) / 60.0 <= (double)max_points ? 1 : 2;
}

/* Keep at most max rows, evenly, the newest kept. */
static void thin(store_app_series *sr, size_t max) {
  if (sr->n_rows <= max || max == 0) return;
  size_t step = (sr->n_rows + max - 1) / max, skip = (sr->n_rows - 1) % step, k = 0;
  for (size_t i = skip; i < sr->n_rows; i += step, k++)
    memmove(sr->rows + k * sr->n_cols, sr->rows + i * sr->n_cols, sr->n_cols * sizeof *sr->rows);
  sr->n_rows = k;
}

hiro_err store_query_app(store *s, double from, double to, size_t max_points, store_agg agg,
                         const char *process, const char *name, store_app_series **out, size_t *n,
                         int *resolution) {
  *out = NULL;
  *n = 0;
  /* Application metrics are in no ring: rows still queued for a group
   * commit are committed first. A pooled reader never reads a replaced
   * file with the old one's WAL. */
  writer_sync_for_read(s, to);
  int slot;
  store_reader *r = reader_acquire(s, &slot);
  if (!r) return HIRO_EIO;
  sqlite3 *db = reader_db(r);
  int tier = choose_tier(db, from, to, max_points);
  *resolution = tier == 0 ? 0 : tier == 1 ? 60 : 3600;
  char sql[1200];
  snprintf(sql, sizeof sql,
           "%s JOIN app_series a ON a.id = r.series_id JOIN process_name n "
           "ON n.id = a.name_id%s%s",
           tier_sql[tier], tier_where[tier], tail_sql);
  sqlite3_stmt *stmt = NULL;
  hiro_err rc = HIRO_EIO;
  size_t cap = 0, row_cap = 0;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) goto out;
  sqlite3_bind_double(stmt, 1, floor(from));
  sqlite3_bind_double(stmt, 2, to);
  if (process) sqlite3_bind_text(stmt, 3, process, -1, SQLITE_STATIC);
  if (name) sqlite3_bind_text(stmt, 4, name, -1, SQLITE_STATIC);
  int step;
  while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
    store_app_series *sr = *n ? &(*out)[*n - 1] : NULL;
    if (!sr || sr->id != sqlite3_column_int64(stmt, 0)) {
      sr = series_append(out, n, &cap, stmt);
      row_cap = 0;
    }
    if (sr->n_rows == row_cap) {
      row_cap = row_cap ? row_cap * 2 : 64;
      sr->rows = xrealloc(sr->rows, row_cap * sr->n_cols * sizeof *sr->rows);
    }
    make_row(stmt, tier, sr->type, agg, sr->rows + sr->n_rows++ * sr->n_cols);
  }
  if (step == SQLITE_DONE) rc = HIRO_OK;
  for (size_t i = 0; i < *n; i++) thin(&(*out)[i], max_points);
out:
  sqlite3_finalize(stmt);
  reader_release(s, r, slot);
  if (rc != HIRO_OK) {
    store_app_series_free(*out, *n);
    *out = NULL;
    *n = 0;
  }
  return rc;
}

void store_app_series_free(store_app_series *list, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(list[i].key);
    free(list[i].name);
    free(list[i].tags);
    free(list[i].rows);
  }
  free(list);
}
