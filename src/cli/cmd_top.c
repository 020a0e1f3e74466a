/* cmd_top.c - `hirocli metrics top`: a live view that redraws at the
 * collector's interval, like top: the system line, then the server and its
 * plugins sorted by CPU with a sparkline of their last minute; q quits. When
 * stdout is not a terminal it prints plain frames one after another. */
#define _GNU_SOURCE /* strcasestr */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "collector/collector.h"
#include "common/hiro.h"
#include "common/strbuf.h"

#define SPARK_MAX 60 /* samples shown: a minute at a 1 s interval */

enum { T_INTERVAL, T_ITERATIONS, T_SORT, T_PORT, T_COUNT };

static const opt_spec top_options[T_COUNT] = {
    [T_INTERVAL] = {.name = "--interval",
                    .kind = OPT_NUMBER,
                    .metavar = "SEC",
                    .help = "redraw every SEC seconds (default: the collector's interval)",
                    .min = 0.2,
                    .max = COLLECTOR_MAX_INTERVAL},
    [T_ITERATIONS] = {.name = "--iterations",
                      .kind = OPT_INT,
                      .metavar = "N",
                      .help = "stop after N frames (default: until q)",
                      .min = 1,
                      .max = 1e9,
                      .short_name = "-n"},
    [T_SORT] = {.name = "--sort",
                .kind = OPT_CHOICE,
                .metavar = "cpu|rss|name",
                .help = "order of the plugins (default cpu)",
                .choices = "cpu|rss|name"},
    [T_PORT] = {.name = "--port",
                .kind = OPT_INT,
                .metavar = "N",
                .help = "REST API port to use instead of the recorded one",
                .min = 1,
                .max = 65535},
};

static int run_top(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv);

const cli_command metrics_top = {
    .path = "metrics top",
    .name = "top",
    .run = run_top,
    .summary = "Live view: plugins sorted by CPU with last-minute sparklines (q quits).",
    .details = "Redraws at the collector's interval. On a terminal it takes the whole screen\n"
               "and q (or Ctrl-C) quits; otherwise it prints plain-text frames, one per\n"
               "interval, separated by a blank line (with -n N, N frames).\n",
    .options = top_options,
    .n_options = T_COUNT,
};

/* --- the terminal --- */

static struct termios saved_tty;
static bool tty_raw;
static volatile sig_atomic_t got_signal;

static void on_signal(int sig) { got_signal = sig; }

static void tty_restore(void) {
  if (!tty_raw) return;
  tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
  fputs("\033[?25h\033[?1049l", stdout); /* cursor back, main screen back */
  fflush(stdout);
  tty_raw = false;
}

/* Keys without Enter and without echo; the alternate screen, as top does. */
static void tty_enter(void) {
  if (tcgetattr(STDIN_FILENO, &saved_tty) != 0) return;
  struct termios raw = saved_tty;
  raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
  raw.c_cc[VMIN] = 0;
  raw.c_cc[VTIME] = 0;
  if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) != 0) return;
  tty_raw = true;
  atexit(tty_restore);
  fputs("\033[?1049h\033[?25l", stdout);
}

static void term_size(int *cols, int *rows) {
  struct winsize ws;
  *cols = 80;
  *rows = 24;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    *cols = ws.ws_col;
    *rows = ws.ws_row;
  }
}

static bool utf8_locale(void) {
  const char *vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
  for (size_t i = 0; i < HIRO_ARRAY_LEN(vars); i++) {
    const char *v = getenv(vars[i]);
    if (v && *v) return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
  }
  return false;
}

/* Wait up to seconds for a key; true when the user asked to quit. */
static bool wait_or_quit(double seconds, bool interactive) {
  struct timespec until;
  clock_gettime(CLOCK_MONOTONIC, &until);
  double end = (double)until.tv_sec + until.tv_nsec / 1e9 + seconds;
  for (;;) {
    if (got_signal && got_signal != SIGWINCH) return true;
    if (got_signal == SIGWINCH) {
      got_signal = 0;
      return false; /* redraw at the new size now */
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double left = end - ((double)now.tv_sec + now.tv_nsec / 1e9);
    if (left <= 0) return false;
    struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
    int n = poll(interactive ? &p : NULL, interactive ? 1 : 0, (int)(left * 1000) + 1);
    if (n > 0) {
      char key;
      if (read(STDIN_FILENO, &key, 1) == 1 && (key == 'q' || key == 'Q')) return true;
    }
  }
}

/* --- one frame --- */

typedef struct {
  const char *name;
  const cJSON *latest; /* the process object in the newest snapshot */
  double cpu, rss;
} row;

static double num(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* The process called name in snapshot s (the server is "server"). */
static const cJSON *process_in(const cJSON *s, const char *name) {
  if (strcmp(name, "server") == 0) return cJSON_GetObjectItemCaseSensitive(s, "process");
  const cJSON *children = cJSON_GetObjectItemCaseSensitive(s, "children");
  for (const cJSON *c = cJSON_IsArray(children) ? children->child : NULL; c; c = c->next) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "name");
    if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) return c;
  }
  return NULL;
}

