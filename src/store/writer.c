/* writer.c - the writer thread and its producers' side: records are queued
 * by store_enqueue / store_enqueue_event and committed in groups by the
 * commit policy; failed commits are retried with backoff; housekeeping
 * (stale rollup buckets, retention, maintenance requests) rides along a
 * commit or runs while idle; everything queued is written at shutdown. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/log.h"
#include "store/store_internal.h"

enum {
  QUEUE_CAPACITY = 4096,      /* records queued at most: ~2.3 h at 2 s */
  TXN_MAX_RECORDS = 1024,     /* records per transaction (a backlog takes several) */
  RETENTION_STEPS_COMMIT = 4, /* retention batches riding along one commit */
  RETENTION_STEPS_IDLE = 4,   /* retention batches per idle transaction */
  SHUTDOWN_TRIES = 3,         /* last attempts for a failing commit at shutdown */
  SHUTDOWN_PAUSE_MS = 200,
  /* Estimated bytes a record's rows take in the file, for the size trigger
   * (raw_system and raw_process rows with their b-tree overhead, measured
   * with dbstat on a generated database: 143 and 50 B, so 590 B for a
   * snapshot with a server and 8 plugins). */
  ROW_BYTES_SYSTEM = 143,
  ROW_BYTES_PROCESS = 50,
  ROW_BYTES_EVENT = 48,
};
/* The default commit policy (docs/storage-writes.md has the measurements).
 * Bytes: 64 KiB, not one page: a commit rewrites several shared pages (the
 * last leaf and parents of each table, the header, a pointer map) whatever
 * it adds, so with 64 plugins a page-sized group (2 snapshots) wrote 3.3x
 * more per snapshot than 15 snapshots; at 8 plugins and 2 s the flush
 * interval comes first. Items: a backlog's batch. */
enum { DEFAULT_MAX_BYTES = 64 * 1024, DEFAULT_MAX_ITEMS = TXN_MAX_RECORDS };
static const double BACKOFF_MIN = 1.0, BACKOFF_MAX = 5.0; /* seconds between retries */
/* Retention runs this often: each pass rewrites the oldest pages of every
 * table it trims, so a pass every 10 minutes costs a tenth of one a minute
 * and deletes the same rows. */
static const double RETENTION_PERIOD = 600.0;
static const double RETENTION_BACKLOG_PAUSE = 0.05; /* between passes of a big backlog */
static const double ROLLUP_GRACE = 5.0;             /* a bucket this long past its end is flushed */
static const double FLUSH_ERROR_WAIT = 5.0;         /* store_flush gives up after this, on errors */
static const double READ_SYNC_WAIT = 2.0; /* a history read waits at most this for a commit */

/* The writer thread's own state (no lock: only it touches this). */
typedef struct {
  double backoff;           /* next retry delay after a failure */
  double next_try;          /* clock_mono(): no commit retry before this */
  double next_retention;    /* clock_mono(): next retention pass */
  bool retention_backlog;   /* the last pass found full batches: go on soon */
  int64_t rollup_end;       /* wall-clock end of the earliest open bucket; INT64_MAX = none */
  double next_housekeeping; /* clock_mono(): after a failed pass, not before this */
} writer_state;

static struct timespec deadline_after(double seconds) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  if (!(seconds < 1e6)) seconds = 1e6; /* also NaN */
  double whole = floor(seconds);
  ts.tv_sec += (time_t)whole;
  ts.tv_nsec += (long)((seconds - whole) * 1e9);
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  return ts;
}

/* ---- producers' side ---- */

static void push_record(store *s, store_record *rec) {
  rec->queued_at = clock_mono();
  pthread_mutex_lock(&s->lock);
  record_queue *q = &s->queue;
  bool first = q->count == 0;
  queue_push(q, rec);
  /* Wake the writer only when its plan changes: the first record sets a
   * commit deadline, a full group or a zero delay commits now. Otherwise it
   * sleeps on until the deadline it has: no wake-up per tick. */
  const store_commit_policy *p = &s->policy;
  if (first || p->max_delay <= 0 || q->count >= p->max_items || q->queued_bytes >= p->max_bytes)
    pthread_cond_signal(&s->work);
  pthread_mutex_unlock(&s->lock);
}

