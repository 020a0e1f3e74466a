/* cmd_logs.c - `hirocli logs`: the end of <workspace>/server.log, optionally
 * only what concerns one plugin, and --follow like `tail -F` (across the
 * server's own rotation of the file). */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/hiro.h"
#include "common/strbuf.h"

#define FOLLOW_POLL_MS 200
#define DEFAULT_LINES 100

enum { L_FOLLOW, L_LINES, L_PLUGIN, L_COUNT };

static const opt_spec logs_options[L_COUNT] = {
    [L_FOLLOW] = {.name = "--follow",
                  .kind = OPT_FLAG,
                  .help = "keep printing lines as they are written (Ctrl-C to stop)",
                  .short_name = "-f"},
    [L_LINES] = {.name = "--lines",
                 .kind = OPT_INT,
                 .metavar = "N",
                 .help = "print the last N lines first (default 100; 0 with --follow:\n"
                         "only what comes)",
                 .max = 1e9,
                 .short_name = "-n"},
    [L_PLUGIN] = {.name = "--plugin",
                  .kind = OPT_STRING,
                  .metavar = "NAME",
                  .help = "only the lines of channel plugin NAME: its output and what the\n"
                          "server says about it"},
};

static int run_logs(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv);

const cli_command cmd_logs = {
    .path = "logs",
    .name = "logs",
    .run = run_logs,
    .summary = "Print the server's log (<workspace>/server.log), or follow it.",
    .details = "The log holds the server's messages and its plugins' output. A server\n"
               "started with --foreground logs to its terminal instead (under systemd: to\n"
               "the journal, 'journalctl -u hirocli@NAME').\n",
    .options = logs_options,
    .n_options = L_COUNT,
};

static volatile sig_atomic_t stop_following;
static void on_stop(int sig) { stop_following = sig; }

/* Whether line concerns plugin name: the server's messages name it as
 * "channel NAME:" or "plugin NAME:", plugin output is tagged "[NAME]". */
static bool line_matches(const char *line, const char *plugin) {
  if (!plugin) return true;
  static const char *const forms[] = {"channel %s:", "plugin %s:", "[%s]", "plugin=%s "};
  char needle[HIRO_NAME_MAX + 16];
  for (size_t i = 0; i < HIRO_ARRAY_LEN(forms); i++) {
    snprintf(needle, sizeof needle, forms[i], plugin);
    if (strstr(line, needle)) return true;
  }
  return false;
}

/* Print the last `keep` matching lines of f; leaves f at its end. */
static void print_tail(FILE *f, size_t keep, const char *plugin) {
  char **ring = keep ? xcalloc(keep, sizeof *ring) : NULL;
  size_t seen = 0;
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    if (!keep || !line_matches(line, plugin)) continue;
    free(ring[seen % keep]);
    ring[seen++ % keep] = xstrdup(line);
  }
  for (size_t i = seen > keep ? seen - keep : 0; keep && i < seen; i++)
    fputs(ring[i % keep], stdout);
  for (size_t i = 0; i < keep; i++) free(ring[i]);
  free(ring);
  free(line);
  fflush(stdout);
}

/* Print what is appended to path until interrupted; reopens the file when it
 * was replaced (rotated) or truncated. */
static int follow(const char *path, FILE *f, const char *plugin) {
  signal(SIGINT, on_stop);
  signal(SIGTERM, on_stop);
  strbuf partial;
  sb_init(&partial, 256);
  struct stat st_open;
  fstat(fileno(f), &st_open);
  while (!stop_following) {
    char chunk[8192];
    size_t n = fread(chunk, 1, sizeof chunk, f);
    for (size_t i = 0; i < n; i++) {
      sb_putc(&partial, chunk[i]);
      if (chunk[i] != '\n') continue;
      if (line_matches(partial.data, plugin)) fputs(partial.data, stdout);
      partial.len = 0;
      partial.data[0] = '\0';
    }
    fflush(stdout);
    if (n > 0) continue;
    clearerr(f);
    struct stat st_path;
    bool replaced = stat(path, &st_path) == 0 &&
                    (st_path.st_ino != st_open.st_ino || st_path.st_dev != st_open.st_dev);
    bool truncated = !replaced && st_path.st_size < ftell(f);
    if (replaced || truncated) {
      FILE *next = fopen(path, "r");
      if (next) {
        fclose(f);
        f = next;
        fstat(fileno(f), &st_open);
      }
      continue;
    }
    poll(NULL, 0, FOLLOW_POLL_MS);
  }
  fclose(f);
  sb_free(&partial);
  return CLI_EXIT_OK;
}

static int run_logs(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  opt_value vals[L_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  opts_free(vals, L_COUNT);
  if (rc != CLI_CONTINUE) return rc;
  const char *workspace = cli_existing_workspace(ctx, NULL);
  if (!workspace) return CLI_EXIT_FAIL;
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/server.log", workspace);
  FILE *f = fopen(path, "r");
  if (!f && errno == ENOENT)
    return cli_fail("%s does not exist yet: no server was started in the background here (with "
                    "--foreground the log goes to the terminal or the journal)",
                    path);
  if (!f) return cli_fail("cannot read %s: %s", path, strerror(errno));
  const char *plugin = vals[L_PLUGIN].set ? vals[L_PLUGIN].str : NULL;
  print_tail(f, vals[L_LINES].set ? (size_t)vals[L_LINES].integer : DEFAULT_LINES, plugin);
  if (vals[L_FOLLOW].set) return follow(path, f, plugin);
  fclose(f);
  return CLI_EXIT_OK;
}
