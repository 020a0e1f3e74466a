/* writer.c - the writer thread: a bounded queue fed by store_enqueue, batched
 * transactions, error reporting with retry and backoff, idle rollup flushes
 * and retention in small batches. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "store/store_internal.h"

enum {
  RETENTION_BATCH = 100,     /* snapshots per statement: ~1000 raw_process rows */
  RETENTION_STEPS_IDLE = 4,  /* batches per idle cycle, then look at the queue */
  VACUUM_PAGES = 256,        /* pages returned to the file system per cycle */
};
static const double BACKOFF_MIN = 1.0, BACKOFF_MAX = 5.0;
static const double RETENTION_PERIOD = 60.0; /* seconds between idle retention passes and
                                              * rollup flushes: each pass prepares nine
                                              * statements and commits, so fewer, larger
                                              * passes (was 10 s) */
static const double ROLLUP_GRACE = 5.0;      /* a bucket this long past its end is flushed */
static const double FLUSH_ERROR_WAIT = 5.0;  /* store_flush gives up after this, on errors */

static struct timespec deadline_after(double seconds) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  double whole = (double)(long)seconds;
  ts.tv_sec += (time_t)whole;
  ts.tv_nsec += (long)((seconds - whole) * 1e9);
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}

static double now_mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void store_enqueue(store *s, const metrics_snapshot *snap) {
  if (!s || !snap) return;
  pthread_mutex_lock(&s->lock);
  if (s->queue_count == s->queue_cap) {
    snapshot_free(&s->queue[s->queue_head]);
    s->queue_head = (s->queue_head + 1) % s->queue_cap;
    s->queue_count--;
    s->dropped++;
  }
  size_t slot = (s->queue_head + s->queue_count) % s->queue_cap;
  snapshot_copy(&s->queue[slot], snap); /* slot is zeroed: moved out or freed */
  s->queue_seq[slot] = ++s->next_seq;
  s->queue_count++;
  pthread_cond_signal(&s->work);
  pthread_mutex_unlock(&s->lock);
}

void store_flush(store *s) {
  if (!s) return;
  pthread_mutex_lock(&s->lock);
  uint64_t target = s->next_seq;
  double error_since = 0;
  while (s->done_seq < target && s->thread_started) {
    if (s->has_error) {
      /* A persistent write error makes the wait unbounded: give up. */
      if (error_since == 0) error_since = now_mono();
      else if (now_mono() - error_since > FLUSH_ERROR_WAIT) break;
    } else {
      error_since = 0;
    }
    struct timespec ts = deadline_after(0.2);
    pthread_cond_timedwait(&s->done, &s->lock, &ts);
  }
  pthread_mutex_unlock(&s->lock);
}

void store_maintain(store *s) {
  if (!s) return;
  pthread_mutex_lock(&s->lock);
  uint64_t req = ++s->maintain_req;
  pthread_cond_signal(&s->work);
  while (s->maintain_done < req && s->thread_started) pthread_cond_wait(&s->done, &s->lock);
  pthread_mutex_unlock(&s->lock);
}

/* Move everything queued into the writer's batch; keeps the newest
 * queue_cap snapshots overall, counting the older ones as dropped. Called
 * with s->lock held. */
static void take_queue(store *s) {
  size_t total = s->held_count + s->queue_count;
  if (total > s->queue_cap) {
    size_t drop = total - s->queue_cap;
    for (size_t i = 0; i < drop; i++) snapshot_free(&s->held[i]);
    memmove(s->held, s->held + drop, (s->held_count - drop) * sizeof *s->held);
    memmove(s->held_seq, s->held_seq + drop, (s->held_count - drop) * sizeof *s->held_seq);
    memset(s->held + s->held_count - drop, 0, drop * sizeof *s->held);
    s->held_count -= drop;
    s->dropped += drop;
  }
  while (s->queue_count) {
    size_t slot = s->queue_head;
    s->held[s->held_count] = s->queue[slot]; /* ownership moves */
    s->held_seq[s->held_count++] = s->queue_seq[slot];
    memset(&s->queue[slot], 0, sizeof s->queue[slot]);
    s->queue_head = (s->queue_head + 1) % s->queue_cap;
    s->queue_count--;
  }
}

