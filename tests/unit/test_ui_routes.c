/* test_ui_routes.c - the embedded dashboard files: path mapping, gzip chosen
 * by Accept-Encoding, ETag per representation and 304 on If-None-Match. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "http/ui_routes.h"

static bool serve(const char *path, const char *accept, const char *inm, api_response *r) {
  memset(r, 0, sizeof *r);
  return ui_serve(path, accept, inm, r);
}

static bool is_gzip(const api_response *r) {
  const char *ce = api_find_header(r, "Content-Encoding");
  return ce && strcmp(ce, "gzip") == 0;
}

static void test_paths(void **state) {
  (void)state;
  api_response r;
  assert_true(serve("/metrics", NULL, NULL, &r));
  assert_int_equal(r.status, 200);
  assert_string_equal(r.content_type, "text/html; charset=utf-8");
  assert_non_null(memmem(r.static_body, r.body_len, "<html", 5));
  assert_true(serve("/", NULL, NULL, &r));
  assert_true(serve("/metrics/", NULL, NULL, &r));
  assert_true(serve("/assets/app.js", NULL, NULL, &r));
  assert_string_equal(r.content_type, "text/javascript; charset=utf-8");
  assert_false(serve("/assets/nope.js", NULL, NULL, &r));
  assert_false(serve("/assets/../index.html", NULL, NULL, &r));
  assert_false(serve("/index.html", NULL, NULL, &r));
  assert_int_equal(r.n_headers, 0); /* untouched when there is no such file */
}

static void test_accept_encoding(void **state) {
  (void)state;
  const struct {
    const char *accept;
    bool gzip;
  } cases[] = {
      {NULL, false},
      {"", false},
      {"gzip", true},
      {"gzip, deflate, br, zstd", true}, /* what Chromium sends */
      {"br;q=1.0, gzip;q=0.8, *;q=0.1", true},
      {"GZIP", true},
      {"x-gzip", true},
      {"*", true},
      {"identity", false},
      {"br", false},
      {"gzip;q=0", false},
      {"gzip; q=0.000", false},
      {"*;q=0.5, gzip;q=0", false},
      {"gzip;q=abc", false},
      {"gzip;q=2", false},
      {"deflate, gzip ;q=0.5", true},
      {"gzipx", false},
      {",,;;,gzip", true},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    api_response r;
    assert_true(serve("/assets/app.js", cases[i].accept, NULL, &r));
    if (is_gzip(&r) != cases[i].gzip)
      fail_msg("Accept-Encoding '%s': expected %s", cases[i].accept ? cases[i].accept : "(none)",
               cases[i].gzip ? "gzip" : "identity");
    assert_string_equal(api_find_header(&r, "Vary"), "Accept-Encoding");
  }
}

static void test_etag_and_304(void **state) {
  (void)state;
  api_response plain, gz, r;
  assert_true(serve("/assets/app.js", NULL, NULL, &plain));
  assert_true(serve("/assets/app.js", "gzip", NULL, &gz));
  const char *etag = api_find_header(&plain, "ETag");
  const char *etag_gz = api_find_header(&gz, "ETag");
  assert_non_null(etag);
  assert_non_null(etag_gz);
  assert_true(etag[0] == '"' && etag[strlen(etag) - 1] == '"'); /* strong: no W/ */
  assert_string_not_equal(etag, etag_gz); /* two representations, two strong tags */
  assert_true(gz.body_len < plain.body_len);
  assert_string_equal(api_find_header(&plain, "Cache-Control"), "no-cache");

  assert_true(serve("/assets/app.js", NULL, etag, &r));
  assert_int_equal(r.status, 304);
  assert_int_equal(r.body_len, 0);
  assert_null(r.content_type);
  assert_true(serve("/assets/app.js", "gzip", etag_gz, &r));
  assert_int_equal(r.status, 304);
  assert_true(serve("/assets/app.js", "gzip", etag, &r)); /* tag of the other one */
  assert_int_equal(r.status, 200);
  char list[200];
  snprintf(list, sizeof list, "\"x\", W/%s", etag);
  assert_true(serve("/assets/app.js", NULL, list, &r));
  assert_int_equal(r.status, 304);
  assert_true(serve("/assets/app.js", NULL, "*", &r));
  assert_int_equal(r.status, 304);
  assert_true(serve("/assets/app.js", NULL, "\"nope\"", &r));
  assert_int_equal(r.status, 200);
  assert_true(serve("/assets/format.js", NULL, etag, &r)); /* another file's tag */
  assert_int_equal(r.status, 200);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_paths),
      cmocka_unit_test(test_accept_encoding),
      cmocka_unit_test(test_etag_and_304),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
