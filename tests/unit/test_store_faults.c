/* test_store_faults.c - write faults injected from inside SQLite: a shim VFS
 * over the default one fails the Nth write or sync with SQLITE_FULL or an
 * I/O error. For every position of the fault in a batch (mid-transaction,
 * when the page cache spills, or at the commit) the rolled-back batch leaves
 * the file, the status counters, the rollup accumulators and the process-id
 * cache exactly as they were, and a retry succeeds; the writer thread
 * reports the fault, keeps the records and writes them once it clears. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "common/clock.h"
#include "store/store_internal.h"
#include "test_store_util.h"

/* ---- the fault-injecting VFS ---- */

static struct {
  int write_countdown; /* the write that brings it to 0 fails; 0 = off */
  int sync_countdown;
  int write_rc, sync_rc;
  bool sticky;         /* once failed, every later one fails too */
  long writes, syncs;  /* seen since the counters were reset */
  long failed;
} fault;

static void fault_reset(void) { memset(&fault, 0, sizeof fault); }

typedef struct {
  sqlite3_file base;
  sqlite3_file *real; /* the default VFS's file, allocated right behind */
} shim_file;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs shim_vfs;
static sqlite3_io_methods shim_io;

#define REAL(f) (((shim_file *)(f))->real)

static bool trip(int *countdown) {
  if (*countdown <= 0 || --*countdown > 0) return false;
  if (fault.sticky) *countdown = 1;
  fault.failed++;
  return true;
}

static int shim_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off) {
  fault.writes++;
  if (trip(&fault.write_countdown)) return fault.write_rc;
  return REAL(f)->pMethods->xWrite(REAL(f), buf, amt, off);
}
static int shim_sync(sqlite3_file *f, int flags) {
  fault.syncs++;
  if (trip(&fault.sync_countdown)) return fault.sync_rc;
  return REAL(f)->pMethods->xSync(REAL(f), flags);
}
static int shim_close(sqlite3_file *f) { return REAL(f)->pMethods->xClose(REAL(f)); }
static int shim_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off) {
  return REAL(f)->pMethods->xRead(REAL(f), buf, amt, off);
}
static int shim_truncate(sqlite3_file *f, sqlite3_int64 size) {
  return REAL(f)->pMethods->xTruncate(REAL(f), size);
}
static int shim_file_size(sqlite3_file *f, sqlite3_int64 *size) {
  return REAL(f)->pMethods->xFileSize(REAL(f), size);
}
static int shim_lock(sqlite3_file *f, int level) { return REAL(f)->pMethods->xLock(REAL(f), level); }
static int shim_unlock(sqlite3_file *f, int level) {
  return REAL(f)->pMethods->xUnlock(REAL(f), level);
}
static int shim_check_reserved(sqlite3_file *f, int *out) {
  return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}
static int shim_file_control(sqlite3_file *f, int op, void *arg) {
  return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}
static int shim_sector_size(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }
static int shim_device(sqlite3_file *f) {
  return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}
static int shim_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **p) {
  return REAL(f)->pMethods->xShmMap(REAL(f), pg, sz, extend, p);
}
static int shim_shm_lock(sqlite3_file *f, int off, int n, int flags) {
  return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}
static void shim_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }
static int shim_shm_unmap(sqlite3_file *f, int del) {
  return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                     int *out_flags) {
  (void)vfs;
  shim_file *sf = (shim_file *)file;
  sf->real = (sqlite3_file *)(sf + 1);
  int rc = real_vfs->xOpen(real_vfs, name, sf->real, flags, out_flags);
  /* No memory-mapped I/O (iVersion 2): every page goes through xWrite. */
  file->pMethods = rc == SQLITE_OK ? &shim_io : NULL;
  return rc;
}

/* Install the shim as the default VFS: every connection the store opens
 * goes through it. */
