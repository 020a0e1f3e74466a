/* test_statsd_parse.c - the StatsD/DogStatsD line parser: every type, packed
 * values, sample rates, tags, the DogStatsD extras, and a table of malformed
 * lines each rejected with its reason; datagram line splitting. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "appmetrics/statsd_parse.h"

/* The last line parsed: *out points into it until the next parse. */
static char *parsed_copy;

static statsd_error parse(const char *text, statsd_line *out) {
  /* An exact-size heap copy without NUL: an overread shows under ASan. */
  size_t n = strlen(text);
  free(parsed_copy);
  parsed_copy = malloc(n ? n : 1);
  assert_non_null(parsed_copy);
  memcpy(parsed_copy, text, n);
  return statsd_parse_line(parsed_copy, n, out);
}

static void assert_name(const statsd_line *l, const char *name) {
  assert_int_equal(l->name_len, strlen(name));
  assert_memory_equal(l->name, name, l->name_len);
}

static void test_every_type(void **state) {
  static const struct {
    const char *line;
    statsd_type type;
    double value;
  } cases[] = {
      {"requests:1|c", STATSD_COUNTER, 1},       {"queue.depth:42|g", STATSD_GAUGE, 42},
      {"latency_ms:12.5|ms", STATSD_TIMER, 12.5}, {"size:1024|h", STATSD_HISTOGRAM, 1024},
      {"dist-x:0.25|d", STATSD_DISTRIBUTION, 0.25}, {"errors:-3|c", STATSD_COUNTER, -3},
      {"big:1e3|h", STATSD_HISTOGRAM, 1000},      {"tiny:2.5E-3|ms", STATSD_TIMER, 0.0025},
      {"frac:.5|g", STATSD_GAUGE, 0.5},           {"long:12345678901234567890|c", STATSD_COUNTER,
                                                   12345678901234567890.0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    statsd_line l;
    assert_int_equal(parse(cases[i].line, &l), STATSD_OK);
    assert_int_equal(l.type, cases[i].type);
    assert_int_equal(l.n_values, 1);
    assert_float_equal(l.values[0], cases[i].value, fabs(cases[i].value) * 1e-15);
    assert_float_equal(l.sample_rate, 1.0, 0);
    assert_int_equal(l.n_tags, 0);
  }
  statsd_line l;
  assert_int_equal(parse("users.seen:alice@example.com|s", &l), STATSD_OK);
  assert_int_equal(l.type, STATSD_SET);
  assert_name(&l, "users.seen");
  assert_int_equal(l.member_len, strlen("alice@example.com"));
  assert_memory_equal(l.member, "alice@example.com", l.member_len);
  /* A member may hold ':' (everything up to the '|'). */
  assert_int_equal(parse("peers:10.0.0.1:443|s", &l), STATSD_OK);
  assert_int_equal(l.member_len, strlen("10.0.0.1:443"));
}

static void test_gauge_deltas_and_packed_values(void **state) {
  statsd_line l;
  assert_int_equal(parse("depth:+5|g", &l), STATSD_OK);
  assert_true(l.gauge_delta);
  assert_float_equal(l.values[0], 5, 0);
  assert_int_equal(parse("depth:-2.5|g", &l), STATSD_OK);
  assert_true(l.gauge_delta);
  assert_float_equal(l.values[0], -2.5, 0);
  assert_int_equal(parse("depth:7|g", &l), STATSD_OK);
  assert_false(l.gauge_delta);
  /* DogStatsD value packing. */
  assert_int_equal(parse("lat:1:2:3.5|ms", &l), STATSD_OK);
  assert_int_equal(l.n_values, 3);
  assert_float_equal(l.values[2], 3.5, 0);
  /* A packed gauge cannot mix a delta and a value. */
  assert_int_equal(parse("depth:+1:4|g", &l), STATSD_ERR_VALUE);
  char line[1024] = "many:";
  for (int i = 0; i < STATSD_MAX_VALUES; i++) strcat(line, i ? ":1" : "1");
  strcat(line, "|h");
  assert_int_equal(parse(line, &l), STATSD_OK);
  assert_int_equal(l.n_values, STATSD_MAX_VALUES);
  line[strlen(line) - 2] = '\0';
  strcat(line, ":1|h");
  assert_int_equal(parse(line, &l), STATSD_ERR_VALUE);
}

static void test_sample_rates(void **state) {
  statsd_line l;
  assert_int_equal(parse("hits:1|c|@0.1", &l), STATSD_OK);
  assert_float_equal(l.sample_rate, 0.1, 1e-15);
  assert_int_equal(parse("lat:3|ms|@1", &l), STATSD_OK);
  assert_float_equal(l.sample_rate, 1.0, 0);
  assert_int_equal(parse("hits:1|c|@0", &l), STATSD_ERR_RATE);
  assert_int_equal(parse("hits:1|c|@1.5", &l), STATSD_ERR_RATE);
  assert_int_equal(parse("hits:1|c|@-0.5", &l), STATSD_ERR_RATE);
  assert_int_equal(parse("hits:1|c|@", &l), STATSD_ERR_RATE);
  assert_int_equal(parse("hits:1|c|@abc", &l), STATSD_ERR_RATE);
  assert_int_equal(parse("hits:1|c|@0.5|@0.5", &l), STATSD_ERR_FIELD);
}

static void test_tags(void **state) {
  statsd_line l;
  assert_int_equal(parse("req:1|c|@0.5|#route:/api/v1,method:GET", &l), STATSD_OK);
  assert_int_equal(l.n_tags, 2);
  assert_int_equal(l.tags[0].key_len, 5);
  assert_memory_equal(l.tags[0].key, "route", 5);
  assert_int_equal(l.tags[0].value_len, 7);
  assert_memory_equal(l.tags[0].value, "/api/v1", 7);
  assert_memory_equal(l.tags[1].value, "GET", 3);
  assert_float_equal(l.sample_rate, 0.5, 0);
  /* Tags before the rate, UTF-8 values, ':' inside a value. */
  assert_int_equal(parse("req:1|c|#city:Z\xc3\xbcrich,addr:a:b|@0.5", &l), STATSD_OK);
  assert_int_equal(l.n_tags, 2);
  assert_memory_equal(l.tags[1].value, "a:b", 3);
  /* DogStatsD container id and timestamp are accepted and ignored. */
  assert_int_equal(parse("req:1|c|#a:b|c:abc123|T1700000000", &l), STATSD_OK);
  assert_int_equal(l.n_tags, 1);

  static const struct {
    const char *line;
    statsd_error err;
  } bad[] = {
      {"req:1|c|#", STATSD_ERR_TAG},
      {"req:1|c|#novalue", STATSD_ERR_TAG},
      {"req:1|c|#k:", STATSD_ERR_TAG_LENGTH},
      {"req:1|c|#:v", STATSD_ERR_TAG},
      {"req:1|c|#1k:v", STATSD_ERR_TAG},
      {"req:1|c|#a:1,a:2", STATSD_ERR_TAG},
      {"req:1|c|#process:x", STATSD_ERR_TAG},
      {"req:1|c|#quantile:0.5", STATSD_ERR_TAG},
      {"req:1|c|#__name__:x", STATSD_ERR_TAG},
      {"req:1|c|#a:1,", STATSD_ERR_TAG},
      {"req:1|c|#k:bad\xff", STATSD_ERR_TAG},
      {"req:1|c|#k:ctl\x01", STATSD_ERR_TAG},
      {"req:1|c|#k:\xed\xa0\x80", STATSD_ERR_TAG}, /* a UTF-16 surrogate */
      {"req:1|c|#a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1", STATSD_ERR_TOO_MANY_TAGS},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    print_message("%s\n", bad[i].line);
    assert_int_equal(parse(bad[i].line, &l), bad[i].err);
  }
  char line[512];
  snprintf(line, sizeof line, "req:1|c|#k:%0*d", STATSD_TAG_VALUE_MAX, 0);
  assert_int_equal(parse(line, &l), STATSD_OK);
  snprintf(line, sizeof line, "req:1|c|#k:%0*d", STATSD_TAG_VALUE_MAX + 1, 0);
  assert_int_equal(parse(line, &l), STATSD_ERR_TAG_LENGTH);
  snprintf(line, sizeof line, "req:1|c|#k%0*d:v", STATSD_TAG_KEY_MAX, 0);
  assert_int_equal(parse(line, &l), STATSD_ERR_TAG_LENGTH);
}

static void test_malformed_lines(void **state) {
  static const struct {
    const char *line;
    statsd_error err;
  } bad[] = {
      {"no colon here", STATSD_ERR_SYNTAX},
      {"name:1", STATSD_ERR_SYNTAX},
      {"name|c", STATSD_ERR_SYNTAX},
      {":1|c", STATSD_ERR_NAME},
      {"1name:1|c", STATSD_ERR_NAME},
      {"na me:1|c", STATSD_ERR_NAME},
      {"name/x:1|c", STATSD_ERR_NAME},
      {"n\xc3\xa4me:1|c", STATSD_ERR_NAME},
      {"name:|c", STATSD_ERR_VALUE},
      {"name:abc|c", STATSD_ERR_VALUE},
      {"name:0x10|c", STATSD_ERR_VALUE},
      {"name:nan|g", STATSD_ERR_VALUE},
      {"name:inf|g", STATSD_ERR_VALUE},
      {"name:1e999|g", STATSD_ERR_VALUE},
      {"name:1e|g", STATSD_ERR_VALUE},
      {"name:1..2|g", STATSD_ERR_VALUE},
      {"name:1 |g", STATSD_ERR_VALUE},
      {"name:1::2|ms", STATSD_ERR_VALUE},
      {"name:1:|ms", STATSD_ERR_VALUE},
      {"name:|s", STATSD_ERR_VALUE},
      {"name:a\x01|s", STATSD_ERR_VALUE},
      {"name:1|x", STATSD_ERR_TYPE},
      {"name:1|", STATSD_ERR_TYPE},
      {"name:1|cc", STATSD_ERR_TYPE},
      {"name:1|C", STATSD_ERR_TYPE},
      {"name:1|c|x", STATSD_ERR_FIELD},
      {"name:1|c|", STATSD_ERR_FIELD},
      {"name:1|c|Tabc", STATSD_ERR_FIELD},
      {"_e{5,4}:title|text", STATSD_ERR_UNSUPPORTED},
      {"_sc|my.check|0", STATSD_ERR_UNSUPPORTED},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    statsd_line l;
    print_message("%s\n", bad[i].line);
    assert_int_equal(parse(bad[i].line, &l), bad[i].err);
    assert_non_null(statsd_error_text(bad[i].err));
  }
  /* Name and line length limits. */
  char line[STATSD_LINE_MAX + 64];
  statsd_line l;
  memset(line, 'a', STATSD_NAME_MAX);
  strcpy(line + STATSD_NAME_MAX, ":1|c");
  assert_int_equal(parse(line, &l), STATSD_OK);
  memset(line, 'a', STATSD_NAME_MAX + 1);
  strcpy(line + STATSD_NAME_MAX + 1, ":1|c");
  assert_int_equal(parse(line, &l), STATSD_ERR_NAME);
  memset(line, 'a', STATSD_LINE_MAX + 1);
  line[STATSD_LINE_MAX + 1] = '\0';
  assert_int_equal(parse(line, &l), STATSD_ERR_LINE_LENGTH);
  /* Every error has a key and a text; unknown codes do not crash. */
  for (int e = 0; e < STATSD_ERRORS; e++) {
    assert_true(strlen(statsd_error_key((statsd_error)e)) > 0);
    assert_true(strlen(statsd_error_text((statsd_error)e)) > 0);
  }
  assert_string_equal(statsd_error_key((statsd_error)99), "unknown");
}

static void test_crlf_and_lines(void **state) {
  const char datagram[] = "a:1|c\r\n\n\nb:2|g\nc:3|ms";
  const char *pos = datagram, *end = datagram + sizeof datagram - 1, *line;
  size_t len, count = 0;
  const char *expect[] = {"a:1|c", "b:2|g", "c:3|ms"};
  while (statsd_next_line(&pos, end, &line, &len)) {
    assert_true(count < 3);
    assert_int_equal(len, strlen(expect[count]));
    assert_memory_equal(line, expect[count], len);
    statsd_line l;
    assert_int_equal(statsd_parse_line(line, len, &l), STATSD_OK);
    count++;
  }
  assert_int_equal(count, 3);
  pos = "";
  assert_false(statsd_next_line(&pos, pos, &line, &len));
  statsd_line l;
  assert_int_equal(parse("a:1|c\r", &l), STATSD_OK);
}

/* Random bytes and random mutations of valid lines: no crash, no overread
 * (exact-size copies under ASan), every result a known code. */
static void test_random_input_never_crashes(void **state) {
  const char *seeds[] = {"a.b:1|c|@0.5|#k:v", "g:+1|g", "t:1:2|ms|#x:y,z:w", "s:m|s"};
  srand(7);
  for (int round = 0; round < 200000; round++) {
    char buf[64];
    size_t n;
    if (round % 2) {
      n = (size_t)rand() % sizeof buf;
      for (size_t i = 0; i < n; i++) buf[i] = (char)(rand() % 256);
    } else {
      const char *seed = seeds[round % 4];
      n = strlen(seed);
      memcpy(buf, seed, n);
      for (int m = 0; m < 3; m++) buf[(size_t)rand() % n] = "|:#@,.-+e0\n\xff"[rand() % 13];
    }
    char *copy = malloc(n ? n : 1);
    memcpy(copy, buf, n);
    statsd_line l;
    statsd_error err = statsd_parse_line(copy, n, &l);
    assert_true(err >= STATSD_OK && err < STATSD_ERRORS);
    if (err == STATSD_OK) {
      assert_true(l.name_len > 0 && l.name >= copy && l.name + l.name_len <= copy + n);
      assert_true(l.n_tags <= STATSD_MAX_TAGS && l.n_values <= STATSD_MAX_VALUES);
    }
    free(copy);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_type),
      cmocka_unit_test(test_gauge_deltas_and_packed_values),
      cmocka_unit_test(test_sample_rates),
      cmocka_unit_test(test_tags),
      cmocka_unit_test(test_malformed_lines),
      cmocka_unit_test(test_crlf_and_lines),
      cmocka_unit_test(test_random_input_never_crashes),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  free(parsed_copy);
  return failed;
}
