/* test_sketch.c - the quantile sketch: relative error against exact
 * quantiles on random data of several shapes, merge = union (bucket for
 * bucket), weights, the collapsing store on huge ranges, encode/decode round
 * trips and hostile blobs. */
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "appmetrics/sketch.h"

/* xorshift64*: deterministic across libcs. */
static uint64_t rng_state = 88172645463325252ull;
static double uniform01(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (double)((rng_state * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}
static double normal(void) {
  double u = uniform01(), v = uniform01();
  if (u < 1e-300) u = 1e-300;
  return sqrt(-2.0 * log(u)) * cos(2 * M_PI * v);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Exact value of the rank the sketch promises: floor(q * (n - 1)). */
static double exact_quantile(const double *sorted, size_t n, double q) {
  return sorted[(size_t)floor(q * (double)(n - 1))];
}

static void check_quantiles(const double *values, size_t n, const char *what) {
  sketch *s = sketch_new();
  for (size_t i = 0; i < n; i++) sketch_add(s, values[i], 1);
  double *sorted = malloc(n * sizeof *sorted);
  memcpy(sorted, values, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, cmp_double);
  assert_int_equal(sketch_count(s), n);
  assert_float_equal(sketch_min(s), sorted[0], 0);
  assert_float_equal(sketch_max(s), sorted[n - 1], 0);
  double worst = 0;
  for (double q = 0; q <= 1.0; q += 0.005) {
    double exact = exact_quantile(sorted, n, q), got = sketch_quantile(s, q);
    double err = exact == 0 ? fabs(got) : fabs(got - exact) / fabs(exact);
    if (err > worst) worst = err;
    if (err > SKETCH_RELATIVE_ERROR + 1e-12)
      fail_msg("%s: q=%.3f exact %.17g sketch %.17g (error %.5f)", what, q, exact, got, err);
  }
  print_message("%-12s n=%zu worst relative error %.5f (bound %.5f), %zu bytes\n", what, n, worst,
                SKETCH_RELATIVE_ERROR, sketch_memory(s));
  free(sorted);
  sketch_free(s);
}

static void test_quantile_error_on_random_data(void **state) {
  enum { N = 100000 };
  double *v = malloc(N * sizeof *v);
  for (size_t i = 0; i < N; i++) v[i] = 1 + 999 * uniform01();
  check_quantiles(v, N, "uniform");
  for (size_t i = 0; i < N; i++) v[i] = exp(3 + 1.5 * normal()); /* latency-like */
  check_quantiles(v, N, "lognormal");
  for (size_t i = 0; i < N; i++) v[i] = -log(1 - uniform01()) * 50;
  check_quantiles(v, N, "exponential");
  for (size_t i = 0; i < N; i++) v[i] = 100 * normal(); /* negatives and positives */
  check_quantiles(v, N, "normal");
  for (size_t i = 0; i < N; i++) v[i] = (i % 10 == 0) ? 0.0 : (double)(i % 7);
  check_quantiles(v, N, "zeros+ints");
  for (size_t i = 0; i < 7; i++) v[i] = (double)(i * i) + 0.5;
  check_quantiles(v, 7, "tiny");
  free(v);
}

/* Values from 1e300 up to DBL_MAX (fewer than SKETCH_MAX_BUCKETS keys apart):
 * a bucket's representative stays finite and within the bound (it was NaN
 * from ~1e154 on; found by fuzz_statsd). */
static void test_huge_values(void **state) {
  (void)state;
  double v[200];
  for (size_t i = 0; i < 199; i++) v[i] = 1e300 * pow(10.0, 8.2 * uniform01());
  v[199] = DBL_MAX;
  check_quantiles(v, 200, "huge");
}

static void test_merge_is_union(void **state) {
  sketch *a = sketch_new(), *b = sketch_new(), *all = sketch_new();
  for (int i = 0; i < 50000; i++) {
    double x = exp(2 + normal()), y = (i % 3 ? -1 : 1) * exp(5 + 2 * normal());
    sketch_add(a, x, 1);
    sketch_add(b, y, 2);
    sketch_add(all, x, 1);
    sketch_add(all, y, 2);
  }
  sketch_merge(a, b);
  assert_int_equal(sketch_count(a), sketch_count(all));
  assert_float_equal(sketch_sum(a), sketch_sum(all), fabs(sketch_sum(all)) * 1e-9);
  assert_float_equal(sketch_min(a), sketch_min(all), 0);
  assert_float_equal(sketch_max(a), sketch_max(all), 0);
  strbuf ea = {0}, eall = {0};
  sketch_encode(a, &ea);
  sketch_encode(all, &eall);
  assert_int_equal(ea.len, eall.len); /* the same buckets, the same counts */
  assert_memory_equal(ea.data, eall.data, ea.len);
  for (double q = 0; q <= 1; q += 0.01)
    assert_float_equal(sketch_quantile(a, q), sketch_quantile(all, q), 0);
  /* Merging an empty sketch changes nothing; merging into an empty one copies. */
  sketch *empty = sketch_new(), *copy = sketch_new();
  sketch_merge(a, empty);
  sketch_merge(copy, all);
  strbuf ecopy = {0};
  sketch_encode(copy, &ecopy);
  assert_memory_equal(ecopy.data, eall.data, eall.len);
  assert_true(isnan(sketch_quantile(empty, 0.5)));
  sb_free(&ea);
  sb_free(&eall);
  sb_free(&ecopy);
  sketch_free(a);
  sketch_free(b);
  sketch_free(all);
  sketch_free(empty);
  sketch_free(copy);
}

static void test_weights_match_repetition(void **state) {
  sketch *w = sketch_new(), *r = sketch_new();
  for (int i = 1; i <= 100; i++) {
    sketch_add(w, i, 10);
    for (int k = 0; k < 10; k++) sketch_add(r, i, 1);
  }
  assert_int_equal(sketch_count(w), 1000);
  for (double q = 0; q <= 1; q += 0.05)
    assert_float_equal(sketch_quantile(w, q), sketch_quantile(r, q), 0);
  sketch_add(w, NAN, 1);
  sketch_add(w, INFINITY, 1);
  sketch_add(w, 5, 0);
  assert_int_equal(sketch_count(w), 1000);
  assert_true(isnan(sketch_quantile(w, -0.1)) && isnan(sketch_quantile(w, 1.1)));
  sketch_free(w);
  sketch_free(r);
}

/* Values over 60 powers of two: the store collapses its lowest buckets, its
 * memory stays bounded, and the upper quantiles keep the error bound. */
static void test_collapse_keeps_upper_quantiles(void **state) {
  enum { N = 20000 };
  double *v = malloc(N * sizeof *v);
  sketch *s = sketch_new();
  for (size_t i = 0; i < N; i++) {
    v[i] = ldexp(1 + uniform01(), (int)(i % 60) - 30);
    sketch_add(s, v[i], 1);
  }
  assert_true(sketch_memory(s) <= SKETCH_MAX_BUCKETS * sizeof(uint32_t) + 256);
  qsort(v, N, sizeof *v, cmp_double);
  /* The top 32 powers of two (of 60) are kept at full precision. */
  for (double q = 0.5; q <= 1.0; q += 0.01) {
    double exact = exact_quantile(v, N, q), got = sketch_quantile(s, q);
    assert_true(fabs(got - exact) / exact <= SKETCH_RELATIVE_ERROR + 1e-12);
  }
  /* Below them everything reads as the lowest bucket kept, never less than
   * the true minimum nor more than the 47th percentile's true value. */
  double low = sketch_quantile(s, 0);
  assert_true(low >= v[0] && low <= exact_quantile(v, N, 0.47));
  /* Growing downwards past the limit collapses too. */
  sketch *down = sketch_new();
  for (int e = 60; e >= -60; e--) sketch_add(down, ldexp(1.5, e), 1);
  assert_true(sketch_memory(down) <= SKETCH_MAX_BUCKETS * sizeof(uint32_t) + 256);
  assert_int_equal(sketch_count(down), 121);
  assert_float_equal(sketch_quantile(down, 1.0), ldexp(1.5, 60), 0);
  double median = sketch_quantile(down, 0.5); /* exact: 1.5, collapsed: 1.5 * 2^28 */
  assert_true(median >= ldexp(1.5, 28) * (1 - SKETCH_RELATIVE_ERROR));
  sketch_free(down);
  sketch_free(s);
  free(v);
}

static void test_encode_decode_round_trip(void **state) {
  sketch *s = sketch_new(), *back = sketch_new();
  for (int i = 0; i < 5000; i++) sketch_add(s, (i % 5 - 2) * exp(4 * uniform01()), 1 + i % 3);
  sketch_add(s, 0.0, 4);
  strbuf blob = {0};
  sketch_encode(s, &blob);
  assert_int_equal(
      sketch_decode(back, blob.data, blob.len, sketch_sum(s), sketch_min(s), sketch_max(s)),
      HIRO_OK);
  assert_int_equal(sketch_count(back), sketch_count(s));
  for (double q = 0; q <= 1; q += 0.01)
    assert_float_equal(sketch_quantile(back, q), sketch_quantile(s, q), 0);
  strbuf again = {0};
  sketch_encode(back, &again);
  assert_int_equal(again.len, blob.len);
  assert_memory_equal(again.data, blob.data, blob.len);
  print_message("%zu values: %zu bytes encoded\n", sketch_count(s), blob.len);
  /* Without stored extremes the bucket bounds stand in. */
  assert_int_equal(sketch_decode(back, blob.data, blob.len, 0, NAN, NAN), HIRO_OK);
  assert_true(fabs(sketch_max(back) - sketch_max(s)) / sketch_max(s) <= SKETCH_RELATIVE_ERROR);
  /* An empty sketch encodes to 4 bytes and decodes to empty. */
  sketch *empty = sketch_new();
  strbuf e = {0};
  sketch_encode(empty, &e);
  assert_int_equal(e.len, 4);
  assert_int_equal(sketch_decode(back, e.data, e.len, 0, NAN, NAN), HIRO_OK);
  assert_int_equal(sketch_count(back), 0);
  assert_true(isnan(sketch_min(back)));
  /* Every truncation of a valid blob is refused, never overread. */
  for (size_t cut = 0; cut < blob.len; cut++) {
    unsigned char *part = malloc(cut ? cut : 1);
    memcpy(part, blob.data, cut);
    assert_int_equal(sketch_decode(back, part, cut, 0, NAN, NAN), HIRO_EPARSE);
    assert_int_equal(sketch_count(back), 0);
    free(part);
  }
  static const unsigned char hostile[][12] = {
      {2, 0, 0, 0},                                  /* unknown version */
      {1, 0, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}, /* endless varint */
      {1, 0, 2, 0, 1, 0, 1, 0},                      /* delta 0: a key repeated */
      {1, 0, 1, 0, 0, 0},                            /* a bucket with count 0 */
      {1, 0, 1, 0xfe, 0xff, 0xff, 0xff, 0x0f, 1, 0}, /* key out of range */
      {1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 0},       /* more buckets than bytes */
  };
  for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++)
    assert_int_equal(sketch_decode(back, hostile[i], sizeof hostile[i], 0, NAN, NAN), HIRO_EPARSE);
  sb_free(&blob);
  sb_free(&again);
  sb_free(&e);
  sketch_free(s);
  sketch_free(back);
  sketch_free(empty);
}

static void test_clear_releases_buckets(void **state) {
  sketch *s = sketch_new();
  size_t bare = sketch_memory(s);
  for (int i = 1; i < 1000; i++) sketch_add(s, i, 1);
  assert_true(sketch_memory(s) > bare);
  sketch_clear(s);
  assert_int_equal(sketch_memory(s), bare);
  assert_int_equal(sketch_count(s), 0);
  sketch_add(s, 3, 1);
  assert_float_equal(sketch_quantile(s, 0.5), 3, 0);
  sketch_free(s);
  sketch_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_quantile_error_on_random_data),
      cmocka_unit_test(test_huge_values),
      cmocka_unit_test(test_merge_is_union),
      cmocka_unit_test(test_weights_match_repetition),
      cmocka_unit_test(test_collapse_keeps_upper_quantiles),
      cmocka_unit_test(test_encode_decode_round_trip),
      cmocka_unit_test(test_clear_releases_buckets),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
