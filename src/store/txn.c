/* txn.c - one write transaction on the writer connection: BEGIN, COMMIT and
 * ROLLBACK, the status counters it changes (applied only once it commits),
 * and the in-memory state a rollback must put back (the rollup accumulators
 * and the process-id cache), so a failed batch leaves no trace anywhere. */
#include <stdio.h>
#include <string.h>

#include "store/store_internal.h"

void txn_set_error(store *s, const char *what) {
  snprintf(s->werr, sizeof s->werr, "%s: %s (%s)", what, sqlite3_errmsg(s->db),
           sqlite3_errstr(sqlite3_extended_errcode(s->db)));
}

hiro_err txn_step(store *s, sqlite3_stmt *stmt, const char *what) {
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  sqlite3_reset(stmt);
  if (rc == SQLITE_DONE) return HIRO_OK;
  txn_set_error(s, what);
  return HIRO_EIO;
}

hiro_err txn_begin(store *s, store_txn *tx) {
  memset(tx, 0, sizeof *tx);
  tx->s = s;
  tx->min_new_ts_ms = INT64_MAX;
  /* Prepared BEGIN/COMMIT: parsing them each time was a visible part of the
   * idle server's CPU at one transaction per tick. */
  if (txn_step(s, s->stmt.begin, "starting a transaction") != HIRO_OK) return HIRO_EIO;
  rollup_save(s->tier, tx->saved);
  tx->cache_len = s->n_cache;
  return HIRO_OK;
}

void txn_rollback(store_txn *tx) {
  store *s = tx->s;
  /* ROLLBACK can only fail when there is nothing to roll back (SQLite
   * already did it, e.g. after SQLITE_FULL): the check is for that case. */
  if (!sqlite3_get_autocommit(s->db)) {
    sqlite3_step(s->stmt.rollback);
    sqlite3_reset(s->stmt.rollback);
  }
  rollup_free(s->tier);
  memcpy(s->tier, tx->saved, sizeof s->tier); /* ownership moves back */
  memset(tx->saved, 0, sizeof tx->saved);
  s->n_cache = tx->cache_len;
  store_app_rollback(s);
  store_lists_rollback(s);
}

hiro_err txn_commit(store_txn *tx) {
  store *s = tx->s;
  /* SQLite rolls a transaction back by itself after some errors (a full
   * disk, an I/O error); a statement run after that would commit on its own.
   * Every error is checked where it happens; this catches one that was not. */
  if (sqlite3_get_autocommit(s->db)) {
    snprintf(s->werr, sizeof s->werr, "committing: the transaction was rolled back by SQLite");
    txn_rollback(tx);
    return HIRO_EIO;
  }
  if (txn_step(s, s->stmt.commit, "committing") != HIRO_OK) {
    txn_rollback(tx);
    return HIRO_EIO;
  }
  rollup_free(tx->saved);
  pthread_mutex_lock(&s->lock);
  s->rows_raw += tx->rows_raw;
  for (int t = 0; t < TIERS; t++) s->rows_tier[t] += tx->rows_tier[t];
  if (tx->oldest_changed) s->oldest_raw_ms = tx->oldest_after;
  if (tx->min_new_ts_ms < s->oldest_raw_ms) s->oldest_raw_ms = tx->min_new_ts_ms;
  pthread_mutex_unlock(&s->lock);
  return HIRO_OK;
}
