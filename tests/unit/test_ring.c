/* test_ring.c - ring buffer: append past capacity, resize, range copy order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "collector/ring.h"

static void push_ts(ring *r, double ts, size_t kids) {
  metrics_snapshot s = {0};
  s.timestamp = ts;
  snapshot_set_children(&s, kids);
  for (size_t i = 0; i < kids; i++) s.children[i].pid = (int)ts;
  ring_push(r, &s);
  snapshot_free(&s);
}

static void test_push_past_capacity(void **state) {
  ring *r = ring_new(3);
  assert_null(ring_latest(r));
  for (int i = 1; i <= 5; i++) push_ts(r, i, (size_t)i % 3);
  assert_int_equal(ring_count(r), 3);
  assert_true(ring_at(r, 0)->timestamp == 3);
  assert_true(ring_at(r, 2)->timestamp == 5);
  assert_true(ring_latest(r)->timestamp == 5);
  assert_int_equal(ring_latest(r)->n_children, 2);
  assert_int_equal(ring_latest(r)->children[1].pid, 5);
  assert_null(ring_at(r, 3));
  ring_free(r);
}

static void test_resize_keeps_newest(void **state) {
  ring *r = ring_new(5);
  for (int i = 1; i <= 7; i++) push_ts(r, i, 1);
  ring_resize(r, 2); /* shrink: keep 6, 7 */
  assert_int_equal(ring_count(r), 2);
  assert_int_equal(ring_capacity(r), 2);
  assert_true(ring_at(r, 0)->timestamp == 6);
  assert_true(ring_latest(r)->timestamp == 7);
  ring_resize(r, 4); /* grow: keep both, room for two more */
  push_ts(r, 8, 0);
  push_ts(r, 9, 3);
  assert_int_equal(ring_count(r), 4);
  assert_true(ring_at(r, 0)->timestamp == 6);
  push_ts(r, 10, 0);
  assert_true(ring_at(r, 0)->timestamp == 7);
  assert_true(ring_latest(r)->timestamp == 10);
  ring_resize(r, 0); /* clamped to 1 */
  assert_int_equal(ring_capacity(r), 1);
  assert_true(ring_latest(r)->timestamp == 10);
  ring_free(r);
}

static void test_range_copy_oldest_first(void **state) {
  ring *r = ring_new(4);
  for (int i = 1; i <= 6; i++) push_ts(r, i * 10, 2); /* holds 30..60 */
  metrics_snapshot *out = NULL;
  size_t n = ring_copy_range(r, 35, 60, &out);
  assert_int_equal(n, 3);
  assert_true(out[0].timestamp == 40 && out[1].timestamp == 50 && out[2].timestamp == 60);
  assert_int_equal(out[2].children[0].pid, 60);
  for (size_t i = 0; i < n; i++) snapshot_free(&out[i]);
  free(out);
  n = ring_copy_range(r, 100, 200, &out);
  assert_int_equal(n, 0);
  assert_null(out);
  assert_true(ring_oldest_timestamp(r) == 30);
  ring_free(r);
}

static void test_range_after_clock_step_back(void **state) {
  ring *r = ring_new(8);
  push_ts(r, 100, 0);
  push_ts(r, 110, 0);
  push_ts(r, 50, 0); /* wall clock stepped back */
  push_ts(r, 60, 0);
  metrics_snapshot *out = NULL;
  size_t n = ring_copy_range(r, 55, 105, &out);
  assert_int_equal(n, 2); /* 100 and 60, in ring order */
  assert_true(out[0].timestamp == 100 && out[1].timestamp == 60);
  for (size_t i = 0; i < n; i++) snapshot_free(&out[i]);
  free(out);
  ring_free(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_push_past_capacity),
      cmocka_unit_test(test_resize_keeps_newest),
      cmocka_unit_test(test_range_copy_oldest_first),
      cmocka_unit_test(test_range_after_clock_step_back),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
