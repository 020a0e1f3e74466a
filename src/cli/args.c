/* args.c - the one option parser of hirocli, its help printer and the
 * command dispatcher. Every command describes its options in a table
 * (cli_option); parsing, validation, usage lines and --help all read it, so
 * the help cannot list an option that does not exist. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_info.h"
#include "cli/cli.h"
#include "common/hiro.h"
#include "server/server.h"

static const cli_option workspace_option = {
    "--workspace", OPT_STRING, "DIR",
    "workspace directory (default: $HIRO_WORKSPACE, else ~/.hiro)", 0, 0, 0, NULL};
static const cli_option help_option = {"--help", OPT_FLAG, NULL, "show this help and exit (also -h)",
                                       0, 0, 0, NULL};

int cli_fail(const char *fmt, ...) {
  va_list ap;
  fputs("hirocli: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return CLI_EXIT_FAIL;
}

/* Print piece on the usage line, wrapping before column 80. */
static void usage_piece(FILE *out, int *col, int indent, const char *piece) {
  int len = (int)strlen(piece);
  if (*col + 1 + len > 80 && *col > indent) {
    fprintf(out, "\n%*s", indent, "");
    *col = indent;
  }
  *col += fprintf(out, " %s", piece);
}

/* The option part of a usage line: "[--a | --b] [--port N] [--channel X]...". */
static void usage_options(FILE *out, const cli_command *cmd, int *col, int indent) {
  for (size_t i = 0; i < cmd->n_options; i++) {
    const cli_option *o = &cmd->options[i];
    bool grouped_before = false;
    for (size_t j = 0; j < i && o->group; j++)
      grouped_before |= cmd->options[j].group == o->group;
    if (grouped_before)
      continue;
    char piece[256];
    size_t len = (size_t)snprintf(piece, sizeof piece, "[");
    for (size_t j = i; j < cmd->n_options && len < sizeof piece; j++) {
      const cli_option *g = &cmd->options[j];
      if (j != i && (!o->group || g->group != o->group))
        continue;
      len += (size_t)snprintf(piece + len, sizeof piece - len, "%s%s%s%s", j == i ? "" : " | ",
                              g->name, g->metavar ? " " : "", g->metavar ? g->metavar : "");
    }
    if (len < sizeof piece)
      snprintf(piece + len, sizeof piece - len, "%s", o->kind == OPT_LIST ? "]..." : "]");
    usage_piece(out, col, indent, piece);
  }
}

