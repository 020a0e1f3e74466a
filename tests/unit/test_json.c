/* test_json.c - the JSON shape: every design-document field with its type,
 * nulls for missing parts, escaping of plugin names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "http/snapshot_json.h"
#include "common/strbuf.h"

static metrics_snapshot sample(void) {
  metrics_snapshot s = {0};
  s.timestamp = 1764290000.123;
  s.cpu = (cpu_metrics){12.5, 2};
  s.memory = (memory_metrics){8ULL << 30, 6ULL << 30, 25.0};
  s.has_process = s.has_disk = s.has_network = true;
  s.process = (process_metrics){.pid = 4242, .alive = true, .has_cpu = true, .has_memory = true,
                                .cpu_percent = 1.25,
                                .rss_bytes = 10 << 20, .vms_bytes = 200 << 20, .num_threads = 5};
  s.disk = (disk_metrics){100ULL << 30, 40ULL << 30, 60ULL << 30, 40.0, 512.0, 1024.5};
  s.network = (network_metrics){10.0, 20.0, 1.5, 2.5};
  snapshot_set_children(&s, 2);
  strcpy(s.children[0].name, "devices");
  s.children[0] = (child_process_metrics){.name = "devices", .pid = 100, .alive = true,
                                          .has_cpu = true, .has_memory = true, .cpu_percent = 3.0,
                                          .rss_bytes = 1 << 20, .vms_bytes = 2 << 20,
                                          .num_threads = 2};
  s.children[1] = (child_process_metrics){.name = "we\"ird,\nname\\", .pid = 101};
  return s;
}

static void expect_number(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  if (!cJSON_IsNumber(v)) fail_msg("field %s missing or not a number", key);
}

static void expect_process_fields(const cJSON *p) {
  const char *fields[] = {"pid", "cpu_percent", "rss_bytes", "vms_bytes", "num_threads"};
  for (size_t i = 0; i < 5; i++) expect_number(p, fields[i]);
}

static void test_every_field_present(void **state) {
  metrics_snapshot s = sample();
  char *text = snapshot_to_json_string(&s);
  cJSON *root = cJSON_Parse(text);
  assert_non_null(root);
  expect_number(root, "timestamp");
  const cJSON *cpu = cJSON_GetObjectItem(root, "cpu");
  expect_number(cpu, "percent");
  expect_number(cpu, "count");
  const cJSON *mem = cJSON_GetObjectItem(root, "memory");
  expect_number(mem, "total_bytes");
  expect_number(mem, "available_bytes");
  expect_number(mem, "percent");
  expect_process_fields(cJSON_GetObjectItem(root, "process"));
  assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "process"), "pid")->valueint, 4242);
  const cJSON *kids = cJSON_GetObjectItem(root, "children");
  assert_true(cJSON_IsArray(kids));
  assert_int_equal(cJSON_GetArraySize(kids), 2);
  const cJSON *k0 = cJSON_GetArrayItem(kids, 0);
  expect_process_fields(k0);
  assert_string_equal(cJSON_GetObjectItem(k0, "name")->valuestring, "devices");
  assert_true(cJSON_IsTrue(cJSON_GetObjectItem(k0, "alive")));
  const cJSON *k1 = cJSON_GetArrayItem(kids, 1);
  assert_string_equal(cJSON_GetObjectItem(k1, "name")->valuestring, "we\"ird,\nname\\");
  assert_true(cJSON_IsFalse(cJSON_GetObjectItem(k1, "alive")));
  const char *disk_fields[] = {"total_bytes", "used_bytes", "free_bytes", "percent",
                               "read_bytes_per_sec", "write_bytes_per_sec"};
  for (size_t i = 0; i < 6; i++) expect_number(cJSON_GetObjectItem(root, "disk"), disk_fields[i]);
  const char *net_fields[] = {"bytes_sent_per_sec", "bytes_recv_per_sec", "packets_sent_per_sec",
                              "packets_recv_per_sec"};
  for (size_t i = 0; i < 4; i++) expect_number(cJSON_GetObjectItem(root, "network"), net_fields[i]);
  assert_float_equal(cJSON_GetObjectItem(root, "timestamp")->valuedouble, 1764290000.123, 1e-6);
  assert_float_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "disk"), "write_bytes_per_sec")->valuedouble, 1024.5, 1e-9);
  cJSON_Delete(root);
  free(text);
  snapshot_free(&s);
}

/* Floats are written with a decimal point so JSON readers see floats. */
static void test_floats_keep_a_point(void **state) {
  metrics_snapshot s = sample();
  s.cpu.percent = 0;
  char *text = snapshot_to_json_string(&s);
  assert_non_null(strstr(text, "\"cpu\":{\"percent\":0.0,\"count\":2}"));
  free(text);
  snapshot_free(&s);
}

static void test_missing_parts_are_null(void **state) {
  metrics_snapshot s = sample();
  s.has_process = s.has_disk = s.has_network = false;
  snapshot_set_children(&s, 0);
  char *text = snapshot_to_json_string(&s);
  cJSON *root = cJSON_Parse(text);
  assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "process")));
  assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "disk")));
  assert_true(cJSON_IsNull(cJSON_GetObjectItem(root, "network")));
  assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(root, "children")), 0);
  cJSON_Delete(root);
  free(text);
  snapshot_free(&s);
}

static void test_array_encoding(void **state) {
  metrics_snapshot s[2] = {sample(), sample()};
  s[1].timestamp += 2;
  char *text = snapshots_to_json_string(s, 2);
  cJSON *root = cJSON_Parse(text);
  assert_int_equal(cJSON_GetArraySize(root), 2);
  cJSON_Delete(root);
  free(text);
  text = snapshots_to_json_string(NULL, 0);
  assert_string_equal(text, "[]");
  free(text);
  snapshot_free(&s[0]);
  snapshot_free(&s[1]);
}

static void test_double_formatting(void **state) {
  struct { double v; int dec; const char *want; } cases[] = {
      {0, 2, "0.0"}, {1.5, 2, "1.5"}, {-2.25, 2, "-2.25"}, {12.345, 2, "12.35"},
      {99.999, 2, "100.0"}, {1e300, 2, "1.0000000000000001e+300"}, {-0.001, 2, "0.0"},
      {1764290000.1234, 3, "1764290000.123"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    strbuf b;
    sb_init(&b, 8);
    sb_double(&b, cases[i].v, cases[i].dec);
    assert_string_equal(b.data, cases[i].want);
    sb_free(&b);
  }
}

/* A plugin name with invalid UTF-8 (config.json accepts any bytes) still gives
 * valid JSON: the bad bytes become U+FFFD, valid multi-byte text is kept. */
static void test_invalid_utf8_name(void **state) {
  metrics_snapshot s = sample();
  strcpy(s.children[0].name, "bad\xff\xc0 pl\xc3\xbcgin \xed\xa0\x80");
  char *text = snapshot_to_json_string(&s);
  cJSON *root = cJSON_Parse(text);
  assert_non_null(root);
  const cJSON *kid = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "children"), 0);
  assert_string_equal(cJSON_GetObjectItem(kid, "name")->valuestring,
                      "bad\xef\xbf\xbd\xef\xbf\xbd pl\xc3\xbcgin \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  cJSON_Delete(root);
  free(text);
  snapshot_free(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_field_present),
      cmocka_unit_test(test_floats_keep_a_point),
      cmocka_unit_test(test_missing_parts_are_null),
      cmocka_unit_test(test_array_encoding),
      cmocka_unit_test(test_double_formatting),
      cmocka_unit_test(test_invalid_utf8_name),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
