/* app_api.c - application metrics over REST: publisher status and the
 * per-series history (from the in-memory frames or from the store). */
#include "http/app_api.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "http/app_json.h"
#include "http/params.h"

/* ---- status ---- */

static void put_count(strbuf *b, const char *key, uint64_t v) {
  sb_putc(b, '"');
  sb_puts(b, key);
  sb_puts(b, "\":");
  sb_u64(b, v);
}

static void put_source(strbuf *b, const aggregate_source_stats *src) {
  sb_puts(b, "{\"process\":");
  sb_json_string(b, src->plugin);
  sb_printf(b, ",\"server\":%s,", src->server ? "true" : "false");
  put_count(b, "datagrams", src->datagrams);
  sb_putc(b, ',');
  put_count(b, "lines", src->lines);
  sb_putc(b, ',');
  put_count(b, "series", src->series);
  sb_putc(b, ',');
  put_count(b, "memory_bytes", src->memory_bytes);
  sb_puts(b, ",\"refused\":{");
  for (int r = STATSD_OK + 1; r < APP_DROP_REASONS; r++) {
    if (r > STATSD_OK + 1) sb_putc(b, ',');
    put_count(b, aggregate_reason_key(r), src->rejected[r]);
  }
  sb_puts(b, "},\"last_error\":");
  if (src->last_error[0])
    sb_json_string(b, src->last_error);
  else
    sb_puts(b, "null");
  sb_puts(b, ",\"last_error_time\":");
  if (src->last_error_time > 0)
    sb_double(b, src->last_error_time, 3);
  else
    sb_puts(b, "null");
  sb_putc(b, '}');
}

void app_api_status_json(strbuf *b, appmetrics *app) {
  if (!app) {
    sb_puts(b, "null");
    return;
  }
  appmetrics_status astat;
  appmetrics_get_status(app, &astat);
  const receiver_stats *r = &astat.receiver;
  sb_puts(b, "{\"socket\":");
  if (r->socket_path[0])
    sb_json_string(b, r->socket_path);
  else
    sb_puts(b, "null");
  sb_puts(b, ",\"udp_port\":");
  if (r->udp_port)
    sb_i64(b, r->udp_port);
  else
    sb_puts(b, "null");
  sb_printf(b, ",\"max_series\":%zu,\"max_rate\":", astat.max_series);
  sb_double(b, astat.max_rate, 1);
  sb_putc(b, ',');
  put_count(b, "datagrams", r->datagrams);
  sb_putc(b, ',');
  put_count(b, "bytes", r->bytes);
  sb_putc(b, ',');
  put_count(b, "unattributed_datagrams", r->unattributed);
  sb_puts(b, ",\"last_unattributed_pid\":");
  if (r->last_unattributed_pid > 0)
    sb_i64(b, r->last_unattributed_pid);
  else
    sb_puts(b, "null");
  sb_putc(b, ',');
  put_count(b, "oversized_datagrams", r->oversized);
  sb_putc(b, ',');
  put_count(b, "kernel_dropped_datagrams", r->kernel_dropped);
  sb_printf(b, ",\"memory_history\":{\"frames\":%zu,\"bytes\":%zu},\"publishers\":[",
            astat.history_frames, astat.history_bytes);
  for (size_t i = 0; i < astat.n_sources; i++) {
    if (i) sb_putc(b, ',');
    put_source(b, &astat.sources[i]);
  }
  sb_puts(b, "]}");
  appmetrics_status_free(&astat);
}

/* ---- history ---- */

/* The columns a series of this type has in history answers. */
static const char *const *type_columns(statsd_type t, size_t *n) {
  static const char *const counter[] = {"timestamp", "rate", "count", "total"};
  static const char *const gauge[] = {"timestamp", "value"};
  static const char *const set[] = {"timestamp", "distinct"};
  static const char *const summary[] = {"timestamp", "count", "sum", "min",
                                        "max",       "p50",   "p90", "p99"};
  switch (t) {
  case STATSD_COUNTER: *n = HIRO_ARRAY_LEN(counter); return counter;
  case STATSD_GAUGE: *n = HIRO_ARRAY_LEN(gauge); return gauge;
  case STATSD_SET: *n = HIRO_ARRAY_LEN(set); return set;
  default: *n = HIRO_ARRAY_LEN(summary); return summary;
  }
}

/* One row of a point: [timestamp, figures...]. */
static void put_row(strbuf *b, double timestamp, const app_point *p) {
  sb_putc(b, '[');
  sb_double(b, timestamp, 3);
  double v[7];
  size_t n = 0;
  switch (p->type) {
  case STATSD_COUNTER: v[n++] = p->value, v[n++] = p->count, v[n++] = p->total; break;
  case STATSD_GAUGE:
  case STATSD_SET: v[n++] = p->value; break;
  default:
    v[n++] = p->count, v[n++] = p->sum, v[n++] = p->min, v[n++] = p->max;
    v[n++] = p->p50, v[n++] = p->p90, v[n++] = p->p99;
  }
  for (size_t i = 0; i < n; i++) {
    sb_putc(b, ',');
    app_json_number(b, v[i]);
  }
  sb_putc(b, ']');
}

