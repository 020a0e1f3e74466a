/* test_history.c - the history path on a database (no ring): raw round trip,
 * the finest resolution that fits max_points (from raw rows or a tier,
 * aggregated further), agg=max keeping a one-sample spike, the bucket still
 * filling included, edges clipped to the range, a young database answered
 * raw, the process filter, gap marks, and ordered reads after a wall-clock
 * step back. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "history/history.h"
#include "test_store_util.h"

static const double T0 = 1700000000.0; /* not a multiple of 60 (T0 % 60 == 20) */

/* 3 hours at 2 s; cpu 5 % except one 95 % spike at T0 + 3600 + 30. */
static metrics_snapshot *fill(store *s, size_t *n_out) {
  size_t n = 3 * 3600 / 2;
  metrics_snapshot *v = calloc(n, sizeof *v);
  uint64_t rng = 11;
  for (size_t i = 0; i < n; i++) {
    tsu_snapshot(&v[i], T0 + 2.0 * (double)i, 2, &rng, i % 2 == 0, true);
    v[i].sampling.interval_seconds = 2;
    v[i].cpu.percent = 5.0;
    v[i].children[0].rss_bytes = 4096 * 100;
    if (i == (3600 + 30) / 2) {
      v[i].cpu.percent = 95.0;
      v[i].children[0].rss_bytes = 4096 * 10000;
    }
  }
  assert_int_equal(store_write_batch(s, v, n), HIRO_OK);
  *n_out = n;
  return v;
}

static history_answer ask(store *s, double from, double to, size_t max_points, store_agg agg) {
  history_request req = {.from = from, .to = to, .max_points = max_points, .agg = agg};
  history_answer ans;
  char err[256];
  assert_int_equal(history_query(NULL, s, &req, &ans, err, sizeof err), HIRO_OK);
  assert_true(ans.n <= max_points);
  for (size_t i = 1; i < ans.n; i++) assert_true(ans.points[i].timestamp > ans.points[i - 1].timestamp);
  return ans;
}

static uint64_t samples(const history_answer *a) {
  uint64_t n = 0;
  for (size_t i = 0; i < a->n; i++) n += a->points[i].point.samples;
  return n;
}

static void test_raw_round_trip(void **state) {
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  size_t n_orig;
  metrics_snapshot *orig = fill(s, &n_orig);
  history_answer a = ask(s, T0, T0 + 1800 - 1, 1800, STORE_AGG_AVG);
  assert_int_equal(a.resolution, 0);
  assert_string_equal(a.resolution_text, "raw");
  assert_true(a.from_disk);
  assert_int_equal(a.n, 900);
  for (size_t i = 0; i < a.n; i++) {
    const metrics_snapshot *x = &a.points[i], *y = &orig[i];
    assert_true(fabs(x->timestamp - y->timestamp) < 1e-3);
    assert_int_equal(x->point.samples, 1);
    assert_false(x->point.gap_before);
    assert_int_equal(x->has_disk, y->has_disk);
    assert_int_equal(x->memory.available_bytes, y->memory.available_bytes);
    assert_int_equal(x->n_children, 2);
    assert_string_equal(x->children[1].name, "plugin-1");
    assert_int_equal(x->children[1].vms_bytes, y->children[1].vms_bytes);
  }
  history_answer_free(&a);
  store_close(s);
  tsu_free_all(orig, n_orig);
}

/* The spike's bucket at resolution r holds 95 % (max), 5 % (min). */
static void check_spike(const history_answer *a, store_agg agg) {
  double spike_at = T0 + 3600 + 30;
  bool seen = false;
  for (size_t i = 0; i < a->n; i++) {
    const metrics_snapshot *p = &a->points[i];
    assert_true(fmod(p->timestamp, (double)a->resolution) == 0);
    if (!(p->timestamp <= spike_at && spike_at < p->timestamp + (double)a->resolution)) continue;
    seen = true;
    if (agg == STORE_AGG_MAX) {
      assert_true(fabs(p->cpu.percent - 95.0) < 1e-9);
      assert_int_equal(p->children[0].rss_bytes, 4096 * 10000);
    } else if (agg == STORE_AGG_MIN) {
      assert_true(fabs(p->cpu.percent - 5.0) < 1e-9);
    } else {
      assert_true(p->cpu.percent > 5.0 && p->cpu.percent < 95.0);
    }
  }
  assert_true(seen);
}

