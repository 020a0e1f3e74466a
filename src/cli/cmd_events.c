/* cmd_events.c - `hirocli metrics events`: the server's lifecycle events
 * (plugins started, exited, restarted, given up, failed to start; server
 * started, stopped, crashed; collector changes) from GET /metrics/events,
 * once or followed as they happen. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "common/strbuf.h"

#define FOLLOW_POLL_MS 1000

enum { E_MINUTES, E_FROM, E_TO, E_PROCESS, E_KIND, E_FOLLOW, E_JSON, E_PORT, E_COUNT };
static const opt_spec events_options[E_COUNT] = {
    [E_MINUTES] = {.name = "--minutes",
                   .kind = OPT_NUMBER,
                   .metavar = "N",
                   .min = 0.001,
                   .max = 1e9,
                   .help = "the last N minutes (default 5)"},
    [E_FROM] = {.name = "--from",
                .kind = OPT_NUMBER,
                .metavar = "T",
                .min = 0,
                .max = 1e12,
                .help = "start time, Unix seconds (instead of --minutes)"},
    [E_TO] = {.name = "--to",
              .kind = OPT_NUMBER,
              .metavar = "T",
              .min = 0,
              .max = 1e12,
              .help = "end time, Unix seconds (default now)"},
    [E_PROCESS] = {.name = "--process",
                   .kind = OPT_STRING,
                   .metavar = "NAME",
                   .help = "only this plugin (or server)"},
    [E_KIND] = {.name = "--kind",
                .kind = OPT_STRING,
                .metavar = "KIND",
                .help = "only this kind (plugin_exited, ...)"},
    [E_FOLLOW] = {.name = "--follow",
                  .kind = OPT_FLAG,
                  .help = "keep printing new events until interrupted"},
    [E_JSON] = {.name = "--json",
                .kind = OPT_FLAG,
                .help = "print the server's JSON reply as is (with --follow: one event object "
                        "per line)"},
    [E_PORT] = {.name = "--port",
                .kind = OPT_INT,
                .metavar = "N",
                .min = 1,
                .max = 65535,
                .help = "REST API port to use instead of the recorded one"},
};

/* Append "&name=value", percent-encoding everything but unreserved bytes
 * (the path is "/metrics/events?" plus the parameters without their first
 * '&'). */
static void add_param(strbuf *q, const char *name, const char *value) {
  sb_printf(q, "&%s=", name);
  for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
    if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
        strchr("-_.~", *c))
      sb_putc(q, (char)*c);
    else
      sb_printf(q, "%%%02X", *c);
  }
}

static void add_number(strbuf *q, const char *name, double v) {
  char text[64];
  snprintf(text, sizeof text, "%.3f", v);
  add_param(q, name, text);
}

static const char *str_or(const cJSON *obj, const char *key, const char *fallback) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) ? v->valuestring : fallback;
}

