/* cmd_export.c - `hirocli metrics export ...`: runs the code of
 * hiro-metrics-export (src/export/, in-process) with --db <workspace database>
 * put before the user's arguments, which are passed on untouched. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/hiro.h"
#include "export/export.h"
#include "server/config.h"

#define EXPORTER "hiro-metrics-export"

static int run_export(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv);

const cli_command metrics_export = {
    .path = "metrics export",
    .name = "export",
    .run = run_export,
    .args = "[EXPORTER OPTIONS...]",
    .summary = "Export the history as CSV (runs " EXPORTER " on the workspace database).",
    .details = "All other arguments are passed to " EXPORTER ", after --db <metrics database\n"
               "of the workspace> (unless you give --db yourself), for example:\n"
               "  hirocli metrics export --last 24h --resolution 1m -o day.csv\n"
               "The exporter's own options follow.\n",
};

/* Take --workspace DIR / --workspace=DIR (hirocli's own option) out of argv,
 * in place, into ctx. Returns the new argc. */
static int take_workspace(cli_ctx *ctx, int argc, char **argv) {
  int n = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--workspace") == 0 && i + 1 < argc)
      ctx->workspace_flag = argv[++i];
    else if (strncmp(argv[i], "--workspace=", 12) == 0)
      ctx->workspace_flag = argv[i] + 12;
    else
      argv[n++] = argv[i];
  }
  return n;
}

/* exporter, --db PATH (unless the user gave --db), then argv. NULL-terminated;
 * free the array (not the strings). */
static char **exporter_argv(const char *exporter, const char *db, int argc, char **argv) {
  char **out = xcalloc((size_t)argc + 4, sizeof *out);
  size_t n = 0;
  bool user_db = false;
  for (int i = 0; i < argc; i++)
    user_db |= strcmp(argv[i], "--db") == 0 || strncmp(argv[i], "--db=", 5) == 0;
  out[n++] = (char *)exporter;
  if (!user_db) {
    out[n++] = "--db";
    out[n++] = (char *)db;
  }
  for (int i = 0; i < argc; i++) out[n++] = argv[i];
  return out;
}

static bool wants_help(int argc, char **argv) {
  for (int i = 0; i < argc; i++)
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return true;
  return false;
}

static int run_export(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  if (wants_help(argc, argv)) {
    cli_print_help(cmd);
    fflush(stdout);
    char *help_argv[] = {EXPORTER, "--help", NULL};
    return export_main(2, help_argv);
  }
  argc = take_workspace(ctx, argc, argv); /* the workspace decides the database */
  if (!cli_existing_workspace(ctx, NULL)) return CLI_EXIT_FAIL;
  hiro_config cfg;
  int loaded = cli_load_config(ctx, &cfg);
  if (loaded != CLI_CONTINUE) return loaded;
  char **args = exporter_argv(EXPORTER, cfg.metrics_db_path, argc, argv);
  int n = 0;
  while (args[n]) n++;
  fflush(NULL);
  int rc = export_main(n, args); /* exit codes 0/1/2 match CLI_EXIT_* */
  free(args);
  config_free(&cfg);
  return rc;
}
