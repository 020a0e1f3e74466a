/* test_store_retention.c - retention deletes exactly the rows past their age
 * in each tier (raw by timestamp, rollups by bucket start), keeps the status
 * counters right and returns the freed pages to the file system. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/clock.h"
#include "test_store_util.h"

static const double NOW = 1700000020.0;
static double fake_wall(void) { return NOW; }

static int setup(void **state) {
  clock_override(fake_wall, NULL);
  return tsu_setup(state);
}
static int teardown(void **state) {
  clock_override(NULL, NULL);
  return tsu_teardown(state);
}

static void test_retention_per_tier(void **state) {
  enum { POINTS = 3 * 1440 + 1 };
  metrics_snapshot *v = calloc(POINTS, sizeof *v);
  uint64_t rng = 9;
  for (size_t k = 0; k < POINTS; k++)
    tsu_snapshot(&v[k], NOW - 60.0 * (double)(POINTS - 1 - k), 2, &rng, true, true);
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  assert_int_equal(store_write_batch(s, v, POINTS), HIRO_OK);
  /* Events live as long as the minute tier (1 day below). */
  for (int i = 0; i < 3; i++) {
    hiro_event ev;
    event_init(&ev, EVENT_PLUGIN_STARTED, NOW - 86400.0 * (2 - i) - 1, "demo", 42);
    store_enqueue_event(s, &ev);
  }
  store_close(s);

  const store_retention r = {.raw_hours = 1, .minute_days = 1, .hour_days = 2};
  int64_t raw_cut_ms = (int64_t)((NOW - 3600) * 1000), min_cut = (int64_t)(NOW - 86400),
          hour_cut = (int64_t)(NOW - 2 * 86400);
  sqlite3 *db = tsu_db(tsu_dbpath);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM raw_system"), POINTS);
  char sql[256];
  int64_t keep_raw = 0, keep_min, keep_hour, keep_pmin, keep_phour;
  for (size_t k = 0; k < POINTS; k++) keep_raw += (int64_t)(v[k].timestamp * 1000 + 0.5) >= raw_cut_ms;
  assert_int_equal(keep_raw, 61); /* the row exactly at the cut stays */
  snprintf(sql, sizeof sql, "SELECT count(*) FROM system_1m WHERE bucket >= %lld", (long long)min_cut);
  keep_min = tsu_int(db, sql);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM process_1m WHERE bucket >= %lld", (long long)min_cut);
  keep_pmin = tsu_int(db, sql);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM system_1h WHERE bucket >= %lld", (long long)hour_cut);
  keep_hour = tsu_int(db, sql);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM process_1h WHERE bucket >= %lld", (long long)hour_cut);
  keep_phour = tsu_int(db, sql);
  assert_true(keep_min > 1000 && keep_min < tsu_int(db, "SELECT count(*) FROM system_1m"));
  assert_true(keep_hour > 10 && keep_hour < tsu_int(db, "SELECT count(*) FROM system_1h"));
  int64_t pages_before = tsu_int(db, "PRAGMA page_count");
  sqlite3_close(db);

  s = tsu_open(tsu_dbpath, &r);
  store_maintain(s);
  store_status st;
  store_get_status(s, &st);
  store_close(s);

  db = tsu_db(tsu_dbpath);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM raw_system"), keep_raw);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM raw_process"), 3 * keep_raw);
  snprintf(sql, sizeof sql, "SELECT count(*) FROM raw_system WHERE ts_ms < %lld", (long long)raw_cut_ms);
  assert_int_equal(tsu_int(db, sql), 0);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM system_1m"), keep_min);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM process_1m"), keep_pmin);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM system_1h"), keep_hour);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM process_1h"), keep_phour);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM events"), 1);
  assert_int_equal(st.rows_raw, keep_raw);
  assert_int_equal(st.rows_minute, keep_min);
  assert_int_equal(st.rows_hour, keep_hour);
  assert_true(fabs(st.oldest_timestamp * 1000 - (double)raw_cut_ms) < 1);
  /* incremental_vacuum gave the pages back. */
  assert_int_equal(tsu_int(db, "PRAGMA freelist_count"), 0);
  assert_true(tsu_int(db, "PRAGMA page_count") < pages_before / 2);
  sqlite3_close(db);
  tsu_free_all(v, POINTS);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_retention_per_tier, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