static void shim_install(void) {
  if (real_vfs) return;
  real_vfs = sqlite3_vfs_find(NULL);
  shim_vfs = *real_vfs; /* the path and time methods are the real ones */
  shim_vfs.zName = "fault-shim";
  shim_vfs.szOsFile = (int)sizeof(shim_file) + real_vfs->szOsFile;
  shim_vfs.xOpen = shim_open;
  shim_io = (sqlite3_io_methods){2,
                                 shim_close,
                                 shim_read,
                                 shim_write,
                                 shim_truncate,
                                 shim_sync,
                                 shim_file_size,
                                 shim_lock,
                                 shim_unlock,
                                 shim_check_reserved,
                                 shim_file_control,
                                 shim_sector_size,
                                 shim_device,
                                 shim_shm_map,
                                 shim_shm_lock,
                                 shim_shm_barrier,
                                 shim_shm_unmap,
                                 NULL,
                                 NULL};
  assert_int_equal(sqlite3_vfs_register(&shim_vfs, 1), SQLITE_OK);
}

/* The wall clock a day before the synthetic snapshots: the writer thread's
 * own housekeeping then finds no stale bucket to close while a test compares
 * states (it would be right to close it, but not in the middle of that). */
static double day_before(void) { return 1700000000.0 - 86400; }

static int setup(void **state) {
  shim_install();
  fault_reset();
  clock_override(day_before, NULL);
  return tsu_setup(state);
}
static int teardown(void **state) {
  fault_reset();
  clock_override(NULL, NULL);
  return tsu_teardown(state);
}

/* ---- the store's state, as a rollback must leave it ---- */

typedef struct {
  store_status status;
  tier_acc tier[TIERS];
  size_t n_cache;
  int64_t raw, proc_rows, minute, hour, names, processes;
} store_state;

static void state_take(store *s, store_state *st) {
  pthread_mutex_lock(&s->db_lock);
  store_get_status(s, &st->status);
  rollup_save(s->tier, st->tier);
  st->n_cache = s->n_cache;
  pthread_mutex_unlock(&s->db_lock);
  sqlite3 *db = tsu_db(tsu_dbpath);
  st->raw = tsu_int(db, "SELECT count(*) FROM raw_system");
  st->proc_rows = tsu_int(db, "SELECT count(*) FROM raw_process");
  st->minute = tsu_int(db, "SELECT count(*) FROM system_1m") +
               tsu_int(db, "SELECT count(*) FROM process_1m");
  st->hour = tsu_int(db, "SELECT count(*) FROM system_1h") +
             tsu_int(db, "SELECT count(*) FROM process_1h");
  st->names = tsu_int(db, "SELECT count(*) FROM process_name");
  st->processes = tsu_int(db, "SELECT count(*) FROM process");
  sqlite3_close(db);
}

static void assert_same_state(const store_state *a, const store_state *b) {
  assert_int_equal(a->status.rows_raw, b->status.rows_raw);
  assert_int_equal(a->status.rows_minute, b->status.rows_minute);
  assert_int_equal(a->status.rows_hour, b->status.rows_hour);
  assert_true(a->status.oldest_timestamp == b->status.oldest_timestamp);
  assert_int_equal(a->status.written_snapshots, b->status.written_snapshots);
  assert_int_equal(a->n_cache, b->n_cache);
  for (int t = 0; t < TIERS; t++) {
    const tier_acc *x = &a->tier[t], *y = &b->tier[t];
    assert_int_equal(x->open, y->open);
    assert_int_equal(x->bucket, y->bucket);
    assert_int_equal(x->max_ts_ms, y->max_ts_ms);
    assert_memory_equal(&x->sys, &y->sys, sizeof x->sys);
    assert_int_equal(x->n_procs, y->n_procs);
    if (x->n_procs) assert_memory_equal(x->procs, y->procs, x->n_procs * sizeof *x->procs);
  }
  assert_int_equal(a->raw, b->raw);
  assert_int_equal(a->proc_rows, b->proc_rows);
  assert_int_equal(a->minute, b->minute);
  assert_int_equal(a->hour, b->hour);
  assert_int_equal(a->names, b->names);
  assert_int_equal(a->processes, b->processes);
}

static void state_free(store_state *st) { rollup_free(st->tier); }

/* n snapshots from *ts, 7 s apart (minute and hour buckets close inside),
 * with plugins whose names start with prefix (new names grow the cache). */
