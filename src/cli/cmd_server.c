/* cmd_server.c - `hirocli start`, `stop`, `restart` and `status`: the
 * server's lifecycle as seen from the command line (the work itself is in
 * server/server.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/hiro.h"
#include "common/log.h"
#include "server/config.h"
#include "server/server.h"

#define FIRST_SNAPSHOT_WAIT_S 5.0

enum { ST_METRICS, ST_ADMIN_UI, ST_PORT, ST_ADMIN_UI_PORT, ST_FOREGROUND, ST_COUNT };

static const opt_spec start_options[ST_COUNT] = {
    [ST_METRICS] =
        {.name = "--metrics",
         .kind = OPT_FLAG,
         .help = "collect metrics for this run only (HIRO_METRICS=1; config.json unchanged)"},
    [ST_ADMIN_UI] = {.name = "--admin-ui",
                     .kind = OPT_FLAG,
                     .help = "serve the admin UI for this run only (HIRO_ADMIN_UI=1)"},
    [ST_PORT] = {.name = "--port",
                 .kind = OPT_INT,
                 .metavar = "N",
                 .help = "REST API port for this run",
                 .min = 1,
                 .max = 65535},
    [ST_ADMIN_UI_PORT] = {.name = "--admin-ui-port",
                          .kind = OPT_INT,
                          .metavar = "N",
                          .help = "admin UI port for this run",
                          .min = 1,
                          .max = 65535},
    [ST_FOREGROUND] = {.name = "--foreground",
                       .kind = OPT_FLAG,
                       .help = "stay attached and log to stderr; stop with Ctrl-C or SIGTERM"},
};

static int run_start(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv);
static int run_restart(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv);
static int run_stop(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv);
static int run_status(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv);

const cli_command cmd_start = {
    .path = "start",
    .name = "start",
    .run = run_start,
    .summary = "Start the workspace server (in the background unless --foreground).",
    .details = "In the background, start returns once the REST API answers (and, with metrics\n"
               "on, once the first snapshot exists) and prints its URL (exit 0), or prints\n"
               "why it could not start (exit 1): port taken, bad config.json, already\n"
               "running. Warnings about config.json (unknown keys, plugin commands that cannot\n"
               "run) are printed first. The log is <workspace>/server.log ('hirocli logs').\n"
               "With --foreground the log goes to stderr and the exit code is the server's\n"
               "(0 after a clean stop): the form for systemd and other supervisors.\n",
    .options = start_options,
    .n_options = ST_COUNT,
};

const cli_command cmd_restart = {
    .path = "restart",
    .name = "restart",
    .run = run_restart,
    .summary = "Stop the server if it runs, then start it (takes start's options).",
    .details = "Use it after 'hirocli setup' to apply settings that only a start reads.\n",
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
               "running, it did not stop, or this user may not tell or signal it.\n",
};

enum { SS_JSON, SS_COUNT };
static const opt_spec status_options[SS_COUNT] = {
    [SS_JSON] = {.name = "--json",
                 .kind = OPT_FLAG,
                 .help = "print one JSON object (also when not running)"},
};

const cli_command cmd_status = {
    .path = "status",
    .name = "status",
    .run = run_status,
    .summary = "Tell whether the server runs: pid, URLs, the collector and the plugins.",
    .details = "The plugin table shows each channel plugin's state and pid (restarts, uptime\n"
               "and last exit status when the server reports them); it needs metrics on.\n"
               "Exit 0 when the server is running, 1 when it is not.\n",
    .options = status_options,
    .n_options = SS_COUNT,
};

static void format_url(char *buf, size_t n, const char *host, int port) {
  bool v6 = strchr(host, ':') != NULL;
  snprintf(buf, n, "http://%s%s%s:%d", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

/* Print config.json's warnings before a background start (the server logs
 * them too, but nobody reads a log before it is needed). Env overrides are
 * applied as the server will apply them. */
static void precheck_config(const char *workspace, const server_options *opt) {
  hiro_config cfg;
  char err[1024];
  if (config_load(workspace, &cfg, err, sizeof err) != HIRO_OK) return; /* start says why */
  config_apply_env(&cfg);
  cli_print_warnings(&cfg);
  config_free(&cfg);
}

