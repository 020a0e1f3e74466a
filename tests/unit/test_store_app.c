/* test_store_app.c - application metrics in the store: raw rows of the
 * frames snapshots carry, 1-minute and 1-hour rollups equal to the rows
 * they cover (merged sketches: rollup quantiles are those of all samples,
 * not averages), the history query at each tier, retention, and a failed
 * transaction leaving nothing behind. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "appmetrics/aggregate.h"
#include "appmetrics/sketch.h"
#include "test_store_util.h"

/* A snapshot at ts carrying the frame the aggregator closes there after
 * text was published by plugin "pub". */
static void snapshot_with(metrics_snapshot *s, aggregate *a, double ts, const char *text,
                          uint64_t *rng) {
  tsu_snapshot(s, ts, 1, rng, false, false);
  snprintf(s->children[0].name, sizeof s->children[0].name, "pub");
  if (text) aggregate_datagram(a, "pub", false, text, strlen(text), ts);
  app_frame *f = aggregate_flush(a, ts, ts);
  app_frame_attach(s, f);
  app_frame_release(f);
}

static const store_app_series *find(const store_app_series *list, size_t n, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i].key, key) == 0) return &list[i];
  fail_msg("no series %s", key);
  return NULL;
}

/* Two minutes of 1 s snapshots: every second 10 timer samples (a ramp that
 * differs each second), 3 counter increments, a gauge. */
static void write_two_minutes(store *st, double t0, sketch *all_samples) {
  aggregate_limits lim = {.max_series = 100, .max_rate = 0, .idle_seconds = 3600};
  aggregate *a = aggregate_new(&lim);
  uint64_t rng = 42;
  enum { N = 120 };
  metrics_snapshot snaps[N];
  aggregate_flush(a, t0 - 1, t0 - 1); /* starts the first interval */
  for (int i = 0; i < N; i++) {
    char text[512];
    int n = snprintf(text, sizeof text, "jobs:3|c\ndepth:%d|g\nlat", i);
    for (int k = 0; k < 10; k++) {
      double v = 1 + i * 0.5 + k * k;
      n += snprintf(text + n, sizeof text - (size_t)n, ":%.2f", v);
      if (all_samples && i < 60) sketch_add(all_samples, v, 1); /* the first minute */
    }
    snprintf(text + n, sizeof text - (size_t)n, "|ms");
    snapshot_with(&snaps[i], a, t0 + i, text, &rng);
  }
  assert_int_equal(store_write_batch(st, snaps, N), HIRO_OK);
  for (int i = 0; i < N; i++) snapshot_free(&snaps[i]);
  aggregate_free(a);
}