/* A sparkline of one process's CPU over the history, the last width points. */
static void sparkline(strbuf *out, const cJSON *history, const char *name, int width, bool utf8) {
  static const char *const blocks[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
  static const char ascii[] = "_.-:=+*#";
  int n = cJSON_GetArraySize(history), first = n > width ? n - width : 0;
  double values[SPARK_MAX], top = 1.0; /* below 1 % everything is the floor */
  int count = 0;
  for (const cJSON *s = cJSON_GetArrayItem(history, first); s && count < SPARK_MAX; s = s->next) {
    values[count] = num(process_in(s, name), "cpu_percent");
    if (!isnan(values[count]) && values[count] > top) top = values[count];
    count++;
  }
  for (int i = 0; i < count; i++) {
    if (isnan(values[i])) {
      sb_putc(out, ' ');
      continue;
    }
    int level = (int)lround(values[i] / top * 7);
    level = level < 0 ? 0 : level > 7 ? 7 : level;
    if (utf8)
      sb_puts(out, blocks[level]);
    else
      sb_putc(out, ascii[level]);
  }
}

static int sort_key;
static int compare_rows(const void *a, const void *b) {
  const row *x = a, *y = b;
  if (sort_key == 2) return strcmp(x->name, y->name);
  double kx = sort_key == 1 ? x->rss : x->cpu, ky = sort_key == 1 ? y->rss : y->cpu;
  kx = isnan(kx) ? -1 : kx;
  ky = isnan(ky) ? -1 : ky;
  return kx < ky ? 1 : kx > ky ? -1 : strcmp(x->name, y->name);
}

static void process_table(strbuf *out, const cJSON *history, const cJSON *latest, int cols,
                          bool utf8) {
  const cJSON *children = cJSON_GetObjectItemCaseSensitive(latest, "children");
  int n = cJSON_GetArraySize(children);
  row *rows = xcalloc((size_t)n + 1, sizeof *rows);
  rows[0] = (row){"server", cJSON_GetObjectItemCaseSensitive(latest, "process"), 0, 0};
  int used = 1;
  for (const cJSON *c = cJSON_IsArray(children) ? children->child : NULL; c; c = c->next) {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
    if (cJSON_IsString(name)) rows[used++] = (row){name->valuestring, c, 0, 0};
  }
  for (int i = 0; i < used; i++) {
    /* An exited plugin has no figures: shown as "-", sorted last. */
    bool alive = i == 0 || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rows[i].latest, "alive"));
    rows[i].cpu = alive ? num(rows[i].latest, "cpu_percent") : NAN;
    rows[i].rss = alive ? num(rows[i].latest, "rss_bytes") : NAN;
  }
  qsort(rows + 1, (size_t)used - 1, sizeof *rows, compare_rows); /* the server stays first */
  int spark = cols - 62;
  spark = spark > SPARK_MAX ? SPARK_MAX : spark;
  sb_printf(out, "%-20s %8s %5s %7s %10s %7s  %s\n", "PROCESS", "PID", "ALIVE", "CPU %", "RSS",
            "THREADS", spark >= 8 ? "CPU, LAST MINUTE" : "");
  for (int i = 0; i < used; i++) {
    const cJSON *p = rows[i].latest;
    const cJSON *alive = cJSON_GetObjectItemCaseSensitive(p, "alive");
    char pid[24], cpu[24], rss[32], threads[24];
    double threads_n = isnan(rows[i].cpu) ? NAN : num(p, "num_threads");
    snprintf(pid, sizeof pid, !(num(p, "pid") > 0) ? "-" : "%.0f", num(p, "pid"));
    snprintf(cpu, sizeof cpu, isnan(rows[i].cpu) ? "-" : "%.1f", rows[i].cpu);
    snprintf(threads, sizeof threads, isnan(threads_n) ? "-" : "%.0f", threads_n);
    if (isnan(rows[i].rss))
      snprintf(rss, sizeof rss, "-");
    else
      fmt_bytes(rows[i].rss, rss, sizeof rss);
    sb_printf(out, "%-20.20s %8s %5s %7s %10s %7s  ", rows[i].name, pid,
              i == 0 || cJSON_IsTrue(alive) ? "yes" : "no", cpu, rss, threads);
    if (spark >= 8) sparkline(out, history, rows[i].name, spark, utf8);
    while (out->len && out->data[out->len - 1] == ' ') out->data[--out->len] = '\0';
    sb_putc(out, '\n');
  }
  free(rows);
}

