/* test_store_writer.c - the writer thread: queued records (snapshots and
 * lifecycle events) are committed in groups by the commit policy (delay,
 * size, flush, stop, a read that needs them); the queue has one bound and
 * overflow drops the oldest and counts them; write faults (a locked
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
#include "common/clock.h"
#include "store/store_internal.h"
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
  tsu_commit_each(s);
  /* Another connection holds the write lock: every write gets SQLITE_BUSY. */
  sqlite3 *blocker = tsu_db(tsu_dbpath);
  tsu_exec(blocker, "BEGIN EXCLUSIVE");
  enqueue_range(s, 1700000000.0, 0, 1, &rng);
  store_status st = wait_error(s, true);
  assert_non_null(strstr(st.last_error, "locked"));
  enum { TOTAL = 5000, CAP = 4096 };
  enqueue_range(s, 1700000000.0, 1, TOTAL, &rng);
  store_get_status(s, &st);
  assert_true(st.queue_depth <= CAP);

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

/* Points the history path answers from the database for [from, to]. */
static size_t disk_points(store *s, double from, double to) {
  history_request req = {.from = from, .to = to, .max_points = 1000};
  history_answer ans;
  char err[256];
  assert_int_equal(history_query(NULL, s, &req, &ans, err, sizeof err), HIRO_OK);
  size_t n = ans.n;
  history_answer_free(&ans);
  return n;
}

/* The file replaced by another hirocli file while open (moved aside, a
 * backup put in its place): a read right away never pairs the new file
 * with the old one's -wal; it waits for the writer to switch and answers
 * from the new file. The moved file keeps everything that was committed to
 * it, also what was still in its WAL. */
static void test_replaced_file_switched(void **state) {
  uint64_t rng = 5;
  char aside[600], other[600];
  snprintf(aside, sizeof aside, "%s/aside.db", tsu_dir);
  snprintf(other, sizeof other, "%s/other.db", tsu_dir);
  store *o = tsu_open(other, &tsu_keep_all);
  enqueue_range(o, 1600000000.0, 0, 3, &rng);
  store_close(o);
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  tsu_commit_each(s);
  enqueue_range(s, 1700000000.0, 0, 7, &rng);
  store_flush(s);
  assert_int_equal(rename(tsu_dbpath, aside), 0);
  assert_int_equal(rename(other, tsu_dbpath), 0);
  assert_int_equal(disk_points(s, 1600000000.0, 1800000000.0), 3); /* the new file's */
  enqueue_range(s, 1700000000.0, 7, 9, &rng);
  store_close(s);
  sqlite3 *db = tsu_db(aside);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM raw_system"), 7);
  sqlite3_close(db);
  db = tsu_db(tsu_dbpath);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM raw_system"), 5);
  tsu_assert_intact(db);
  sqlite3_close(db);
}

/* ---- group commit ---- */

/* A monotonic clock the test moves (nanoseconds, read by the writer). */
static int64_t fake_mono_ns;
static double fake_mono(void) {
  return (double)__atomic_load_n(&fake_mono_ns, __ATOMIC_RELAXED) / 1e9;
}
static void advance_mono(double seconds) {
  __atomic_add_fetch(&fake_mono_ns, (int64_t)(seconds * 1e9), __ATOMIC_RELAXED);
}

static store_status status_of(store *s) {
  store_status st;
  store_get_status(s, &st);
  return st;
}

/* Poll until written_snapshots reaches want (at most ~5 s). */
static store_status wait_written(store *s, uint64_t want) {
  store_status st = status_of(s);
  for (int i = 0; i < 250 && st.written_snapshots < want; i++) {
    sleep_ms(20);
    st = status_of(s);
  }
  return st;
}

/* The default policy holds snapshots until the flush interval has passed
 * since the oldest of them (by clock_mono, which the test moves). */
static void test_commit_after_max_delay(void **state) {
  uint64_t rng = 31;
  clock_override(NULL, fake_mono);
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  store_commit_policy p;
  store_commit_policy_default(&p);
  assert_true(p.max_delay == STORE_DEFAULT_FLUSH_INTERVAL);
  enqueue_range(s, 1700000000.0, 0, 5, &rng);
  sleep_ms(300);
  store_status st = status_of(s);
  assert_int_equal(st.written_snapshots, 0);
  assert_int_equal(st.queue_depth, 5);
  assert_int_equal(st.rows_raw, 0);
  advance_mono(p.max_delay - 1);
  writer_wake(s);
  sleep_ms(300);
  assert_int_equal(status_of(s).written_snapshots, 0);
  assert_true(status_of(s).commit_age >= p.max_delay - 1);
  advance_mono(2);
  writer_wake(s);
  st = wait_written(s, 5);
  assert_int_equal(st.written_snapshots, 5);
  assert_int_equal(st.queue_depth, 0);
  assert_true(st.commit_age == 0);
  store_close(s);
  clock_override(NULL, NULL);
}

