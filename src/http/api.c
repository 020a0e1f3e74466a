/* api.c - REST routes: /metrics, /metrics/history, /metrics/status,
 * /metrics/configure, /metrics/prometheus. */
#include "http/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/app_api.h"
#include "http/latest_cache.h"
#include "http/snapshot_json.h"
#include "collector/ring_budget.h"
#include "common/clock.h"
#include "common/hiro.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "http/events_api.h"
#include "http/params.h"
#include "http/prometheus.h"
#include "http/prometheus_app.h"
#include "http/ui_routes.h"

static void set_body(api_response *resp, int status, const char *type, char *body) {
  resp->status = status;
  resp->content_type = type;
  resp->body = body;
  resp->body_len = strlen(body);
}

void api_error(api_response *resp, int status, const char *reason) {
  /* Reasons may quote client input (an unknown field name): sb_json_string
   * keeps the body valid JSON whatever the bytes. */
  strbuf b;
  sb_init(&b, 64 + strlen(reason));
  sb_puts(&b, "{\"error\":");
  sb_json_string(&b, reason);
  sb_putc(&b, '}');
  free(resp->body);
  set_body(resp, status, "application/json", sb_steal(&b));
}

void api_add_header(api_response *resp, const char *name, const char *value) {
  if (resp->n_headers == API_MAX_HEADERS) {
    log_error("http: more than %d response headers (%s)", API_MAX_HEADERS, name);
    abort();
  }
  resp->headers[resp->n_headers++] = (api_header){name, value};
}

const char *api_find_header(const api_response *resp, const char *name) {
  for (size_t i = 0; i < resp->n_headers; i++)
    if (strcasecmp(resp->headers[i].name, name) == 0) return resp->headers[i].value;
  return NULL;
}

void api_response_free(api_response *resp) {
  free(resp->body);
  memset(resp, 0, sizeof *resp);
}

static void handle_latest(const api_context *ctx, const api_request *req, api_response *resp) {
  (void)req;
  char *json = latest_cache_json(ctx->latest, ctx->coll, ctx->app);
  if (!json) {
    collector_status cstat;
    collector_get_status(ctx->coll, &cstat);
    api_error(resp, 503,
              cstat.enabled ? "metrics collector is starting; no snapshot yet"
                            : "metrics collector is disabled");
    return;
  }
  set_body(resp, 200, "application/json", json);
}

static void put_persistence_json(strbuf *b, const api_context *ctx);
/* How plugin trees are tracked and each plugin's lifecycle (the collector
 * need not be enabled for these). */
static void put_plugins_json(strbuf *b, const api_context *ctx) {
  sb_puts(b, ",\"tree_tracking\":");
  if (ctx->tree_mode)
    sb_json_string(b, ctx->tree_mode);
  else
    sb_puts(b, "null");
  sb_puts(b, ",\"plugins\":[");
  enum { MAX_LISTED = 256 };
  plugin_ref *refs = ctx->plugins ? xcalloc(MAX_LISTED, sizeof *refs) : NULL;
  size_t n = refs ? ctx->plugins(ctx->plugins_ctx, refs, MAX_LISTED) : 0;
  for (size_t i = 0; i < n && i < MAX_LISTED; i++) {
    sb_puts(b, i ? ",{\"name\":" : "{\"name\":");
    sb_json_string(b, refs[i].name);
    sb_puts(b, ",\"pid\":");
    if (refs[i].pid > 0)
      sb_i64(b, refs[i].pid);
    else
      sb_puts(b, "null");
    sb_printf(b, ",\"alive\":%s,\"uptime_seconds\":", refs[i].running ? "true" : "false");
    if (refs[i].running && refs[i].life.started_at > 0)
      sb_double(b, clock_wall() - refs[i].life.started_at, 1);
    else
      sb_puts(b, "null");
    sb_putc(b, ',');
    snapshot_json_lifecycle(b, &refs[i].life);
    b->len--; /* the lifecycle's trailing comma */
    sb_putc(b, '}');
  }
  free(refs);
  sb_putc(b, ']');
}