static void test_finest_resolution_that_fits(void **state) {
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  size_t n_orig;
  metrics_snapshot *orig = fill(s, &n_orig);
  double to = T0 + 3 * 3600 - 2;
  for (int agg = STORE_AGG_AVG; agg <= STORE_AGG_MAX; agg++) {
    /* 5400 raw rows do not fit 1800, and 10 s buckets would read more raw
     * rows than the read cap (2 x 1800): 1-minute buckets from the tier. */
    history_answer a = ask(s, T0, to, 1800, agg);
    assert_int_equal(a.resolution, 60);
    assert_int_equal(a.n, 181); /* T0 is mid-minute */
    assert_int_equal(samples(&a), 5400);
    check_spike(&a, agg);
    history_answer_free(&a);
    /* One hour, 500 points: 1800 raw rows folded into 10 s buckets (5 s
     * would be 721 points). */
    a = ask(s, T0 + 3000, T0 + 3000 + 3599, 500, agg);
    assert_int_equal(a.resolution, 10);
    assert_int_equal(samples(&a), 1800);
    check_spike(&a, agg);
    history_answer_free(&a);
    /* 100 points: 1-minute buckets are 181, 2-minute ones 91 (the 1-minute
     * tier folded by two), where the old tier choice gave hours. */
    a = ask(s, T0, to, 100, agg);
    assert_int_equal(a.resolution, 120);
    assert_int_equal(a.n, 91);
    assert_int_equal(samples(&a), 5400);
    check_spike(&a, agg);
    history_answer_free(&a);
  }
  /* max_points is a hard bound at any size: 3 points need 1-hour buckets,
   * 1 point a bucket that holds the whole span. */
  history_answer a = ask(s, T0, to, 3, STORE_AGG_MAX);
  assert_true(a.resolution >= 3600);
  check_spike(&a, STORE_AGG_MAX);
  history_answer_free(&a);
  a = ask(s, T0, to, 1, STORE_AGG_MAX);
  assert_int_equal(a.n, 1);
  assert_true(fabs(a.points[0].cpu.percent - 95.0) < 1e-9);
  assert_int_equal(a.points[0].point.samples, 5400);
  history_answer_free(&a);
  store_close(s);
  tsu_free_all(orig, n_orig);
}

/* The first bucket holds only samples inside the range where raw rows exist:
 * a spike just before `from` in the same hour is not in the answer. */
static void test_edges_clipped(void **state) {
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  size_t n_orig;
  metrics_snapshot *orig = fill(s, &n_orig);
  double from = T0 + 3600 + 40; /* 10 s after the spike */
  history_answer a = ask(s, from, T0 + 3 * 3600, 3, STORE_AGG_MAX);
  for (size_t i = 0; i < a.n; i++) assert_true(fabs(a.points[i].cpu.percent - 5.0) < 1e-9);
  assert_true(a.points[0].point.partial);
  assert_true(a.points[0].timestamp < from);
  history_answer_free(&a);
  store_close(s);
  tsu_free_all(orig, n_orig);
}

/* Ten minutes written and the store left open: the last minute is in no
 * rollup row yet, but a rolled-up answer still has every sample. */
static void test_newest_bucket_included(void **state) {
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  enum { N = 600 };
  metrics_snapshot *v = calloc(N, sizeof *v);
  uint64_t rng = 3;
  double start = 1700000040.0; /* a minute boundary */
  for (size_t i = 0; i < N; i++) {
    tsu_snapshot(&v[i], start + (double)i, 1, &rng, true, true);
    v[i].sampling.interval_seconds = 1;
    v[i].cpu.percent = i == N - 3 ? 99.0 : 1.0; /* a spike in the open minute */
  }
  assert_int_equal(store_write_batch(s, v, N), HIRO_OK);
  history_answer a = ask(s, start, start + N, 5, STORE_AGG_MAX);
  assert_true(a.n >= 2 && a.n <= 5);
  assert_int_equal(samples(&a), N);
  assert_true(fabs(a.points[a.n - 1].cpu.percent - 99.0) < 1e-9);
  assert_true(a.points[a.n - 1].point.partial || a.n == 5);
  history_answer_free(&a);
  store_close(s);
  tsu_free_all(v, N);
}

/* 15 snapshots, then a two-day range: raw, not one hourly point; the same
 * after the store is closed (rollups flushed) and opened again. */
static void test_young_database(void **state) {
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  enum { N = 15 };
  metrics_snapshot v[N];
  uint64_t rng = 9;
  for (size_t i = 0; i < N; i++) tsu_snapshot(&v[i], T0 + (double)i, 1, &rng, true, true);
  assert_int_equal(store_write_batch(s, v, N), HIRO_OK);
  for (int round = 0; round < 2; round++) {
    history_answer a = ask(s, T0 + N - 2 * 86400, T0 + N, 1800, STORE_AGG_AVG);
    assert_int_equal(a.resolution, 0);
    assert_int_equal(a.n, N);
    history_answer_free(&a);
    a = ask(s, T0 + N - 300, T0 + N, 1800, STORE_AGG_AVG);
    assert_int_equal(a.n, N);
    history_answer_free(&a);
    store_close(s);
    s = tsu_open(tsu_dbpath, &tsu_keep_all);
  }
  store_close(s);
  for (size_t i = 0; i < N; i++) snapshot_free(&v[i]);
}