/* The file we opened was deleted or replaced: writes would go nowhere. */
static bool file_gone(store *s) {
  struct stat st;
  if (stat(s->path, &st) != 0) return errno == ENOENT;
  return s->ino && (st.st_ino != s->ino || st.st_dev != s->dev);
}

static void record_error(store *s, const char *msg) {
  pthread_mutex_lock(&s->lock);
  bool same = s->has_error && strcmp(s->last_error, msg) == 0;
  s->has_error = true;
  hiro_strlcpy(s->last_error, msg, sizeof s->last_error);
  pthread_cond_broadcast(&s->done);
  pthread_mutex_unlock(&s->lock);
  if (!same) log_warn("store: writing %s failed (will retry): %s", s->path, msg);
}

static void clear_error(store *s) {
  pthread_mutex_lock(&s->lock);
  bool had = s->has_error;
  s->has_error = false;
  s->last_error[0] = '\0';
  pthread_mutex_unlock(&s->lock);
  if (had) log_info("store: writing %s works again", s->path);
}

/* The file was deleted or replaced (or an earlier reopen failed): open what
 * is at the path now, creating it if needed. True when writing can go on. */
static bool ensure_database(store *s) {
  if (s->db && !file_gone(s)) return true;
  char err[512];
  pthread_mutex_lock(&s->db_lock);
  hiro_err rc = store_reopen(s, err, sizeof err);
  pthread_mutex_unlock(&s->db_lock);
  if (rc == HIRO_OK) return true;
  char msg[600];
  snprintf(msg, sizeof msg, "database file was deleted or replaced; reopening failed: %s", err);
  record_error(s, msg);
  return false;
}

/* Write the held batch; true on success. */
static bool write_held(store *s) {
  if (!ensure_database(s)) return false;
  pthread_mutex_lock(&s->db_lock);
  hiro_err rc = store_write_txn(s, s->held, s->held_count);
  pthread_mutex_unlock(&s->db_lock);
  if (rc != HIRO_OK) {
    record_error(s, s->werr);
    return false;
  }
  pthread_mutex_lock(&s->lock);
  for (size_t i = 0; i < s->held_count; i++) snapshot_free(&s->held[i]);
  s->done_seq = s->held_seq[s->held_count - 1];
  s->written += s->held_count;
  s->held_count = 0;
  pthread_cond_broadcast(&s->done);
  pthread_mutex_unlock(&s->lock);
  clear_error(s);
  return true;
}

/* Delete one batch of rows older than cutoff from table (keyed by column
 * key); the bound comes from the driving table so raw_process follows
 * raw_system. Returns rows deleted from driver, or -1. */
static int64_t delete_batch(store *s, const char *driver, const char *key, const char *follower,
                            int64_t cutoff) {
  char sql[256];
  sqlite3_stmt *st = NULL;
  int64_t bound = cutoff, deleted = -1;
  /* Exclusive upper bound of this batch: the RETENTION_BATCH-th oldest key. */
  snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE %s < ?1 ORDER BY %s LIMIT 1 OFFSET %d", key,
           driver, key, key, RETENTION_BATCH);
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) goto out;
  sqlite3_bind_int64(st, 1, cutoff);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) bound = sqlite3_column_int64(st, 0);
  else if (rc != SQLITE_DONE) goto out;
  sqlite3_finalize(st);
  st = NULL;
  if (follower) {
    snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s < ?1", follower, key);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) goto out;
    sqlite3_bind_int64(st, 1, bound);
    if (sqlite3_step(st) != SQLITE_DONE) goto out;
    sqlite3_finalize(st);
    st = NULL;
  }
  snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s < ?1", driver, key);
  if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) goto out;
  sqlite3_bind_int64(st, 1, bound);
  if (sqlite3_step(st) != SQLITE_DONE) goto out;
  deleted = sqlite3_changes(s->db);