static void print_usage_line(FILE *out, const cli_command *cmd) {
  if (cmd->subcommands) {
    fprintf(out, "usage: hirocli%s%s [--workspace DIR] COMMAND [ARGS...]\n", *cmd->path ? " " : "",
            cmd->path);
    if (!*cmd->path)
      fprintf(out, "       hirocli --help | --version\n");
    return;
  }
  int col = fprintf(out, "usage: hirocli %s", cmd->path);
  usage_options(out, cmd, &col, 8 + (int)strlen(cmd->path) + 7);
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

static void print_option_help(const cli_option *o) {
  char left[64];
  snprintf(left, sizeof left, "%s%s%s", o->name, o->metavar ? " " : "",
           o->metavar ? o->metavar : "");
  if (strlen(left) > 28)
    printf("  %s\n  %-28s %s\n", left, "", o->help);
  else
    printf("  %-28s %s\n", left, o->help);
}

void cli_print_help(const cli_command *cmd) {
  print_usage_line(stdout, cmd);
  printf("\n%s\n", cmd->summary);
  if (cmd->subcommands) {
    printf("\nCommands:\n");
    for (const cli_command *const *c = cmd->subcommands; *c; c++)
      printf("  %-28s %s\n", (*c)->name, (*c)->summary);
  }
  printf("\nOptions:\n");
  for (size_t i = 0; i < cmd->n_options; i++)
    print_option_help(&cmd->options[i]);
  print_option_help(&workspace_option);
  print_option_help(&help_option);
  if (cmd->details)
    printf("\n%s", cmd->details);
}

/* Strict number parsing: the whole word must be a finite decimal number. */
static bool parse_number(const char *s, double *out) {
  if (!*s || isspace((unsigned char)*s) || strpbrk(s, "xXnNiI"))
    return false; /* no hex, nan, inf */
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (*end || errno == ERANGE || !isfinite(v))
    return false;
  *out = v;
  return true;
}

static bool parse_integer(const char *s, long long *out) {
  if (!*s || isspace((unsigned char)*s))
    return false;
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (*end || errno == ERANGE)
    return false;
  *out = v;
  return true;
}

static bool choice_ok(const char *choices, const char *word) {
  size_t n = strlen(word);
  for (const char *p = choices; *p;) {
    const char *bar = strchr(p, '|');
    size_t len = bar ? (size_t)(bar - p) : strlen(p);
    if (len == n && strncmp(p, word, n) == 0)
      return true;
    p += len + (bar ? 1 : 0);
  }
  return false;
}

/* Validate and store one option value. Returns CLI_CONTINUE or an exit code. */
static int store_value(const cli_command *cmd, const cli_option *o, cli_value *v,
                       const char *value, int argc) {
  if (o->kind == OPT_LIST) {
    if (!v->list)
      v->list = xcalloc((size_t)argc, sizeof *v->list);
    v->list[v->n_list++] = value;
  } else if (v->set) {
    return cli_usage_error(cmd, "%s given twice", o->name);
  }
  v->set = true;
  v->str = value;
  if (o->kind == OPT_INT) {
    if (!parse_integer(value, &v->integer))
      return cli_usage_error(cmd, "%s needs a whole number, not '%s'", o->name, value);
    v->number = (double)v->integer;
  } else if (o->kind == OPT_NUMBER) {
    if (!parse_number(value, &v->number))
      return cli_usage_error(cmd, "%s needs a number, not '%s'", o->name, value);
  } else if (o->kind == OPT_CHOICE && !choice_ok(o->choices, value)) {
    return cli_usage_error(cmd, "%s must be one of %s, not '%s'", o->name, o->choices, value);
  } else if (o->kind == OPT_STRING && !*value) {
    return cli_usage_error(cmd, "%s needs a non-empty value", o->name);
  }
  if ((o->kind == OPT_INT || o->kind == OPT_NUMBER) && (v->number < o->min || v->number > o->max))
    return cli_usage_error(cmd, "%s must be between %g and %g (got %s)", o->name, o->min,
                           o->max, value);
  return CLI_CONTINUE;
}

static const cli_option *find_option(const cli_command *cmd, const char *name, size_t len,
                                     size_t *index) {
  for (size_t i = 0; i < cmd->n_options; i++) {
    if (strlen(cmd->options[i].name) == len && strncmp(cmd->options[i].name, name, len) == 0) {
      *index = i;
      return &cmd->options[i];
    }
  }
  return NULL;
}

static int check_groups(const cli_command *cmd, const cli_value *vals) {
  for (size_t i = 0; i < cmd->n_options; i++) {
    for (size_t j = i + 1; j < cmd->n_options && vals[i].set; j++) {
      if (cmd->options[i].group && cmd->options[j].group == cmd->options[i].group && vals[j].set)
        return cli_usage_error(cmd, "%s and %s cannot be used together", cmd->options[i].name,
                               cmd->options[j].name);
    }
  }
  return CLI_CONTINUE;
}

int cli_parse(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv, cli_value *vals) {
  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
      cli_print_help(cmd);
      return CLI_EXIT_OK;
    }
    if (strncmp(arg, "--", 2) != 0 || arg[2] == '\0')
      return cli_usage_error(cmd, "unexpected argument '%s'", arg);
    const char *eq = strchr(arg, '=');
    size_t name_len = eq ? (size_t)(eq - arg) : strlen(arg);
    size_t index = 0;
    const cli_option *o = find_option(cmd, arg, name_len, &index);
    bool is_workspace = !o && strncmp(arg, "--workspace", name_len) == 0 && name_len == 11;
    if (!o && !is_workspace)
      return cli_usage_error(cmd, "unknown option '%.*s'", (int)name_len, arg);
    if (o && o->kind == OPT_FLAG) {
      if (eq)
        return cli_usage_error(cmd, "%s takes no value", o->name);
      vals[index].set = true;
      continue;
    }
    const char *value = eq ? eq + 1 : NULL;
    if (!value) {
      if (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0)
        return cli_usage_error(cmd, "%.*s needs a value", (int)name_len, arg);
      value = argv[++i];
    }
    if (is_workspace) {
      if (!*value)
        return cli_usage_error(cmd, "--workspace needs a non-empty value");
      ctx->workspace_flag = value;
      continue;
    }
    int rc = store_value(cmd, o, &vals[index], value, argc);
    if (rc != CLI_CONTINUE)
      return rc;
  }
  return check_groups(cmd, vals);
}

void cli_values_free(cli_value *vals, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(vals[i].list);
    vals[i].list = NULL;
  }
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
  if (i >= argc)
    return cli_usage_error(group, "missing command");
  for (const cli_command *const *c = group->subcommands; *c; c++) {
    if (strcmp((*c)->name, argv[i]) == 0)
      return (*c)->run(ctx, *c, argc - i - 1, argv + i + 1);
  }
  return cli_usage_error(group, "unknown command '%s'", argv[i]);
}

const char *cli_workspace(cli_ctx *ctx) {
  if (ctx->workspace[0])
    return ctx->workspace;
  if (server_resolve_workspace(ctx->workspace_flag, ctx->workspace, sizeof ctx->workspace) !=
      HIRO_OK) {
    ctx->workspace[0] = '\0';
    cli_fail("cannot find the workspace directory (use --workspace DIR or set HIRO_WORKSPACE)");
    return NULL;
  }
  return ctx->workspace;
}

int cli_load_config(cli_ctx *ctx, hiro_config *cfg) {
  const char *workspace = cli_workspace(ctx);
  if (!workspace)
    return CLI_EXIT_FAIL;
  char err[1024];
  if (config_load(workspace, cfg, err, sizeof err) != HIRO_OK)
    return cli_fail("%s", err);
  return CLI_CONTINUE;
}
