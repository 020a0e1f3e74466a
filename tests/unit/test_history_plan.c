/* test_history_plan.c - the one tier chooser (history/plan.c) on facts alone:
 * a young database is clamped to its own data (a rollup bucket's floored
 * start is not older data), retention-trimmed raw rows hand the range to the
 * tier that still holds it, the finest ladder step that fits within the read
 * cap, the cap dropped only when nothing else fits, and the exporter's
 * tiers-only mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "history/plan.h"

static const int64_t NOW = 1700000000000; /* ms; 1700000000 % 60 == 20 */

/* A database holding raw rows in [raw_from, raw_to] (ms) and rollups built
 * from them, or older ones when given. */
static history_facts facts(int64_t raw_from, int64_t raw_to, int64_t minute_from,
                           int64_t hour_from) {
  history_facts f;
  memset(&f, 0, sizeof f);
  f.has_store = true;
  f.ext.has_raw = true;
  f.ext.raw_oldest_ms = raw_from;
  f.ext.raw_newest_ms = raw_to;
  int64_t firsts[2] = {minute_from, hour_from};
  for (int t = 0; t < 2; t++) {
    int64_t w = store_tier_seconds[t] * 1000;
    f.ext.has_tier[t] = true;
    f.ext.tier_oldest_ms[t] = firsts[t] / w * w;
    f.ext.tier_newest_ms[t] = raw_to / w * w;
    f.ext.rolled_up_ms[t] = raw_to;
  }
  return f;
}

static history_plan choose(const history_facts *f, const history_span *sp, size_t max_points,
                           int64_t raw_count) {
  history_counts c = {.max_points = max_points, .raw_count = raw_count};
  history_plan p;
  history_choose(f, sp, &c, &p);
  return p;
}

static void test_young_database_is_clamped_to_its_data(void **state) {
  /* 15 s of raw rows; the minute and hour tiers' first buckets start earlier
   * only because they are floored. */
  history_facts f = facts(NOW - 15000, NOW, NOW - 15000, NOW - 15000);
  history_span sp;
  history_clamp(&f, NOW - 2 * 86400000LL, NOW, &sp);
  assert_false(sp.empty);
  assert_int_equal(sp.from_ms, NOW - 15000);
  assert_int_equal(sp.to_ms, NOW);
  history_plan p = choose(&f, &sp, 1800, 16);
  assert_int_equal(p.resolution, 0);
  assert_int_equal(p.source, HISTORY_SRC_RAW);
  /* A range that ends before the data is empty. */
  history_clamp(&f, NOW - 86400000, NOW - 60000, &sp);
  assert_true(sp.empty);
}

static void test_trimmed_raw_hands_over_to_the_tier(void **state) {
  /* Raw kept 48 h, minutes 30 days: a range 3 days back starts in minutes. */
  int64_t day = 86400000;
  history_facts f = facts(NOW - 2 * day, NOW, NOW - 30 * day, NOW - 400 * day);
  history_span sp;
  history_clamp(&f, NOW - 3 * day, NOW, &sp);
  assert_int_equal(sp.from_ms, NOW - 3 * day);
  assert_true(sp.cover_ms[HISTORY_SRC_RAW] > sp.from_ms);
  /* 4321 minute rows > the cap of 3600 at 1800 points: whole hours. */
  history_plan p = choose(&f, &sp, 1800, 0);
  assert_int_equal(p.resolution, 3600);
  assert_int_equal(p.source, HISTORY_SRC_HOUR);
  /* At 5000 points the cap is 10000: the 4321 minute rows as they are. */
  p = choose(&f, &sp, 5000, 0);
  assert_int_equal(p.resolution, 60);
  assert_int_equal(p.source, HISTORY_SRC_MINUTE);
}

static void test_finest_step_that_fits(void **state) {
  /* One hour at 1 s: 3600 raw rows. */
  history_facts f = facts(NOW - 3599000, NOW, NOW - 3599000, NOW - 3599000);
  history_span sp;
  history_clamp(&f, NOW - 3600000, NOW, &sp);
  history_plan p = choose(&f, &sp, 3600, 3600);
  assert_int_equal(p.resolution, 0);
  /* 5 points: 15-minute buckets (12-minute ones are not on the ladder,
   * 10-minute ones would be 7 points). */
  p = choose(&f, &sp, 5, 3600);
  assert_int_equal(p.resolution, 900);
  assert_int_equal(p.source, HISTORY_SRC_MINUTE);
  /* 1000 points: 5 s buckets would fit, but the 3600 raw rows are more than
   * the cap of 2048: 1-minute buckets from the tier. */
  p = choose(&f, &sp, 1000, 3600);
  assert_int_equal(p.resolution, 60);
  /* 1800 points: the cap is 3600, so the raw rows are folded; 2 s buckets
   * would be 1801 (the hour is not aligned), 5 s ones 721. */
  p = choose(&f, &sp, 1800, 3600);
  assert_int_equal(p.resolution, 5);
  assert_int_equal(p.source, HISTORY_SRC_RAW);
  /* One point holds the whole hour. */
  p = choose(&f, &sp, 1, 3600);
  assert_true(p.resolution >= 7200);
  int64_t w = p.resolution * 1000;
  assert_int_equal(sp.from_ms / w, sp.to_ms / w);
}

static void test_ring_first(void **state) {
  history_facts f = facts(NOW - 86400000, NOW, NOW - 86400000, NOW - 86400000);
  f.has_ring = true;
  f.ring_oldest_ms = NOW - 1800000;
  f.ring_newest_ms = NOW;
  history_span sp;
  history_clamp(&f, NOW - 600000, NOW, &sp);
  history_counts c = {.max_points = 100, .ring_count = 600, .raw_count = 600};
  history_plan p;
  history_choose(&f, &sp, &c, &p);
  assert_int_equal(p.source, HISTORY_SRC_RING);
  assert_int_equal(p.resolution, 10);
  c.max_points = 1800;
  history_choose(&f, &sp, &c, &p);
  assert_int_equal(p.resolution, 0);
  assert_int_equal(p.source, HISTORY_SRC_RING);
}

static void test_exporter_tiers_only(void **state) {
  int64_t day = 86400000;
  history_facts f = facts(NOW - 2 * day, NOW, NOW - 30 * day, NOW - 400 * day);
  history_counts c = {.tiers_only = true};
  history_span sp;
  history_plan p;
  int64_t starts[] = {NOW - 600000, NOW - 10 * day, NOW - 100 * day, INT64_MIN / 2};
  int64_t want[] = {0, 60, 3600, 3600};
  for (int i = 0; i < 4; i++) {
    history_clamp(&f, starts[i], INT64_MAX / 2, &sp);
    history_choose(&f, &sp, &c, &p);
    assert_int_equal(p.resolution, want[i]);
  }
  assert_string_equal(history_resolution_text(0), "raw");
  assert_string_equal(history_resolution_text(900), "900");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_young_database_is_clamped_to_its_data),
      cmocka_unit_test(test_trimmed_raw_hands_over_to_the_tier),
      cmocka_unit_test(test_finest_step_that_fits),
      cmocka_unit_test(test_ring_first),
      cmocka_unit_test(test_exporter_tiers_only),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