void store_enqueue(store *s, const metrics_snapshot *snap) {
  if (!s || !snap) return;
  store_record rec = {.kind = REC_SNAPSHOT};
  snapshot_copy(&rec.u.snap,
                snap); /* outside the lock: producers never wait on each other's copies */
  size_t procs = snap->n_children + (snap->has_process ? 1 : 0);
  rec.bytes = ROW_BYTES_SYSTEM + procs * ROW_BYTES_PROCESS;
  push_record(s, &rec);
}

void store_enqueue_event(store *s, const hiro_event *e) {
  if (!s || !e) return;
  store_record rec = {.kind = REC_EVENT};
  rec.u.event = xmalloc(sizeof *rec.u.event);
  *rec.u.event = *e;
  /* Whatever the caller left in the buffers: terminated strings. */
  rec.u.event->process[sizeof e->process - 1] = '\0';
  rec.u.event->detail[sizeof e->detail - 1] = '\0';
  rec.bytes = ROW_BYTES_EVENT + strlen(rec.u.event->detail);
  push_record(s, &rec);
}

void store_set_event_sink(store *s, event_sink_fn fn, void *ctx) {
  if (!s) return;
  pthread_mutex_lock(&s->lock);
  s->on_event = fn;
  s->on_event_ctx = ctx;
  pthread_mutex_unlock(&s->lock);
}

/* Report a storage event (writer thread, no lock held). */
static void storage_event(store *s, event_kind kind, const char *detail) {
  pthread_mutex_lock(&s->lock);
  event_sink_fn fn = s->on_event;
  void *ctx = s->on_event_ctx;
  pthread_mutex_unlock(&s->lock);
  if (!fn) return;
  hiro_event e;
  event_init(&e, kind, clock_wall(), "server", 0);
  hiro_strlcpy(e.detail, detail, sizeof e.detail);
  fn(ctx, &e);
}

void store_set_commit_policy(store *s, const store_commit_policy *policy) {
  if (!s || !policy) return;
  pthread_mutex_lock(&s->lock);
  s->policy = *policy;
  if (!(s->policy.max_delay >= 0)) s->policy.max_delay = 0; /* also NaN */
  if (s->policy.max_items == 0) s->policy.max_items = 1;
  pthread_cond_signal(&s->work);
  pthread_mutex_unlock(&s->lock);
}

/* Ask for everything up to seq to be committed now and wait until it is, or
 * until writes have failed for max_error_wait, or until `give_up` (clock_mono)
 * passes. Called with s->lock held. */
static void wait_committed(store *s, uint64_t seq, double max_error_wait, double give_up) {
  record_queue *q = &s->queue;
  if (q->flush_seq < seq) q->flush_seq = seq;
  pthread_cond_signal(&s->work);
  double error_since = 0;
  while (queue_oldest_seq(q) <= seq && s->thread_started) {
    double now = clock_mono();
    if (now >= give_up) break;
    if (s->has_error) {
      /* A persistent write error makes the wait unbounded: give up. */
      if (error_since == 0)
        error_since = now;
      else if (now - error_since > max_error_wait)
        break;
    } else {
      error_since = 0;
    }
    struct timespec ts = deadline_after(0.2);
    pthread_cond_timedwait(&s->done, &s->lock, &ts);
  }
}

void store_flush(store *s) {
  if (!s) return;
  pthread_mutex_lock(&s->lock);
  wait_committed(s, s->queue.next_seq, FLUSH_ERROR_WAIT, INFINITY);
  pthread_mutex_unlock(&s->lock);
}

