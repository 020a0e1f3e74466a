/* cmd_metrics.c - `hirocli metrics ...`: REST API calls to the running
 * server (status, show, configure) and the group itself; top is cmd_top.c,
 * history cmd_history.c, export cmd_export.c, rendering metrics_print.c. */
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

#define JSON_OPTION                                                                                \
  { .name = "--json", .kind = OPT_FLAG, .help = "print the server's JSON reply as is" }
#define PORT_OPTION                                                                                \
  {                                                                                                \
    .name = "--port", .kind = OPT_INT, .metavar = "N", .min = 1, .max = 65535,                     \
    .help = "REST API port to use instead of the recorded one (a server of\n"                      \
            "another workspace, or behind a forwarded port)"                                       \
  }

/* Parse a JSON reply or report that it is not JSON. */
static cJSON *parse_reply(const http_response *r) {
  cJSON *json = cJSON_Parse(r->body);
  if (!json) cli_fail("the server's reply is not valid JSON");
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
  if (rc == CLI_CONTINUE && strcmp(path, "/metrics") == 0) api_wait_first_snapshot(&at, 3.0);
  if (rc == CLI_CONTINUE) rc = api_call(ctx, &at, "GET", path, NULL, &resp);
  api_target_free(&at);
  if (rc != CLI_CONTINUE) return rc;
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

static void render_status(const cJSON *json, const http_response *r) { metrics_print_status(json); }

static void render_snapshot(const cJSON *json, const http_response *r) {
  metrics_print_snapshot(json);
}

/* --- status and show --- */

enum { RO_JSON, RO_PORT, RO_COUNT };
static const opt_spec read_options[RO_COUNT] = {[RO_JSON] = JSON_OPTION, [RO_PORT] = PORT_OPTION};

static int run_read(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  opt_value vals[RO_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  opts_free(vals, RO_COUNT);
  if (rc != CLI_CONTINUE) return rc;
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

/* --- configure --- */

enum { C_ENABLE, C_DISABLE, C_INTERVAL, C_HISTORY, C_JSON, C_PORT, C_COUNT };
static const opt_spec configure_options[C_COUNT] = {
    [C_ENABLE] = {.name = "--enable", .kind = OPT_FLAG, .help = "start collecting", .group = 1},
    [C_DISABLE] = {.name = "--disable",
                   .kind = OPT_FLAG,
                   .help = "stop collecting (history stays readable)",
                   .group = 1},
    [C_INTERVAL] = {.name = "--interval",
                    .kind = OPT_NUMBER,
                    .metavar = "SEC",
                    .help = "collection interval in seconds",
                    .min = COLLECTOR_MIN_INTERVAL,
                    .max = COLLECTOR_MAX_INTERVAL},
    [C_HISTORY] = {.name = "--history-size",
                   .kind = OPT_INT,
                   .metavar = "N",
                   .help = "in-memory history capacity in snapshots",
                   .min = 1,
                   .max = COLLECTOR_MAX_HISTORY},
    [C_JSON] = JSON_OPTION,
    [C_PORT] = PORT_OPTION,
};

static int run_configure(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  opt_value vals[C_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  opts_free(vals, C_COUNT);
  if (rc != CLI_CONTINUE) return rc;
  cJSON *body = cJSON_CreateObject();
  if (vals[C_ENABLE].set || vals[C_DISABLE].set)
    cJSON_AddBoolToObject(body, "enabled", vals[C_ENABLE].set);
  if (vals[C_INTERVAL].set) cJSON_AddNumberToObject(body, "interval", vals[C_INTERVAL].number);
  if (vals[C_HISTORY].set) cJSON_AddNumberToObject(body, "history_size", vals[C_HISTORY].number);
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
  if (rc == CLI_CONTINUE) rc = api_call(ctx, &at, "POST", "/metrics/configure", text, &resp);
  api_target_free(&at);
  free(text);
  if (rc != CLI_CONTINUE) return rc;
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
    &metrics_status, &metrics_show,      &metrics_top,    &metrics_history,
    &metrics_events, &metrics_configure, &metrics_export, NULL,
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
