/* test_store_rollups.c - every 1-minute and 1-hour rollup row equals the SQL
 * aggregate (count, avg, min, max, last pid, and for rates the total of rate x
 * interval) of the raw rows in its bucket,
 * for random data written across a close/reopen, a clock step back and a
 * crash (a child process that exits without closing). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/wait.h>

#include "common/clock.h"
#include "store/store_internal.h"
#include "test_store_util.h"



static void sql_addf(char *buf, size_t cap, const char *fmt, ...) {
  size_t len = strlen(buf);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + len, cap - len, fmt, ap);
  va_end(ap);
}

/* Rows of tier t that differ from the aggregate of the raw rows up to
 * upto_ms (the tier's watermark; INT64_MAX = all), plus buckets missing on
 * either side. */
static int64_t system_mismatches_upto(sqlite3 *db, int t, int64_t upto_ms) {
  static char sql[65536];
  int64_t w = store_tier_seconds[t];
  sql[0] = '\0';
  sql_addf(sql, sizeof sql, "WITH a AS (SELECT ts_ms/%lld*%lld AS b, count(*) AS n,"
           " count(disk_total) AS nd, count(net_sent_bps) AS nn", (long long)w * 1000, (long long)w);
  for (int i = 0; i < SYS_FIELDS; i++) {
    const char *c = model_sys_columns[i].db;
    sql_addf(sql, sizeof sql, ", avg(%s) AS %s_avg, min(%s) AS %s_min, max(%s) AS %s_max", c, c,
             c, c, c, c);
    if (model_is_rate(&model_sys_columns[i]))
      sql_addf(sql, sizeof sql, ", sum(%s * interval_x100) / 100.0 AS %s_total", c, c);
  }
  sql_addf(sql, sizeof sql, " FROM raw_system WHERE ts_ms <= %lld GROUP BY b) SELECT count(*) FROM a FULL JOIN "
           "system_%s r ON r.bucket = a.b WHERE a.b IS NULL OR r.bucket IS NULL OR r.n != a.n"
           " OR r.n_disk != a.nd OR r.n_net != a.nn", (long long)upto_ms, store_tiers[t].suffix);
  for (int i = 0; i < SYS_FIELDS; i++) {
    const char *c = model_sys_columns[i].db;
    sql_addf(sql, sizeof sql,
             " OR (r.%s_avg IS NULL) != (a.%s_avg IS NULL) OR abs(r.%s_avg - a.%s_avg) > "
             "1e-9 * max(1, abs(a.%s_avg)) OR r.%s_min IS NOT a.%s_min OR r.%s_max IS NOT a.%s_max",
             c, c, c, c, c, c, c, c, c);
    if (model_is_rate(&model_sys_columns[i]))
      sql_addf(sql, sizeof sql,
               " OR (r.%s_total IS NULL) != (a.%s_total IS NULL) OR abs(r.%s_total - a.%s_total)"
               " > 1e-9 * max(1, abs(a.%s_total))", c, c, c, c, c);
  }
  return tsu_int(db, sql);
}

static int64_t process_mismatches_upto(sqlite3 *db, int t, int64_t upto_ms) {
  static char sql[16384];
  int64_t w = store_tier_seconds[t];
  sql[0] = '\0';
  sql_addf(sql, sizeof sql, "WITH src AS (SELECT r.ts_ms/%lld*%lld AS b, p.name_id AS nid,"
           " p.pid AS pid, r.* FROM raw_process r JOIN process p ON p.id = r.process_id"
           " WHERE r.ts_ms <= %lld),"
           " last AS (SELECT b, nid, pid, max(ts_ms) FROM src GROUP BY b, nid),"
           " a AS (SELECT b, nid, count(*) AS n", (long long)w * 1000, (long long)w,
           (long long)upto_ms);
  for (int i = 0; i < PROC_FIELDS; i++) {
    const char *c = model_proc_columns[i].db;
    sql_addf(sql, sizeof sql, ", avg(%s) AS %s_avg, min(%s) AS %s_min, max(%s) AS %s_max", c, c,
             c, c, c, c);
  }
  sql_addf(sql, sizeof sql, " FROM src GROUP BY b, nid) SELECT count(*) FROM a JOIN last l"
           " ON l.b = a.b AND l.nid = a.nid FULL JOIN process_%s r ON r.bucket = a.b AND"
           " r.name_id = a.nid WHERE a.b IS NULL OR r.bucket IS NULL OR r.n != a.n"
           " OR r.pid != l.pid", store_tiers[t].suffix);
  for (int i = 0; i < PROC_FIELDS; i++) {
    const char *c = model_proc_columns[i].db;
    sql_addf(sql, sizeof sql,
             " OR abs(r.%s_avg - a.%s_avg) > 1e-9 * max(1, abs(a.%s_avg))"
             " OR r.%s_min != a.%s_min OR r.%s_max != a.%s_max", c, c, c, c, c, c, c);
  }
  return tsu_int(db, sql);
}

