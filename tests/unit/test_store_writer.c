/* test_store_writer.c - the writer thread: queued snapshots are committed,
 * overflow drops the oldest and counts them, write faults (a locked
 * database, a full disk, a deleted file) show in the status and clear once
 * writing works again. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <time.h>

#include "history/history.h"
#include "test_store_util.h"



static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Poll the status until has_error equals want (at most ~8 s). */
static store_status wait_error(store *s, bool want) {
  store_status st;
  for (int i = 0; i < 400; i++) {
    store_get_status(s, &st);
    if (st.has_error == want) return st;
    sleep_ms(20);
  }
  fail_msg("has_error never became %d", want);
  return st;
}

static void enqueue_range(store *s, double t0, size_t from, size_t to, uint64_t *rng) {
  for (size_t i = from; i < to; i++) {
    metrics_snapshot snap;
    tsu_snapshot(&snap, t0 + 2.0 * (double)i, 2, rng, true, true);
    store_enqueue(s, &snap);
    snapshot_free(&snap);
  }
}

static void test_enqueue_flush(void **state) {
  uint64_t rng = 1;
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  enqueue_range(s, 1700000000.0, 0, 100, &rng);
  store_flush(s);
  store_status st;
  store_get_status(s, &st);
  assert_int_equal(st.written_snapshots, 100);
  assert_int_equal(st.rows_raw, 100);
  assert_int_equal(st.queue_depth, 0);
  assert_int_equal(st.dropped_snapshots, 0);
  assert_false(st.has_error);
  assert_true(fabs(st.oldest_timestamp - 1700000000.0) < 1e-6);
  assert_true(st.size_bytes > 0);
  store_close(s);
}

static void test_overflow_drops_oldest_and_lock_error_clears(void **state) {
  uint64_t rng = 2;
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  /* Another connection holds the write lock: every write gets SQLITE_BUSY. */
  sqlite3 *blocker = tsu_db(tsu_dbpath);
  tsu_exec(blocker, "BEGIN EXCLUSIVE");
  enqueue_range(s, 1700000000.0, 0, 1, &rng);
  store_status st = wait_error(s, true);
  assert_non_null(strstr(st.last_error, "locked"));
  enum { TOTAL = 5000, CAP = 4096 };
  enqueue_range(s, 1700000000.0, 1, TOTAL, &rng);
  store_get_status(s, &st);
  assert_true(st.queue_depth <= 2 * CAP);

  tsu_exec(blocker, "COMMIT");
  sqlite3_close(blocker);
  store_flush(s);
  st = wait_error(s, false);
  assert_string_equal(st.last_error, "");
  assert_int_equal(st.written_snapshots, CAP);
  assert_int_equal(st.dropped_snapshots, TOTAL - CAP);
  assert_int_equal(st.queue_depth, 0);
  /* The newest CAP survived: the oldest were dropped. */
  metrics_snapshot *v = NULL;
  size_t n = store_load_recent(s, 10000, &v);
  assert_int_equal(n, CAP);
  assert_true(fabs(v[0].timestamp - (1700000000.0 + 2.0 * (TOTAL - CAP))) < 1e-6);
  assert_true(fabs(v[n - 1].timestamp - (1700000000.0 + 2.0 * (TOTAL - 1))) < 1e-6);
  tsu_free_all(v, n);
  store_close(s);
}

/* A 2 MB tmpfs filled up: SQLITE_FULL, then space comes back. Needs mount
 * (root in a container that allows it); skipped otherwise. */
static void test_disk_full_recovers(void **state) {
  char mnt[512];
  snprintf(mnt, sizeof mnt, "%s/small", tsu_dir);
  assert_int_equal(mkdir(mnt, 0700), 0);
  if (mount("tmpfs", mnt, "tmpfs", 0, "size=2m") != 0) {
    print_message("tmpfs mount not permitted here: skipping the disk-full test\n");
    skip();
  }
  char path[600], filler[600];
  snprintf(path, sizeof path, "%s/metrics.db", mnt);
  snprintf(filler, sizeof filler, "%s/filler", mnt);
  uint64_t rng = 3;
  store *s = tsu_open(path, &tsu_keep_all);
  enqueue_range(s, 1700000000.0, 0, 10, &rng);
  store_flush(s);
  int fd = open(filler, O_WRONLY | O_CREAT, 0600);
  char block[4096] = {1};
  while (write(fd, block, sizeof block) == (ssize_t)sizeof block) {}
  close(fd);
  enqueue_range(s, 1700000000.0, 10, 2000, &rng);
  store_status st = wait_error(s, true);
  assert_non_null(strstr(st.last_error, "full"));
  unlink(filler);
  store_flush(s);
  st = wait_error(s, false);
  assert_int_equal(st.written_snapshots, 2000);
  store_close(s);
  assert_int_equal(umount(mnt), 0);
}

/* The file deleted (with its -wal/-shm) while open: the writer notices,
 * creates a new database at the path, and goes on writing there; history
 * queries read the new file. */
static void test_deleted_file_recreated(void **state) {
  uint64_t rng = 4;
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  enqueue_range(s, 1700000000.0, 0, 5, &rng);
  store_flush(s);
  char side[4200];
  assert_int_equal(unlink(tsu_dbpath), 0);
  snprintf(side, sizeof side, "%s-wal", tsu_dbpath);
  unlink(side);
  snprintf(side, sizeof side, "%s-shm", tsu_dbpath);
  unlink(side);
  enqueue_range(s, 1700000000.0, 5, 10, &rng);
  store_flush(s);
  store_status st;
  store_get_status(s, &st);
  assert_false(st.has_error);
  assert_int_equal(st.written_snapshots, 10);
  assert_int_equal(access(tsu_dbpath, F_OK), 0);
  history_request req = {.from = 1700000000.0, .to = 1700000100.0, .max_points = 1000};
  history_answer ans;
  char err[256];
  assert_int_equal(history_query(NULL, s, &req, &ans, err, sizeof err), HIRO_OK);
  assert_int_equal(ans.n, 5); /* only what was written after the deletion */
  history_answer_free(&ans);
  store_close(s);
  /* The new file is a complete database of the current schema. */
  s = tsu_open(tsu_dbpath, &tsu_keep_all);
  store_get_status(s, &st);
  assert_int_equal(st.rows_raw, 5);
  store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_enqueue_flush, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_overflow_drops_oldest_and_lock_error_clears, tsu_setup,
                                      tsu_teardown),
      cmocka_unit_test_setup_teardown(test_disk_full_recovers, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_deleted_file_recreated, tsu_setup, tsu_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