/* Once the queued rows would fill max_bytes, they are committed at once. */
static void test_commit_when_group_full(void **state) {
  uint64_t rng = 32;
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  /* A snapshot with a server and 2 plugins is estimated at 143 + 3 x 50 =
   * 293 bytes: the 7th reaches 2000. */
  const store_commit_policy p = {.max_delay = 3600, .max_bytes = 2000, .max_items = 1000};
  store_set_commit_policy(s, &p);
  enqueue_range(s, 1700000000.0, 0, 6, &rng);
  sleep_ms(300);
  assert_int_equal(status_of(s).written_snapshots, 0);
  enqueue_range(s, 1700000000.0, 6, 7, &rng);
  assert_int_equal(wait_written(s, 7).written_snapshots, 7);
  /* And max_items the same way. */
  const store_commit_policy items = {.max_delay = 3600, .max_bytes = 1 << 30, .max_items = 3};
  store_set_commit_policy(s, &items);
  enqueue_range(s, 1700000000.0, 7, 9, &rng);
  sleep_ms(300);
  assert_int_equal(status_of(s).written_snapshots, 7);
  enqueue_range(s, 1700000000.0, 9, 10, &rng);
  assert_int_equal(wait_written(s, 10).written_snapshots, 10);
  store_close(s);
}

/* store_flush and store_close commit at once whatever the policy; an events
 * read commits what is queued first, a history read does not have to. */
static void test_flush_close_and_reads_commit(void **state) {
  uint64_t rng = 33;
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  enqueue_range(s, 1700000000.0, 0, 4, &rng); /* t0 .. t0 + 6 */
  store_flush(s);
  assert_int_equal(status_of(s).written_snapshots, 4);

  enqueue_range(s, 1700000000.0, 4, 8, &rng); /* t0 + 8 .. t0 + 14 */
  /* A history read does not force a commit (the ring holds what is queued;
   * here there is none): it sees what is committed. */
  assert_int_equal(disk_points(s, 1700000000.0, 1700000100.0), 4);
  assert_int_equal(status_of(s).written_snapshots, 4);
  /* An events read does (events are in no ring). */
  hiro_event *evs = NULL;
  size_t n_evs = 0;
  assert_int_equal(store_query_events(s, 1700000000.0, 1700000100.0, NULL, NULL, 10, &evs,
                                      &n_evs), HIRO_OK);
  assert_int_equal(status_of(s).written_snapshots, 8);
  assert_int_equal(disk_points(s, 1700000000.0, 1700000100.0), 8);

  enqueue_range(s, 1700000000.0, 8, 12, &rng);
  store_close(s); /* stop loses nothing */
  s = tsu_open(tsu_dbpath, &tsu_keep_all);
  assert_int_equal(status_of(s).rows_raw, 12);
  store_close(s);
}

/* ---- lifecycle events ---- */

static hiro_event event_at(double t, event_kind kind, const char *process, int pid,
                           const char *detail) {
  hiro_event e;
  event_init(&e, kind, t, process, pid);
  hiro_strlcpy(e.detail, detail, sizeof e.detail);
  return e;
}

