/* cmd_metrics.c - `hirocli metrics ...`: REST API calls to the running
 * server (status, show, history, configure) and the group itself; top is
 * cmd_top.c, export cmd_export.c, rendering metrics_print.c. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/http_client.h"
#include "collector/collector.h"
#include "common/hiro.h"
#include "common/strbuf.h"
#include "http/params.h"
#include "server/config.h"
#include "server/server.h"

/* Bounds of the history range options: far beyond any stored data, but
 * printable as plain numbers (ten years of minutes; the year 2286). */
#define HISTORY_MAX_MINUTES 5256000.0
#define HISTORY_MAX_TIME 1e10

#define JSON_OPTION {"--json", OPT_FLAG, NULL, "print the server's JSON reply as is", 0, 0, 0, NULL}
#define PORT_OPTION                                                                           \
  {"--port", OPT_INT, "N", "REST API port to use instead of the recorded one (a server of\n"  \
   "another workspace, or behind a forwarded port)", 1, 65535, 0, NULL}

/* Parse a JSON reply or report that it is not JSON. */
static cJSON *parse_reply(const http_response *r) {
  cJSON *json = cJSON_Parse(r->body);
  if (!json)
    cli_fail("the server's reply is not valid JSON");
  return json;
}

/* Shared body of the read-only subcommands: parse options, GET path, print
 * the reply raw (--json) or through render. */
typedef void (*render_fn)(const cJSON *json, const http_response *r);

static int get_and_render(cli_ctx *ctx, const char *path, bool raw, const opt_value *port,
                          render_fn render) {
  api_target at;
  int rc = api_target_load(ctx, port, &at);
  http_response resp;
  /* Right after the collector was enabled the first snapshot is a moment
   * away: wait for it rather than fail. */
  if (rc == CLI_CONTINUE && strcmp(path, "/metrics") == 0)
    api_wait_first_snapshot(&at, 3.0);
  if (rc == CLI_CONTINUE)
    rc = api_call(ctx, &at, "GET", path, NULL, &resp);
  api_target_free(&at);
  if (rc != CLI_CONTINUE)
    return rc;
  cJSON *json = raw ? NULL : parse_reply(&resp);
  if (raw)
    printf("%s%s", resp.body, resp.body_len && resp.body[resp.body_len - 1] == '\n' ? "" : "\n");
  else if (json)
    render(json, &resp);
  rc = raw || json ? CLI_EXIT_OK : CLI_EXIT_FAIL;
  cJSON_Delete(json);
  http_response_free(&resp);
  return rc;
}

static void render_status(const cJSON *json, const http_response *r) {
  metrics_print_status(json);
}

static void render_snapshot(const cJSON *json, const http_response *r) {
  metrics_print_snapshot(json);
}

static void render_history(const cJSON *json, const http_response *r) {
  char source[32], resolution[32];
  metrics_print_history(json, http_header(r, "X-Metrics-Source", source, sizeof source),
                        http_header(r, "X-Metrics-Resolution", resolution, sizeof resolution));
}

/* --- status and show --- */

enum { RO_JSON, RO_PORT, RO_COUNT };
static const opt_spec read_options[RO_COUNT] = {[RO_JSON] = JSON_OPTION, [RO_PORT] = PORT_OPTION};

