/* args.c - hirocli's side of the option parser (common/opts.c): --workspace
 * and --help on every command, usage errors, the help printer, the command
 * dispatcher, messages, and finding the workspace. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_info.h"
#include "cli/cli.h"
#include "common/hiro.h"
#include "server/server.h"

static const opt_spec workspace_option = {
    .name = "--workspace",
    .kind = OPT_STRING,
    .metavar = "DIR",
    .help = "workspace directory (default: $HIRO_WORKSPACE, else ~/.hiro)"};
static const opt_spec help_option = {
    .name = "--help", .kind = OPT_FLAG, .help = "show this help and exit", .short_name = "-h"};

static void vmessage(const char *prefix, const char *fmt, va_list ap) {
  fputs(prefix, stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

int cli_fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmessage("hirocli: ", fmt, ap);
  va_end(ap);
  return CLI_EXIT_FAIL;
}

void cli_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vmessage("hirocli: warning: ", fmt, ap);
  va_end(ap);
}

void cli_print_warnings(const hiro_config *cfg) {
  for (size_t i = 0; i < cfg->n_warnings; i++) cli_warn("%s", cfg->warnings[i]);
}

void cli_print_usage(FILE *out, const char *prefix, const cli_command *cmd) {
  const char *sep = *cmd->path ? " " : "";
  if (cmd->subcommands) {
    fprintf(out, "%shirocli%s%s [--workspace DIR] COMMAND [ARGS...]\n", prefix, sep, cmd->path);
    if (!*cmd->path) fprintf(out, "%*shirocli --help | --version\n", (int)strlen(prefix), "");
    return;
  }
  int col = fprintf(out, "%shirocli %s", prefix, cmd->path);
  opts_print_usage(out, cmd->options, cmd->n_options, &col, col);
  if (cmd->args) fprintf(out, " %s", cmd->args);
  fputc('\n', out);
}

int cli_usage_error(const cli_command *cmd, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "hirocli%s%s: ", *cmd->path ? " " : "", cmd->path);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  if (cmd->subcommands)
    fprintf(stderr, "usage: hirocli%s%s [--workspace DIR] COMMAND [ARGS...]\n",
            *cmd->path ? " " : "", cmd->path);
  else
    fprintf(stderr, "usage: hirocli %s%s\n", cmd->path, cmd->n_options ? " [OPTIONS]" : "");
  fprintf(stderr, "Try 'hirocli%s%s --help'.\n", *cmd->path ? " " : "", cmd->path);
  return CLI_EXIT_USAGE;
}

void cli_print_help(const cli_command *cmd) {
  cli_print_usage(stdout, "usage: ", cmd);
  printf("\n%s\n", cmd->summary);
  if (cmd->subcommands) {
    printf("\nCommands:\n");
    for (const cli_command *const *c = cmd->subcommands; *c; c++)
      printf("  %-28s %s\n", (*c)->name, (*c)->summary);
  }
  printf("\nOptions:\n");
  opts_print_help(stdout, cmd->options, cmd->n_options);
  opts_print_help(stdout, &workspace_option, 1);
  opts_print_help(stdout, &help_option, 1);
  if (cmd->details) printf("\n%s", cmd->details);
}

int cli_parse(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv, opt_value *vals) {
  /* The command's table plus --workspace, parsed in one pass. */
  size_t n = cmd->n_options + 1;
  opt_spec *specs = xcalloc(n, sizeof *specs);
  opt_value *all = xcalloc(n, sizeof *all);
  for (size_t i = 0; i < cmd->n_options; i++) specs[i] = cmd->options[i];
  specs[n - 1] = workspace_option;
  char err[512] = "";
  opts_result r = opts_parse(specs, n, argc, argv, all, err, sizeof err);
  for (size_t i = 0; i < cmd->n_options; i++) vals[i] = all[i];
  if (all[n - 1].set) ctx->workspace_flag = all[n - 1].str;
  free(all);
  free(specs);
  if (r == OPTS_HELP) {
    cli_print_help(cmd);
    return CLI_EXIT_OK;
  }
  return r == OPTS_ERROR ? cli_usage_error(cmd, "%s", err) : CLI_CONTINUE;
}

int cli_dispatch(cli_ctx *ctx, const cli_command *group, int argc, char **argv) {
  int i = 0;
  for (; i < argc && strncmp(argv[i], "-", 1) == 0; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      cli_print_help(group);
      return CLI_EXIT_OK;
    }
    if (strcmp(argv[i], "--version") == 0 && group->path[0] == '\0') {
      printf("hirocli %s\n", HIRO_VERSION);
      return CLI_EXIT_OK;
    }
    if (strncmp(argv[i], "--workspace=", 12) == 0 && argv[i][12]) {
      ctx->workspace_flag = argv[i] + 12;
    } else if (strcmp(argv[i], "--workspace") == 0 && i + 1 < argc && *argv[i + 1]) {
      ctx->workspace_flag = argv[++i];
    } else if (strcmp(argv[i], "--workspace") == 0) {
      return cli_usage_error(group, "--workspace needs a value");
    } else {
      return cli_usage_error(group, "unknown option '%s'", argv[i]);
    }
  }
  if (i >= argc) return cli_usage_error(group, "missing command");
  for (const cli_command *const *c = group->subcommands; *c; c++) {
    if (strcmp((*c)->name, argv[i]) == 0) return (*c)->run(ctx, *c, argc - i - 1, argv + i + 1);
  }
  return cli_usage_error(group, "unknown command '%s'", argv[i]);
}

const char *cli_workspace(cli_ctx *ctx) {
  if (ctx->workspace[0]) return ctx->workspace;
  if (server_resolve_workspace(ctx->workspace_flag, ctx->workspace, sizeof ctx->workspace) !=
      HIRO_OK) {
    ctx->workspace[0] = '\0';
    cli_fail("cannot find the workspace directory (use --workspace DIR or set HIRO_WORKSPACE)");
    return NULL;
  }
  return ctx->workspace;
}

const char *cli_existing_workspace(cli_ctx *ctx, pidfile_info *info) {
  const char *workspace = cli_workspace(ctx);
  if (!workspace) return NULL;
  pidfile_info scratch;
  char err[PATH_MAX + 128];
  hiro_err e = server_find(workspace, info ? info : &scratch, err, sizeof err);
  if (e == HIRO_OK) return workspace;
  if (e == HIRO_ENOENT)
    cli_fail("%s: no such workspace (create one with: hirocli --workspace %s setup)", workspace,
             workspace);
  else
    cli_fail("%s", err);
  return NULL;
}

int cli_load_config(cli_ctx *ctx, hiro_config *cfg) {
  const char *workspace = cli_workspace(ctx);
  if (!workspace) return CLI_EXIT_FAIL;
  char err[1024];
  if (config_load(workspace, cfg, err, sizeof err) != HIRO_OK) return cli_fail("%s", err);
  return CLI_CONTINUE;
}
