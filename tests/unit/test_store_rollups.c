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

#include "store/store_internal.h"
#include "test_store_util.h"



static void sql_addf(char *buf, size_t cap, const char *fmt, ...) {
  size_t len = strlen(buf);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + len, cap - len, fmt, ap);
  va_end(ap);
}

/* Rows of tier t that differ from the raw aggregate, plus buckets missing on
 * either side. */
static int64_t system_mismatches(sqlite3 *db, int t) {
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
  sql_addf(sql, sizeof sql, " FROM raw_system GROUP BY b) SELECT count(*) FROM a FULL JOIN "
           "system_%s r ON r.bucket = a.b WHERE a.b IS NULL OR r.bucket IS NULL OR r.n != a.n"
           " OR r.n_disk != a.nd OR r.n_net != a.nn", store_tier_suffix[t]);
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

static int64_t process_mismatches(sqlite3 *db, int t) {
  static char sql[16384];
  int64_t w = store_tier_seconds[t];
  sql[0] = '\0';
  sql_addf(sql, sizeof sql, "WITH src AS (SELECT r.ts_ms/%lld*%lld AS b, p.name_id AS nid,"
           " p.pid AS pid, r.* FROM raw_process r JOIN process p ON p.id = r.process_id),"
           " last AS (SELECT b, nid, pid, max(ts_ms) FROM src GROUP BY b, nid),"
           " a AS (SELECT b, nid, count(*) AS n", (long long)w * 1000, (long long)w);
  for (int i = 0; i < PROC_FIELDS; i++) {
    const char *c = model_proc_columns[i].db;
    sql_addf(sql, sizeof sql, ", avg(%s) AS %s_avg, min(%s) AS %s_min, max(%s) AS %s_max", c, c,
             c, c, c, c);
  }
  sql_addf(sql, sizeof sql, " FROM src GROUP BY b, nid) SELECT count(*) FROM a JOIN last l"
           " ON l.b = a.b AND l.nid = a.nid FULL JOIN process_%s r ON r.bucket = a.b AND"
           " r.name_id = a.nid WHERE a.b IS NULL OR r.bucket IS NULL OR r.n != a.n"
           " OR r.pid != l.pid", store_tier_suffix[t]);
  for (int i = 0; i < PROC_FIELDS; i++) {
    const char *c = model_proc_columns[i].db;
    sql_addf(sql, sizeof sql,
             " OR abs(r.%s_avg - a.%s_avg) > 1e-9 * max(1, abs(a.%s_avg))"
             " OR r.%s_min != a.%s_min OR r.%s_max != a.%s_max", c, c, c, c, c, c, c);
  }
  return tsu_int(db, sql);
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_rollups_equal_raw_aggregates, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_status_counts_live, tsu_setup, tsu_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
