/* test_export_time.c - the exporter's --from/--to time parser, the --last
 * duration parser (ISO-8601 forms, units, garbage) and option checks. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "export/export.h"

static const double NOW = 1795824902.5; /* 2026-11-28T00:15:02.5Z */

static void test_times(void **state) {
  static const struct {
    const char *in;
    double want;
  } cases[] = {
      {"1795824902", 1795824902},
      {"1795824902.123", 1795824902.123},
      {"0", 0},
      {"now", NOW},
      {"2026-11-27", 1795737600},
      {"2026-11-27T10:00", 1795773600},
      {"2026-11-27T10:00:00Z", 1795773600},
      {"2026-11-27t10:00:00z", 1795773600},
      {"2026-11-27 10:00:00", 1795773600},
      {"2026-11-27T10:00:00.250Z", 1795773600.25},
      {"2026-11-27T10:00:00,5Z", 1795773600.5},
      {"2026-11-27T11:00:00+01:00", 1795773600},
      {"2026-11-27T05:30:00-04:30", 1795773600},
      {"2026-11-27T11:00:00+0100", 1795773600},
      {"2026-11-27T11:00:00+01", 1795773600},
      {"1970-01-01T00:00:00Z", 0},
      {"2000-02-29", 951782400},
      {"2024-12-31T23:59:59Z", 1735689599},
      {"2026-11-28T00:15:02.123Z", 1795824902.123},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double got = -1;
    if (!export_parse_time(cases[i].in, NOW, &got)) fail_msg("refused '%s'", cases[i].in);
    if (fabs(got - cases[i].want) > 1e-6)
      fail_msg("'%s' -> %.6f, want %.6f", cases[i].in, got, cases[i].want);
  }
}

static void test_bad_times(void **state) {
  static const char *const bad[] = {
      "", "yesterday", "Now", "-5", "1e9", "0x10", "1.2.3", "12:00",
      "2026-13-01", "2026-00-10", "2026-02-30", "2025-02-29", "1900-02-29", "2026-11-31",
      "2026-1-5", "26-11-27", "2026/11/27", "2026-11-27T", "2026-11-27T10",
      "2026-11-27T24:00", "2026-11-27T10:60", "2026-11-27T10:00:60",
      "2026-11-27T10:00:00.", "2026-11-27T10:00:00ZZ", "2026-11-27T10:00:00+25:00",
      "2026-11-27T10:00:00+01:60", "2026-11-27T10:00:00 UTC", "2026-11-27x",
      " 2026-11-27", "1795824902 ",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    double got = 0;
    if (export_parse_time(bad[i], NOW, &got)) fail_msg("accepted '%s' as %f", bad[i], got);
  }
  double got;
  assert_false(export_parse_time(NULL, NOW, &got));
}

static void test_durations(void **state) {
  static const struct {
    const char *in;
    double want;
  } cases[] = {
      {"90s", 90},   {"15m", 900},       {"36h", 129600},     {"7d", 604800},
      {"2w", 1209600}, {"1h30m", 5400},  {"1.5h", 5400},      {"0.5d", 43200},
      {"1d12h", 129600}, {"1w1d1h1m1s", 694861}, {"0s1s", 1}, {".5m", 30},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double got = -1;
    if (!export_parse_duration(cases[i].in, &got)) fail_msg("refused '%s'", cases[i].in);
    if (fabs(got - cases[i].want) > 1e-9)
      fail_msg("'%s' -> %f, want %f", cases[i].in, got, cases[i].want);
  }
}

static void test_bad_durations(void **state) {
  static const char *const bad[] = {
      "", "7", "3600", "d", "7x", "7D", "7 d", "-7d", "+7d", "0s", "0d0h", "1e3s", "0x10s",
      "7dd", "1h30", "h1", "7days", " 7d", "7d ", "inf s", "nan s", ".s",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    double got = 0;
    if (export_parse_duration(bad[i], &got)) fail_msg("accepted '%s' as %f", bad[i], got);
  }
  double got;
  assert_false(export_parse_duration(NULL, &got));
}

/* export_parse_args: argv from a NULL-terminated list. */
static hiro_err parse(export_options *o, bool *help, char *err, size_t n, ...) {
  char *argv[32] = {"hiro-metrics-export"};
  int argc = 1;
  va_list ap;
  va_start(ap, n);
  for (char *a; (a = va_arg(ap, char *)) != NULL;) argv[argc++] = a;
  va_end(ap);
  return export_parse_args(argc, argv, NOW, o, help, err, n);
}