/* Start with the parsed start options. */
static int start_server(cli_ctx *ctx, const opt_value *vals) {
  const char *workspace = cli_workspace(ctx);
  if (!workspace) return CLI_EXIT_FAIL;
  server_options opt = {
      .workspace = workspace,
      .force_metrics = vals[ST_METRICS].set,
      .force_admin_ui = vals[ST_ADMIN_UI].set,
      .port = vals[ST_PORT].set ? (int)vals[ST_PORT].integer : 0,
      .admin_ui_port = vals[ST_ADMIN_UI_PORT].set ? (int)vals[ST_ADMIN_UI_PORT].integer : 0,
      .foreground = vals[ST_FOREGROUND].set,
  };
  if (opt.foreground) {
    log_set_level(HIRO_LOG_INFO);
    return server_run(&opt, -1);
  }
  if (opt.force_metrics) setenv("HIRO_METRICS", "1", 1); /* as the server will see it */
  if (opt.force_admin_ui) setenv("HIRO_ADMIN_UI", "1", 1);
  precheck_config(workspace, &opt);
  char url[512] = "", err[1024] = "";
  if (server_start_background(&opt, url, sizeof url, err, sizeof err) != HIRO_OK)
    return cli_fail("cannot start the server in %s: %s", workspace, err[0] ? err : "unknown error");
  api_target at;
  if (api_target_load(ctx, NULL, &at) != CLI_CONTINUE) return CLI_EXIT_FAIL;
  api_wait_first_snapshot(&at, FIRST_SNAPSHOT_WAIT_S);
  printf("hirocli server running at %s (pid %d)\n", url, at.pid);
  if (at.admin_ui_port) printf("admin UI at http://127.0.0.1:%d/metrics\n", at.admin_ui_port);
  api_target_free(&at);
  return CLI_EXIT_OK;
}