static void system_lines(strbuf *out, const cJSON *s) {
  const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(s, "cpu");
  const cJSON *mem = cJSON_GetObjectItemCaseSensitive(s, "memory");
  const cJSON *disk = cJSON_GetObjectItemCaseSensitive(s, "disk");
  const cJSON *net = cJSON_GetObjectItemCaseSensitive(s, "network");
  char a[32], b[32], c[32];
  sb_printf(out, "system   CPU %.1f %% of %.0f CPUs; memory %.1f %% used, %s available\n",
            num(cpu, "percent"), num(cpu, "count"), num(mem, "percent"),
            fmt_bytes(num(mem, "available_bytes"), a, sizeof a));
  if (cJSON_IsObject(disk))
    sb_printf(out, "disk /   %.1f %% used; read %s, write %s\n", num(disk, "percent"),
              fmt_rate(num(disk, "read_bytes_per_sec"), b, sizeof b),
              fmt_rate(num(disk, "write_bytes_per_sec"), c, sizeof c));
  if (cJSON_IsObject(net))
    sb_printf(out, "network  sent %s, received %s\n",
              fmt_rate(num(net, "bytes_sent_per_sec"), b, sizeof b),
              fmt_rate(num(net, "bytes_recv_per_sec"), c, sizeof c));
}

/* Build one frame from the server's answers. *interval gets the collector's. */
static void build_frame(strbuf *out, const api_target *t, const char *workspace, int cols,
                        bool utf8, bool interactive, double *interval) {
  int status = 0;
  cJSON *info = NULL, *history = NULL;
  time_t now = time(NULL);
  char when[16];
  strftime(when, sizeof when, "%H:%M:%S", localtime(&now));
  if (api_fetch(t, "/metrics/status", &status, &info) != HIRO_OK || status != 200) {
    sb_printf(out, "hirocli top - %s - the server of %s does not answer (port %d)\n", when,
              workspace, t->port);
    goto out;
  }
  bool enabled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(info, "enabled"));
  if (!isnan(num(info, "interval"))) *interval = num(info, "interval");
  sb_printf(out, "hirocli top - %s - %s - every %.1f s%s\n", when, workspace, *interval,
            interactive ? " - q quits" : "");
  if (!enabled) {
    sb_puts(out, "\nmetrics collection is disabled (enable: hirocli metrics configure --enable)\n");
    goto out;
  }
  if (api_fetch(t, "/metrics/history?minutes=1", &status, &history) != HIRO_OK || status != 200 ||
      cJSON_GetArraySize(history) == 0) {
    sb_puts(out, "\nmetrics collection is starting: no snapshot yet\n");
    goto out;
  }
  const cJSON *latest = cJSON_GetArrayItem(history, cJSON_GetArraySize(history) - 1);
  system_lines(out, latest);
  sb_putc(out, '\n');
  process_table(out, history, latest, cols, utf8);
out:
  cJSON_Delete(info);
  cJSON_Delete(history);
}

/* Draw: on a terminal from the top-left corner, cut to its size. */
static void draw(const strbuf *frame, bool interactive, int cols, int rows) {
  if (!interactive) {
    fputs(frame->data, stdout);
    fflush(stdout);
    return;
  }
  fputs("\033[H\033[2J", stdout);
  int row_no = 0;
  for (const char *line = frame->data; *line && row_no < rows; row_no++) {
    size_t len = strcspn(line, "\n"), width = 0, cut = 0;
    while (cut < len && width < (size_t)cols) { /* count characters, not bytes */
      cut++;
      while (cut < len && ((unsigned char)line[cut] & 0xC0) == 0x80) cut++;
      width++;
    }
    fwrite(line, 1, cut, stdout);
    fputs(row_no + 1 < rows ? "\r\n" : "", stdout);
    line += len + (line[len] == '\n');
  }
  fflush(stdout);
}

static int run_top(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  opt_value vals[T_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  opts_free(vals, T_COUNT);
  if (rc != CLI_CONTINUE) return rc;
  api_target t;
  rc = api_target_load(ctx, &vals[T_PORT], &t);
  if (rc != CLI_CONTINUE) return rc;
  if (!t.pid && !vals[T_PORT].set) {
    api_target_free(&t);
    return cli_fail("no server running in %s (start it with: hirocli start --metrics)",
                    ctx->workspace);
  }
  sort_key = vals[T_SORT].set ? (int)(strchr("crn", vals[T_SORT].str[0]) - "crn") : 0;
  bool interactive = isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
  bool utf8 = utf8_locale();
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  signal(SIGWINCH, on_signal);
  if (interactive) tty_enter();
  double interval = 2.0;
  strbuf frame;
  sb_init(&frame, 4096);
  for (long long n = 1;; n++) {
    int cols, rows;
    term_size(&cols, &rows);
    frame.len = 0;
    frame.data[0] = '\0';
    build_frame(&frame, &t, ctx->workspace, interactive ? cols : 120, utf8, interactive, &interval);
    if (!interactive && n > 1) fputc('\n', stdout);
    draw(&frame, interactive, cols, rows);
    if (vals[T_ITERATIONS].set && n >= vals[T_ITERATIONS].integer) break;
    if (wait_or_quit(vals[T_INTERVAL].set ? vals[T_INTERVAL].number : interval, interactive)) break;
  }
  sb_free(&frame);
  tty_restore();
  api_target_free(&t);
  return CLI_EXIT_OK;
}