static int run_read(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  opt_value vals[RO_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  opts_free(vals, RO_COUNT);
  if (rc != CLI_CONTINUE)
    return rc;
  bool show = strcmp(cmd->name, "show") == 0;
  return get_and_render(ctx, show ? "/metrics" : "/metrics/status", vals[RO_JSON].set,
                        &vals[RO_PORT], show ? render_snapshot : render_status);
}

static const cli_command metrics_status = {
    .path = "metrics status",
    .name = "status",
    .run = run_read,
    .summary = "Show the collector's settings and state, and the database's.",
    .options = read_options,
    .n_options = RO_COUNT,
};

static const cli_command metrics_show = {
    .path = "metrics show",
    .name = "show",
    .run = run_read,
    .summary = "Show the latest snapshot: server, plugins, system, disk, network.",
    .details = "Fails (exit 1) when metrics collection is disabled. Right after it was\n"
               "enabled, waits up to 3 s for the first snapshot. For a live view that\n"
               "redraws at every snapshot: hirocli metrics top.\n",
    .options = read_options,
    .n_options = RO_COUNT,
};

/* --- history --- */

enum { H_MINUTES, H_FROM, H_TO, H_MAX_POINTS, H_AGG, H_JSON, H_PORT, H_COUNT };
static const opt_spec history_options[H_COUNT] = {
    [H_MINUTES] = {"--minutes", OPT_NUMBER, "N", "the last N minutes (default 5)", 0.001,
                   HISTORY_MAX_MINUTES, 0, NULL},
    [H_FROM] = {"--from", OPT_NUMBER, "T", "start time, Unix seconds (instead of --minutes)", 0,
                HISTORY_MAX_TIME, 0, NULL},
    [H_TO] = {"--to", OPT_NUMBER, "T", "end time, Unix seconds (default now)", 0,
              HISTORY_MAX_TIME, 0, NULL},
    [H_MAX_POINTS] = {"--max-points", OPT_INT, "N", "at most N points (default 1800)", 1,
                      HISTORY_MAX_POINTS_LIMIT, 0, NULL},
    [H_AGG] = {"--agg", OPT_CHOICE, "avg|min|max", "how rolled-up points are aggregated", 0, 0, 0,
               "avg|min|max"},
    [H_JSON] = JSON_OPTION,
    [H_PORT] = PORT_OPTION,
};

/* Append "?name=value" or "&name=value"; values were validated as numbers
 * or choices, so only '+' (as in 1e+9) needs escaping. */
static void add_param(strbuf *q, const char *name, const opt_value *v) {
  if (!v->set)
    return;
  sb_printf(q, "%c%s=", q->len ? '&' : '?', name);
  for (const char *c = v->str; *c; c++)
    sb_puts(q, *c == '+' ? "%2B" : (char[2]){*c, 0});
}

static int run_history(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  opt_value vals[H_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  opts_free(vals, H_COUNT);
  if (rc != CLI_CONTINUE)
    return rc;
  if ((vals[H_FROM].set || vals[H_TO].set) && vals[H_MINUTES].set)
    return cli_usage_error(cmd, "--minutes cannot be combined with --from/--to");
  if (vals[H_FROM].set && vals[H_TO].set && vals[H_FROM].number > vals[H_TO].number)
    return cli_usage_error(cmd, "--from must not be after --to");
  strbuf query;
  sb_init(&query, 128);
  add_param(&query, "minutes", &vals[H_MINUTES]);
  add_param(&query, "from", &vals[H_FROM]);
  add_param(&query, "to", &vals[H_TO]);
  add_param(&query, "max_points", &vals[H_MAX_POINTS]);
  add_param(&query, "agg", &vals[H_AGG]);
  char path[256];
  snprintf(path, sizeof path, "/metrics/history%s", query.data);
  sb_free(&query);
  return get_and_render(ctx, path, vals[H_JSON].set, &vals[H_PORT], render_history);
}

static const cli_command metrics_history = {
    .path = "metrics history",
    .name = "history",
    .run = run_history,
    .summary = "Show one line per snapshot of a time range (default: the last 5 minutes).",
    .details = "Times are printed in local time. Long ranges come from the database, rolled\n"
               "up to 1-minute or 1-hour points so that at most --max-points are returned.\n",
    .options = history_options,
    .n_options = H_COUNT,
};

/* --- configure --- */

enum { C_ENABLE, C_DISABLE, C_INTERVAL, C_HISTORY, C_JSON, C_PORT, C_COUNT };
static const opt_spec configure_options[C_COUNT] = {
    [C_ENABLE] = {"--enable", OPT_FLAG, NULL, "start collecting", 0, 0, 1, NULL},
    [C_DISABLE] = {"--disable", OPT_FLAG, NULL, "stop collecting (history stays readable)", 0, 0,
                   1, NULL},
    [C_INTERVAL] = {"--interval", OPT_NUMBER, "SEC", "collection interval in seconds",
                    COLLECTOR_MIN_INTERVAL, COLLECTOR_MAX_INTERVAL, 0, NULL},
    [C_HISTORY] = {"--history-size", OPT_INT, "N", "in-memory history capacity in snapshots", 1,
                   COLLECTOR_MAX_HISTORY, 0, NULL},
    [C_JSON] = JSON_OPTION,
    [C_PORT] = PORT_OPTION,
};

static int run_configure(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  opt_value vals[C_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  opts_free(vals, C_COUNT);
  if (rc != CLI_CONTINUE)
    return rc;
  cJSON *body = cJSON_CreateObject();
  if (vals[C_ENABLE].set || vals[C_DISABLE].set)
    cJSON_AddBoolToObject(body, "enabled", vals[C_ENABLE].set);
  if (vals[C_INTERVAL].set)
    cJSON_AddNumberToObject(body, "interval", vals[C_INTERVAL].number);
  if (vals[C_HISTORY].set)
    cJSON_AddNumberToObject(body, "history_size", vals[C_HISTORY].number);
  if (!body->child) {
    cJSON_Delete(body);
    return cli_usage_error(cmd, "nothing to change: give --enable, --disable, --interval or "
                                "--history-size");
  }
  char *text = cJSON_PrintUnformatted(body);
  cJSON_Delete(body);
  api_target at;
  http_response resp;
  rc = api_target_load(ctx, &vals[C_PORT], &at);
  if (rc == CLI_CONTINUE)
    rc = api_call(ctx, &at, "POST", "/metrics/configure", text, &resp);
  api_target_free(&at);
  free(text);
  if (rc != CLI_CONTINUE)
    return rc;
  cJSON *json = vals[C_JSON].set ? NULL : parse_reply(&resp);
  if (vals[C_JSON].set)
    printf("%s\n", resp.body);
  else if (json)
    metrics_print_status(json);
  rc = vals[C_JSON].set || json ? CLI_EXIT_OK : CLI_EXIT_FAIL;
  cJSON_Delete(json);
  http_response_free(&resp);
  return rc;
}

static const cli_command metrics_configure = {
    .path = "metrics configure",
    .name = "configure",
    .run = run_configure,
    .summary = "Change the running collector at once (config.json is not changed).",
    .details = "Prints the new status. For persistent defaults use 'hirocli setup'.\n",
    .options = configure_options,
    .n_options = C_COUNT,
};

/* --- the group --- */

static const cli_command *const metrics_commands[] = {
    &metrics_status, &metrics_show, &metrics_top, &metrics_history, &metrics_configure,
    &metrics_export, NULL,
};

static int run_metrics(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  return cli_dispatch(ctx, cmd, argc, argv);
}

const cli_command cmd_metrics = {
    .path = "metrics",
    .name = "metrics",
    .run = run_metrics,
    .summary = "Read and control the running server's metrics collector.",
    .details = "status, show, top, history and configure talk to the REST API of the server\n"
               "running in the workspace (http_host of config.json, the port the server\n"
               "recorded, api_token when set); with no server running they fail with exit 1.\n"
               "export reads the workspace's database directly and needs no server.\n"
               "Run 'hirocli metrics COMMAND --help' for more.\n",
    .subcommands = metrics_commands,
};