static void test_events_recorded_and_queried(void **state) {
  uint64_t rng = 34;
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  const double t0 = 1700000000.0;
  char long_detail[700];
  memset(long_detail, 'x', sizeof long_detail - 1);
  long_detail[sizeof long_detail - 1] = '\0';
  hiro_event evs[] = {
      event_at(t0 + 1, EVENT_PLUGIN_STARTED, "devices", 4242, "started"),
      event_at(t0 + 2, EVENT_PLUGIN_STARTED, "camera", 4243, ""),
      event_at(t0 + 3, EVENT_PLUGIN_EXITED, "devices", 4242, "exited with status 1"),
      event_at(t0 + 4, EVENT_RESTART_SCHEDULED, "devices", 0, long_detail),
      event_at(t0 + 5, EVENT_SERVER_STARTED, "server", 0, "hirocli 1.0"),
  };
  evs[2].exit_code = 1;
  evs[2].cpu_seconds = 12.5;
  evs[2].lifetime_seconds = 600.25;
  evs[3].delay_seconds = 0.5;
  for (size_t i = 0; i < HIRO_ARRAY_LEN(evs); i++) {
    store_enqueue_event(s, &evs[i]);
    enqueue_range(s, t0, i, i + 1, &rng); /* interleaved with snapshots */
  }
  hiro_event *out = NULL;
  size_t n = 0;
  /* The read commits the queued events first. */
  assert_int_equal(store_query_events(s, t0, t0 + 10, NULL, NULL, 100, &out, &n), HIRO_OK);
  assert_int_equal(n, 5);
  assert_true(fabs(out[0].timestamp - (t0 + 1)) < 1e-6);
  assert_int_equal(out[0].kind, EVENT_PLUGIN_STARTED);
  assert_string_equal(out[0].process, "devices");
  assert_int_equal(out[0].pid, 4242);
  assert_string_equal(out[0].detail, "started");
  assert_int_equal(out[0].exit_code, -1);
  assert_true(isnan(out[0].cpu_seconds));
  assert_string_equal(out[1].detail, "");
  assert_int_equal(out[2].exit_code, 1);
  assert_int_equal(out[2].signal, -1);
  assert_true(out[2].cpu_seconds == 12.5 && out[2].lifetime_seconds == 600.25);
  assert_int_equal(strlen(out[3].detail), sizeof out[3].detail - 1); /* cut to fit */
  assert_true(out[3].delay_seconds == 0.5);
  assert_int_equal(out[3].pid, 0);
  assert_string_equal(out[4].process, "server");
  free(out);
  /* Filters, and the newest `max` oldest first. */
  assert_int_equal(store_query_events(s, t0, t0 + 10, "devices", NULL, 100, &out, &n), HIRO_OK);
  assert_int_equal(n, 3);
  free(out);
  assert_int_equal(store_query_events(s, t0, t0 + 10, "devices", "plugin_exited", 100, &out, &n),
                   HIRO_OK);
  assert_int_equal(n, 1);
  assert_string_equal(out[0].detail, "exited with status 1");
  free(out);
  assert_int_equal(store_query_events(s, t0, t0 + 10, NULL, NULL, 2, &out, &n), HIRO_OK);
  assert_int_equal(n, 2);
  assert_int_equal(out[0].kind, EVENT_RESTART_SCHEDULED);
  assert_int_equal(out[1].kind, EVENT_SERVER_STARTED);
  free(out);
  assert_int_equal(store_query_events(s, t0 + 2, t0 + 3, NULL, NULL, 100, &out, &n), HIRO_OK);
  assert_int_equal(n, 2);
  free(out);
  assert_int_equal(store_query_events(s, t0 + 100, t0 + 200, NULL, NULL, 100, &out, &n), HIRO_OK);
  assert_int_equal(n, 0);
  assert_null(out);
  assert_int_equal(store_query_events(s, t0 + 3, t0, NULL, NULL, 100, &out, &n), HIRO_EINVAL);
  store_status st = status_of(s);
  assert_int_equal(st.written_events, 5);
  assert_int_equal(st.written_snapshots, 5);
  store_close(s);
  sqlite3 *db = tsu_db(tsu_dbpath);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM events WHERE pid IS NULL"), 2);
  assert_int_equal(tsu_int(db, "SELECT exit_code FROM events WHERE kind = 'plugin_exited'"), 1);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM v_events WHERE time = '2023-11-14T22:13:21Z'"),
                   1);
  /* A kind from a later hirocli is skipped, not misread. */
  tsu_exec(db, "INSERT INTO events(ts_ms, kind) VALUES(1700000006000, 'from_the_future')");
  sqlite3_close(db);
  s = tsu_open(tsu_dbpath, &tsu_keep_all);
  assert_int_equal(store_query_events(s, t0, t0 + 10, NULL, NULL, 100, &out, &n), HIRO_OK);
  assert_int_equal(n, 5);
  free(out);
  store_close(s);
}

/* Storage failing and recovering are events of the store's own. */
static hiro_event seen[8];
static int n_seen;
static void collect_event(void *ctx, const hiro_event *e) {
  (void)ctx;
  if (n_seen < 8) seen[n_seen++] = *e;
}

