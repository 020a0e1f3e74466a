/* api.c - REST routes: /metrics, /metrics/history, /metrics/status,
 * /metrics/configure, /metrics/prometheus. */
#include "http/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/latest_cache.h"
#include "http/snapshot_json.h"
#include "common/clock.h"
#include "common/hiro.h"
#include "common/strbuf.h"
#include "http/params.h"
#include "http/prometheus.h"

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

void api_not_found(api_response *resp) { api_error(resp, 404, "no such endpoint"); }

void api_response_free(api_response *resp) {
  free(resp->body);
  memset(resp, 0, sizeof *resp);
}

/* Constant-time comparison: the time taken does not depend on where the
 * first difference is. */
static bool same_secret(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  unsigned char diff = la != lb;
  for (size_t i = 0; i < la; i++) diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
  return diff == 0;
}

static bool authorized(const api_context *ctx, const api_request *req) {
  if (!ctx->api_token) return true;
  const char *h = req->authorization;
  if (!h || strncmp(h, "Bearer ", 7) != 0) return false;
  return same_secret(h + 7, ctx->api_token);
}

static void handle_latest(const api_context *ctx, api_response *resp) {
  char *json = latest_cache_json(ctx->latest, ctx->coll);
  if (!json) {
    collector_status st;
    collector_get_status(ctx->coll, &st);
    api_error(resp, 503, st.enabled ? "metrics collector is starting; no snapshot yet"
                                    : "metrics collector is disabled");
    return;
  }
  set_body(resp, 200, "application/json", json);
}

static void put_status_json(strbuf *b, const api_context *ctx) {
  collector_status st;
  collector_get_status(ctx->coll, &st);
  sb_printf(b, "{\"enabled\":%s,\"interval\":", st.enabled ? "true" : "false");
  sb_double(b, st.interval, 3);
  sb_printf(b, ",\"history_size\":%zu,\"history_count\":%zu,\"uptime_seconds\":",
            st.history_size, st.history_count);
  sb_double(b, st.uptime_seconds, 1);
  sb_puts(b, ",\"persistence\":");
  if (!ctx->st) {
    sb_puts(b, "null}");
    return;
  }
  store_status ps;
  store_get_status(ctx->st, &ps);
  sb_puts(b, "{\"db_path\":");
  sb_json_string(b, ps.path);
  sb_printf(b, ",\"size_bytes\":%llu,\"rows\":{\"raw\":%lld,\"minute\":%lld,\"hour\":%lld}",
            (unsigned long long)ps.size_bytes, (long long)ps.rows_raw,
            (long long)ps.rows_minute, (long long)ps.rows_hour);
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
  sb_puts(b, "}}");
}

static void handle_status(const api_context *ctx, api_response *resp) {
  strbuf b;
  sb_init(&b, 512);
  put_status_json(&b, ctx);
  set_body(resp, 200, "application/json", sb_steal(&b));
}

static void handle_configure(const api_context *ctx, const api_request *req,
                             api_response *resp) {
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
  handle_status(ctx, resp);
}

static int by_timestamp(const void *a, const void *b) {
  double ta = ((const metrics_snapshot *)a)->timestamp;
  double tb = ((const metrics_snapshot *)b)->timestamp;
  return (ta > tb) - (ta < tb);
}

/* The ring is in insertion order, which is timestamp order unless the wall
 * clock stepped back (or the ring was refilled from rows a clock that was
 * ahead wrote): history is promised oldest first, so sort in that case. The
 * check is O(n) and the sort only runs after a step back. */
static void sort_if_needed(metrics_snapshot *snaps, size_t n) {
  for (size_t i = 1; i < n; i++)
    if (snaps[i].timestamp < snaps[i - 1].timestamp) {
      qsort(snaps, n, sizeof *snaps, by_timestamp);
      return;
    }
}

/* Choose memory or disk for the range and encode the answer. */
static void free_snapshots(metrics_snapshot *snaps, size_t n) {
  for (size_t i = 0; i < n; i++) snapshot_free(&snaps[i]);
  free(snaps);
}

/* Answer from the ring at full resolution; thinned evenly (newest kept) only
 * when there is no disk tier to go to. */
static void history_from_memory(const api_context *ctx, const history_params *hp,
                                api_response *resp) {
  metrics_snapshot *snaps = NULL;
  double oldest;
  size_t n = collector_history(ctx->coll, hp->from, hp->to, &snaps, &oldest);
  sort_if_needed(snaps, n);
  size_t skip = 0, step = 1;
  if (n > hp->max_points) {
    step = (n + hp->max_points - 1) / hp->max_points;
    skip = (n - 1) % step;
  }
  size_t k = 0;
  for (size_t i = skip; i < n; i += step) {
    if (k != i) {
      snapshot_free(&snaps[k]);
      snaps[k] = snaps[i];
      memset(&snaps[i], 0, sizeof snaps[i]);
    }
    k++;
  }
  set_body(resp, 200, "application/json", snapshots_to_json_string(snaps, k));
  resp->metrics_source = "memory";
  resp->metrics_resolution = "raw";
  free_snapshots(snaps, n);
}