static metrics_snapshot *make_batch(double *ts, size_t n, const char *prefix, uint64_t *rng) {
  metrics_snapshot *v = calloc(n, sizeof *v);
  for (size_t i = 0; i < n; i++, *ts += 7) {
    tsu_snapshot(&v[i], *ts, 6, rng, true, i % 3 != 0);
    for (size_t c = 0; c < 6; c++)
      snprintf(v[i].children[c].name, HIRO_NAME_MAX, "%s-%zu", prefix, c);
  }
  return v;
}

/* Rollups equal their raw rows, after the close that flushed them. */
static void assert_rollups_exact(int64_t raw) {
  sqlite3 *db = tsu_db(tsu_dbpath);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM raw_system"), raw);
  for (int t = 0; t < TIERS; t++) {
    char sql[512];
    int64_t w = store_tier_seconds[t];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM (SELECT ts_ms/%lld*%lld AS b, count(*) AS n, avg(cpu_pct_x100)"
             " AS c FROM raw_system GROUP BY b) a FULL JOIN system_%s r ON r.bucket = a.b WHERE"
             " a.b IS NULL OR r.bucket IS NULL OR r.n != a.n OR abs(r.cpu_pct_x100_avg - a.c) >"
             " 1e-9 * max(1, a.c)",
             (long long)w * 1000, (long long)w, store_tiers[t].suffix);
    assert_int_equal(tsu_int(db, sql), 0);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM (SELECT r.ts_ms/%lld*%lld AS b, p.name_id AS nid, count(*) AS"
             " n, max(r.rss_kib) AS m FROM raw_process r JOIN process p ON p.id = r.process_id"
             " GROUP BY b, nid) a FULL JOIN process_%s r ON r.bucket = a.b AND r.name_id = a.nid"
             " WHERE a.b IS NULL OR r.bucket IS NULL OR r.n != a.n OR r.rss_kib_max != a.m",
             (long long)w * 1000, (long long)w, store_tiers[t].suffix);
    assert_int_equal(tsu_int(db, sql), 0);
  }
  sqlite3_close(db);
}

/* Fail the k-th write of a batch, for k = 1, 2, ... until the
 * batch needs fewer than k and commits: every failure must leave the state
 * exactly as before. Returns how many positions failed. */
static int sweep_batch(store *s, double *ts, const char *prefix, int rc_code, uint64_t *rng,
                       int *mid_txn) {
  enum { BATCH = 40 };
  store_state before, after;
  int failures = 0;
  for (int k = 1;; k++) {
    double t = *ts;
    metrics_snapshot *v = make_batch(&t, BATCH, prefix, rng);
    state_take(s, &before);
    fault_reset();
    fault.write_countdown = k;
    fault.write_rc = rc_code;
    hiro_err rc = store_write_batch(s, v, BATCH);
    long writes_seen = fault.writes;
    bool tripped = fault.failed > 0;
    fault_reset();
    tsu_free_all(v, BATCH);
    if (rc == HIRO_OK) {
      state_free(&before);
      *ts = t;
      break;
    }
    assert_true(tripped);
    failures++;
    /* Writes before the last frame of the commit: the page cache spilled
     * into the WAL while rows were still being inserted. */
    if (writes_seen < k + 1) (*mid_txn)++;
    state_take(s, &after);
    assert_same_state(&before, &after);
    state_free(&before);
    state_free(&after);
    assert_true(k < 2000); /* a batch needs far fewer writes */
  }
  return failures;
}

static void test_rollback_at_every_write(void **state) {
  (void)state;
  uint64_t rng = 21;
  double ts = 1700000000.0 + 3000;
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  metrics_snapshot *first = make_batch(&ts, 200, "base", &rng);
  assert_int_equal(store_write_batch(s, first, 200), HIRO_OK);
  tsu_free_all(first, 200);
  /* A tiny page cache: pages spill into the WAL in the middle of a batch,
   * so faults land inside the transaction, not only at its commit. */
  pthread_mutex_lock(&s->db_lock);
  assert_int_equal(sqlite3_exec(s->db, "PRAGMA cache_size=4", NULL, NULL, NULL), SQLITE_OK);
  pthread_mutex_unlock(&s->db_lock);

  int mid = 0;
  int full = sweep_batch(s, &ts, "full", SQLITE_FULL, &rng, &mid);
  int ioerr = sweep_batch(s, &ts, "ioerr", SQLITE_IOERR_WRITE, &rng, &mid);
  print_message("write faults: %d positions with SQLITE_FULL, %d with SQLITE_IOERR_WRITE\n",
                full, ioerr);
  assert_true(full > 3 && ioerr > 3);
  assert_true(mid > 0);
  store_close(s);
  assert_rollups_exact(200 + 2 * 40);
}

