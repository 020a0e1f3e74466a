/* api.h - the REST API's routes and handlers, independent of the HTTP
 * library: a request goes in, a response comes out. Both listeners (the REST
 * server and the admin UI) dispatch through api_handle. */
#ifndef HIRO_API_H
#define HIRO_API_H
#include <stdbool.h>
#include <stddef.h>

#include "collector/collector.h"
#include "store/store.h"

#define API_MAX_BODY (64 * 1024)

/* What the handlers work on. Pointers are not owned. */
typedef struct {
  collector *coll;
  store *st;             /* NULL when persistence is off */
  const char *api_token; /* NULL when none is configured */
  bool token_for_reads;  /* non-loopback bind: every endpoint needs the token */
  struct latest_cache *latest; /* JSON of the latest snapshot per tick; may be NULL */
} api_context;

/* Looks up a query parameter: returns its value (and length via len, which
 * may differ from strlen when the value holds a NUL byte) or NULL. */
typedef const char *(*api_query_fn)(void *ctx, const char *key, size_t *len);

typedef struct {
  const char *method;
  const char *path;       /* without the query string */
  api_query_fn query;
  void *query_ctx;
  const char *authorization; /* the Authorization header or NULL */
  const char *body;
  size_t body_len;
} api_request;

typedef struct {
  int status;
  const char *content_type;
  char *body; /* malloc'd; api_response_free releases it */
  size_t body_len;
  const char *metrics_source;     /* X-Metrics-Source or NULL */
  const char *metrics_resolution; /* X-Metrics-Resolution or NULL */
} api_response;

/* Dispatch req. path_prefix is stripped first ("" for the REST server, "/api"
 * for the admin UI). Returns false when the path is not an API route (the
 * caller may then serve something else or call api_not_found). */
bool api_handle(const api_context *ctx, const api_request *req, const char *path_prefix,
                api_response *resp);
void api_not_found(api_response *resp);
/* A JSON error response {"error": reason}. */
void api_error(api_response *resp, int status, const char *reason);
void api_response_free(api_response *resp);

#endif