/* A series being collected for the answer: its rows so far. */
typedef struct {
  const char *process;
  bool server;
  const app_point *first; /* identity: key, name, tags, type */
  strbuf rows;
  size_t n_rows;
} answer_series;

typedef struct {
  answer_series *list;
  size_t n, cap;
} answer;

static answer_series *answer_find(answer *a, const app_group *g, const app_point *p) {
  for (size_t i = 0; i < a->n; i++) {
    answer_series *s = &a->list[i];
    if (s->server == g->server && strcmp(s->process, g->plugin) == 0 &&
        strcmp(s->first->key, p->key) == 0 && s->first->type == p->type)
      return s;
  }
  if (a->n == a->cap) {
    a->cap = a->cap ? a->cap * 2 : 16;
    a->list = xrealloc(a->list, a->cap * sizeof *a->list);
  }
  answer_series *s = &a->list[a->n++];
  *s = (answer_series){g->plugin, g->server, p, {0}, 0};
  sb_init(&s->rows, 256);
  return s;
}

/* Does the publisher/series pass the process= and name= filters? */
static bool wanted(const app_group *g, const app_point *p, const char *process, const char *name) {
  if (process) {
    bool server = strcmp(process, "server") == 0;
    if (g->server != server || (!server && strcmp(g->plugin, process) != 0)) return false;
  }
  return !name || strcmp(p->name, name) == 0;
}

/* {"process":..,"key":..,"name":..,"type":..,"tags":{..},"columns":[..],"points":[ */
static void series_head(strbuf *b, const char *process, const char *key, const char *name,
                        statsd_type type, const char *tags) {
  sb_puts(b, "{\"process\":");
  sb_json_string(b, process);
  sb_puts(b, ",\"key\":");
  sb_json_string(b, key);
  sb_puts(b, ",\"name\":");
  sb_json_string(b, name);
  sb_puts(b, ",\"type\":");
  sb_json_string(b, statsd_type_name(type));
  sb_puts(b, ",\"tags\":");
  app_json_tags(b, tags);
  sb_puts(b, ",\"columns\":[");
  size_t nc;
  const char *const *cols = type_columns(type, &nc);
  for (size_t c = 0; c < nc; c++) {
    if (c) sb_putc(b, ',');
    sb_json_string(b, cols[c]);
  }
  sb_puts(b, "],\"points\":[");
}

static void answer_write(strbuf *b, const answer *a) {
  sb_puts(b, "\"series\":[");
  for (size_t i = 0; i < a->n; i++) {
    const answer_series *s = &a->list[i];
    if (i) sb_putc(b, ',');
    series_head(b, s->process, s->first->key, s->first->name, s->first->type, s->first->tags);
    sb_append(b, s->rows.data ? s->rows.data : "", s->rows.len);
    sb_puts(b, "]}");
  }
  sb_putc(b, ']');
}

static void answer_free(answer *a) {
  for (size_t i = 0; i < a->n; i++) sb_free(&a->list[i].rows);
  free(a->list);
}

/* {"process":..,"name":..,"from":..,"to":..,"resolution":.., (the series follow) */
static void answer_envelope(strbuf *b, const history_params *hp, const char *process,
                            const char *name, const char *resolution) {
  sb_puts(b, "{\"process\":");
  if (process)
    sb_json_string(b, process);
  else
    sb_puts(b, "null");
  sb_puts(b, ",\"name\":");
  if (name)
    sb_json_string(b, name);
  else
    sb_puts(b, "null");
  sb_puts(b, ",\"from\":");
  sb_double(b, hp->range.from, 3);
  sb_puts(b, ",\"to\":");
  sb_double(b, hp->range.to, 3);
  sb_printf(b, ",\"resolution\":\"%s\",", resolution);
}

/* Rows from the store, or NULL when the query failed. */
static char *history_from_disk(store *db, const history_params *hp, const char *process,
                               const char *name, const char **resolution) {
  store_app_series *list;
  size_t n;
  int res;
  if (store_query_app(db, hp->range.from, hp->range.to, hp->max_points, hp->agg, process, name,
                      &list, &n, &res) != HIRO_OK)
    return NULL;
  *resolution = res == 3600 ? "3600" : res == 60 ? "60" : "raw";
  strbuf b;
  sb_init(&b, 1024);
  answer_envelope(&b, hp, process, name, *resolution);
  sb_puts(&b, "\"series\":[");
  for (size_t i = 0; i < n; i++) {
    const store_app_series *sr = &list[i];
    if (i) sb_putc(&b, ',');
    series_head(&b, sr->process, sr->key, sr->name, (statsd_type)sr->type, sr->tags);
    for (size_t r = 0; r < sr->n_rows; r++) {
      const double *row = sr->rows + r * sr->n_cols;
      sb_puts(&b, r ? ",[" : "[");
      sb_double(&b, row[0], 3);
      for (size_t c = 1; c < sr->n_cols; c++) {
        sb_putc(&b, ',');
        app_json_number(&b, row[c]);
      }
      sb_putc(&b, ']');
    }
    sb_puts(&b, "]}");
  }
  sb_puts(&b, "]}");
  store_app_series_free(list, n);
  return sb_steal(&b);
}

