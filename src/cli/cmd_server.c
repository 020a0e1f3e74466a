/* cmd_server.c - `hirocli start`, `stop` and `status`: the server's lifecycle
 * as seen from the command line (the work itself is in server/server.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/hiro.h"
#include "server/config.h"
#include "server/server.h"

enum { ST_METRICS, ST_ADMIN_UI, ST_PORT, ST_FOREGROUND, ST_COUNT };

static const cli_option start_options[ST_COUNT] = {
    [ST_METRICS] = {"--metrics", OPT_FLAG, NULL,
                    "collect metrics for this run only (HIRO_METRICS=1; config.json unchanged)",
                    0, 0, 0, NULL},
    [ST_ADMIN_UI] = {"--admin-ui", OPT_FLAG, NULL,
                     "serve the admin UI for this run only (HIRO_ADMIN_UI=1)", 0, 0, 0, NULL},
    [ST_PORT] = {"--port", OPT_INT, "N", "REST API port for this run, 1 to 65535", 1, 65535, 0,
                 NULL},
    [ST_FOREGROUND] = {"--foreground", OPT_FLAG, NULL,
                       "stay attached and log to stderr; stop with Ctrl-C or SIGTERM", 0, 0, 0,
                       NULL},
};

static int run_start(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv);
static int run_stop(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv);
static int run_status(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv);

const cli_command cmd_start = {
    .path = "start",
    .name = "start",
    .run = run_start,
    .summary = "Start the workspace server (in the background unless --foreground).",
    .details = "In the background, start returns once the REST API answers and prints its\n"
               "URL (exit 0), or prints why it could not start (exit 1): port taken, bad\n"
               "config.json, already running. The log is <workspace>/server.log.\n"
               "With --foreground the exit code is the server's (0 after a clean stop).\n",
    .options = start_options,
    .n_options = ST_COUNT,
};

const cli_command cmd_stop = {
    .path = "stop",
    .name = "stop",
    .run = run_stop,
    .summary = "Stop the workspace server and its channel plugins.",
    .details = "Sends SIGTERM and waits until the server has exited (it stops its plugins and\n"
               "flushes the database first). Exit 0 when it stopped, 1 when no server was\n"
               "running or it did not stop.\n",
};

const cli_command cmd_status = {
    .path = "status",
    .name = "status",
    .run = run_status,
    .summary = "Tell whether the server runs (pid, URL) and what the collector does.",
    .details = "Exit 0 when the server is running, 1 when it is not.\n",
};

/* The admin UI line after a background start, if the UI is on for this run. */
static void print_admin_ui(const char *workspace, bool forced) {
  hiro_config cfg;
  char err[512];
  if (config_load(workspace, &cfg, err, sizeof err) != HIRO_OK)
    return;
  config_apply_env(&cfg);
  if (forced || cfg.admin_ui_enabled)
    printf("admin UI at http://127.0.0.1:%d/metrics\n", cfg.admin_ui_port);
  config_free(&cfg);
}

static int run_start(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  cli_value vals[ST_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  cli_values_free(vals, ST_COUNT);
  if (rc != CLI_CONTINUE)
    return rc;
  const char *workspace = cli_workspace(ctx);
  if (!workspace)
    return CLI_EXIT_FAIL;
  server_options opt = {
      .workspace = workspace,
      .force_metrics = vals[ST_METRICS].set,
      .force_admin_ui = vals[ST_ADMIN_UI].set,
      .port = vals[ST_PORT].set ? (int)vals[ST_PORT].integer : 0,
      .foreground = vals[ST_FOREGROUND].set,
  };
  if (opt.foreground)
    return server_run(&opt, -1);
  char url[512] = "", err[1024] = "";
  if (server_start_background(&opt, url, sizeof url, err, sizeof err) != HIRO_OK)
    return cli_fail("cannot start the server in %s: %s", workspace, err[0] ? err : "unknown error");
  printf("hirocli server running at %s (pid %d)\n", url, server_running_pid(workspace));
  print_admin_ui(workspace, opt.force_admin_ui);
  return CLI_EXIT_OK;
}

static int run_stop(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  int rc = cli_parse(ctx, cmd, argc, argv, NULL);
  if (rc != CLI_CONTINUE)
    return rc;
  const char *workspace = cli_workspace(ctx);
  if (!workspace)
    return CLI_EXIT_FAIL;
  int pid = server_running_pid(workspace);
  char err[1024] = "";
  hiro_err e = server_stop(workspace, err, sizeof err);
  if (e == HIRO_ENOENT)
    return cli_fail("no server running in %s", workspace);
  if (e != HIRO_OK)
    return cli_fail("cannot stop the server in %s: %s", workspace, err[0] ? err : hiro_strerror(e));
  printf("stopped hirocli server (pid %d)\n", pid);
  return CLI_EXIT_OK;
}

static int run_status(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  int rc = cli_parse(ctx, cmd, argc, argv, NULL);
  if (rc != CLI_CONTINUE)
    return rc;
  const char *workspace = cli_workspace(ctx);
  if (!workspace)
    return CLI_EXIT_FAIL;
  int pid = server_running_pid(workspace);
  if (pid <= 0) {
    printf("not running (workspace %s)\n", workspace);
    return CLI_EXIT_FAIL;
  }
  printf("running (pid %d, workspace %s)\n", pid, workspace);
  metrics_print_server_summary(ctx);
  return CLI_EXIT_OK;
}
