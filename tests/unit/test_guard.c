/* test_guard.c - the request checks against cross-site and DNS-rebinding
 * access (Host, Origin, Content-Type, bearer token), each as a table of
 * inputs with the expected verdict. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "http/guard.h"

typedef struct {
  const char *input;
  bool ok;
} verdict;

static const guard_listener loopback = {"127.0.0.1", "127.0.0.1", 18080};
static const guard_listener wildcard = {"0.0.0.0", "192.168.7.9", 18080};
static const guard_listener named = {"box.example", "10.0.0.5", 18080};
static const guard_listener v6 = {"::1", "::1", 18080};

static void check_hosts(const guard_listener *l, const verdict *cases, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (guard_host_ok(l, cases[i].input) != cases[i].ok)
      fail_msg("Host '%s' on %s: expected %s", cases[i].input ? cases[i].input : "(none)",
               l->bind_host, cases[i].ok ? "accepted" : "refused");
}

static void test_host_on_loopback(void **state) {
  (void)state;
  const verdict cases[] = {
      {NULL, true},  /* HTTP/1.0 without Host: no browser sends that */
      {"127.0.0.1", true},
      {"127.0.0.1:18080", true},
      {"127.0.0.1:9000", true}, /* a forwarded port */
      {"localhost", true},
      {"LOCALHOST:18080", true},
      {"localhost:", true},
      {"evil.example", false},
      {"evil.example:18080", false},
      {"127.0.0.1.evil.example", false},
      {"localhost.evil.example", false},
      {"127.0.0.2", false},
      {"[::1]:18080", false}, /* not the address this listener is on */
      {"", false},
      {":18080", false},
      {"127.0.0.1:0", false},
      {"127.0.0.1:65536", false},
      {"127.0.0.1:99999999999999999999", false},
      {"127.0.0.1:80x", false},
      {"127.0.0.1 ", false},
      {"[127.0.0.1", false},
      {"localhost\r\nX: y", false},
  };
  check_hosts(&loopback, cases, sizeof cases / sizeof cases[0]);
}

static void test_host_on_other_binds(void **state) {
  (void)state;
  const verdict wild[] = {
      {"192.168.7.9:18080", true}, /* the address the connection arrived on */
      {"0.0.0.0", false},
      {"localhost", true},
      {"10.1.1.1", false},
  };
  check_hosts(&wildcard, wild, sizeof wild / sizeof wild[0]);
  const verdict name[] = {
      {"box.example:18080", true},
      {"BOX.example", true},
      {"10.0.0.5", true},
      {"box.example.evil", false},
  };
  check_hosts(&named, name, sizeof name / sizeof name[0]);
  const verdict six[] = {
      {"[::1]:18080", true},
      {"[0:0:0:0:0:0:0:1]", true},
      {"::1", false}, /* an IPv6 address in Host needs brackets */
      {"127.0.0.1", false},
      {"[::1", false},
  };
  check_hosts(&v6, six, sizeof six / sizeof six[0]);
}

static void test_origin(void **state) {
  (void)state;
  const struct {
    const char *origin, *host;
    bool ok;
  } cases[] = {
      {NULL, "127.0.0.1:18080", true}, /* not a browser (curl, hirocli) */
      {"http://127.0.0.1:18080", "127.0.0.1:18080", true},
      {"http://localhost:18080", "localhost:18080", true},
      {"http://localhost:9000", "localhost:9000", true}, /* through ssh -L 9000:... */
      {"http://127.0.0.1:18080", NULL, true},
      {"http://127.0.0.1:18081", "127.0.0.1:18080", false}, /* the other listener */
      {"http://localhost:3000", "127.0.0.1:18080", false},  /* another local web app */
      {"http://evil.example:18080", "127.0.0.1:18080", false},
      {"http://evil.example", "evil.example", false},
      {"null", "127.0.0.1:18080", false},
      {"file://", "127.0.0.1:18080", false},
      {"", "127.0.0.1:18080", false},
      {"http://", "127.0.0.1:18080", false},
      {"http://127.0.0.1", "127.0.0.1:18080", false}, /* port 80 */
      {"http://127.0.0.1", "127.0.0.1", true},        /* port 80 through a proxy */
      {"http://127.0.0.1:18080/path", "127.0.0.1:18080", false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    if (guard_origin_ok(&loopback, cases[i].origin, cases[i].host) != cases[i].ok)
      fail_msg("Origin '%s' with Host '%s': expected %s",
               cases[i].origin ? cases[i].origin : "(none)",
               cases[i].host ? cases[i].host : "(none)", cases[i].ok ? "accepted" : "refused");
}

static void test_content_type(void **state) {
  (void)state;
  const verdict cases[] = {
      {"application/json", true},
      {"Application/JSON", true},
      {"application/json; charset=utf-8", true},
      {"application/json;charset=UTF-8", true},
      {" application/json ", true},
      {NULL, false},
      {"", false},
      {"text/plain", false},
      {"text/plain; charset=application/json", false},
      {"application/json-patch+json", false},
      {"application/jsonx", false},
      {"application/x-www-form-urlencoded", false},
      {"multipart/form-data; boundary=x", false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    if (guard_json_content_type(cases[i].input) != cases[i].ok)
      fail_msg("Content-Type '%s': expected %s", cases[i].input ? cases[i].input : "(none)",
               cases[i].ok ? "accepted" : "refused");
}

static void test_bearer(void **state) {
  (void)state;
  assert_true(guard_bearer_ok(NULL, NULL));
  assert_true(guard_bearer_ok("anything", NULL));
  assert_true(guard_bearer_ok("Bearer s3cret", "s3cret"));
  assert_false(guard_bearer_ok(NULL, "s3cret"));
  assert_false(guard_bearer_ok("Bearer s3cre", "s3cret"));
  assert_false(guard_bearer_ok("Bearer s3cretx", "s3cret"));
  assert_false(guard_bearer_ok("bearer s3cret", "s3cret"));
  assert_false(guard_bearer_ok("Bearer  s3cret", "s3cret"));
  assert_false(guard_bearer_ok("Basic s3cret", "s3cret"));
  assert_false(guard_bearer_ok("Bearer ", "s3cret"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_host_on_loopback),
      cmocka_unit_test(test_host_on_other_binds),
      cmocka_unit_test(test_origin),
      cmocka_unit_test(test_content_type),
      cmocka_unit_test(test_bearer),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