/* Does memory hold the whole range (its oldest frame within an interval of
 * from), or is there no store to ask instead? */
static bool memory_covers(const api_context *ctx, double from) {
  if (!ctx->db) return true;
  app_frame **frames;
  double oldest;
  size_t n = appmetrics_history(ctx->app, from, from, &frames, &oldest);
  for (size_t i = 0; i < n; i++) app_frame_release(frames[i]);
  free(frames);
  collector_status cs;
  collector_get_status(ctx->coll, &cs);
  return oldest > 0 && oldest <= from + cs.interval;
}

/* Rows from the in-memory frames, thinned evenly (newest kept) to max_points. */
static char *history_from_memory(appmetrics *app, const history_params *hp, const char *process,
                                 const char *name) {
  app_frame **frames;
  double oldest;
  size_t n = appmetrics_history(app, hp->range.from, hp->range.to, &frames, &oldest);
  size_t step = n > hp->max_points ? (n + hp->max_points - 1) / hp->max_points : 1;
  size_t skip = n > hp->max_points ? (n - 1) % step : 0;
  answer a = {0};
  for (size_t i = skip; i < n; i += step) {
    const app_frame *f = frames[i];
    for (size_t g = 0; g < f->n_groups; g++) {
      const app_group *grp = &f->groups[g];
      for (size_t k = grp->first; k < grp->first + grp->count; k++) {
        if (!wanted(grp, &f->points[k], process, name)) continue;
        answer_series *s = answer_find(&a, grp, &f->points[k]);
        if (s->n_rows++) sb_putc(&s->rows, ',');
        put_row(&s->rows, f->timestamp, &f->points[k]);
      }
    }
  }
  strbuf b;
  sb_init(&b, 1024);
  answer_envelope(&b, hp, process, name, "raw");
  answer_write(&b, &a);
  sb_putc(&b, '}');
  answer_free(&a);
  for (size_t i = 0; i < n; i++) app_frame_release(frames[i]);
  free(frames);
  return sb_steal(&b);
}

/* A text parameter: absent (NULL), or a non-empty value without NUL bytes. */
static bool text_param(const api_request *req, const char *key, const char **out, char *err,
                       size_t errlen) {
  size_t len = 0;
  const char *v = req->query(req->conn, key, &len);
  *out = NULL;
  if (!v) return true;
  if (len == 0 || len != strlen(v) || len >= 256) {
    snprintf(err, errlen, "parameter '%s' must be 1-255 bytes without NUL", key);
    return false;
  }
  *out = v;
  return true;
}

static void json_answer(api_response *resp, int status, char *body) {
  resp->status = status;
  resp->content_type = "application/json";
  resp->body = body;
  resp->body_len = strlen(body);
}

void app_api_history(const api_context *ctx, const api_request *req, api_response *resp) {
  if (!ctx->app) {
    api_error(resp, 503, "application metrics are off (see the server log)");
    return;
  }
  history_params hp;
  const char *process, *name;
  char err[256];
  static const char *const extra[] = {"name", NULL};
  if (!params_parse_history(req->args, req->n_args, clock_wall(), extra, &hp, err, sizeof err) ||
      !text_param(req, "name", &name, err, sizeof err)) {
    api_error(resp, 400, err);
    return;
  }
  if (hp.range.n_processes > 1) {
    api_error(resp, 400, "give at most one 'process' here");
    return;
  }
  process = hp.range.n_processes ? hp.range.processes[0] : NULL;
  if (memory_covers(ctx, hp.range.from)) {
    json_answer(resp, 200, history_from_memory(ctx->app, &hp, process, name));
    api_add_header(resp, "X-Metrics-Source", "memory");
    api_add_header(resp, "X-Metrics-Resolution", "raw");
    return;
  }
  const char *resolution = "raw";
  char *body = history_from_disk(ctx->db, &hp, process, name, &resolution);
  if (!body) {
    api_error(resp, 500, "application history query failed (see server.log)");
    return;
  }
  json_answer(resp, 200, body);
  api_add_header(resp, "X-Metrics-Source", "disk");
  api_add_header(resp, "X-Metrics-Resolution", resolution);
}