static int64_t system_mismatches(sqlite3 *db, int t) { return system_mismatches_upto(db, t, INT64_MAX); }
static int64_t process_mismatches(sqlite3 *db, int t) {
  return process_mismatches_upto(db, t, INT64_MAX);
}

/* n random snapshots starting at *ts, 1-7 s apart; plugin-1 restarts (new
 * pid) now and then, disk and network sometimes missing. */
static void write_random(store *s, double *ts, size_t n, uint64_t *rng, double step_back_at) {
  metrics_snapshot *v = calloc(n, sizeof *v);
  static int restart_pid = 5000;
  for (size_t i = 0; i < n; i++) {
    size_t kids = tsu_rand(rng) % 4;
    tsu_snapshot(&v[i], *ts, kids, rng, tsu_rand(rng) % 5 != 0, tsu_rand(rng) % 7 != 0);
    if (kids > 1) {
      if (tsu_rand(rng) % 50 == 0) restart_pid++;
      v[i].children[1].pid = restart_pid;
    }
    if (i == (size_t)(n * step_back_at)) *ts -= 90.5; /* wall clock stepped back */
    else if (tsu_rand(rng) % 20 == 0) *ts += 0;       /* duplicate timestamp */
    else *ts += tsu_uniform(rng, 1, 7);
  }
  assert_int_equal(store_write_batch(s, v, n), HIRO_OK);
  tsu_free_all(v, n);
}

static void assert_rollups_exact(const char *path, int64_t expect_raw) {
  sqlite3 *db = tsu_db(path);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM raw_system"), expect_raw);
  for (int t = 0; t < TIERS; t++) {
    assert_true(tsu_int(db, t ? "SELECT count(*) FROM system_1h" : "SELECT count(*) FROM system_1m") > 1);
    assert_int_equal(system_mismatches(db, t), 0);
    assert_int_equal(process_mismatches(db, t), 0);
  }
  sqlite3_close(db);
}

static void test_rollups_equal_raw_aggregates(void **state) {
  uint64_t rng = 0x9e3779b97f4a7c15ull;
  double ts = 1700000000.0 + 1234.567; /* mid-hour, mid-minute */
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  write_random(s, &ts, 1500, &rng, 2.0);
  store_close(s);
  assert_rollups_exact(tsu_dbpath, 1500);

  /* Reopen inside the same minute and hour: those buckets are written in
   * parts; this part also steps the clock back 90 s. */
  s = tsu_open(tsu_dbpath, &tsu_keep_all);
  write_random(s, &ts, 1500, &rng, 0.5);
  store_status st;
  store_get_status(s, &st);
  assert_int_equal(st.rows_raw, 3000);
  store_close(s);
  assert_rollups_exact(tsu_dbpath, 3000);

  /* A crash: a process writes and dies without store_close, losing its open
   * buckets; the next open rolls them up from raw. */
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    store *child = NULL;
    char err[256];
    if (store_open(tsu_dbpath, &tsu_keep_all, &child, err, sizeof err) != HIRO_OK) _exit(2);
    metrics_snapshot *v = calloc(1000, sizeof *v);
    for (size_t i = 0; i < 1000; i++, ts += 2.5) tsu_snapshot(&v[i], ts, 3, &rng, true, true);
    _exit(store_write_batch(child, v, 1000) == HIRO_OK ? 0 : 1);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ts += 2500;
  s = tsu_open(tsu_dbpath, &tsu_keep_all);
  store_get_status(s, &st);
  assert_int_equal(st.rows_raw, 4000);
  write_random(s, &ts, 500, &rng, 2.0);
  store_close(s);
  assert_rollups_exact(tsu_dbpath, 4500);

  /* The status counters agree with COUNT(*). */
  s = tsu_open(tsu_dbpath, &tsu_keep_all);
  store_get_status(s, &st);
  sqlite3 *db = tsu_db(tsu_dbpath);
  assert_int_equal(st.rows_minute, tsu_int(db, "SELECT count(*) FROM system_1m"));
  assert_int_equal(st.rows_hour, tsu_int(db, "SELECT count(*) FROM system_1h"));
  store_close(s);
  /* The checks themselves notice a wrong row. */
  tsu_exec(db, "UPDATE system_1m SET disk_used_max = disk_used_max + 1 WHERE bucket ="
               " (SELECT max(bucket) FROM system_1m WHERE n_disk > 0)");
  tsu_exec(db, "UPDATE process_1h SET cpu_pct_x100_avg = cpu_pct_x100_avg + 0.01 WHERE bucket ="
               " (SELECT min(bucket) FROM process_1h)");
  assert_int_equal(system_mismatches(db, 0), 1);
  assert_true(process_mismatches(db, 1) >= 1);
  sqlite3_close(db);
}