static void test_storage_events(void **state) {
  uint64_t rng = 35;
  n_seen = 0;
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  store_set_event_sink(s, collect_event, NULL);
  tsu_commit_each(s);
  sqlite3 *blocker = tsu_db(tsu_dbpath);
  tsu_exec(blocker, "BEGIN EXCLUSIVE");
  enqueue_range(s, 1700000000.0, 0, 1, &rng);
  wait_error(s, true);
  tsu_exec(blocker, "COMMIT");
  sqlite3_close(blocker);
  store_flush(s);
  wait_error(s, false);
  store_close(s);
  assert_true(n_seen >= 2);
  assert_int_equal(seen[0].kind, EVENT_STORAGE_ERROR);
  assert_non_null(strstr(seen[0].detail, "locked"));
  assert_int_equal(seen[n_seen - 1].kind, EVENT_STORAGE_RECOVERED);
}

/* ---- the queue itself (queue.c) ---- */

static store_record snapshot_record(double ts) {
  store_record rec = {.kind = REC_SNAPSHOT, .bytes = 100};
  rec.u.snap.timestamp = ts;
  snapshot_set_children(&rec.u.snap, 1);
  return rec;
}

/* One bound on records queued plus in the writer's batch; an overflow while
 * the batch is in flight dooms the batch's oldest (dropped if the commit
 * fails, counted as written if it succeeds), never more than the bound. */
static void test_queue_one_bound(void **state) {
  (void)state;
  record_queue q;
  queue_init(&q, 8, 4);
  for (int i = 0; i < 6; i++) {
    store_record r = snapshot_record(i);
    queue_push(&q, &r);
  }
  assert_int_equal(queue_take(&q), 4); /* records 0-3 in flight */
  for (int i = 6; i < 12; i++) {
    store_record r = snapshot_record(i);
    queue_push(&q, &r);
    assert_true(queue_depth(&q) <= 8);
  }
  assert_int_equal(queue_depth(&q), 8);
  assert_int_equal(q.dropped[REC_SNAPSHOT], 4); /* 0-3, doomed in flight */
  assert_int_equal(q.batch_doomed, 4);
  queue_finish(&q, false); /* the commit failed: they are gone */
  assert_int_equal(queue_depth(&q), 8);
  assert_true(queue_oldest(&q)->u.snap.timestamp == 4);
  assert_int_equal(queue_take(&q), 4); /* 4-7 */
  store_record r = snapshot_record(12);
  queue_push(&q, &r); /* dooms 4 */
  assert_int_equal(q.dropped[REC_SNAPSHOT], 5);
  queue_finish(&q, true); /* ... which was written after all */
  assert_int_equal(q.dropped[REC_SNAPSHOT], 4);
  assert_int_equal(q.written[REC_SNAPSHOT], 4);
  assert_int_equal(queue_depth(&q), 5); /* 8-12 */
  assert_true(queue_oldest(&q)->u.snap.timestamp == 8);
  /* Not in flight: the oldest queued goes. */
  for (int i = 13; i < 17; i++) {
    store_record more = snapshot_record(i);
    queue_push(&q, &more);
  }
  assert_true(queue_oldest(&q)->u.snap.timestamp == 9);
  assert_int_equal(q.dropped[REC_SNAPSHOT], 5);
  /* A failed batch goes back in front, in order. */
  assert_int_equal(queue_take(&q), 4);
  queue_finish(&q, false);
  for (int i = 0; i < 8; i += 4) {
    assert_int_equal(queue_take(&q), 4);
    for (int j = 0; j < 4; j++) assert_true(q.batch[j].u.snap.timestamp == 9 + i + j);
    queue_finish(&q, true);
  }
  assert_int_equal(queue_depth(&q), 0);
  assert_int_equal(queue_oldest_seq(&q), UINT64_MAX);
  queue_free(&q);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_enqueue_flush, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_overflow_drops_oldest_and_lock_error_clears, tsu_setup,
                                      tsu_teardown),
      cmocka_unit_test_setup_teardown(test_disk_full_recovers, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_deleted_file_recreated, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_replaced_file_switched, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_commit_after_max_delay, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_commit_when_group_full, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_flush_close_and_reads_commit, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_events_recorded_and_queried, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_storage_events, tsu_setup, tsu_teardown),
      cmocka_unit_test(test_queue_one_bound),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