out:
  if (deleted < 0) store_set_werr(s, "enforcing retention");
  sqlite3_finalize(st);
  return deleted;
}

hiro_err store_retention_step(store *s, double now_s, bool *more) {
  *more = false;
  const store_retention *r = &s->retention;
  int64_t raw_cut = (int64_t)((now_s - r->raw_hours * 3600.0) * 1000.0);
  int64_t cut[TIERS] = {(int64_t)(now_s - r->minute_days * 86400.0),
                        (int64_t)(now_s - r->hour_days * 86400.0)};
  static const char *const sys_tables[TIERS] = {"system_1m", "system_1h"};
  static const char *const proc_tables[TIERS] = {"process_1m", "process_1h"};
  if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
    store_set_werr(s, "enforcing retention");
    return HIRO_EIO;
  }
  int64_t raw = delete_batch(s, "raw_system", "ts_ms", "raw_process", raw_cut);
  int64_t tier[TIERS] = {0, 0};
  for (int t = 0; t < TIERS && raw >= 0 && tier[0] >= 0; t++)
    tier[t] = delete_batch(s, sys_tables[t], "bucket", proc_tables[t], cut[t]);
  int64_t oldest = INT64_MAX;
  bool ok = raw >= 0 && tier[0] >= 0 && tier[1] >= 0 &&
            store_app_retention(s, raw_cut, cut) == HIRO_OK;
  if (ok && raw > 0) {
    ok = sqlite3_step(s->st_oldest_raw) == SQLITE_ROW;
    if (ok && sqlite3_column_type(s->st_oldest_raw, 0) != SQLITE_NULL)
      oldest = sqlite3_column_int64(s->st_oldest_raw, 0);
    sqlite3_reset(s->st_oldest_raw);
  }
  if (!ok || sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
    if (ok) store_set_werr(s, "committing retention");
    if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return HIRO_EIO;
  }
  pthread_mutex_lock(&s->lock);
  s->rows_raw -= raw;
  s->rows_tier[0] -= tier[0];
  s->rows_tier[1] -= tier[1];
  if (raw > 0) s->oldest_raw_ms = oldest;
  pthread_mutex_unlock(&s->lock);
  /* A batch bounded by OFFSET deletes RETENTION_BATCH rows; fewer = done. */
  *more = raw >= RETENTION_BATCH || tier[0] >= RETENTION_BATCH || tier[1] >= RETENTION_BATCH;
  if (raw + tier[0] + tier[1] > 0) {
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA incremental_vacuum(%d)", VACUUM_PAGES);
    sqlite3_exec(s->db, sql, NULL, NULL, NULL);
  }
  return HIRO_OK;
}

/* Retention batches; all of them when complete, else a few. True when more
 * work remains. */