static void test_status_counts_live(void **state) {
  uint64_t rng = 7;
  double ts = 1700000000.0;
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  write_random(s, &ts, 800, &rng, 2.0);
  store_close(s);
  s = tsu_open(tsu_dbpath, &tsu_keep_all);
  write_random(s, &ts, 800, &rng, 2.0);
  store_status st;
  store_get_status(s, &st);
  store_close(s);
  sqlite3 *db = tsu_db(tsu_dbpath);
  /* Before close the newest buckets are still open (in memory). */
  assert_true(st.rows_minute <= tsu_int(db, "SELECT count(*) FROM system_1m"));
  assert_true(st.rows_minute >= tsu_int(db, "SELECT count(*) FROM system_1m") - 2);
  assert_int_equal(st.rows_raw, 1600);
  sqlite3_close(db);
}

/* ---- issue 13.3: a file deleted or replaced while open ---- */

/* Rows whose ids do not resolve: rollup name_ids without a process_name,
 * raw process_ids without a process. */
static int64_t dangling_ids(sqlite3 *db) {
  return tsu_int(db, "SELECT (SELECT count(*) FROM process_1m WHERE name_id NOT IN"
                     " (SELECT id FROM process_name)) + (SELECT count(*) FROM process_1h"
                     " WHERE name_id NOT IN (SELECT id FROM process_name)) + (SELECT count(*)"
                     " FROM raw_process WHERE process_id NOT IN (SELECT id FROM process))");
}

/* Every rollup row of the file at path equals the aggregate of its raw rows
 * (after a store open/close, whose catch-up completes what a switch of files
 * left open), and every id resolves. */
static void assert_file_consistent(const char *path) {
  store *s = tsu_open(path, &tsu_keep_all);
  store_close(s);
  sqlite3 *db = tsu_db(path);
  for (int t = 0; t < TIERS; t++) {
    assert_int_equal(system_mismatches(db, t), 0);
    assert_int_equal(process_mismatches(db, t), 0);
  }
  assert_int_equal(dangling_ids(db), 0);
  sqlite3_close(db);
}

/* The file the store has open, read beside it: what its rollups cover (up to
 * each tier's watermark) equals its raw rows, and every id resolves. */
static void assert_current_consistent(store *s) {
  store_flush(s);
  sqlite3 *db = tsu_db(tsu_dbpath);
  /* One read transaction: the writer's housekeeping may commit meanwhile. */
  tsu_exec(db, "BEGIN");
  for (int t = 0; t < TIERS; t++) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT coalesce(max(value), -1) FROM meta WHERE key = '%s'",
             store_tiers[t].meta_key);
    int64_t watermark = tsu_int(db, sql);
    assert_int_equal(system_mismatches_upto(db, t, watermark), 0);
    assert_int_equal(process_mismatches_upto(db, t, watermark), 0);
  }
  assert_int_equal(dangling_ids(db), 0);
  tsu_exec(db, "COMMIT");
  sqlite3_close(db);
}

/* The wall clock as a server would see it: the newest snapshot's time. The
 * writer closes an open bucket by itself only once the clock is past its end,
 * as in a real run (with the real clock every synthetic bucket would be long
 * stale and closed at once, hiding what a reopen does with open ones). */
static int64_t sim_wall_ms;
static double sim_wall(void) {
  return (double)__atomic_load_n(&sim_wall_ms, __ATOMIC_RELAXED) / 1000.0;
}
static int sim_setup(void **state) {
  clock_override(sim_wall, NULL);
  return tsu_setup(state);
}
static int sim_teardown(void **state) {
  clock_override(NULL, NULL);
  return tsu_teardown(state);
}

/* Queue n snapshots through the writer (the path a server takes), with
 * plugins named names[0..k), *ts advancing 1-7 s each; then commit. */
static void enqueue_named(store *s, double *ts, size_t n, const char *const *names, size_t k,
                          uint64_t *rng) {
  for (size_t i = 0; i < n; i++) {
    __atomic_store_n(&sim_wall_ms, (int64_t)(*ts * 1000), __ATOMIC_RELAXED);
    metrics_snapshot snap;
    tsu_snapshot(&snap, *ts, k, rng, tsu_rand(rng) % 5 != 0, true);
    for (size_t c = 0; c < k; c++) snprintf(snap.children[c].name, HIRO_NAME_MAX, "%s", names[c]);
    store_enqueue(s, &snap);
    snapshot_free(&snap);
    *ts += tsu_uniform(rng, 1, 7);
  }
  store_flush(s);
}