static void put_status_json(strbuf *b, const api_context *ctx) {
  collector_status cstat;
  collector_get_status(ctx->coll, &cstat);
  sb_printf(b, "{\"enabled\":%s,\"interval\":", cstat.enabled ? "true" : "false");
  sb_double(b, cstat.interval, 3);
  sb_printf(b,
            ",\"history_size\":%zu,\"history_count\":%zu,\"uptime_seconds\":", cstat.history_size,
            cstat.history_count);
  sb_double(b, cstat.uptime_seconds, 1);
  /* The dashboard shows itself read-only when it cannot change settings. */
  sb_printf(b, ",\"configure_requires_token\":%s", ctx->api_token ? "true" : "false");
  put_plugins_json(b, ctx);
  sb_puts(b, ",\"persistence\":");
  put_persistence_json(b, ctx);
  sb_puts(b, ",\"app_metrics\":");
  app_api_status_json(b, ctx->app);
  sb_putc(b, '}');
}

static void put_persistence_json(strbuf *b, const api_context *ctx) {
  if (!ctx->db) {
    sb_puts(b, "null");
    return;
  }
  store_status ps;
  store_get_status(ctx->db, &ps);
  sb_puts(b, "{\"db_path\":");
  sb_json_string(b, ps.path);
  sb_printf(b, ",\"size_bytes\":%llu,\"rows\":{\"raw\":%lld,\"minute\":%lld,\"hour\":%lld}",
            (unsigned long long)ps.size_bytes, (long long)ps.rows_raw, (long long)ps.rows_minute,
            (long long)ps.rows_hour);
  sb_puts(b, ",\"oldest_timestamp\":");
  if (ps.oldest_timestamp > 0)
    sb_double(b, ps.oldest_timestamp, 3);
  else
    sb_puts(b, "null");
  sb_printf(b, ",\"queue_depth\":%zu,\"dropped_snapshots\":%llu,\"written_snapshots\":%llu",
            ps.queue_depth, (unsigned long long)ps.dropped_snapshots,
            (unsigned long long)ps.written_snapshots);
  sb_puts(b, ",\"last_error\":");
  if (ps.has_error)
    sb_json_string(b, ps.last_error);
  else
    sb_puts(b, "null");
  sb_putc(b, '}');
}

static void handle_status(const api_context *ctx, const api_request *req, api_response *resp) {
  (void)req;
  strbuf b;
  sb_init(&b, 512);
  put_status_json(&b, ctx);
  set_body(resp, 200, "application/json", sb_steal(&b));
}

static void handle_configure(const api_context *ctx, const api_request *req, api_response *resp) {
  if (req->body_len > API_MAX_BODY) {
    api_error(resp, 413, "request body too large (limit 64 KiB)");
    return;
  }
  configure_params p;
  char err[256];
  if (!params_parse_configure(req->body, req->body_len, &p, err, sizeof err)) {
    api_error(resp, 400, err);
    return;
  }
  collector_configure(ctx->coll, p.has_enabled ? &p.enabled : NULL,
                      p.has_interval ? &p.interval : NULL,
                      p.has_history_size ? &p.history_size : NULL);
  /* Disabling loses nothing: what waits for a group commit is committed
   * before the answer (CONTRACT §11). */
  if (p.has_enabled && !p.enabled) store_flush(ctx->db);
  char warning[256] = "";
  if (p.has_history_size &&
      ring_budget_warning(p.history_size, ctx->n_plugins, 0, warning, sizeof warning))
    log_warn("configure: %s", warning);
  /* The answer is the new status plus what the change warns about. */
  strbuf b;
  sb_init(&b, 768);
  put_status_json(&b, ctx);
  b.data[--b.len] = '\0'; /* reopen the status object */
  sb_puts(&b, ",\"warnings\":[");
  if (*warning) sb_json_string(&b, warning);
  sb_puts(&b, "]}");
  set_body(resp, 200, "application/json", sb_steal(&b));
}