static double num(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* Which events were shown: the newest timestamp, and how many of the events
 * with exactly that timestamp (two can share a millisecond), so a follow
 * query from that time on skips just those. */
typedef struct {
  double newest;
  size_t at_newest;
  table *rows; /* NULL: print each event as a JSON line */
} shown;

/* Show the events of array that are newer than what s says was shown. */
static void show_new(const cJSON *array, shown *s) {
  size_t skip = s->at_newest;
  double from = s->newest;
  for (const cJSON *e = array->child; e; e = e->next) {
    double ts = num(e, "timestamp");
    if (ts < from || (ts == from && skip > 0 && skip--)) continue;
    if (ts > s->newest) {
      s->newest = ts;
      s->at_newest = 0;
    }
    s->at_newest++;
    if (!s->rows) {
      char *text = cJSON_PrintUnformatted(e);
      printf("%s\n", text);
      free(text);
      continue;
    }
    char when[64], pid[32];
    double p = num(e, "pid");
    table_row(s->rows);
    table_cell(s->rows, "%s", fmt_local_time(ts, when, sizeof when));
    table_cell(s->rows, "%s", str_or(e, "kind", "?"));
    table_cell(s->rows, "%s", str_or(e, "process", ""));
    snprintf(pid, sizeof pid, isnan(p) ? "-" : "%.0f", p);
    table_cell(s->rows, "%s", pid);
    table_cell(s->rows, "%s", str_or(e, "detail", ""));
  }
}

static const char *const headers[] = {"TIME", "KIND", "PROCESS", ">PID", "DETAIL"};

/* GET /metrics/events with params (each "&k=v"); *out is the array. */
static int fetch(cli_ctx *ctx, const api_target *at, const strbuf *params, cJSON **out,
                 char **raw) {
  strbuf path;
  sb_init(&path, 128 + params->len);
  sb_puts(&path, "/metrics/events");
  if (params->len) {
    sb_putc(&path, '?');
    sb_puts(&path, params->data + 1);
  }
  http_response resp;
  int rc = api_call(ctx, at, "GET", path.data, NULL, &resp);
  sb_free(&path);
  if (rc != CLI_CONTINUE) return rc;
  *out = cJSON_Parse(resp.body);
  if (raw) *raw = xstrdup(resp.body);
  http_response_free(&resp);
  if (!cJSON_IsArray(*out)) {
    cJSON_Delete(*out);
    *out = NULL;
    return cli_fail("the server's reply is not a JSON array");
  }
  return CLI_CONTINUE;
}

static int run_events(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  opt_value vals[E_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  opts_free(vals, E_COUNT);
  if (rc != CLI_CONTINUE) return rc;
  if ((vals[E_FROM].set || vals[E_TO].set) && vals[E_MINUTES].set)
    return cli_usage_error(cmd, "--minutes cannot be combined with --from/--to");
  if (vals[E_FOLLOW].set && vals[E_TO].set)
    return cli_usage_error(cmd, "--follow cannot be combined with --to");
  bool follow = vals[E_FOLLOW].set, json = vals[E_JSON].set;
  strbuf filter, params;
  sb_init(&filter, 128);
  sb_init(&params, 256);
  if (vals[E_PROCESS].set) add_param(&filter, "process", vals[E_PROCESS].str);
  if (vals[E_KIND].set) add_param(&filter, "kind", vals[E_KIND].str);
  if (vals[E_MINUTES].set) add_number(&params, "minutes", vals[E_MINUTES].number);
  if (vals[E_FROM].set) add_number(&params, "from", vals[E_FROM].number);
  if (vals[E_TO].set) add_number(&params, "to", vals[E_TO].number);
  sb_append(&params, filter.data, filter.len);

  shown s = {.newest = -1, .rows = json ? NULL : table_new(5, headers)};
  api_target at;
  cJSON *events = NULL;
  char *raw = NULL;
  rc = api_target_load(ctx, &vals[E_PORT], &at);
  if (rc == CLI_CONTINUE) rc = fetch(ctx, &at, &params, &events, json && !follow ? &raw : NULL);
  if (rc == CLI_CONTINUE) {
    if (raw)
      printf("%s\n", raw); /* --json: the server's array as is */
    else
      show_new(events, &s);
    if (s.rows) {
      table_print(s.rows, stdout);
      if (!events->child) printf("(no events)\n");
    }
    fflush(stdout);
  }
  free(raw);
  cJSON_Delete(events);
  /* --follow: ask every second for what came since the newest shown (a time
   * range like any other, so the server's rules apply unchanged). */
  while (rc == CLI_CONTINUE && follow) {
    struct timespec ts = {FOLLOW_POLL_MS / 1000, (FOLLOW_POLL_MS % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    strbuf next;
    sb_init(&next, 256);
    add_number(&next, "from", s.newest > 0 ? s.newest : 0);
    sb_append(&next, filter.data, filter.len);
    cJSON *more = NULL;
    rc = fetch(ctx, &at, &next, &more, NULL);
    if (rc == CLI_CONTINUE) {
      table_free(s.rows);
      s.rows = json ? NULL : table_new(5, NULL);
      show_new(more, &s);
      if (s.rows) table_print(s.rows, stdout);
      fflush(stdout);
    }
    cJSON_Delete(more);
    sb_free(&next);
  }
  table_free(s.rows);
  api_target_free(&at); /* zeroed by api_target_load even when it fails */
  sb_free(&filter);
  sb_free(&params);
  return rc == CLI_CONTINUE ? CLI_EXIT_OK : rc;
}

const cli_command metrics_events = {
    .path = "metrics events",
    .name = "events",
    .run = run_events,
    .summary = "Show lifecycle events: plugin starts, exits, restarts; server and collector.",
    .details = "Kinds: plugin_started, plugin_exited, restart_scheduled, plugin_not_restarted,\n"
               "plugin_start_failed, survivors_killed, server_started, server_stopped,\n"
               "server_crash_detected, collector_enabled, collector_disabled,\n"
               "collector_interval_changed, storage_error, storage_recovered.\n"
               "--follow prints new events as they happen (stop it with Ctrl-C).\n",
    .options = events_options,
    .n_options = E_COUNT,
};