/* Sync faults: with WAL and synchronous=NORMAL a commit does not sync; the
 * checkpoints do (here one after every commit). While every sync fails, the
 * commits still succeed and the checkpoints fail; nothing is lost, the file
 * stays intact, and checkpoints work again afterwards. */
static void test_sync_faults_lose_nothing(void **state) {
  (void)state;
  uint64_t rng = 22;
  double ts = 1700000000.0 + 500;
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  pthread_mutex_lock(&s->db_lock);
  assert_int_equal(sqlite3_exec(s->db, "PRAGMA wal_autocheckpoint=1", NULL, NULL, NULL),
                   SQLITE_OK);
  pthread_mutex_unlock(&s->db_lock);
  fault.sync_rc = SQLITE_IOERR_FSYNC;
  fault.sync_countdown = 1;
  fault.sticky = true;
  for (int i = 0; i < 5; i++) {
    metrics_snapshot *v = make_batch(&ts, 20, "sync", &rng);
    assert_int_equal(store_write_batch(s, v, 20), HIRO_OK);
    tsu_free_all(v, 20);
  }
  assert_true(fault.failed > 0); /* the checkpoints' syncs did fail */
  fault_reset();
  metrics_snapshot *v = make_batch(&ts, 20, "sync", &rng);
  assert_int_equal(store_write_batch(s, v, 20), HIRO_OK);
  tsu_free_all(v, 20);
  assert_true(fault.syncs > 0); /* and a checkpoint ran again */
  store_close(s);
  sqlite3 *db = tsu_db(tsu_dbpath);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM raw_system"), 120);
  tsu_assert_intact(db);
  sqlite3_close(db);
  assert_rollups_exact(120);
}

static void sleep_ms(int ms) {
  struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&pause, NULL);
}

/* The writer thread: a commit that fails (a full disk for a while) keeps
 * its records, reports the error, and writes them when the fault clears;
 * nothing is dropped and nothing is written twice. */
static void test_writer_retries_after_fault(void **state) {
  (void)state;
  uint64_t rng = 23;
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  tsu_commit_each(s);
  fault.write_rc = SQLITE_FULL;
  fault.sticky = true;
  fault.write_countdown = 2; /* the second frame of the next commit, and on */
  for (int i = 0; i < 20; i++) {
    metrics_snapshot snap;
    tsu_snapshot(&snap, 1700000000.0 + 2.0 * i, 3, &rng, true, true);
    store_enqueue(s, &snap);
    snapshot_free(&snap);
  }
  store_status st;
  for (int i = 0; i < 200; i++) {
    store_get_status(s, &st);
    if (st.has_error) break;
    sleep_ms(20);
  }
  assert_true(st.has_error);
  assert_non_null(strstr(st.last_error, "full"));
  assert_int_equal(st.written_snapshots + st.queue_depth, 20);
  fault.write_countdown = 0; /* space is back */
  store_flush(s);
  for (int i = 0; i < 400 && (st.has_error || st.written_snapshots < 20); i++) {
    sleep_ms(20);
    store_get_status(s, &st);
  }
  assert_false(st.has_error);
  assert_int_equal(st.written_snapshots, 20);
  assert_int_equal(st.dropped_snapshots, 0);
  assert_int_equal(st.rows_raw, 20);
  store_close(s);
  sqlite3 *db = tsu_db(tsu_dbpath);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM raw_system"), 20);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM raw_process"), 20 * 4);
  sqlite3_close(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_rollback_at_every_write, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sync_faults_lose_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_writer_retries_after_fault, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