static void handle_prometheus(const api_context *ctx, const api_request *req, api_response *resp) {
  (void)req;
  char *text = prometheus_render(ctx->coll, ctx->db);
  if (text && ctx->app) text = prometheus_app_append(text, ctx->app);
  if (!text) {
    collector_status cstat;
    collector_get_status(ctx->coll, &cstat);
    set_body(resp, 503, "text/plain; charset=utf-8",
             xstrdup(cstat.enabled ? "metrics collector is starting; no snapshot yet\n"
                                   : "metrics collector is disabled; nothing to scrape\n"));
    return;
  }
  set_body(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text);
}

static void handle_ui_file(const api_context *ctx, const api_request *req, api_response *resp) {
  (void)ctx;
  if (!ui_serve(req->path, req->header(req->conn, "Accept-Encoding"),
                req->header(req->conn, "If-None-Match"), resp))
    api_error(resp, 404, "no such file");
}

/* Where a route is served: API routes at their path on the REST listener and
 * under /api on the admin listener; UI routes only on the admin listener. */
typedef enum { SCOPE_API, SCOPE_UI } route_scope;

typedef enum {
  ACCESS_OPEN,   /* the dashboard's files */
  ACCESS_READ,   /* the token when reads need it (REST listener, non-loopback host) */
  ACCESS_CHANGE, /* same-origin JSON only, and the token whenever one is set */
} route_access;

enum { METHOD_GET = 1u, METHOD_POST = 2u }; /* GET includes HEAD */

typedef void (*route_fn)(const api_context *, const api_request *, api_response *);

/* Every path either listener answers, read by routing, 405/Allow and the
 * access rules. A path ending in '/' with prefix set matches what it starts. */
static const struct route {
  route_scope scope;
  const char *path;
  bool prefix;
  unsigned methods;
  route_access access;
  route_fn handle;
} routes[] = {
    {SCOPE_API, "/metrics", false, METHOD_GET, ACCESS_READ, handle_latest},
    {SCOPE_API, "/metrics/history", false, METHOD_GET, ACCESS_READ, api_history},
    {SCOPE_API, "/metrics/status", false, METHOD_GET, ACCESS_READ, handle_status},
    {SCOPE_API, "/metrics/configure", false, METHOD_POST, ACCESS_CHANGE, handle_configure},
    {SCOPE_API, "/metrics/prometheus", false, METHOD_GET, ACCESS_READ, handle_prometheus},
    {SCOPE_API, "/metrics/app/history", false, METHOD_GET, ACCESS_READ, app_api_history},
    {SCOPE_API, "/metrics/events", false, METHOD_GET, ACCESS_READ, events_route},
    {SCOPE_UI, "/", false, METHOD_GET, ACCESS_OPEN, handle_ui_file},
    {SCOPE_UI, "/metrics", false, METHOD_GET, ACCESS_OPEN, handle_ui_file},
    {SCOPE_UI, "/metrics/", false, METHOD_GET, ACCESS_OPEN, handle_ui_file},
    {SCOPE_UI, "/assets/", true, METHOD_GET, ACCESS_OPEN, handle_ui_file},
};

#define ADMIN_API_PREFIX "/api"

/* The route for path on this listener, or NULL. *sub is the path as the
 * route sees it (without /api). */
static const struct route *route_find(const api_request *req, const char **sub) {
  route_scope scope = SCOPE_API;
  const char *path = req->path;
  if (req->admin) {
    size_t n = strlen(ADMIN_API_PREFIX);
    if (strncmp(path, ADMIN_API_PREFIX, n) == 0 && path[n] == '/')
      path += n;
    else
      scope = SCOPE_UI;
  }
  *sub = path;
  for (size_t i = 0; i < HIRO_ARRAY_LEN(routes); i++) {
    const struct route *r = &routes[i];
    if (r->scope != scope) continue;
    if (r->prefix ? strncmp(path, r->path, strlen(r->path)) == 0 : strcmp(path, r->path) == 0)
      return r;
  }
  return NULL;
}

