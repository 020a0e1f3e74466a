/* retention.c - deleting rows older than each tier's retention in small
 * batches inside the writer's transactions, and returning free pages to the
 * file system when they pile up. */
#include <stdio.h>

#include "store/store_internal.h"

enum {
  RETENTION_BATCH = 100, /* driving rows per statement: ~1000 raw_process rows */
  /* Free pages are reused by new rows, so in the steady state (retention
   * deleting about what is added) nothing needs returning, and moving pages
   * (incremental_vacuum relocates the newest pages into the holes) was the
   * largest single source of writes. Only a free list past both of these
   * (retention shortened, a backlog deleted) is returned, a step at a time. */
  VACUUM_MIN_FREE_PAGES = 256, /* 1 MiB of 4 KiB pages */
  VACUUM_FREE_SHARE = 4,       /* ... and over a quarter of the file */
  VACUUM_STEP_PAGES = 256,
};
static const double SECONDS_PER_HOUR = 3600.0, SECONDS_PER_DAY = 86400.0;

/* Delete one batch of rows older than cutoff from driver (keyed by column
 * key); the bound comes from the driving table so that follower's rows (same
 * key) go with it. Returns rows deleted from driver, or -1 (s->werr set). */
static int64_t delete_batch(store *s, const char *driver, const char *key, const char *follower,
                            int64_t cutoff) {
  char sql[256];
  sqlite3_stmt *stmt = NULL;
  int64_t bound = cutoff, deleted = -1;
  /* Exclusive upper bound of this batch: the RETENTION_BATCH-th oldest key. */
  snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s < ?1 ORDER BY %s LIMIT 1 OFFSET %d", key,
           driver, key, key, RETENTION_BATCH);
  if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK) goto out;
  sqlite3_bind_int64(stmt, 1, cutoff);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW)
    bound = sqlite3_column_int64(stmt, 0);
  else if (rc != SQLITE_DONE)
    goto out;
  sqlite3_finalize(stmt);
  stmt = NULL;
  for (int pass = follower ? 0 : 1; pass < 2; pass++) {
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s < ?1", pass == 0 ? follower : driver, key);
    if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK) goto out;
    sqlite3_bind_int64(stmt, 1, bound);
    if (sqlite3_step(stmt) != SQLITE_DONE) goto out;
    sqlite3_finalize(stmt);
    stmt = NULL;
  }
  deleted = sqlite3_changes(s->db);
out:
  if (deleted < 0) txn_set_error(s, "enforcing retention");
  sqlite3_finalize(stmt);
  return deleted;
}

hiro_err retention_step(store_txn *tx, double now_s, bool *more) {
  store *s = tx->s;
  *more = false;
  const store_retention *r = &s->retention;
  int64_t raw_cut_ms = (int64_t)((now_s - r->raw_hours * SECONDS_PER_HOUR) * 1000.0);
  double cut_s[TIERS] = {now_s - r->minute_days * SECONDS_PER_DAY,
                         now_s - r->hour_days * SECONDS_PER_DAY};
  int64_t raw = delete_batch(s, "raw_system", "ts_ms", "raw_process", raw_cut_ms);
  if (raw < 0) return HIRO_EIO;
  *more = raw >= RETENTION_BATCH;
  tx->rows_raw -= raw;
  for (int t = 0; t < TIERS; t++) {
    char sys[32], proc[32];
    snprintf(sys, sizeof sys, "system_%s", store_tiers[t].suffix);
    snprintf(proc, sizeof proc, "process_%s", store_tiers[t].suffix);
    int64_t deleted = delete_batch(s, sys, "bucket", proc, (int64_t)cut_s[t]);
    if (deleted < 0) return HIRO_EIO;
    tx->rows_tier[t] -= deleted;
    *more = *more || deleted >= RETENTION_BATCH;
  }
  const int64_t app_cut_s[TIERS] = {(int64_t)cut_s[0], (int64_t)cut_s[1]};
  if (store_app_retention(s, raw_cut_ms, app_cut_s) != HIRO_OK) return HIRO_EIO;
  if (store_lists_retention(s, raw_cut_ms, app_cut_s) != HIRO_OK) return HIRO_EIO;
  /* Events are kept as long as the minute tier. */
  int64_t events = delete_batch(s, "events", "ts_ms", NULL, (int64_t)(cut_s[0] * 1000.0));
  if (events < 0) return HIRO_EIO;
  *more = *more || events >= RETENTION_BATCH;
  if (raw > 0) {
    sqlite3_stmt *stmt = s->stmt.oldest_raw;
    int rc = sqlite3_step(stmt);
    tx->oldest_changed = rc == SQLITE_ROW;
    tx->oldest_after = rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL
                           ? sqlite3_column_int64(stmt, 0)
                           : INT64_MAX;
    sqlite3_reset(stmt);
    if (rc != SQLITE_ROW) {
      txn_set_error(s, "enforcing retention");
      return HIRO_EIO;
    }
  }
  return HIRO_OK;
}

static int64_t pragma_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *stmt = NULL;
  int64_t v = 0;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW)
    v = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  return v;
}

void retention_vacuum(store *s, bool all) {
  if (all) {
    sqlite3_exec(s->db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
    return;
  }
  int64_t free_pages = pragma_int(s->db, "PRAGMA freelist_count");
  int64_t pages = pragma_int(s->db, "PRAGMA page_count");
  if (free_pages < VACUUM_MIN_FREE_PAGES || free_pages * VACUUM_FREE_SHARE < pages) return;
  char sql[64];
  snprintf(sql, sizeof sql, "PRAGMA incremental_vacuum(%d)", VACUUM_STEP_PAGES);
  sqlite3_exec(s->db, sql, NULL, NULL, NULL);
}
