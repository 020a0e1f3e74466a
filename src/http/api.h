/* api.h - the routes of both listeners and their handlers, independent of the
 * HTTP library: a request goes in, a response comes out. The REST server and
 * the admin UI (dashboard files, and the API under /api) both dispatch
 * through api_handle, which reads one route table for routing, 405/Allow and
 * the access rules. */
#ifndef HIRO_API_H
#define HIRO_API_H
#include <stdbool.h>
#include <stddef.h>

#include "collector/collector.h"
#include "http/guard.h"
#include "collector/eventlog.h"
#include "store/store.h"

#define API_MAX_BODY (64 * 1024)
#define API_MAX_HEADERS 8

/* What the handlers work on. Pointers are not owned. */
typedef struct {
  collector *coll;
  store *db;                   /* NULL when persistence is off */
  const char *api_token;       /* NULL when none is configured */
  bool token_for_reads;        /* non-loopback REST bind: every REST endpoint needs the token */
  struct latest_cache *latest; /* JSON of the latest snapshot per tick; may be NULL */
  size_t n_plugins;            /* configured plugins: sizes the history_size warning */
  struct appmetrics *app;      /* application metrics; NULL when off */
  uint64_t *requests_served;   /* incremented per request when not NULL */
  eventlog *events;            /* lifecycle events; may be NULL */
  const char *tree_mode;       /* "cgroup" or "proc-walk"; NULL when no plugins run */
  plugin_provider_fn plugins;  /* the plugin manager's provider, for status; may be NULL */
  void *plugins_ctx;
} api_context;

/* Looks up a query parameter: returns its value (and length via len, which
 * may differ from strlen when the value holds a NUL byte) or NULL. */
typedef const char *(*api_query_fn)(void *ctx, const char *key, size_t *len);
/* One query-string parameter as received, in order; repeated keys appear
 * once each. value_len may differ from strlen(value) when the value holds a
 * NUL byte; a key without '=' has an empty value. */
typedef struct {
  const char *key, *value;
  size_t value_len;
} api_query_arg;

/* Looks up a request header (case-insensitive name): its value or NULL. */
typedef const char *(*api_header_fn)(void *ctx, const char *name);

typedef struct {
  const char *method;
  const char *path; /* without the query string */
  api_query_fn query;
  const api_query_arg *args; /* every query parameter (the strict parsers read these) */
  size_t n_args;
  api_header_fn header;
  void *conn; /* passed to query and header */
  bool admin; /* arrived on the admin UI listener */
  guard_listener listener;
  const char *body;
  size_t body_len;
} api_request;

/* A response header; name and value have static lifetime. */
typedef struct {
  const char *name, *value;
} api_header;

typedef struct {
  int status;
  const char *content_type; /* NULL: no Content-Type (a 304) */
  char *body;               /* malloc'd; api_response_free releases it */
  const char *static_body;  /* or bytes embedded in the binary (not freed) */
  size_t body_len;
  api_header headers[API_MAX_HEADERS]; /* Cache-Control defaults to no-store */
  size_t n_headers;
} api_response;

/* Answer req on the listener it names: route, check the route's access rule,
 * run the handler, or answer 403/404/405/401/415 with a JSON error. */
void api_handle(const api_context *ctx, const api_request *req, api_response *resp);
/* api_history.c: GET /metrics/history. */
void api_history(const api_context *ctx, const api_request *req, api_response *resp);
/* A JSON error response {"error": reason}. */
void api_error(api_response *resp, int status, const char *reason);
/* Add a header; name and value must have static lifetime. Extra headers
 * beyond API_MAX_HEADERS are a programming error (abort). */
void api_add_header(api_response *resp, const char *name, const char *value);
/* The value of a header added with api_add_header, or NULL. */
const char *api_find_header(const api_response *resp, const char *name);
void api_response_free(api_response *resp);

#endif
