/* test_store_query.c - history reads: tier choice by max_points, rollup
 * points (agg=max keeps a one-sample spike), raw round trip, and ordered
 * reads after a wall-clock step back. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_store_util.h"

static const double T0 = 1700000000.0; /* a multiple of 3600 is not needed */


/* 3 hours at 2 s; cpu 5 % except one 95 % spike at T0 + 3600 + 30. */
static void fill(store *s, metrics_snapshot **out, size_t *n_out) {
  size_t n = 3 * 3600 / 2;
  metrics_snapshot *v = calloc(n, sizeof *v);
  uint64_t rng = 11;
  for (size_t i = 0; i < n; i++) {
    tsu_snapshot(&v[i], T0 + 2.0 * (double)i, 2, &rng, i % 2 == 0, true);
    v[i].cpu.percent = 5.0;
    v[i].children[0].rss_bytes = 4096 * 100;
    if (i == (3600 + 30) / 2) {
      v[i].cpu.percent = 95.0;
      v[i].children[0].rss_bytes = 4096 * 10000;
    }
  }
  assert_int_equal(store_write_batch(s, v, n), HIRO_OK);
  *out = v;
  *n_out = n;
}

static void test_tiers_and_spike(void **state) {
  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  metrics_snapshot *orig;
  size_t n_orig;
  fill(s, &orig, &n_orig);
  store_close(s); /* flushes the open buckets */
  s = tsu_open(tsu_dbpath, &tsu_keep_all);

  metrics_snapshot *v;
  size_t n;
  int res;
  /* 30 min: 900 raw points fit. */
  assert_int_equal(store_query(s, T0, T0 + 1800 - 1, 1800, STORE_AGG_AVG, &v, &n, &res), HIRO_OK);
  assert_int_equal(res, STORE_RES_RAW);
  assert_int_equal(n, 900);
  for (size_t i = 0; i < n; i++) {
    const metrics_snapshot *a = &v[i], *b = &orig[i];
    assert_true(fabs(a->timestamp - b->timestamp) < 1e-3);
    assert_true(fabs(a->memory.percent - b->memory.percent) < 1e-9);
    assert_int_equal(a->memory.available_bytes, b->memory.available_bytes);
    assert_int_equal(a->has_disk, b->has_disk);
    if (b->has_disk) assert_int_equal(a->disk.used_bytes, b->disk.used_bytes);
    assert_true(fabs(a->network.packets_recv_per_sec - b->network.packets_recv_per_sec) < 1e-9);
    assert_true(a->has_process);
    assert_int_equal(a->process.rss_bytes, b->process.rss_bytes);
    assert_int_equal(a->n_children, b->n_children);
    for (size_t c = 0; c < a->n_children; c++) {
      assert_string_equal(a->children[c].name, b->children[c].name);
      assert_int_equal(a->children[c].pid, b->children[c].pid);
      assert_int_equal(a->children[c].alive, b->children[c].alive);
      assert_true(fabs(a->children[c].cpu_percent - b->children[c].cpu_percent) < 1e-9);
      assert_int_equal(a->children[c].vms_bytes, b->children[c].vms_bytes);
      assert_int_equal(a->children[c].num_threads, b->children[c].num_threads);
    }
    if (i) assert_true(v[i].timestamp > v[i - 1].timestamp);
  }
  tsu_free_all(v, n);

  /* 3 h: 5400 raw points do not fit 1800, 180 one-minute points do. */
  for (int agg = STORE_AGG_AVG; agg <= STORE_AGG_MAX; agg++) {
    assert_int_equal(store_query(s, T0, T0 + 3 * 3600, 1800, agg, &v, &n, &res), HIRO_OK);
    assert_int_equal(res, STORE_RES_MINUTE);
    assert_int_equal(n, 181); /* T0 is mid-minute: 181 buckets touched */
    double spike_bucket = floor((T0 + 3600 + 30) / 60) * 60;
    bool seen = false;
    for (size_t i = 0; i < n; i++) {
      assert_true(fmod(v[i].timestamp, 60) == 0);
      if (v[i].timestamp != spike_bucket) continue;
      seen = true;
      double cpu = v[i].cpu.percent;
      uint64_t rss = v[i].children[0].rss_bytes;
      if (agg == STORE_AGG_MAX) {
        assert_true(fabs(cpu - 95.0) < 1e-9);
        assert_int_equal(rss, 4096 * 10000);
      } else if (agg == STORE_AGG_MIN) {
        assert_true(fabs(cpu - 5.0) < 1e-9);
        assert_int_equal(rss, 4096 * 100);
      } else {
        assert_true(cpu > 5.0 && cpu < 10.0); /* (95 + 29 x 5) / 30 = 8 */
      }
      assert_int_equal(v[i].n_children, 2);
      assert_string_equal(v[i].children[1].name, "plugin-1");
      assert_true(v[i].has_process);
    }
    assert_true(seen);
    tsu_free_all(v, n);
  }

  /* max_points 100: only the hour tier fits. */
  assert_int_equal(store_query(s, T0, T0 + 3 * 3600, 100, STORE_AGG_MAX, &v, &n, &res), HIRO_OK);
  assert_int_equal(res, STORE_RES_HOUR);
  assert_int_equal(n, 4);
  bool spike = false;
  for (size_t i = 0; i < n; i++) spike |= fabs(v[i].cpu.percent - 95.0) < 1e-9;
  assert_true(spike);
  tsu_free_all(v, n);

  /* Recent rows for the ring: newest 10, oldest first. */
  n = store_load_recent(s, 10, &v);
  assert_int_equal(n, 10);
  assert_true(fabs(v[9].timestamp - orig[n_orig - 1].timestamp) < 1e-3);
  assert_true(fabs(v[0].timestamp - orig[n_orig - 10].timestamp) < 1e-3);
  tsu_free_all(v, n);

  assert_int_equal(store_query(s, T0 + 10, T0, 10, STORE_AGG_AVG, &v, &n, &res), HIRO_EINVAL);
  store_close(s);
  tsu_free_all(orig, n_orig);
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
  metrics_snapshot *v;
  size_t n;
  int res;
  assert_int_equal(store_query(s, T0 - 100, T0 + 100, 1800, STORE_AGG_AVG, &v, &n, &res), HIRO_OK);
  assert_int_equal(n, n_in);
  assert_true(fabs(v[0].timestamp - (T0 - 50)) < 1e-6);
  for (size_t i = 1; i < n; i++) assert_true(v[i].timestamp > v[i - 1].timestamp);
  /* The duplicates moved by a millisecond each. */
  assert_true(fabs(v[n - 2].timestamp - (T0 + 2.002)) < 1e-6);
  tsu_free_all(v, n);
  store_close(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_tiers_and_spike, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_clock_step_back, tsu_setup, tsu_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
