/* events_api.c - GET /metrics/events: the events of [from, to] (the rules of
 * /metrics/history), optionally of some processes and one kind, oldest
 * first: from the database when persistence is on (every run's events), else
 * from the server's in-memory event log. */
#include "http/events_api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "http/params.h"

/* The newest events an answer holds at most. */
#define EVENTS_MAX 100000

static void put_int_or_null(strbuf *b, const char *key, int v, bool present) {
  sb_printf(b, ",\"%s\":", key);
  if (present)
    sb_i64(b, v);
  else
    sb_puts(b, "null");
}

static void put_num_or_null(strbuf *b, const char *key, double v, int decimals) {
  sb_printf(b, ",\"%s\":", key);
  if (isnan(v))
    sb_puts(b, "null");
  else
    sb_double(b, v, decimals);
}

void event_to_json(strbuf *b, const hiro_event *e) {
  sb_puts(b, "{\"timestamp\":");
  sb_double(b, e->timestamp, 3);
  sb_puts(b, ",\"kind\":");
  sb_json_string(b, event_kind_name(e->kind));
  sb_puts(b, ",\"process\":");
  sb_json_string(b, e->process);
  put_int_or_null(b, "pid", e->pid, e->pid > 0);
  put_int_or_null(b, "exit_code", e->exit_code, e->exit_code >= 0);
  put_int_or_null(b, "signal", e->signal, e->signal > 0);
  put_int_or_null(b, "errno", e->err, e->err > 0);
  put_num_or_null(b, "cpu_seconds", e->cpu_seconds, 6);
  put_num_or_null(b, "lifetime_seconds", e->lifetime_seconds, 3);
  put_num_or_null(b, "delay_seconds", e->delay_seconds, 3);
  sb_puts(b, ",\"detail\":");
  sb_json_string(b, e->detail);
  sb_putc(b, '}');
}

void events_route(const api_context *ctx, const api_request *req, api_response *resp) {
  events_params ep;
  char err[512];
  if (!params_parse_events(req->args, req->n_args, clock_wall(), &ep, err, sizeof err)) {
    api_error(resp, 400, err);
    return;
  }
  event_filter f = {ep.range.from, ep.range.to, ep.range.processes, ep.range.n_processes, ep.kind};
  hiro_event *events = NULL;
  size_t n = 0;
  if (ctx->db) {
    /* The database keeps every run's events (retention like the minute
     * tier); one process is filtered there, several here. */
    const char *one = ep.range.n_processes == 1 ? ep.range.processes[0] : NULL;
    const char *kind = ep.kind >= 0 ? event_kind_name((event_kind)ep.kind) : NULL;
    if (store_query_events(ctx->db, f.from, f.to, one, kind, EVENTS_MAX, &events, &n) != HIRO_OK) {
      api_error(resp, 500, "events query failed (see server.log)");
      return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (event_filter_match(&f, &events[i])) events[k++] = events[i];
    n = k;
  } else if (ctx->events) {
    n = eventlog_query(ctx->events, &f, &events);
  }
  strbuf b;
  sb_init(&b, 64 + n * 256);
  sb_putc(&b, '[');
  for (size_t i = 0; i < n; i++) {
    if (i) sb_putc(&b, ',');
    event_to_json(&b, &events[i]);
  }
  sb_putc(&b, ']');
  free(events);
  char *body = sb_steal(&b);
  resp->status = 200;
  resp->content_type = "application/json";
  resp->body = body;
  resp->body_len = strlen(body);
}