static void history_from_disk(const api_context *ctx, const history_params *hp,
                              api_response *resp) {
  metrics_snapshot *snaps = NULL;
  size_t n = 0;
  int res = 0;
  if (store_query(ctx->st, hp->from, hp->to, hp->max_points, hp->agg, &snaps, &n, &res) !=
      HIRO_OK) {
    api_error(resp, 500, "history query failed (see server.log)");
    return;
  }
  set_body(resp, 200, "application/json", snapshots_to_json_string(snaps, n));
  resp->metrics_source = "disk";
  resp->metrics_resolution = res == STORE_RES_HOUR ? "3600" : res == STORE_RES_MINUTE ? "60" : "raw";
  free_snapshots(snaps, n);
}

/* Choose memory or disk for the range (before copying anything) and answer. */
static void handle_history(const api_context *ctx, const api_request *req, api_response *resp) {
  history_params hp;
  char err[256];
  if (!params_parse_history(req->query, req->query_ctx, clock_wall(), &hp, err, sizeof err)) {
    api_error(resp, 400, err);
    return;
  }
  double oldest = 0;
  size_t n = collector_history_extent(ctx->coll, hp.from, hp.to, &oldest);
  collector_status st;
  collector_get_status(ctx->coll, &st);
  /* The ring covers the range when its oldest entry is within one interval of
   * `from` (or nothing older exists on disk). */
  bool covered = n > 0 && oldest <= hp.from + st.interval;
  if (!covered && ctx->st && n > 0) {
    store_status ps;
    store_get_status(ctx->st, &ps);
    /* Disk keeps milliseconds: compare at that precision. */
    covered = ps.oldest_timestamp <= 0 || ps.oldest_timestamp >= oldest - 0.001;
  }
  if (!ctx->st || (covered && n <= hp.max_points))
    history_from_memory(ctx, &hp, resp);
  else
    history_from_disk(ctx, &hp, resp);
}

static void handle_prometheus(const api_context *ctx, api_response *resp) {
  char *text = prometheus_render(ctx->coll, ctx->st);
  if (!text) {
    collector_status st;
    collector_get_status(ctx->coll, &st);
    set_body(resp, 503, "text/plain; charset=utf-8",
             xstrdup(st.enabled ? "metrics collector is starting; no snapshot yet\n"
                                : "metrics collector is disabled; nothing to scrape\n"));
    return;
  }
  set_body(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text);
}

typedef enum { R_LATEST, R_HISTORY, R_STATUS, R_CONFIGURE, R_PROMETHEUS } route_id;

static const struct {
  const char *path;
  const char *method;
  route_id id;
} routes[] = {
    {"/metrics", "GET", R_LATEST},
    {"/metrics/history", "GET", R_HISTORY},
    {"/metrics/status", "GET", R_STATUS},
    {"/metrics/configure", "POST", R_CONFIGURE},
    {"/metrics/prometheus", "GET", R_PROMETHEUS},
};

bool api_handle(const api_context *ctx, const api_request *req, const char *prefix,
                api_response *resp) {
  size_t plen = strlen(prefix);
  if (strncmp(req->path, prefix, plen) != 0) return false;
  const char *path = req->path + plen;
  size_t i = 0;
  while (i < HIRO_ARRAY_LEN(routes) && strcmp(routes[i].path, path) != 0) i++;
  if (i == HIRO_ARRAY_LEN(routes)) return false;

  bool is_head = strcmp(req->method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0;
  if (strcmp(req->method, routes[i].method) != 0 && !is_head) {
    char reason[96];
    snprintf(reason, sizeof reason, "method %.16s not allowed; use %s", req->method,
             routes[i].method);
    api_error(resp, 405, reason);
    return true;
  }
  bool needs_token = routes[i].id == R_CONFIGURE || ctx->token_for_reads;
  if (needs_token && !authorized(ctx, req)) {
    api_error(resp, 401, "missing or wrong bearer token");
    return true;
  }
  switch (routes[i].id) {
  case R_LATEST: handle_latest(ctx, resp); break;
  case R_HISTORY: handle_history(ctx, req, resp); break;
  case R_STATUS: handle_status(ctx, resp); break;
  case R_CONFIGURE: handle_configure(ctx, req, resp); break;
  case R_PROMETHEUS: handle_prometheus(ctx, resp); break;
  }
  return true;
}
