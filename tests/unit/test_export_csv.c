/* test_export_csv.c - the exporter's RFC 4180 field writer and the text forms
 * of stored values (ISO-8601 times, scaled integers, averages). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "export/export.h"

/* csv_write_field(in) into a memory stream; returns a malloc'd copy. */
static char *field(const char *in, size_t len) {
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&buf, &size);
  assert_non_null(f);
  assert_true(csv_write_field(f, in, len));
  fclose(f);
  return buf;
}

static void test_quoting(void **state) {
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"plain", "plain"},
      {"", ""},
      {"with space", "with space"},
      {"a,b", "\"a,b\""},
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"\"", "\"\"\"\""},
      {"\"\"", "\"\"\"\"\"\""},
      {"line\nbreak", "\"line\nbreak\""},
      {"cr\rhere", "\"cr\rhere\""},
      {"crlf\r\n", "\"crlf\r\n\""},
      {"we,ird \"q\"\nnl", "\"we,ird \"\"q\"\"\nnl\""},
      {"trailing\"", "\"trailing\"\"\""},
      {"semi;colon\ttab", "semi;colon\ttab"},
      {"caf\xc3\xa9", "caf\xc3\xa9"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *got = field(cases[i].in, strlen(cases[i].in));
    assert_string_equal(got, cases[i].out);
    free(got);
  }
}

static void test_invalid_utf8_becomes_replacement(void **state) {
  /* The rule of the JSON output (sb_json_string): one U+FFFD per byte that
   * does not start a valid sequence. */
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"a\xff" "b", "a\xef\xbf\xbd" "b"},
      {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},           /* overlong */
      {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* surrogate */
      {"end\xe2\x82", "end\xef\xbf\xbd\xef\xbf\xbd"},      /* truncated at the end */
      {"q,\xfe", "\"q,\xef\xbf\xbd\""},                  /* repaired, then quoted */
      {"ok \xe2\x82\xac", "ok \xe2\x82\xac"},               /* valid stays */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *got = field(cases[i].in, strlen(cases[i].in));
    assert_string_equal(got, cases[i].out);
    free(got);
  }
  /* A multi-byte sequence cut by len is invalid, not read past len. */
  char *got = field("\xe2\x82\xac", 2);
  assert_string_equal(got, "\xef\xbf\xbd\xef\xbf\xbd");
  free(got);
}

static void test_quoting_uses_length(void **state) {
  /* Only len bytes count: the comma after them must not cause quotes. */
  char *got = field("abc,def", 3);
  assert_string_equal(got, "abc");
  free(got);
  got = field("a\"bc", 2);
  assert_string_equal(got, "\"a\"\"\"");
  free(got);
}

static void test_write_error_reported(void **state) {
  FILE *f = fopen("/dev/full", "w");
  if (!f) skip();
  setvbuf(f, NULL, _IONBF, 0);
  assert_false(csv_write_field(f, "x,y", 3));
  fclose(f);
}

static void test_iso(void **state) {
  char out[32];
  csv_format_iso(1795824902123LL, true, out, sizeof out);
  assert_string_equal(out, "2026-11-28T00:15:02.123Z");
  csv_format_iso(1795824900000LL, false, out, sizeof out);
  assert_string_equal(out, "2026-11-28T00:15:00Z");
  csv_format_iso(0, true, out, sizeof out);
  assert_string_equal(out, "1970-01-01T00:00:00.000Z");
  csv_format_iso(951782400005LL, true, out, sizeof out); /* leap day 2000 */
  assert_string_equal(out, "2000-02-29T00:00:00.005Z");
  csv_format_iso(-1, true, out, sizeof out); /* floor division */
  assert_string_equal(out, "1969-12-31T23:59:59.999Z");
}

static void test_scaled(void **state) {
  static const struct {
    long long v;
    int decimals;
    const char *out;
  } cases[] = {
      {1234, 2, "12.34"}, {500, 2, "5"},    {510, 2, "5.1"},   {5, 2, "0.05"},
      {0, 2, "0"},        {-5, 2, "-0.05"}, {-1234, 2, "-12.34"}, {10000, 2, "100"},
      {1795824902123LL, 3, "1795824902.123"}, {1795824902120LL, 3, "1795824902.12"},
      {1795824902000LL, 3, "1795824902"},     {42, 0, "42"},
      {-9223372036854775807LL - 1, 2, "-92233720368547758.08"},
  };
  char out[32];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    csv_format_scaled(cases[i].v, cases[i].decimals, out, sizeof out);
    assert_string_equal(out, cases[i].out);
  }
}

static void test_real(void **state) {
  static const struct {
    double v;
    const char *out;
  } cases[] = {
      {0, "0"},           {2.5, "2.5"},     {57.509, "57.509"}, {0.66666666, "0.6667"},
      {-0.00001, "0"},    {-1.25, "-1.25"}, {4136648139.0345, "4136648139.0345"},
      {1e6, "1000000"},   {0.00005, "0.0001"},
  };
  char out[48];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    csv_format_real(cases[i].v, out, sizeof out);
    assert_string_equal(out, cases[i].out);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_quoting),       cmocka_unit_test(test_invalid_utf8_becomes_replacement),
      cmocka_unit_test(test_quoting_uses_length),
      cmocka_unit_test(test_write_error_reported), cmocka_unit_test(test_iso),
      cmocka_unit_test(test_scaled),        cmocka_unit_test(test_real),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
