/* main.c - hirocli entry point: the command table and global options. */
#include <stdio.h>

#include "cli/cli.h"
#include "common/log.h"

static const opt_spec root_options[] = {
    {.name = "--version", .kind = OPT_FLAG, .help = "print the version and exit"},
};

static const cli_command *const root_commands[] = {
    &cmd_setup, &cmd_start, &cmd_stop, &cmd_restart, &cmd_status, &cmd_logs, &cmd_metrics, NULL,
};

static const cli_command root = {
    .path = "",
    .name = "hirocli",
    .summary = "hirocli - a workspace server that records process-scoped metrics.\n"
               "Global options may come before or after the command.\n"
               "Run 'hirocli COMMAND --help' for the options of a command.",
    .details = "Exit codes:\n"
               "  0  success\n"
               "  1  the command failed: no server running (metrics, stop, status), no such\n"
               "     workspace, bad or unreadable config.json, server start failure, an error\n"
               "     from the server\n"
               "  2  bad command line: unknown command or option, missing or malformed value,\n"
               "     value out of range, conflicting options\n"
               "\n"
               "Environment:\n"
               "  HIRO_WORKSPACE   workspace directory when --workspace is not given\n"
               "  HIRO_METRICS     1/true/yes/on or 0/false/no/off: overrides metrics_enabled\n"
               "                   for one server run\n"
               "  HIRO_ADMIN_UI    the same for admin_ui_enabled\n",
    .options = root_options,
    .n_options = sizeof root_options / sizeof root_options[0],
    .subcommands = root_commands,
};

int main(int argc, char **argv) {
  cli_ctx ctx = {.argv0 = argv[0]};
  /* Output order matters when stdout and stderr share a pipe. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  /* Library warnings (config.json's, say) reach the user through the
   * commands' own messages; a server started from here logs at info again. */
  log_set_level(HIRO_LOG_ERROR);
  return cli_dispatch(&ctx, &root, argc - 1, argv + 1);
}
