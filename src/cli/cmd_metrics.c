/* cmd_metrics.c - `hirocli metrics ...`: REST API calls to the running
 * server (status, show, history, configure) and the front of the CSV
 * exporter (export). Rendering lives in metrics_print.c. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/http_client.h"
#include "collector/collector.h"
#include "common/hiro.h"
#include "common/strbuf.h"
#include "server/config.h"
#include "server/server.h"

#define API_CONNECT_TIMEOUT_MS 2000
#define API_READ_TIMEOUT_MS 30000

/* Where the running server's REST API is: config.json's host and token, and
 * the port the running server recorded (it may run with start --port). */
typedef struct {
  char host[256];
  int port;
  char *token; /* owned, NULL when none */
} api_target;

#define JSON_OPTION {"--json", OPT_FLAG, NULL, "print the server's JSON reply as is", 0, 0, 0, NULL}
#define PORT_OPTION                                                                         \
  {"--port", OPT_INT, "N", "REST API port to use instead of http_port (for a server started " \
   "with --port)", 1, 65535, 0, NULL}

/* Load host/port/token of the workspace. Returns CLI_CONTINUE or an exit code. */
static int load_target(cli_ctx *ctx, const cli_value *port, api_target *t) {
  hiro_config cfg;
  int loaded = cli_load_config(ctx, &cfg);
  if (loaded != CLI_CONTINUE)
    return loaded;
  hiro_strlcpy(t->host, cfg.http_host, sizeof t->host);
  int running_port = server_running_port(ctx->workspace);
  t->port = port && port->set ? (int)port->integer : running_port ? running_port : cfg.http_port;
  t->token = cfg.api_token ? xstrdup(cfg.api_token) : NULL;
  config_free(&cfg);
  return CLI_CONTINUE;
}

/* Report an error reply: {"error": "..."} as "server said", 503 as disabled. */
static int report_http_error(const http_response *r) {
  if (r->status == 503)
    return cli_fail("metrics collection is disabled (enable: hirocli metrics configure --enable)");
  cJSON *body = cJSON_Parse(r->body);
  const cJSON *msg = cJSON_GetObjectItemCaseSensitive(body, "error");
  if (cJSON_IsString(msg))
    cli_fail("server said: %s%s", msg->valuestring,
             r->status == 401 ? " (set the token with: hirocli setup --token TOKEN)" : "");
  else
    cli_fail("server replied with HTTP %d", r->status);
  cJSON_Delete(body);
  return CLI_EXIT_FAIL;
}

/* One request to the server. On a 2xx reply returns CLI_CONTINUE with resp
 * filled (caller frees); otherwise reports the failure and returns the exit
 * code. */
static int api_call(cli_ctx *ctx, const api_target *at, const char *method, const char *path,
                    const char *body, http_response *resp) {
  http_target t = {at->host, at->port, at->token, API_CONNECT_TIMEOUT_MS, API_READ_TIMEOUT_MS};
  char err[512];
  hiro_err e = http_request(&t, method, path, body, resp, err, sizeof err);
  if (e != HIRO_OK) {
    int pid = server_running_pid(ctx->workspace);
    if (pid <= 0)
      return cli_fail("no server running in %s (start it with: hirocli start)", ctx->workspace);
    return cli_fail("server (pid %d) does not answer: %s", pid, err);
  }
  if (resp->status < 200 || resp->status > 299) {
    int rc = report_http_error(resp);
    http_response_free(resp);
    return rc;
  }
  return CLI_CONTINUE;
}

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

