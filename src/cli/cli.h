/* cli.h - shared pieces of the hirocli front end: the command table, the
 * option parsing every command goes through (common/opts.h), the exit codes,
 * and the REST client calls the commands share. */
#ifndef HIRO_CLI_H
#define HIRO_CLI_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "cli/http_client.h"
#include "common/opts.h"
#include "cli/http_client.h"
#include "server/config.h"
#include "server/pidfile.h"

/* Exit codes, documented in `hirocli --help`. */
enum {
  CLI_EXIT_OK = 0,    /* success */
  CLI_EXIT_FAIL = 1,  /* the command failed (server not running, bad config, ...) */
  CLI_EXIT_USAGE = 2, /* bad command line */
  CLI_CONTINUE = -1,  /* cli_parse: options parsed, run the command */
};

typedef struct {
  const char *argv0;
  const char *workspace_flag; /* --workspace value, NULL when not given */
  char workspace[PATH_MAX];   /* resolved by cli_workspace() */
} cli_ctx;

typedef struct cli_command cli_command;
/* A command handler gets the arguments after its own name. Returns an exit code. */
typedef int (*cli_handler)(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv);

struct cli_command {
  const char *path;    /* "metrics history": how usage lines name it */
  const char *name;    /* "history": the word typed to select it */
  cli_handler run;     /* for a group: cli_dispatch's wrapper */
  const char *summary; /* one line for the parent's command list */
  const char *details; /* more help text after the options, or NULL */
  const opt_spec *options;
  size_t n_options;
  const char *args; /* usage words after the options ("[OPTIONS...]"), or NULL */
  const cli_command *const *subcommands; /* for groups: NULL-terminated */
};

/* --- args.c: parsing, help, dispatch, messages, the workspace --- */

/* Parse argv (the words after the command's name) against cmd->options into
 * vals (n_options entries, zeroed by the caller). --workspace DIR and --help
 * are accepted by every command. Returns CLI_CONTINUE when the command should
 * run; otherwise the exit code to return (0 after --help, 2 after an error,
 * which was reported on stderr with a usage line). Free vals with opts_free
 * even on error. */
int cli_parse(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv, opt_value *vals);

/* Report a usage error for cmd: "hirocli PATH: <message>" plus a usage line on
 * stderr. Returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Print the full help of cmd (or of a group) to stdout. */
void cli_print_help(const cli_command *cmd);
/* Print cmd's usage line(s) after prefix ("usage: "), wrapped at 80 columns. */
void cli_print_usage(FILE *out, const char *prefix, const cli_command *cmd);
/* Select a subcommand of group by the first word of argv and run it; leading
 * --workspace / --help are handled here. */
int cli_dispatch(cli_ctx *ctx, const cli_command *group, int argc, char **argv);

/* Print "hirocli: <message>" to stderr. Returns CLI_EXIT_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "hirocli: warning: <message>" to stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a loaded config's warnings with cli_warn. */
void cli_print_warnings(const hiro_config *cfg);

/* The resolved workspace directory (absolute), or NULL after reporting why
 * not. It may not exist yet (setup and start create it). */
const char *cli_workspace(cli_ctx *ctx);
/* The workspace for commands that need an existing one (status, stop,
 * metrics, logs), and the server recorded in it (info may be NULL). NULL
 * after reporting "no such workspace", "not a workspace" or why server.pid
 * cannot be read. */
const char *cli_existing_workspace(cli_ctx *ctx, pidfile_info *info);

/* Load the workspace's config.json into cfg (config_free it). Returns
 * CLI_CONTINUE, or CLI_EXIT_FAIL after reporting why. */
int cli_load_config(cli_ctx *ctx, hiro_config *cfg);

/* --- api.c: calls to the running server's REST API --- */

/* Where the running server's REST API is: config.json's host and token, the
 * ports the running server recorded (it may run with start --port). */
typedef struct {
  char host[256];
  int port;
  int admin_ui_port; /* 0 when the admin UI is off (or unknown) */
  char *token;       /* owned, NULL when none */
  int pid;           /* the running server's pid, 0 when none */
} api_target;

/* Fill t for the workspace (which must exist); port_override (may be NULL)
 * is a --port option. Returns CLI_CONTINUE or an exit code after reporting. */
int api_target_load(cli_ctx *ctx, const opt_value *port_override, api_target *t);
void api_target_free(api_target *t);
/* One request. On a 2xx reply returns CLI_CONTINUE with resp filled (caller
 * frees); otherwise reports the failure ("no server running", the server's
 * error message, "disabled"/"starting" for a 503) and returns the exit code. */
int api_call(cli_ctx *ctx, const api_target *t, const char *method, const char *path,
             const char *body, http_response *resp);
/* The same without reporting: HIRO_OK and *status on any reply, with the
 * body parsed as JSON into *json (NULL when not JSON; caller deletes). */
hiro_err api_fetch(const api_target *t, const char *path, int *status, cJSON **json);
/* After a start with metrics on: wait (bounded) until the first snapshot
 * exists, so that `metrics show` right after start shows one. */
void api_wait_first_snapshot(const api_target *t, double timeout_s);

/* --- the commands --- */
extern const cli_command cmd_setup, cmd_start, cmd_stop, cmd_restart, cmd_status, cmd_logs,
    cmd_metrics;
extern const cli_command metrics_top, metrics_export, metrics_history, metrics_events;

/* metrics_print.c: readable renderings of the REST API's JSON. */
void metrics_print_status_line(const cJSON *status); /* "metrics: enabled, every 2.0 s, ..." */
void metrics_print_status(const cJSON *status);
void metrics_print_snapshot(const cJSON *snap);
/* The plugins as `hirocli status` shows them: one object per plugin with
 * name, state, pid, alive from the snapshot's children, and restarts,
 * uptime_seconds, last_exit from the /metrics/status "plugins" array when the
 * server gives one. Either argument may be NULL. Caller deletes. */
cJSON *metrics_plugin_list(const cJSON *status, const cJSON *snapshot);
/* Print that list as a table (metrics_on: whether states can be known). */
void metrics_print_plugins(const cJSON *list, bool metrics_on);

#endif
