/* cli.h - shared pieces of the hirocli front end: the command table, the one
 * option parser every command uses, and the exit codes. */
#ifndef HIRO_CLI_H
#define HIRO_CLI_H
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "server/config.h"

/* Exit codes, documented in `hirocli --help`. */
enum {
  CLI_EXIT_OK = 0,      /* success */
  CLI_EXIT_FAIL = 1,    /* the command failed (server not running, bad config, ...) */
  CLI_EXIT_USAGE = 2,   /* bad command line */
  CLI_CONTINUE = -1,    /* cli_parse: options parsed, run the command */
};

typedef enum {
  OPT_FLAG,   /* --name, no value */
  OPT_STRING, /* --name VALUE */
  OPT_INT,    /* --name N, integer within [min, max] */
  OPT_NUMBER, /* --name X, finite number within [min, max] */
  OPT_CHOICE, /* --name WORD, one of `choices` ("avg|min|max") */
  OPT_LIST,   /* --name VALUE, repeatable; every value is kept in order */
} cli_opt_kind;

typedef struct {
  const char *name;    /* long form, "--port" */
  cli_opt_kind kind;
  const char *metavar; /* "N", "SEC" (NULL for flags) */
  const char *help;
  double min, max;     /* OPT_INT / OPT_NUMBER bounds, inclusive */
  int group;           /* non-zero: at most one option of this group per command */
  const char *choices; /* OPT_CHOICE */
} cli_option;

typedef struct {
  bool set;
  const char *str;     /* the value as given (points into argv) */
  long long integer;   /* OPT_INT */
  double number;       /* OPT_INT and OPT_NUMBER */
  const char **list;   /* OPT_LIST values (points into argv; array owned here) */
  size_t n_list;
} cli_value;

typedef struct {
  const char *argv0;
  const char *workspace_flag; /* --workspace value, NULL when not given */
  char workspace[PATH_MAX];   /* resolved by cli_workspace() */
} cli_ctx;

typedef struct cli_command cli_command;
/* A command handler gets the arguments after its own name. Returns an exit code. */
typedef int (*cli_handler)(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv);

struct cli_command {
  const char *path;        /* "metrics history": how usage lines name it */
  const char *name;        /* "history": the word typed to select it */
  cli_handler run;         /* NULL for a pure group (cli_dispatch) */
  const char *summary;     /* one line for the parent's command list */
  const char *details;     /* more help text after the options, or NULL */
  const cli_option *options;
  size_t n_options;
  const cli_command *const *subcommands; /* for groups: NULL-terminated */
};

/* --- args.c: the option parser and help printer --- */

/* Parse argv (the words after the command's name) against cmd->options into
 * vals (n_options entries, zeroed by the caller). --workspace DIR and --help
 * are accepted by every command. Returns CLI_CONTINUE when the command should
 * run; otherwise the exit code to return (0 after --help, 2 after an error,
 * which was reported on stderr with a usage line). Free vals with
 * cli_values_free even on error. */
int cli_parse(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv, cli_value *vals);
/* Frees only the OPT_LIST arrays; every other field stays readable after. */
void cli_values_free(cli_value *vals, size_t n);

/* Report a usage error for cmd: "hirocli PATH: <message>" plus a usage line on
 * stderr. Returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Print the full help of cmd (or of a group) to stdout. */
void cli_print_help(const cli_command *cmd);
/* Select a subcommand of group by the first word of argv and run it; leading
 * --workspace / --help are handled here. */
int cli_dispatch(cli_ctx *ctx, const cli_command *group, int argc, char **argv);

/* Print "hirocli: <message>" to stderr. Returns CLI_EXIT_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The resolved workspace directory, or NULL after reporting why not. */
const char *cli_workspace(cli_ctx *ctx);

/* Load the workspace's config.json into cfg (config_free it). Returns
 * CLI_CONTINUE, or CLI_EXIT_FAIL after reporting why. */
int cli_load_config(cli_ctx *ctx, hiro_config *cfg);

/* --- the commands --- */
extern const cli_command cmd_setup, cmd_start, cmd_stop, cmd_status, cmd_metrics;

/* cmd_metrics.c, for `hirocli status`: the REST API URL and one line about
 * the running server's collector. Problems are printed, never fatal. */
void metrics_print_server_summary(cli_ctx *ctx);

/* metrics_print.c: readable renderings of the REST API's JSON. */
void metrics_print_status_line(const cJSON *status); /* "metrics: enabled, every 2.0 s, ..." */
void metrics_print_status(const cJSON *status);
void metrics_print_snapshot(const cJSON *snap);
void metrics_print_history(const cJSON *array, const char *source, const char *resolution);

#endif
