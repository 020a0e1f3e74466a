/* guard.h - request checks against cross-site and DNS-rebinding access: the
 * Host header, the Origin and Content-Type of a request that changes state,
 * and the bearer token. Pure functions of their arguments (unit-tested). */
#ifndef HIRO_GUARD_H
#define HIRO_GUARD_H
#include <stdbool.h>

/* The listener a request arrived on. Strings are not owned. */
typedef struct {
  const char *bind_host;  /* configured address or name; may be 0.0.0.0 or :: */
  const char *local_addr; /* numeric address the connection arrived on, or NULL */
  int port;               /* the listener's port */
} guard_listener;

/* True when host_header names this listener: "localhost", the configured
 * bind_host, or the address the connection arrived on, each with or without a
 * :port (any port: a forwarded port keeps working; the name is what a
 * DNS-rebinding page cannot fake). An absent header (HTTP/1.0) passes. */
bool guard_host_ok(const guard_listener *l, const char *host_header);

/* True when a state-changing request may come from origin: absent (not a
 * browser), or http(s)://NAME[:PORT] where NAME passes guard_host_ok and
 * PORT is the listener's port or the port of the Host header (the page's own
 * origin, also through a forwarded port). "null" and other origins fail. */
bool guard_origin_ok(const guard_listener *l, const char *origin, const char *host_header);

/* True when content_type is application/json (any case, parameters such as
 * charset allowed). A browser page on another origin cannot send that type
 * without a CORS preflight, which the server never grants. */
bool guard_json_content_type(const char *content_type);

/* True when authorization is "Bearer <token>" with exactly this token;
 * compared in constant time. A NULL token means none is configured (true). */
bool guard_bearer_ok(const char *authorization, const char *token);

#endif