static void test_process_filter(void **state) {
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  size_t n_orig;
  metrics_snapshot *orig = fill(s, &n_orig);
  const char *only[] = {"plugin-1"};
  for (int wide = 0; wide < 2; wide++) {
    history_request req = {.from = T0, .to = T0 + (wide ? 10000 : 100), .max_points = 100,
                           .agg = STORE_AGG_AVG, .processes = only, .n_processes = 1};
    history_answer a;
    char err[256];
    assert_int_equal(history_query(NULL, s, &req, &a, err, sizeof err), HIRO_OK);
    assert_true(a.n > 0);
    assert_int_equal(a.resolution != 0, wide);
    for (size_t i = 0; i < a.n; i++) {
      assert_int_equal(a.points[i].n_children, 1);
      assert_string_equal(a.points[i].children[0].name, "plugin-1");
      assert_true(a.points[i].has_process);
    }
    history_answer_free(&a);
  }
  store_close(s);
  tsu_free_all(orig, n_orig);
}

/* Downtime: a snapshot whose interval does not reach back to the previous
 * one starts a gap; so does a missing bucket in a rolled-up answer. */
static void test_gaps(void **state) {
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  enum { N = 200 };
  metrics_snapshot *v = calloc(N, sizeof *v);
  uint64_t rng = 4;
  double t = T0;
  for (size_t i = 0; i < N; i++) {
    if (i == 100) t += 600; /* ten minutes down */
    tsu_snapshot(&v[i], t, 1, &rng, true, true);
    v[i].sampling.interval_seconds = i == 100 ? 0.3 : 2; /* the first tick after a restart */
    t += 2;
  }
  assert_int_equal(store_write_batch(s, v, N), HIRO_OK);
  history_answer a = ask(s, T0, t, 1800, STORE_AGG_AVG);
  assert_int_equal(a.resolution, 0);
  for (size_t i = 0; i < a.n; i++) assert_int_equal(a.points[i].point.gap_before, i == 100);
  history_answer_free(&a);
  a = ask(s, T0, t, 10, STORE_AGG_AVG);
  assert_true(a.resolution >= 60);
  size_t gaps = 0;
  for (size_t i = 0; i < a.n; i++) gaps += a.points[i].point.gap_before;
  assert_int_equal(gaps, 1);
  history_answer_free(&a);
  store_close(s);
  tsu_free_all(v, N);
}

static void test_clock_step_back(void **state) {
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  const double stamps[] = {T0, T0 + 2, T0 + 2, T0 + 1.0005, T0 + 2, T0 - 50, T0 + 4};
  size_t n_in = HIRO_ARRAY_LEN(stamps);
  uint64_t rng = 5;
  for (size_t i = 0; i < n_in; i++) {
    metrics_snapshot snap;
    tsu_snapshot(&snap, stamps[i], 1, &rng, true, false);
    store_enqueue(s, &snap);
    snapshot_free(&snap);
  }
  store_flush(s);
  store_status st;
  store_get_status(s, &st);
  assert_false(st.has_error);
  assert_int_equal(st.rows_raw, n_in);
  history_answer a = ask(s, T0 - 100, T0 + 100, 1800, STORE_AGG_AVG);
  assert_int_equal(a.n, n_in);
  assert_true(fabs(a.points[0].timestamp - (T0 - 50)) < 1e-6);
  /* The duplicates moved by a millisecond each. */
  assert_true(fabs(a.points[a.n - 2].timestamp - (T0 + 2.002)) < 1e-6);
  history_answer_free(&a);

  /* Recent rows for the ring: newest first in the table, oldest first out. */
  metrics_snapshot *v;
  size_t n = store_load_recent(s, 3, &v);
  assert_int_equal(n, 3);
  assert_true(fabs(v[2].timestamp - (T0 + 4)) < 1e-6);
  tsu_free_all(v, n);
  store_close(s);
}

static void test_readonly_open(void **state) {
  store *s = NULL;
  char err[512];
  assert_int_equal(store_open_readonly(tsu_dbpath, &s, err, sizeof err), HIRO_ENOENT);
  s = tsu_open(tsu_dbpath, &tsu_keep_all);
  size_t n_orig;
  metrics_snapshot *orig = fill(s, &n_orig);
  store_close(s);
  assert_int_equal(store_open_readonly(tsu_dbpath, &s, err, sizeof err), HIRO_OK);
  history_answer a = ask(s, T0, T0 + 3 * 3600, 100, STORE_AGG_MAX);
  assert_int_equal(a.resolution, 120);
  check_spike(&a, STORE_AGG_MAX);
  history_answer_free(&a);
  store_close(s);
  /* A file that is not a metrics database is refused. */
  sqlite3 *db = tsu_db(tsu_dbpath);
  tsu_exec(db, "PRAGMA user_version=999");
  sqlite3_close(db);
  assert_int_equal(store_open_readonly(tsu_dbpath, &s, err, sizeof err), HIRO_ESCHEMA);
  assert_non_null(strstr(err, "999"));
  tsu_free_all(orig, n_orig);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_raw_round_trip, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_finest_resolution_that_fits, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_edges_clipped, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_newest_bucket_included, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_young_database, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_process_filter, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_gaps, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_clock_step_back, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_readonly_open, tsu_setup, tsu_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