static void remove_db(const char *path) {
  char side[600];
  unlink(path);
  snprintf(side, sizeof side, "%s-wal", path);
  unlink(side);
  snprintf(side, sizeof side, "%s-shm", path);
  unlink(side);
}

/* The scenario: channels renamed between runs, the file removed in
 * the middle of a minute. The open buckets held the old file's samples under
 * its process_name ids; written into the new file they gave one plugin
 * another's figures and left ids without a name. */
static void test_deleted_mid_bucket_renamed_plugins(void **state) {
  uint64_t rng = 13;
  double ts = 1700000000.0 + 3600 - 20; /* 20 s before an hour (and minute) ends */
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  static const char *const before[] = {"devices", "camera", "big-one"};
  enqueue_named(s, &ts, 3, before, 3, &rng);
  remove_db(tsu_dbpath);
  /* Same minute: in the new file "sleeper" gets id 2, which was "devices". */
  static const char *const after[] = {"sleeper"};
  ts = 1700000000.0 + 3600 - 12;
  enqueue_named(s, &ts, 2, after, 1, &rng);
  ts = 1700000000.0 + 3600 + 70; /* closes the minute and the hour */
  enqueue_named(s, &ts, 2, after, 1, &rng);
  store_close(s);
  sqlite3 *db = tsu_db(tsu_dbpath);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM raw_system"), 4);
  for (int t = 0; t < TIERS; t++) {
    assert_int_equal(system_mismatches(db, t), 0);
    assert_int_equal(process_mismatches(db, t), 0);
  }
  assert_int_equal(dangling_ids(db), 0);
  /* Only the new file's processes appear in its rollups. */
  assert_int_equal(tsu_int(db, "SELECT count(DISTINCT name_id) FROM process_1h"), 2);
  sqlite3_close(db);
}

/* Property: whatever happens to the file between batches (deleted, replaced
 * by another hirocli file with other ids, or left alone), with plugin names
 * changing, every file that was written ends up with rollups equal to its
 * raw rows and every id resolving. */
static void test_reopen_property(void **state) {
  static const char *const pool[] = {"a", "b", "c", "d", "e", "f"};
  uint64_t rng = 0xfeedface;
  double ts = 1700000000.0 + 1800;
  char aside[600], other[600];
  int files = 0;
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  for (int round = 0; round < 24; round++) {
    /* 1-4 distinct names in a random order: a shuffled pool's first k. */
    const char *names[6];
    memcpy(names, pool, sizeof names);
    for (size_t i = 5; i > 0; i--) {
      size_t j = tsu_rand(&rng) % (i + 1);
      const char *swap = names[i];
      names[i] = names[j];
      names[j] = swap;
    }
    size_t k = 1 + tsu_rand(&rng) % 4;
    enqueue_named(s, &ts, 1 + tsu_rand(&rng) % 30, names, k, &rng);
    /* Checked now, with the writer on the file: right after a replacement the
     * path pairs the new file with the old one's -wal until the writer
     * notices (no reader should open it then, this test included). */
    assert_current_consistent(s);
    switch (tsu_rand(&rng) % 3) {
    case 0: /* deleted */
      remove_db(tsu_dbpath);
      break;
    case 1: { /* replaced by another hirocli file, its ids in another order */
      snprintf(aside, sizeof aside, "%s/aside-%d.db", tsu_dir, files);
      snprintf(other, sizeof other, "%s/other-%d.db", tsu_dir, files++);
      store *o = tsu_open(other, &tsu_keep_all);
      static const char *const rev[] = {"f", "e", "d", "c"};
      double ots = ts - 500;
      enqueue_named(o, &ots, 3, rev, 4, &rng);
      store_close(o);
      assert_int_equal(rename(tsu_dbpath, aside), 0);
      assert_int_equal(rename(other, tsu_dbpath), 0);
      break;
    }
    default: /* left alone */
      break;
    }
    /* Sometimes cross a minute or an hour boundary before the next batch. */
    if (tsu_rand(&rng) % 4 == 0) ts += tsu_uniform(&rng, 30, 4000);
  }
  store_close(s);
  assert_file_consistent(tsu_dbpath);
  for (int i = 0; i < files; i++) {
    snprintf(aside, sizeof aside, "%s/aside-%d.db", tsu_dir, i);
    assert_file_consistent(aside);
  }
  assert_true(files > 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_rollups_equal_raw_aggregates, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_status_counts_live, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_deleted_mid_bucket_renamed_plugins, sim_setup,
                                      sim_teardown),
      cmocka_unit_test_setup_teardown(test_reopen_property, sim_setup, sim_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