static int get_and_render(cli_ctx *ctx, const char *path, bool raw, const cli_value *port,
                          render_fn render) {
  api_target at = {0};
  int rc = load_target(ctx, port, &at);
  http_response resp;
  if (rc == CLI_CONTINUE)
    rc = api_call(ctx, &at, "GET", path, NULL, &resp);
  free(at.token);
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
static const cli_option read_options[RO_COUNT] = {[RO_JSON] = JSON_OPTION, [RO_PORT] = PORT_OPTION};

static int run_read(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  cli_value vals[RO_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  cli_values_free(vals, RO_COUNT);
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
    .details = "Fails (exit 1) when metrics collection is disabled.\n",
    .options = read_options,
    .n_options = RO_COUNT,
};

/* --- history --- */

enum { H_MINUTES, H_FROM, H_TO, H_MAX_POINTS, H_AGG, H_JSON, H_PORT, H_COUNT };
static const cli_option history_options[H_COUNT] = {
    [H_MINUTES] = {"--minutes", OPT_NUMBER, "N", "the last N minutes (default 5)", 0.001, 1e9, 0,
                   NULL},
    [H_FROM] = {"--from", OPT_NUMBER, "T", "start time, Unix seconds (instead of --minutes)", 0,
                1e12, 0, NULL},
    [H_TO] = {"--to", OPT_NUMBER, "T", "end time, Unix seconds (default now)", 0, 1e12, 0, NULL},
    [H_MAX_POINTS] = {"--max-points", OPT_INT, "N", "at most N points (server default 1800)", 1,
                      1e9, 0, NULL},
    [H_AGG] = {"--agg", OPT_CHOICE, "avg|min|max", "how rolled-up points are aggregated", 0, 0, 0,
               "avg|min|max"},
    [H_JSON] = JSON_OPTION,
    [H_PORT] = PORT_OPTION,
};

/* Append "?name=value" or "&name=value"; values were validated as numbers
 * or choices, so only '+' (as in 1e+9) needs escaping. */
static void add_param(strbuf *q, const char *name, const cli_value *v) {
  if (!v->set)
    return;
  sb_printf(q, "%c%s=", q->len ? '&' : '?', name);
  for (const char *c = v->str; *c; c++)
    sb_puts(q, *c == '+' ? "%2B" : (char[2]){*c, 0});
}

static int run_history(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  cli_value vals[H_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  cli_values_free(vals, H_COUNT);
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
static const cli_option configure_options[C_COUNT] = {
    [C_ENABLE] = {"--enable", OPT_FLAG, NULL, "start collecting", 0, 0, 1, NULL},
    [C_DISABLE] = {"--disable", OPT_FLAG, NULL, "stop collecting (history stays readable)", 0, 0,
                   1, NULL},
    [C_INTERVAL] = {"--interval", OPT_NUMBER, "SEC", "collection interval, 1 to 3600 seconds",
                    COLLECTOR_MIN_INTERVAL, COLLECTOR_MAX_INTERVAL, 0, NULL},
    [C_HISTORY] = {"--history-size", OPT_INT, "N", "in-memory history capacity, 1 to 1000000", 1,
                   COLLECTOR_MAX_HISTORY, 0, NULL},
    [C_JSON] = JSON_OPTION,
    [C_PORT] = PORT_OPTION,
};

static int run_configure(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  cli_value vals[C_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  cli_values_free(vals, C_COUNT);
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
  api_target at = {0};
  http_response resp;
  rc = load_target(ctx, &vals[C_PORT], &at);
  if (rc == CLI_CONTINUE)
    rc = api_call(ctx, &at, "POST", "/metrics/configure", text, &resp);
  free(at.token);
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

extern const cli_command metrics_export; /* cmd_export.c */

static const cli_command *const metrics_commands[] = {
    &metrics_status, &metrics_show, &metrics_history, &metrics_configure, &metrics_export, NULL,
};

static int run_metrics(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  return cli_dispatch(ctx, cmd, argc, argv);
}

const cli_command cmd_metrics = {
    .path = "metrics",
    .name = "metrics",
    .run = run_metrics,
    .summary = "Read and control the running server's metrics collector.",
    .details = "These commands talk to the REST API of the server running in the workspace\n"
               "(http_host/http_port of config.json, with api_token when set). With no server\n"
               "running they fail with exit 1. Run 'hirocli metrics COMMAND --help' for more.\n",
    .subcommands = metrics_commands,
};

/* --- for `hirocli status` --- */

void metrics_print_server_summary(cli_ctx *ctx) {
  api_target at = {0};
  if (load_target(ctx, NULL, &at) != CLI_CONTINUE)
    return;
  printf("REST API at http://%s:%d\n", at.host, at.port);
  http_target t = {at.host, at.port, at.token, API_CONNECT_TIMEOUT_MS, API_READ_TIMEOUT_MS};
  http_response resp;
  char err[512];
  if (http_request(&t, "GET", "/metrics/status", NULL, &resp, err, sizeof err) != HIRO_OK) {
    printf("metrics: status unavailable (%s)\n", err);
  } else {
    cJSON *json = resp.status == 200 ? cJSON_Parse(resp.body) : NULL;
    if (json)
      metrics_print_status_line(json);
    else
      printf("metrics: status unavailable (HTTP %d)\n", resp.status);
    cJSON_Delete(json);
    http_response_free(&resp);
  }
  free(at.token);
}