static double record_time(const store_record *r) {
  return r->kind == REC_SNAPSHOT ? r->u.snap.timestamp : r->u.event->timestamp;
}

void writer_request_reopen(store *s) {
  pthread_mutex_lock(&s->lock);
  s->reopen_req = true;
  pthread_cond_signal(&s->work);
  pthread_mutex_unlock(&s->lock);
}

void writer_sync_for_read(store *s, double to) {
  /* The path names another file than the writer's (replaced, or deleted and
   * re-created by someone): its -wal still belongs to ours, so no reader may
   * open it before the writer has switched over. */
  if (db_file_gone(s)) {
    writer_request_reopen(s);
    double give_up = clock_mono() + READ_SYNC_WAIT;
    pthread_mutex_lock(&s->lock);
    while (s->reopen_req && s->thread_started && clock_mono() < give_up) {
      struct timespec ts = deadline_after(0.05);
      pthread_cond_timedwait(&s->done, &s->lock, &ts);
    }
    pthread_mutex_unlock(&s->lock);
  }
  pthread_mutex_lock(&s->lock);
  const record_queue *q = &s->queue;
  bool needed = false;
  for (size_t i = q->batch_doomed; i < q->batch_count && !needed; i++)
    needed = record_time(&q->batch[i]) <= to;
  for (size_t i = 0; i < q->count && !needed; i++)
    needed = record_time(&q->ring[(q->head + i) % q->ring_alloc]) <= to;
  /* While writes fail, answer from what is committed rather than wait. */
  if (needed && !s->has_error) wait_committed(s, q->next_seq, 0, clock_mono() + READ_SYNC_WAIT);
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

void writer_wake(store *s) {
  pthread_mutex_lock(&s->lock);
  pthread_cond_broadcast(&s->work);
  pthread_mutex_unlock(&s->lock);
}

/* ---- errors ---- */

static void record_error(store *s, const char *msg) {
  pthread_mutex_lock(&s->lock);
  bool same = s->has_error && strcmp(s->last_error, msg) == 0, had = s->has_error;
  s->has_error = true;
  hiro_strlcpy(s->last_error, msg, sizeof s->last_error);
  pthread_cond_broadcast(&s->done);
  pthread_mutex_unlock(&s->lock);
  if (!same) log_warn("store: writing %s failed (will retry): %s", s->path, msg);
  if (!had) storage_event(s, EVENT_STORAGE_ERROR, msg);
}

static void clear_error(store *s) {
  pthread_mutex_lock(&s->lock);
  bool had = s->has_error;
  s->has_error = false;
  s->last_error[0] = '\0';
  pthread_mutex_unlock(&s->lock);
  if (had) {
    log_info("store: writing %s works again", s->path);
    storage_event(s, EVENT_STORAGE_RECOVERED, "writing the database works again");
  }
}

/* The file was deleted or replaced (or an earlier reopen failed): open what
 * is at the path now, creating it if needed. True when writing can go on.
 * db_lock held. */
static bool ensure_database(store *s) {
  if (s->db && !db_file_gone(s)) return true;
  char err[512];
  if (db_reopen(s, err, sizeof err) == HIRO_OK) return true;
  char msg[600];
  snprintf(msg, sizeof msg, "database file was deleted or replaced; reopening failed: %s", err);
  record_error(s, msg);
  return false;
}

/* ---- the writer's steps ---- */

/* When the queued records are to be committed by the policy and flush
 * requests, backoff aside: clock_mono() time, INFINITY when nothing is
 * queued. s->lock held. */
static double commit_time(const store *s) {
  const record_queue *q = &s->queue;
  const store_record *oldest = queue_oldest(q);
  if (!oldest) return INFINITY;
  const store_commit_policy *p = &s->policy;
  if (q->flush_seq >= oldest->seq || q->count >= p->max_items || q->queued_bytes >= p->max_bytes)
    return 0;
  return oldest->queued_at + p->max_delay;
}

/* Whether the queued records are to be committed now. s->lock held. */
static bool commit_due(const store *s, const writer_state *w, double now) {
  if (!s->queue.count) return false;
  /* Stop and maintenance wait for nobody: not even a backoff. */
  if (s->stop || s->maintain_done < s->maintain_req) return true;
  return now >= w->next_try && now >= commit_time(s);
}

/* Whether idle housekeeping (own transaction) is due: retention or a stale
 * open bucket with nothing queued, or a retention backlog. s->lock held. */
static bool housekeeping_due(const store *s, const writer_state *w, double now) {
  if (now < w->next_housekeeping) return false;
  if (w->retention_backlog) return now >= w->next_retention;
  if (s->queue.count) return false; /* it rides along the coming commit */
  bool stale = w->rollup_end != INT64_MAX && clock_wall() >= (double)w->rollup_end + ROLLUP_GRACE;
  return stale || now >= w->next_retention;
}

/* Sleep until a commit, housekeeping, maintenance or stop is due.
 * s->lock held. */
static void writer_wait(store *s, const writer_state *w) {
  for (;;) {
    double now = clock_mono();
    if (s->stop || s->reopen_req || s->maintain_done < s->maintain_req || commit_due(s, w, now) ||
        housekeeping_due(s, w, now))
      return;
    double wake = w->next_retention;
    if (s->queue.count) {
      wake = fmax(commit_time(s), w->next_try);
      if (w->retention_backlog) wake = fmin(wake, w->next_retention);
    } else if (w->rollup_end != INT64_MAX) {
      wake = fmin(wake, now + ((double)w->rollup_end + ROLLUP_GRACE - clock_wall()));
    }
    if (!s->queue.count) wake = fmax(wake, w->next_housekeeping);
    /* An enqueue, flush, stop or maintain request signals `work` sooner. */
    struct timespec ts = deadline_after(fmax(wake - now, 0.001));
    pthread_cond_timedwait(&s->work, &s->lock, &ts);
  }
}

static void note_rollup_end(store *s, writer_state *w) {
  if (!rollup_has_open(s, &w->rollup_end)) w->rollup_end = INT64_MAX;
}

/* Up to steps retention batches inside tx; sets the next pass's time. */
static hiro_err retention_in(store_txn *tx, writer_state *w, int steps) {
  bool more = true;
  for (int i = 0; more && i < steps; i++)
    if (retention_step(tx, clock_wall(), &more) != HIRO_OK) return HIRO_EIO;
  w->retention_backlog = more;
  w->next_retention = clock_mono() + (more ? RETENTION_BACKLOG_PAUSE : RETENTION_PERIOD);
  return HIRO_OK;
}

/* Write the batch (in flight) in one transaction, with retention when
 * with_retention. db_lock held. */
static hiro_err write_batch_txn(store *s, writer_state *w, bool with_retention) {
  const record_queue *q = &s->queue;
  store_txn tx;
  if (txn_begin(s, &tx) != HIRO_OK) return HIRO_EIO;
  hiro_err rc = HIRO_OK;
  for (size_t i = 0; i < q->batch_count && rc == HIRO_OK; i++) rc = write_record(&tx, &q->batch[i]);
  if (rc == HIRO_OK && with_retention) rc = retention_in(&tx, w, RETENTION_STEPS_COMMIT);
  if (rc != HIRO_OK) {
    txn_rollback(&tx);
    return rc;
  }
  return txn_commit(&tx);
}

static void commit_failed(store *s, writer_state *w) {
  record_error(s, s->werr);
  w->next_try = clock_mono() + w->backoff;
  w->backoff = fmin(w->backoff * 2, BACKOFF_MAX);
}

/* Commit the oldest queued records (up to TXN_MAX_RECORDS) in one
 * transaction; retention rides along when due. True on success. */
static bool commit_queued(store *s, writer_state *w) {
  pthread_mutex_lock(&s->lock);
  size_t n = queue_take(&s->queue);
  pthread_mutex_unlock(&s->lock);
  if (!n) return true;
  pthread_mutex_lock(&s->db_lock);
  hiro_err rc = HIRO_EIO;
  if (ensure_database(s)) {
    bool retention = clock_mono() >= w->next_retention;
    rc = write_batch_txn(s, w, retention);
    /* A failing retention must not hold the records back. */
    if (rc != HIRO_OK && retention) rc = write_batch_txn(s, w, false);
    if (rc != HIRO_OK)
      record_error(s, s->werr);
    else if (retention)
      retention_vacuum(s, false);
    note_rollup_end(s, w);
  }
  pthread_mutex_unlock(&s->db_lock);
  pthread_mutex_lock(&s->lock);
  queue_finish(&s->queue, rc == HIRO_OK);
  pthread_cond_broadcast(&s->done);
  pthread_mutex_unlock(&s->lock);
  if (rc != HIRO_OK) {
    commit_failed(s, w);
    return false;
  }
  clear_error(s);
  w->backoff = BACKOFF_MIN;
  w->next_try = 0;
  return true;
}

/* Nothing queued (or a retention backlog): close buckets that ended a while
 * ago (the collector is paused) and run retention, in their own
 * transaction. */
static void housekeeping(store *s, writer_state *w, bool all_buckets, int retention_steps) {
  pthread_mutex_lock(&s->db_lock);
  if (ensure_database(s)) {
    store_txn tx;
    bool retention = retention_steps > 0 && clock_mono() >= w->next_retention;
    int64_t cutoff = all_buckets ? INT64_MAX : (int64_t)(clock_wall() - ROLLUP_GRACE);
    bool ok = false;
    if (txn_begin(s, &tx) == HIRO_OK) {
      if (rollup_flush(&tx, cutoff) == HIRO_OK && store_app_roll(s, cutoff) == HIRO_OK &&
          store_lists_roll(s, cutoff) == HIRO_OK &&
          (!retention || retention_in(&tx, w, retention_steps) == HIRO_OK)) {
        ok = txn_commit(&tx) == HIRO_OK;
        if (ok && retention) retention_vacuum(s, false);
      } else {
        txn_rollback(&tx);
      }
    }
    /* A locked or full database: not again at once (a stale bucket would
     * otherwise ask for another pass right away). */
    if (!ok) w->next_housekeeping = clock_mono() + BACKOFF_MAX;
  }
  /* Also after a failed reopen, which dropped the old file's buckets. */
  note_rollup_end(s, w);
  /* Whatever failed is retried at the next pass, not in a loop. */
  if (clock_mono() >= w->next_retention && !w->retention_backlog)
    w->next_retention = clock_mono() + RETENTION_PERIOD;
  pthread_mutex_unlock(&s->db_lock);
}

/* A reader found the path naming another file: switch to it now. */
static void serve_reopen(store *s, writer_state *w) {
  pthread_mutex_lock(&s->db_lock);
  ensure_database(s);
  note_rollup_end(s, w);
  pthread_mutex_unlock(&s->db_lock);
  pthread_mutex_lock(&s->lock);
  s->reopen_req = false;
  pthread_cond_broadcast(&s->done);
  pthread_mutex_unlock(&s->lock);
}

static size_t queued(store *s) {
  pthread_mutex_lock(&s->lock);
  size_t n = s->queue.count;
  pthread_mutex_unlock(&s->lock);
  return n;
}

/* store_maintain: everything queued is committed first, then retention runs
 * to completion and every free page goes back to the file system. When the
 * commit fails, only the request is answered. */
static void serve_maintenance(store *s, writer_state *w, uint64_t req) {
  bool ok = true;
  while (ok && queued(s)) ok = commit_queued(s, w);
  pthread_mutex_lock(&s->db_lock);
  if (ok && ensure_database(s)) {
    w->retention_backlog = true;
    while (w->retention_backlog) {
      store_txn tx;
      w->next_retention = 0;
      if (txn_begin(s, &tx) != HIRO_OK) break;
      if (retention_in(&tx, w, RETENTION_STEPS_IDLE) != HIRO_OK) {
        txn_rollback(&tx);
        break;
      }
      if (txn_commit(&tx) != HIRO_OK) break;
    }
    if (w->retention_backlog) record_error(s, s->werr);
    retention_vacuum(s, true);
    w->retention_backlog = false;
    w->next_retention = clock_mono() + RETENTION_PERIOD;
  }
  pthread_mutex_unlock(&s->db_lock);
  pthread_mutex_lock(&s->lock);
  s->maintain_done = req;
  pthread_cond_broadcast(&s->done);
  pthread_mutex_unlock(&s->lock);
}

/* Shutdown: everything queued (a few more tries for a failing commit), then
 * the open rollup buckets. */
static void drain_at_shutdown(store *s, writer_state *w) {
  for (int tries = 0; tries < SHUTDOWN_TRIES && queued(s);) {
    w->next_retention = INFINITY; /* no retention on the way out */
    if (commit_queued(s, w)) continue;
    tries++;
    struct timespec pause = {0, SHUTDOWN_PAUSE_MS * 1000000L};
    nanosleep(&pause, NULL);
  }
  size_t left = queued(s);
  if (left)
    log_error("store: %zu records could not be written to %s: %s", left, s->path, s->last_error);
  /* A file deleted meanwhile is not re-created just for the buckets: they
   * belong to it, and go with it. */
  pthread_mutex_lock(&s->db_lock);
  bool gone = !s->db || db_file_gone(s);
  pthread_mutex_unlock(&s->db_lock);
  if (!gone) housekeeping(s, w, true, 0);
  pthread_mutex_lock(&s->db_lock);
  if (!gone && rollup_has_open(s, NULL))
    log_error("store: could not write the open rollup buckets to %s: %s", s->path, s->werr);
  pthread_mutex_unlock(&s->db_lock);
}

static void *writer_main(void *arg) {
  store *s = arg;
  hiro_thread_name("store-writer");
  writer_state w = {.backoff = BACKOFF_MIN, .rollup_end = INT64_MAX};
  pthread_mutex_lock(&s->db_lock);
  note_rollup_end(s, &w);
  pthread_mutex_unlock(&s->db_lock);
  pthread_mutex_lock(&s->lock);
  for (;;) {
    writer_wait(s, &w);
    if (s->stop) break;
    double now = clock_mono();
    bool reopen = s->reopen_req;
    bool maintain = s->maintain_done < s->maintain_req;
    uint64_t maintain_req = s->maintain_req;
    bool commit = commit_due(s, &w, now);
    bool idle_work = housekeeping_due(s, &w, now);
    pthread_mutex_unlock(&s->lock);
    if (reopen)
      serve_reopen(s, &w);
    else if (maintain)
      serve_maintenance(s, &w, maintain_req);
    else if (commit)
      commit_queued(s, &w);
    else if (idle_work)
      housekeeping(s, &w, false, RETENTION_STEPS_IDLE);
    pthread_mutex_lock(&s->lock);
  }
  pthread_mutex_unlock(&s->lock);
  drain_at_shutdown(s, &w);
  return NULL;
}

void store_commit_policy_default(store_commit_policy *policy) {
  *policy =
      (store_commit_policy){STORE_DEFAULT_FLUSH_INTERVAL, DEFAULT_MAX_BYTES, DEFAULT_MAX_ITEMS};
}

hiro_err writer_start(store *s) {
  store_commit_policy_default(&s->policy);
  queue_init(&s->queue, QUEUE_CAPACITY, TXN_MAX_RECORDS);
  if (pthread_create(&s->thread, NULL, writer_main, s) != 0) return HIRO_EIO;
  s->thread_started = true;
  return HIRO_OK;
}

void writer_stop(store *s) {
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
