/* test_params.c - history query parameters and configure bodies: accepted
 * forms, every rejection, all-or-nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "http/params.h"

/* Tables below leave len out (0 = use strlen). */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* A query string as key/value pairs (value lengths given explicitly so a
 * value may contain a NUL byte). */
typedef struct {
  const char *key, *value;
  size_t len;
} kv;

/* The kv table as the HTTP layer hands parameters over. */
static bool parse(kv *q, history_params *hp, char *err) {
  api_query_arg args[16] = {{0}};
  size_t n = 0;
  for (const kv *p = q; p->key && n < 16; p++)
    args[n++] = (api_query_arg){p->key, p->value, p->len ? p->len : strlen(p->value)};
  return params_parse_history(args, n, 100000.0, NULL, hp, err, 256);
}

static void test_history_defaults(void **state) {
  kv q[] = {{0}};
  history_params hp;
  char err[256];
  assert_true(parse(q, &hp, err));
  assert_float_equal(hp.range.to, 100000.0, 0);
  assert_float_equal(hp.range.from, 100000.0 - 300, 0);
  assert_int_equal(hp.max_points, 1800);
  assert_int_equal(hp.agg, STORE_AGG_AVG);
}

static void test_history_accepted(void **state) {
  history_params hp;
  char err[256];
  kv q1[] = {{"minutes", "0.5"}, {"max_points", "10"}, {"agg", "max"}, {0}};
  assert_true(parse(q1, &hp, err));
  assert_float_equal(hp.range.from, 100000.0 - 30, 1e-9);
  assert_int_equal(hp.max_points, 10);
  assert_int_equal(hp.agg, STORE_AGG_MAX);
  kv q2[] = {{"from", "1000"}, {"to", "2000"}, {0}};
  assert_true(parse(q2, &hp, err));
  assert_float_equal(hp.range.from, 1000, 0);
  assert_float_equal(hp.range.to, 2000, 0);
  kv q3[] = {{"minutes", "1e12"}, {0}}; /* huge: clamped to the epoch, bounded */
  assert_true(parse(q3, &hp, err));
  assert_float_equal(hp.range.from, 0, 0);
}

static void test_history_rejected(void **state) {
  history_params hp;
  char err[256];
  kv bad[][3] = {
      {{"minutes", "-1"}, {0}},        {{"minutes", "abc"}, {0}},
      {{"minutes", "0"}, {0}},         {{"minutes", ""}, {0}},
      {{"minutes", "5x"}, {0}},        {{"minutes", "nan"}, {0}},
      {{"minutes", "inf"}, {0}},       {{"minutes", "1e999"}, {0}},
      {{"max_points", "0"}, {0}},      {{"max_points", "1.5"}, {0}},
      {{"max_points", "100001"}, {0}}, {{"agg", "median"}, {0}},
      {{"from", "2000"}, {"to", "1000"}}, {{"from", "-5"}, {0}},
      {{"minutes", "5"}, {"from", "1"}},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = '\0';
    if (parse(bad[i], &hp, err)) fail_msg("case %zu (%s=%s) accepted", i, bad[i][0].key, bad[i][0].value);
    assert_true(strlen(err) > 10);
  }
  kv nul[] = {{"minutes", "5\0000", 3}, {0}}; /* NUL byte inside the value */
  assert_false(parse(nul, &hp, err));
  kv nul_agg[] = {{"agg", "max\0x", 5}, {0}};
  assert_false(parse(nul_agg, &hp, err));
}

static void test_history_unknown_and_repeated(void **state) {
  history_params hp;
  char err[256];
  kv typo[] = {{"minute", "5"}, {0}};
  assert_false(parse(typo, &hp, err));
  assert_string_equal(err, "unknown parameter 'minute' (known: minutes, from, to, process, "
                           "max_points, agg)");
  kv twice[] = {{"minutes", "5"}, {"minutes", "10"}, {0}};
  assert_false(parse(twice, &hp, err));
  assert_string_equal(err, "parameter 'minutes' is given more than once");
  kv procs[] = {{"process", "demo"}, {"minutes", "1"}, {"process", "server"}, {0}};
  assert_true(parse(procs, &hp, err));
  assert_int_equal(hp.range.n_processes, 2);
  assert_string_equal(hp.range.processes[0], "demo");
  assert_string_equal(hp.range.processes[1], "server");
  kv empty[] = {{"process", ""}, {0}};
  assert_false(parse(empty, &hp, err));
  kv nul[] = {{"process", "de\0mo", 5}, {0}};
  assert_false(parse(nul, &hp, err));
}

static bool configure(const char *body, configure_params *p, char *err) {
  return params_parse_configure(body, strlen(body), p, err, 256);
}

static void test_configure_accepted(void **state) {
  configure_params p;
  char err[256];
  assert_true(configure("{\"enabled\": true, \"interval\": 1.0, \"history_size\": 10}", &p, err));
  assert_true(p.has_enabled && p.enabled && p.has_interval && p.has_history_size);
  assert_float_equal(p.interval, 1.0, 0);
  assert_int_equal(p.history_size, 10);
  assert_true(configure("{}", &p, err));
  assert_false(p.has_enabled || p.has_interval || p.has_history_size);
  assert_true(configure(" {\"interval\": 3600}\n", &p, err));
}

static void test_configure_rejected(void **state) {
  configure_params p;
  char err[256];
  const char *bad[] = {
      "{\"interval\": 0.5}",
      "{\"interval\": 3601}",
      "{\"interval\": \"2\"}",
      "{\"enabled\": 1}",
      "{\"history_size\": 0}",
      "{\"history_size\": 1.5}",
      "{\"history_size\": 1000001}",
      "{\"enabled\": true, \"interval\": 0.1}", /* one valid, one invalid */
      "{\"bogus\": 1}",
      "not json",
      "[1, 2]",
      "{\"interval\": 2} trailing",
      "",
      "null",
      "{\"enabled\": true, \"enabled\": false}", /* duplicates: which one was meant? */
      "{\"interval\": 2, \"history_size\": 5, \"interval\": 2}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = '\0';
    if (configure(bad[i], &p, err)) fail_msg("accepted: %s", bad[i]);
    assert_true(strlen(err) > 10);
  }
  assert_false(params_parse_configure("{\"enabled\":true}\0", 17, &p, err, sizeof err));
  assert_false(configure("{\"enabled\": true, \"enabled\": true}", &p, err));
  assert_non_null(strstr(err, "'enabled' is given more than once"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_history_defaults),
      cmocka_unit_test(test_history_accepted),
      cmocka_unit_test(test_history_rejected),
      cmocka_unit_test(test_history_unknown_and_repeated),
      cmocka_unit_test(test_configure_accepted),
      cmocka_unit_test(test_configure_rejected),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