static const char *allow_header(unsigned methods) {
  switch (methods) {
  case METHOD_GET: return "GET, HEAD";
  case METHOD_POST: return "POST";
  default: return "GET, HEAD, POST";
  }
}

static bool method_allowed(const char *method, unsigned methods) {
  if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) return methods & METHOD_GET;
  return strcmp(method, "POST") == 0 && (methods & METHOD_POST);
}

static void unauthorized(api_response *resp) {
  api_error(resp, 401, "missing or wrong bearer token (send Authorization: Bearer <api_token>)");
  api_add_header(resp, "WWW-Authenticate", "Bearer realm=\"hirocli\"");
}

/* Apply the route's access rule; on refusal fill resp and return false. */
static bool access_granted(const api_context *ctx, const api_request *req, route_access access,
                           api_response *resp) {
  const char *auth = req->header(req->conn, "Authorization");
  switch (access) {
  case ACCESS_OPEN: return true;
  case ACCESS_READ:
    /* The admin listener is loopback-only and its page has no token. */
    if (req->admin || !ctx->token_for_reads || guard_bearer_ok(auth, ctx->api_token)) return true;
    unauthorized(resp);
    return false;
  case ACCESS_CHANGE: break;
  }
  const char *host = req->header(req->conn, "Host");
  const char *origin = req->header(req->conn, "Origin");
  const char *fetch_site = req->header(req->conn, "Sec-Fetch-Site");
  char reason[160];
  if (!guard_origin_ok(&req->listener, origin, host)) {
    snprintf(reason, sizeof reason,
             "cross-origin request refused: Origin '%.64s' is not this server's own page", origin);
    api_error(resp, 403, reason);
    return false;
  }
  if (fetch_site && strcmp(fetch_site, "same-origin") != 0 && strcmp(fetch_site, "none") != 0) {
    snprintf(reason, sizeof reason, "cross-origin request refused (Sec-Fetch-Site: %.32s)",
             fetch_site);
    api_error(resp, 403, reason);
    return false;
  }
  if (!guard_json_content_type(req->header(req->conn, "Content-Type"))) {
    api_error(resp, 415, "request body must be sent as Content-Type: application/json");
    return false;
  }
  if (!guard_bearer_ok(auth, ctx->api_token)) {
    unauthorized(resp);
    return false;
  }
  return true;
}

/* A request with the right token cannot come from a page in a browser that
 * DNS rebinding pointed at us, so it may name the server as it likes (a
 * Prometheus target or a proxy by DNS name); without it, Host must be ours. */
static bool host_granted(const api_context *ctx, const api_request *req, api_response *resp) {
  const char *host = req->header(req->conn, "Host");
  if (guard_host_ok(&req->listener, host)) return true;
  if (ctx->api_token && guard_bearer_ok(req->header(req->conn, "Authorization"), ctx->api_token))
    return true;
  char reason[160];
  snprintf(reason, sizeof reason,
           "Host header '%.64s' does not name this server (use %s or localhost)", host,
           req->listener.bind_host);
  api_error(resp, 403, reason);
  return false;
}

void api_handle(const api_context *ctx, const api_request *req, api_response *resp) {
  if (ctx->requests_served) __atomic_add_fetch(ctx->requests_served, 1, __ATOMIC_RELAXED);
  if (!host_granted(ctx, req, resp)) return;
  const char *sub;
  const struct route *r = route_find(req, &sub);
  if (!r) {
    api_error(resp, 404, "no such endpoint");
    return;
  }
  if (!method_allowed(req->method, r->methods)) {
    char reason[96];
    snprintf(reason, sizeof reason, "method %.16s not allowed; use %s", req->method,
             allow_header(r->methods));
    api_error(resp, 405, reason);
    api_add_header(resp, "Allow", allow_header(r->methods));
    return;
  }
  if (!access_granted(ctx, req, r->access, resp)) return;
  api_request routed = *req;
  routed.path = sub;
  r->handle(ctx, &routed, resp);
}
