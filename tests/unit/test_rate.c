/* test_rate.c - rates from counter deltas: normal, wraps, zero elapsed, and
 * the sampler's primed first tick with a controllable clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "collector/rate.h"

static void test_normal_delta(void **state) {
  assert_float_equal(rate_per_sec(1000, 3000, 2.0), 1000.0, 1e-9);
  assert_float_equal(rate_cpu_percent(100, 150, 100.0, 1.0), 50.0, 1e-9);
  /* two cores fully busy for 2 s at 100 Hz: 400 ticks -> 200 % */
  assert_float_equal(rate_cpu_percent(0, 400, 100.0, 2.0), 200.0, 1e-9);
  assert_float_equal(rate_busy_percent(100, 1000, 150, 1100), 50.0, 1e-9);
}

static void test_wrap_or_reset_gives_zero(void **state) {
  assert_float_equal(rate_per_sec(UINT64_MAX - 5, 10, 1.0), 0.0, 0);
  assert_float_equal(rate_per_sec(5000, 10, 1.0), 0.0, 0);
  assert_float_equal(rate_cpu_percent(500, 100, 100.0, 1.0), 0.0, 0);
  assert_float_equal(rate_busy_percent(500, 1000, 100, 1200), 0.0, 0); /* busy went down */
  assert_float_equal(rate_busy_percent(100, 1000, 200, 900), 0.0, 0);  /* total went down */
}

static void test_zero_or_negative_elapsed(void **state) {
  assert_float_equal(rate_per_sec(0, 100, 0.0), 0.0, 0);
  assert_float_equal(rate_per_sec(0, 100, -1.0), 0.0, 0);
  assert_float_equal(rate_cpu_percent(0, 100, 100.0, 0.0), 0.0, 0);
  assert_float_equal(rate_cpu_percent(0, 100, 0.0, 1.0), 0.0, 0);
  assert_float_equal(rate_busy_percent(10, 100, 10, 100), 0.0, 0);
}

static void test_busy_clamped(void **state) {
  assert_float_equal(rate_busy_percent(0, 0, 500, 100), 100.0, 1e-9);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_normal_delta),
      cmocka_unit_test(test_wrap_or_reset_gives_zero),
      cmocka_unit_test(test_zero_or_negative_elapsed),
      cmocka_unit_test(test_busy_clamped),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