static bool run_retention(store *s, bool complete) {
  if (!s->db) return false; /* reopening after a deleted file is pending */
  bool more = true;
  for (int i = 0; more && (complete || i < RETENTION_STEPS_IDLE); i++) {
    pthread_mutex_lock(&s->db_lock);
    hiro_err rc = store_retention_step(s, clock_wall(), &more);
    pthread_mutex_unlock(&s->db_lock);
    if (rc != HIRO_OK) {
      record_error(s, s->werr);
      return false;
    }
  }
  if (complete) {
    pthread_mutex_lock(&s->db_lock);
    sqlite3_exec(s->db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
    pthread_mutex_unlock(&s->db_lock);
  }
  return more;
}

/* Flush rollup buckets that ended a while ago (the collector may be paused). */
static void idle_rollup_flush(store *s, int64_t now_s) {
  if (!s->db) return;
  pthread_mutex_lock(&s->db_lock);
  /* Application rollups: buckets the collector's pause left open. */
  if (s->app && sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) {
    bool ok = store_app_roll(s, now_s) == HIRO_OK &&
              sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    if (ok) {
      store_commit_counters(s);
    } else {
      if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
      store_app_rollback(s);
      s->tx_rows_tier[0] = s->tx_rows_tier[1] = 0;
    }
  }
  if (store_rollup_has_open(s)) {
    tier_acc saved[TIERS];
    store_rollup_save(s, saved);
    bool ok = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK &&
              store_rollup_flush(s, now_s) == HIRO_OK &&
              sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
    if (ok) {
      store_rollup_free(saved);
      store_commit_counters(s);
    } else {
      if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
      store_rollup_restore(s, saved);
      s->tx_rows_tier[0] = s->tx_rows_tier[1] = 0;
    }
  }
  pthread_mutex_unlock(&s->db_lock);
}

static void *writer_main(void *arg) {
  store *s = arg;
  hiro_thread_name("store-writer");
  double backoff = BACKOFF_MIN, next_try = 0, next_retention = 0;
  bool retention_more = false;
  pthread_mutex_lock(&s->lock);
  for (;;) {
    double now = now_mono();
    bool can_write = s->held_count && now >= next_try;
    if (!s->stop && !s->queue_count && !can_write && s->maintain_done == s->maintain_req) {
      /* Idle: sleep until the next retention pass; an enqueue, stop or
       * maintain request signals `work` sooner. (A fixed 1 s poll cost two
       * wake-ups per 2 s tick for nothing.) */
      double wait = s->held_count ? next_try - now
                    : retention_more ? 0.05
                    : next_retention - now > 0.05 ? next_retention - now : 0.05;
      if (wait > 0) {
        struct timespec ts = deadline_after(wait);
        pthread_cond_timedwait(&s->work, &s->lock, &ts);
      }
    }
    take_queue(s);
    bool stop = s->stop;
    bool maintain = s->maintain_done < s->maintain_req;
    uint64_t maintain_req = s->maintain_req;
    pthread_mutex_unlock(&s->lock);

    now = now_mono();
    if (s->held_count && (now >= next_try || stop || maintain)) {
      if (write_held(s)) {
        backoff = BACKOFF_MIN;
        next_try = 0;
      } else {
        next_try = now + backoff;
        backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
      }
    }
    if (stop) break;
    pthread_mutex_lock(&s->lock);
    bool idle = s->queue_count == 0 && s->held_count == 0;
    pthread_mutex_unlock(&s->lock);
    if (maintain) {
      if (!s->held_count) run_retention(s, true);
      pthread_mutex_lock(&s->lock);
      s->maintain_done = maintain_req;
      pthread_cond_broadcast(&s->done);
      pthread_mutex_unlock(&s->lock);
    } else if (idle && (retention_more || now >= next_retention)) {
      idle_rollup_flush(s, (int64_t)(clock_wall() - ROLLUP_GRACE));
      retention_more = run_retention(s, false);
      next_retention = now + RETENTION_PERIOD;
    }
    pthread_mutex_lock(&s->lock);
  }

  /* Shutdown: a few more tries for a batch that failed, then the open
   * rollup buckets. */
  for (int i = 0; i < 3 && s->held_count; i++) {
    if (write_held(s)) break;
    struct timespec pause = {0, 200 * 1000000L};
    nanosleep(&pause, NULL);
  }
  if (s->held_count)
    log_error("store: %zu snapshots could not be written to %s: %s", s->held_count, s->path,
              s->last_error);
  idle_rollup_flush(s, INT64_MAX);
  if (store_rollup_has_open(s))
    log_error("store: could not write the open rollup buckets to %s: %s", s->path, s->werr);
  return NULL;
}

hiro_err store_writer_start(store *s) {
  if (pthread_create(&s->thread, NULL, writer_main, s) != 0) return HIRO_EIO;
  s->thread_started = true;
  return HIRO_OK;
}

void store_writer_stop(store *s) {
  pthread_mutex_lock(&s->lock);
  s->stop = true;
  pthread_cond_signal(&s->work);
  pthread_mutex_unlock(&s->lock);
  pthread_join(s->thread, NULL);
  pthread_mutex_lock(&s->lock);
  s->thread_started = false;
  pthread_cond_broadcast(&s->done);
  pthread_mutex_unlock(&s->lock);
}