static int run_start(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  opt_value vals[ST_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  opts_free(vals, ST_COUNT);
  return rc != CLI_CONTINUE ? rc : start_server(ctx, vals);
}

/* Stop the server of workspace (pid known to run). */
static int stop_server(const char *workspace, int pid) {
  char err[1024] = "";
  hiro_err e = server_stop(workspace, err, sizeof err);
  if (e == HIRO_ENOENT) return cli_fail("no server running in %s", workspace);
  if (e != HIRO_OK)
    return cli_fail("cannot stop the server in %s: %s", workspace, err[0] ? err : hiro_strerror(e));
  printf("stopped hirocli server (pid %d)\n", pid);
  return CLI_EXIT_OK;
}

static int run_stop(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  int rc = cli_parse(ctx, cmd, argc, argv, NULL);
  if (rc != CLI_CONTINUE) return rc;
  pidfile_info info;
  const char *workspace = cli_existing_workspace(ctx, &info);
  if (!workspace) return CLI_EXIT_FAIL;
  if (!info.pid) return cli_fail("no server running in %s", workspace);
  return stop_server(workspace, info.pid);
}

static int run_restart(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  opt_value vals[ST_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  opts_free(vals, ST_COUNT);
  if (rc != CLI_CONTINUE) return rc;
  const char *workspace = cli_workspace(ctx);
  if (!workspace) return CLI_EXIT_FAIL;
  pidfile_info info;
  char err[PATH_MAX + 128];
  hiro_err e = server_find(workspace, &info, err, sizeof err);
  if (e != HIRO_OK && e != HIRO_ENOENT) return cli_fail("%s", err);
  if (e == HIRO_OK && info.pid && stop_server(workspace, info.pid) != CLI_EXIT_OK)
    return CLI_EXIT_FAIL;
  if (e != HIRO_OK || !info.pid) printf("no server was running in %s\n", workspace);
  return start_server(ctx, vals);
}

/* --- status --- */

/* The configured plugins by name, state unknown (metrics are off). */
static void add_configured_plugins(cli_ctx *ctx, cJSON *plugins) {
  hiro_config cfg;
  char err[512];
  if (config_load(ctx->workspace, &cfg, err, sizeof err) != HIRO_OK) return;
  for (size_t i = 0; i < cfg.n_channels; i++) {
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "name", cfg.channels[i].name);
    cJSON_AddStringToObject(p, "state", "unknown");
    cJSON_AddItemToArray(plugins, p);
  }
  config_free(&cfg);
}

/* What `status` shows, as one object (printed as is with --json). */
static cJSON *collect_status(cli_ctx *ctx, const char *workspace, const pidfile_info *info) {
  cJSON *out = cJSON_CreateObject();
  cJSON_AddStringToObject(out, "workspace", workspace);
  cJSON_AddBoolToObject(out, "running", info->pid > 0);
  if (!info->pid) return out;
  cJSON_AddNumberToObject(out, "pid", info->pid);
  api_target at;
  if (api_target_load(ctx, NULL, &at) != CLI_CONTINUE) return out;
  char url[600];
  format_url(url, sizeof url, at.host, at.port);
  cJSON_AddStringToObject(out, "url", url);
  if (at.admin_ui_port) {
    snprintf(url, sizeof url, "http://127.0.0.1:%d/metrics", at.admin_ui_port);
    cJSON_AddStringToObject(out, "admin_ui_url", url);
  } else {
    cJSON_AddNullToObject(out, "admin_ui_url");
  }
  int status = 0;
  cJSON *metrics = NULL, *snapshot = NULL;
  if (api_fetch(&at, "/metrics/status", &status, &metrics) != HIRO_OK || status != 200) {
    cJSON_Delete(metrics);
    metrics = NULL;
  }
  if (api_fetch(&at, "/metrics", &status, &snapshot) != HIRO_OK || status != 200) {
    cJSON_Delete(snapshot);
    snapshot = NULL;
  }
  cJSON *plugins = metrics_plugin_list(metrics, snapshot);
  if (!plugins->child) add_configured_plugins(ctx, plugins); /* metrics off: names only */
  cJSON_AddItemToObject(out, "plugins", plugins);
  cJSON_AddItemToObject(out, "metrics", metrics ? metrics : cJSON_CreateNull());
  cJSON_Delete(snapshot);
  api_target_free(&at);
  return out;
}

static void print_status(const cJSON *status) {
  const char *workspace = cJSON_GetObjectItemCaseSensitive(status, "workspace")->valuestring;
  if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(status, "running"))) {
    printf("not running (workspace %s)\n", workspace);
    return;
  }
  const cJSON *pid = cJSON_GetObjectItemCaseSensitive(status, "pid");
  const cJSON *url = cJSON_GetObjectItemCaseSensitive(status, "url");
  const cJSON *admin = cJSON_GetObjectItemCaseSensitive(status, "admin_ui_url");
  const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(status, "metrics");
  printf("running (pid %.0f, workspace %s)\n", pid->valuedouble, workspace);
  if (cJSON_IsString(url)) printf("REST API at %s\n", url->valuestring);
  if (cJSON_IsString(admin)) printf("admin UI at %s\n", admin->valuestring);
  if (cJSON_IsObject(metrics))
    metrics_print_status_line(metrics);
  else
    printf("metrics: status unavailable (the REST API does not answer)\n");
  metrics_print_plugins(cJSON_GetObjectItemCaseSensitive(status, "plugins"),
                        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(metrics, "enabled")));
}

static int run_status(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  opt_value vals[SS_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  opts_free(vals, SS_COUNT);
  if (rc != CLI_CONTINUE) return rc;
  pidfile_info info;
  const char *workspace = cli_existing_workspace(ctx, &info);
  if (!workspace) return CLI_EXIT_FAIL;
  cJSON *status = collect_status(ctx, workspace, &info);
  if (vals[SS_JSON].set) {
    char *text = cJSON_Print(status);
    printf("%s\n", text);
    cJSON_free(text);
  } else {
    print_status(status);
  }
  cJSON_Delete(status);
  return info.pid ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