static void test_args(void **state) {
  export_options o;
  bool help;
  char err[256];
  assert_int_equal(parse(&o, &help, err, sizeof err, "--db", "x.db", NULL), HIRO_OK);
  assert_string_equal(o.db_path, "x.db");
  assert_int_equal(o.resolution, EXPORT_RES_AUTO);
  assert_int_equal(o.table, EXPORT_TABLE_SYSTEM);
  assert_int_equal(o.agg, EXPORT_AGG_AVG);
  assert_false(o.has_from || o.has_to);

  assert_int_equal(parse(&o, &help, err, sizeof err, "--db=x.db", "--last", "1h", "--table",
                         "processes", "--process", "a,b", "--agg=max", "--resolution", "1m",
                         "-o", "out.csv", "-v", NULL),
                   HIRO_OK);
  assert_true(o.has_from && o.has_to);
  assert_true(o.to == NOW && o.from == NOW - 3600);
  assert_int_equal(o.table, EXPORT_TABLE_PROCESSES);
  assert_string_equal(o.process, "a,b");
  assert_int_equal(o.agg, EXPORT_AGG_MAX);
  assert_true(o.agg_set);
  assert_int_equal(o.resolution, EXPORT_RES_1M);
  assert_string_equal(o.out_path, "out.csv");
  assert_true(o.verbose);

  assert_int_equal(parse(&o, &help, err, sizeof err, "--db", "x", "--to", "2026-11-27",
                         "--last", "1d", NULL), HIRO_OK);
  assert_true(o.from == 1795737600 - 86400 && o.to == 1795737600);

  assert_int_equal(parse(&o, &help, err, sizeof err, "--bogus", "--help", NULL), HIRO_EINVAL);
  assert_int_equal(parse(&o, &help, err, sizeof err, "--help", "--bogus", NULL), HIRO_OK);
  assert_true(help);
}

static void test_bad_args(void **state) {
  static const struct {
    const char *args[8];
    const char *message; /* a part of the error */
  } cases[] = {
      {{NULL}, "--db PATH is required"},
      {{"--db", NULL}, "--db needs a value"},
      {{"--db", "", NULL}, "--db needs a non-empty value"},
      {{"--db", "x", "--from", "2026-11-28", "--to", "2026-11-27", NULL}, "is after --to"},
      {{"--db", "x", "--from", "1", "--last", "1h", NULL}, "cannot be combined"},
      {{"--db", "x", "--last", "7", NULL}, "--last: cannot read '7'"},
      {{"--db", "x", "--from", "soon", NULL}, "--from: cannot read 'soon'"},
      {{"--db", "x", "--to", "2026-02-30", NULL}, "--to: cannot read"},
      {{"--db", "x", "--resolution", "5m", NULL}, "--resolution must be"},
      {{"--db", "x", "--table", "process", NULL}, "--table must be"},
      {{"--db", "x", "--agg", "median", NULL}, "--agg must be"},
      {{"--db", "x", "--process", "a", NULL}, "--process needs --table processes"},
      {{"--db", "x", "--db", "y", NULL}, "--db given twice"},
      {{"--db", "x", "extra", NULL}, "unexpected argument 'extra'"},
      {{"--db", "x", "-x", NULL}, "unknown option '-x'"},
      {{"--db", "x", "--verbose=1", NULL}, "takes no value"},
      {{"--db", "x", "-o", "", NULL}, "-o needs a non-empty value"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *argv[10] = {"hiro-metrics-export"};
    int argc = 1;
    for (int k = 0; cases[i].args[k]; k++) argv[argc++] = (char *)cases[i].args[k];
    export_options o;
    bool help;
    char err[256] = "";
    if (export_parse_args(argc, argv, NOW, &o, &help, err, sizeof err) != HIRO_EINVAL)
      fail_msg("case %zu accepted", i);
    if (!strstr(err, cases[i].message))
      fail_msg("case %zu: '%s' does not contain '%s'", i, err, cases[i].message);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_times),     cmocka_unit_test(test_bad_times),
      cmocka_unit_test(test_durations), cmocka_unit_test(test_bad_durations),
      cmocka_unit_test(test_args),      cmocka_unit_test(test_bad_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