static void test_raw_rows_and_minute_rollups(void **state) {
  store *st = tsu_open(tsu_dbpath, &tsu_keep_all);
  double t0 = 1800000000.0; /* a minute boundary */
  sketch *first_minute = sketch_new();
  write_two_minutes(st, t0, first_minute);
  store_maintain(st);

  store_app_series *list;
  size_t n;
  int res;
  assert_int_equal(store_query_app(st, t0, t0 + 119, 1000, STORE_AGG_AVG, "pub", NULL, &list, &n,
                                   &res), HIRO_OK);
  assert_int_equal(res, 0);
  assert_int_equal(n, 3);
  const store_app_series *jobs = find(list, n, "jobs");
  assert_int_equal(jobs->n_rows, 120);
  assert_int_equal(jobs->n_cols, 4);
  assert_true(fabs(jobs->rows[1 * 4 + 1] - 3.0) < 1e-9); /* 3 per 1 s interval */
  assert_true(fabs(jobs->rows[119 * 4 + 3] - 360.0) < 1e-9); /* the running total */
  const store_app_series *lat = find(list, n, "lat");
  assert_int_equal(lat->n_cols, 8);
  assert_true(fabs(lat->rows[1] - 10) < 1e-9);
  store_app_series_free(list, n);

  /* The first minute's rollup: 60 rows merged; quantiles of all 600 samples. */
  assert_int_equal(store_query_app(st, t0, t0 + 119, 2, STORE_AGG_AVG, "pub", "lat", &list, &n,
                                   &res), HIRO_OK);
  assert_int_equal(res, 60);
  assert_int_equal(n, 1);
  assert_true(list[0].n_rows >= 1);
  const double *row = list[0].rows; /* ts, count, sum, min, max, p50, p90, p99 */
  assert_true(fabs(row[0] - t0) < 1e-9);
  assert_true(fabs(row[1] - 600) < 1e-9);
  assert_true(fabs(row[3] - 1) < 1e-9);
  for (int q = 0; q < 3; q++) {
    double exact = sketch_quantile(first_minute, (double[]){0.5, 0.9, 0.99}[q]);
    print_message("minute p%s: rollup %.4f, all samples %.4f\n", (const char *[]){"50", "90", "99"}[q],
                  row[5 + q], exact);
    assert_true(fabs(row[5 + q] - exact) <= 1e-9 * exact);
  }
  store_app_series_free(list, n);

  /* Counter rollup: the rate over the bucket's seconds, the last total. */
  assert_int_equal(store_query_app(st, t0, t0 + 119, 2, STORE_AGG_AVG, "pub", "jobs", &list, &n,
                                   &res), HIRO_OK);
  assert_true(fabs(list[0].rows[1] - 3.0) < 1e-9);
  assert_true(fabs(list[0].rows[2] - 180.0) < 1e-9);
  store_app_series_free(list, n);
  sketch_free(first_minute);
  store_close(st);

  /* The SQL views read the same rows. */
  sqlite3 *db = tsu_db(tsu_dbpath);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM v_app_raw WHERE series = 'lat'"), 120);
  assert_int_equal(tsu_int(db, "SELECT count FROM v_app_1m WHERE series = 'jobs' ORDER BY ts LIMIT 1"),
                   180);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM v_app_1h WHERE series = 'lat'"), 1);
  assert_int_equal(tsu_int(db, "SELECT count FROM v_app_1h WHERE series = 'lat'"), 1200);
  sqlite3_close(db);
}

static void test_hour_rollup_equals_minutes(void **state) {
  store *st = tsu_open(tsu_dbpath, &tsu_keep_all);
  write_two_minutes(st, 1800000000.0, NULL);
  store_close(st); /* closes the open buckets */
  sqlite3 *db = tsu_db(tsu_dbpath);
  /* Sum of the minute counts = the hour count; the hour's max = the minutes' max. */
  assert_int_equal(tsu_int(db, "SELECT sum(count) FROM app_1m WHERE series_id = "
                               "(SELECT id FROM app_series WHERE key = 'lat')"),
                   tsu_int(db, "SELECT count FROM app_1h WHERE series_id = "
                               "(SELECT id FROM app_series WHERE key = 'lat')"));
  assert_int_equal(tsu_int(db, "SELECT max(max) * 100 FROM app_1m"),
                   tsu_int(db, "SELECT max(max) * 100 FROM app_1h"));
  sqlite3_close(db);
}

static void test_retention_removes_old_app_rows(void **state) {
  store *st = tsu_open(tsu_dbpath, &tsu_keep_all);
  write_two_minutes(st, 1000000000.0, NULL); /* 2001: far older than any retention */
  store_close(st);
  store_retention short_keep = {1, 1, 1};
  st = tsu_open(tsu_dbpath, &short_keep);
  store_maintain(st);
  store_close(st);
  sqlite3 *db = tsu_db(tsu_dbpath);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM raw_app"), 0);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM app_1m"), 0);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM app_1h"), 0);
  sqlite3_close(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_raw_rows_and_minute_rollups, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_hour_rollup_equals_minutes, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_retention_removes_old_app_rows, tsu_setup, tsu_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
