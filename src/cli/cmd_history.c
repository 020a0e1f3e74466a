/* cmd_history.c - `hirocli metrics history`: a time range of the metrics
 * history for people. By default a summary (per process and for the system:
 * min, avg, max and last), --rows a table sized to the terminal, --json the
 * points with where they came from. From the running server's REST API, or,
 * when no server runs, from the workspace's database opened read-only
 * through the same history path the server uses (src/history/). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/table.h"
#include "common/clock.h"
#include "common/strbuf.h"
#include "export/export.h"
#include "history/history.h"
#include "http/params.h"
#include "http/snapshot_json.h"
#include "server/config.h"

enum {
  H_MINUTES,
  H_FROM,
  H_TO,
  H_PROCESS,
  H_MAX_POINTS,
  H_AGG,
  H_ROWS,
  H_LIMIT,
  H_JSON,
  H_PORT,
  H_COUNT
};
static const opt_spec history_options[H_COUNT] = {
    [H_MINUTES] = {"--minutes", OPT_NUMBER, "N", "the last N minutes (default 5)", 0.001, 5256000,
                   1, NULL, NULL, false},
    [H_FROM] = {"--from", OPT_STRING, "T",
                "start: a time (Unix seconds, 2026-11-27T10:00:00Z, 'now') or a\n"
                "duration before now (90s, 15m, 2h, 7d, 1h30m)",
                0, 0, 1, NULL, NULL, false},
    [H_TO] = {"--to", OPT_STRING, "T", "end, in the same forms (default now)", 0, 0, 0, NULL, NULL,
              false},
    [H_PROCESS] = {"--process", OPT_LIST, "NAME",
                   "only this plugin ('server' for none but the server); repeatable", 0, 0, 0, NULL,
                   NULL, false},
    [H_MAX_POINTS] = {"--max-points", OPT_INT, "N",
                      "at most N points (default 1800; --rows: the terminal's height)", 1,
                      HISTORY_MAX_POINTS_LIMIT, 0, NULL, NULL, false},
    [H_AGG] = {"--agg", OPT_CHOICE, "avg|min|max",
               "what a rolled-up point of --rows and --json holds", 0, 0, 0, "avg|min|max", NULL,
               false},
    [H_ROWS] = {"--rows", OPT_FLAG, NULL, "a table of the points instead of the summary", 0, 0, 0,
                NULL, NULL, false},
    [H_LIMIT] = {"--limit", OPT_INT, "N", "--rows: at most N rows (default: fit the terminal)", 1,
                 HISTORY_MAX_POINTS_LIMIT, 0, NULL, NULL, false},
    [H_JSON] = {"--json", OPT_FLAG, NULL,
                "print {source, resolution, from, to, server_running, points} as JSON", 0, 0, 0,
                NULL, NULL, false},
    [H_PORT] = {"--port", OPT_INT, "N", "REST API port to use instead of the recorded one", 1,
                65535, 0, NULL, NULL, false},
};

/* One answer: the points (a JSON array) and where they came from. */
typedef struct {
  cJSON *points;
  char source[16];     /* memory | disk */
  char resolution[24]; /* raw | seconds */
} answer;

static void answer_free(answer *a) {
  cJSON_Delete(a->points);
  a->points = NULL;
}

/* What to ask: the range and the filters, shared by every answer. */
typedef struct {
  double from, to;
  const char **processes;
  size_t n_processes;
  size_t max_points;
  bool offline;  /* no server: read the database */
  store *db;     /* offline: the database, read-only */
  api_target at; /* online: the server */
  cli_ctx *ctx;
} query;

/* A --from/--to value: a time, or a duration meaning that long before now. */
static bool parse_when(const char *s, double now, double *out) {
  double span;
  if (export_parse_time(s, now, out)) return true;
  if (!export_parse_duration(s, &span)) return false;
  *out = now - span;
  return true;
}

static const char *agg_name(store_agg agg) {
  return agg == STORE_AGG_MIN ? "min" : agg == STORE_AGG_MAX ? "max" : "avg";
}

/* Ask the server; CLI_CONTINUE or an exit code after reporting. */
static int ask_server(query *q, store_agg agg, answer *out) {
  strbuf path;
  sb_init(&path, 256);
  sb_printf(&path, "/metrics/history?from=%.3f&to=%.3f&max_points=%zu&agg=%s", q->from, q->to,
            q->max_points, agg_name(agg));
  for (size_t i = 0; i < q->n_processes; i++) {
    sb_puts(&path, "&process=");
    for (const unsigned char *c = (const unsigned char *)q->processes[i]; *c; c++)
      if ((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
          strchr("-_.~", *c))
        sb_putc(&path, (char)*c);
      else
        sb_printf(&path, "%%%02X", *c);
  }
  http_response resp;
  int rc = api_call(q->ctx, &q->at, "GET", path.data, NULL, &resp);
  sb_free(&path);
  if (rc != CLI_CONTINUE) return rc;
  out->points = cJSON_Parse(resp.body);
  if (!http_header(&resp, "X-Metrics-Source", out->source, sizeof out->source))
    hiro_strlcpy(out->source, "unknown", sizeof out->source);
  if (!http_header(&resp, "X-Metrics-Resolution", out->resolution, sizeof out->resolution))
    hiro_strlcpy(out->resolution, "unknown", sizeof out->resolution);
  http_response_free(&resp);
  if (!cJSON_IsArray(out->points)) {
    answer_free(out);
    return cli_fail("the server's history reply is not a JSON array");
  }
  return CLI_CONTINUE;
}

/* Read the database through the history path, as the server would. */
static int ask_database(query *q, store_agg agg, answer *out) {
  history_request req = {.from = q->from,
                         .to = q->to,
                         .max_points = q->max_points,
                         .agg = agg,
                         .processes = q->processes,
                         .n_processes = q->n_processes};
  history_answer ans;
  char err[256];
  if (history_query(NULL, q->db, &req, &ans, err, sizeof err) != HIRO_OK)
    return cli_fail("%s", err);
  char *text = snapshots_to_json_string(ans.points, ans.n);
  out->points = cJSON_Parse(text);
  free(text);
  hiro_strlcpy(out->source, "disk", sizeof out->source);
  hiro_strlcpy(out->resolution, ans.resolution_text, sizeof out->resolution);
  history_answer_free(&ans);
  return CLI_CONTINUE;
}

static int ask(query *q, store_agg agg, answer *out) {
  memset(out, 0, sizeof *out);
  return q->offline ? ask_database(q, agg, out) : ask_server(q, agg, out);
}

/* ---- reading the points ---- */

static double num(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static double samples_of(const cJSON *point) {
  double n = num(point, "samples");
  return isnan(n) || n < 1 ? 1 : n;
}

/* The process object named name in a point: "server" is point.process. */
static const cJSON *process_in(const cJSON *point, const char *name) {
  if (strcmp(name, "server") == 0) return cJSON_GetObjectItemCaseSensitive(point, "process");
  const cJSON *kids = cJSON_GetObjectItemCaseSensitive(point, "children");
  for (const cJSON *c = cJSON_IsArray(kids) ? kids->child : NULL; c; c = c->next) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(c, "name");
    if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) return c;
  }
  return NULL;
}

/* How to find one figure in a point. */
typedef struct {
  const char *label;
  const char *object; /* "cpu", "disk"...; NULL: the process object */
  const char *key;
  char kind; /* 'p' percent, 'b' bytes, 'r' bytes/s, 'n' count */
} figure;

static const figure process_figures[] = {
    {"CPU %", NULL, "cpu_percent", 'p'},
    {"RSS", NULL, "rss_bytes", 'b'},
    {"threads", NULL, "num_threads", 'n'},
};
static const figure system_figures[] = {
    {"CPU %", "cpu", "percent", 'p'},
    {"memory used %", "memory", "percent", 'p'},
    {"disk read", "disk", "read_bytes_per_sec", 'r'},
    {"disk write", "disk", "write_bytes_per_sec", 'r'},
    {"network sent", "network", "bytes_sent_per_sec", 'r'},
    {"network received", "network", "bytes_recv_per_sec", 'r'},
};

static double value_of(const cJSON *point, const char *process, const figure *f) {
  const cJSON *obj =
      f->object ? cJSON_GetObjectItemCaseSensitive(point, f->object) : process_in(point, process);
  return cJSON_IsObject(obj) ? num(obj, f->key) : NAN;
}

typedef struct {
  double min, max, sum, weight, last;
} stats;

/* min from the agg=min answer, max from agg=max, the sample-weighted average
 * and the last value from agg=avg: exact whatever the resolution. */
static stats figure_stats(const answer a[3], const char *process, const figure *f) {
  stats s = {INFINITY, -INFINITY, 0, 0, NAN};
  for (int k = 0; k < 3; k++)
    for (const cJSON *p = a[k].points->child; p; p = p->next) {
      double v = value_of(p, process, f);
      if (isnan(v)) continue;
      if (k == STORE_AGG_MIN && v < s.min) s.min = v;
      if (k == STORE_AGG_MAX && v > s.max) s.max = v;
      if (k == STORE_AGG_AVG) {
        s.sum += v * samples_of(p);
        s.weight += samples_of(p);
        s.last = v;
      }
    }
  return s;
}

static void cell(table *t, double v, char kind) {
  char buf[32];
  if (isnan(v) || isinf(v))
    table_cell(t, "-");
  else if (kind == 'b')
    table_cell(t, "%s", fmt_bytes(v, buf, sizeof buf));
  else if (kind == 'r')
    table_cell(t, "%s", fmt_rate(v, buf, sizeof buf));
  else if (kind == 'n')
    table_cell(t, "%.0f", v);
  else
    table_cell(t, "%.1f", v);
}

static void stats_row(table *t, const char *who, const figure *f, const stats *s) {
  table_row(t);
  table_cell(t, "%s", who);
  table_cell(t, "%s", f->label);
  cell(t, s->min, f->kind);
  cell(t, s->weight > 0 ? s->sum / s->weight : NAN, f->kind);
  cell(t, s->max, f->kind);
  cell(t, s->last, f->kind);
}

/* The processes seen in the answer, server first, then plugins by first
 * appearance. */
static size_t process_names(const answer *a, const char **names, size_t max) {
  size_t n = 0;
  for (const cJSON *p = a->points->child; p; p = p->next) {
    if (n == 0 && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(p, "process")))
      names[n++] = "server";
    const cJSON *kids = cJSON_GetObjectItemCaseSensitive(p, "children");
    for (const cJSON *c = cJSON_IsArray(kids) ? kids->child : NULL; c && n < max; c = c->next) {
      const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
      if (!cJSON_IsString(nm)) continue;
      size_t i = 0;
      while (i < n && strcmp(names[i], nm->valuestring) != 0) i++;
      if (i == n) names[n++] = nm->valuestring;
    }
  }
  return n;
}

static void print_heading(const query *q, const answer *a) {
  char from[64], to[64];
  size_t points = (size_t)cJSON_GetArraySize(a->points);
  double snapshots = 0, gaps = 0;
  for (const cJSON *p = a->points->child; p; p = p->next) {
    snapshots += samples_of(p);
    gaps += cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "gap_before"));
  }
  printf("history %s .. %s (local time)\n", fmt_local_time(q->from, from, sizeof from),
         fmt_local_time(q->to, to, sizeof to));
  bool raw = strcmp(a->resolution, "raw") == 0;
  printf("%zu point%s from %.0f snapshot%s; source: %s, resolution: %s%s", points,
         points == 1 ? "" : "s", snapshots, snapshots == 1 ? "" : "s", a->source, a->resolution,
         raw ? "" : " s per point");
  if (gaps) printf("; %.0f gap%s (server down or collector off)", gaps, gaps == 1 ? "" : "s");
  printf("\n");
}

static int print_summary(query *q) {
  answer a[3];
  memset(a, 0, sizeof a);
  int rc = CLI_CONTINUE;
  for (int k = 0; k < 3 && rc == CLI_CONTINUE; k++) rc = ask(q, (store_agg)k, &a[k]);
  if (rc == CLI_CONTINUE) {
    print_heading(q, &a[STORE_AGG_AVG]);
    if (cJSON_GetArraySize(a[STORE_AGG_AVG].points) == 0) {
      printf("no data in this range\n");
    } else {
      static const char *const headers[] = {"", "", ">MIN", ">AVG", ">MAX", ">LAST"};
      table *t = table_new(6, headers);
      const char *names[256];
      size_t n = process_names(&a[STORE_AGG_AVG], names, HIRO_ARRAY_LEN(names));
      for (size_t i = 0; i < n; i++)
        for (size_t f = 0; f < HIRO_ARRAY_LEN(process_figures); f++) {
          stats s = figure_stats(a, names[i], &process_figures[f]);
          stats_row(t, f == 0 ? names[i] : "", &process_figures[f], &s);
        }
      for (size_t f = 0; f < HIRO_ARRAY_LEN(system_figures); f++) {
        stats s = figure_stats(a, NULL, &system_figures[f]);
        stats_row(t, f == 0 ? "system" : "", &system_figures[f], &s);
      }
      putchar('\n');
      table_print(t, stdout);
      table_free(t);
    }
    rc = CLI_EXIT_OK;
  }
  for (int k = 0; k < 3; k++) answer_free(&a[k]);
  return rc;
}

/* Sum of one field over the point's plugins. */
static double plugins_sum(const cJSON *point, const char *key) {
  const cJSON *kids = cJSON_GetObjectItemCaseSensitive(point, "children");
  double sum = 0;
  for (const cJSON *c = cJSON_IsArray(kids) ? kids->child : NULL; c; c = c->next)
    sum += isnan(num(c, key)) ? 0 : num(c, key);
  return sum;
}

static int print_rows(query *q, store_agg agg) {
  answer a;
  int rc = ask(q, agg, &a);
  if (rc != CLI_CONTINUE) return rc;
  print_heading(q, &a);
  if (cJSON_GetArraySize(a.points) > 0) {
    static const char *const headers[] = {"TIME",         ">SAMPLES",       ">SERVER CPU %",
                                          ">SERVER RSS",  ">PLUGINS CPU %", ">PLUGINS RSS",
                                          ">SYSTEM CPU %"};
    table *t = table_new(7, headers);
    for (const cJSON *p = a.points->child; p; p = p->next) {
      char when[64];
      const cJSON *server = cJSON_GetObjectItemCaseSensitive(p, "process");
      table_row(t);
      /* '~' marks a point after a gap, '*' one whose bucket is only partly
       * covered (still filling, or cut by the range). */
      table_cell(t, "%s%s%s",
                 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "gap_before")) ? "~" : " ",
                 fmt_local_time(num(p, "timestamp"), when, sizeof when),
                 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "partial")) ? "*" : "");
      table_cell(t, "%.0f", samples_of(p));
      cell(t, num(server, "cpu_percent"), 'p');
      cell(t, num(server, "rss_bytes"), 'b');
      cell(t, plugins_sum(p, "cpu_percent"), 'p');
      cell(t, plugins_sum(p, "rss_bytes"), 'b');
      cell(t, num(cJSON_GetObjectItemCaseSensitive(p, "cpu"), "percent"), 'p');
    }
    putchar('\n');
    table_print(t, stdout);
    table_free(t);
    printf("(~ after a gap: server down or collector off; * bucket only partly covered)\n");
  }
  answer_free(&a);
  return CLI_EXIT_OK;
}

static int print_json(query *q, store_agg agg) {
  answer a;
  int rc = ask(q, agg, &a);
  if (rc != CLI_CONTINUE) return rc;
  cJSON *root = cJSON_CreateObject();
  cJSON_AddStringToObject(root, "source", a.source);
  cJSON_AddStringToObject(root, "resolution", a.resolution);
  cJSON_AddStringToObject(root, "agg", agg_name(agg));
  cJSON_AddNumberToObject(root, "from", q->from);
  cJSON_AddNumberToObject(root, "to", q->to);
  cJSON_AddBoolToObject(root, "server_running", !q->offline);
  cJSON_AddItemToObject(root, "points", a.points);
  a.points = NULL;
  char *text = cJSON_PrintUnformatted(root);
  printf("%s\n", text);
  free(text);
  cJSON_Delete(root);
  return CLI_EXIT_OK;
}

/* Rows that fit the terminal below the heading and the table's header. */
static size_t terminal_rows(void) {
  struct winsize ws;
  if (!isatty(STDOUT_FILENO) || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row < 10)
    return HISTORY_DEFAULT_MAX_POINTS;
  return (size_t)ws.ws_row - 6;
}

/* Fill q's range from the options; an exit code after a usage error. */
static int range_from_options(const cli_command *cmd, const opt_value *v, query *q) {
  double now = clock_wall();
  q->to = now;
  if (v[H_TO].set && !parse_when(v[H_TO].str, now, &q->to))
    return cli_usage_error(cmd, "--to: cannot read '%s' as a time or a duration", v[H_TO].str);
  if (v[H_FROM].set) {
    if (!parse_when(v[H_FROM].str, now, &q->from))
      return cli_usage_error(cmd, "--from: cannot read '%s' as a time or a duration",
                             v[H_FROM].str);
  } else {
    q->from = q->to - (v[H_MINUTES].set ? v[H_MINUTES].number : HISTORY_DEFAULT_MINUTES) * 60;
  }
  if (q->from > q->to) return cli_usage_error(cmd, "--from is after --to");
  if (q->from < 0) q->from = 0;
  return CLI_CONTINUE;
}

/* Where to read: the running server (the pid it recorded), else the
 * database, read-only (said on stderr). With no server recorded and no
 * database to read, ask whatever answers on the configured port, so the
 * error is the usual "no server running". */
static int choose_source(cli_ctx *ctx, const opt_value *port, query *q) {
  int rc = api_target_load(ctx, port, &q->at);
  if (rc != CLI_CONTINUE) return rc;
  if (q->at.pid > 0 || (port && port->set)) return CLI_CONTINUE;
  hiro_config cfg;
  if ((rc = cli_load_config(ctx, &cfg)) != CLI_CONTINUE) return rc;
  char err[512];
  hiro_err e = store_open_readonly(cfg.metrics_db_path, &q->db, err, sizeof err);
  if (e == HIRO_OK) {
    fprintf(stderr, "hirocli: no server running in %s: reading %s (read-only)\n", ctx->workspace,
            cfg.metrics_db_path);
    q->offline = true;
  } else if (e != HIRO_ENOENT) {
    rc = cli_fail("no server running in %s, and its database cannot be read: %s", ctx->workspace,
                  err);
  }
  config_free(&cfg);
  return rc;
}

static int run_history(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  opt_value v[H_COUNT] = {0};
  query q = {.ctx = ctx};
  int rc = cli_parse(ctx, cmd, argc, argv, v);
  if (rc == CLI_CONTINUE && v[H_LIMIT].set && !v[H_ROWS].set)
    rc = cli_usage_error(cmd, "--limit goes with --rows");
  if (rc == CLI_CONTINUE) rc = range_from_options(cmd, v, &q);
  if (rc == CLI_CONTINUE && v[H_PROCESS].n_list > PARAMS_MAX_PROCESSES)
    rc = cli_usage_error(cmd, "at most %d --process options", PARAMS_MAX_PROCESSES);
  if (rc == CLI_CONTINUE) rc = choose_source(ctx, &v[H_PORT], &q);
  if (rc == CLI_CONTINUE) {
    q.processes = v[H_PROCESS].list;
    q.n_processes = v[H_PROCESS].n_list;
    store_agg agg = !v[H_AGG].set                      ? STORE_AGG_AVG
                    : strcmp(v[H_AGG].str, "min") == 0 ? STORE_AGG_MIN
                    : strcmp(v[H_AGG].str, "max") == 0 ? STORE_AGG_MAX
                                                       : STORE_AGG_AVG;
    q.max_points = v[H_MAX_POINTS].set ? (size_t)v[H_MAX_POINTS].integer
                   : v[H_ROWS].set ? (v[H_LIMIT].set ? (size_t)v[H_LIMIT].integer : terminal_rows())
                                   : HISTORY_DEFAULT_MAX_POINTS;
    rc = v[H_JSON].set   ? print_json(&q, agg)
         : v[H_ROWS].set ? print_rows(&q, agg)
                         : print_summary(&q);
  }
  api_target_free(&q.at);
  store_close(q.db);
  opts_free(v, H_COUNT);
  return rc;
}

const cli_command metrics_history = {
    .path = "metrics history",
    .name = "history",
    .run = run_history,
    .summary = "Summarise a time range (default: the last 5 minutes), or list its points.",
    .details = "The summary shows, per process and for the system, the minimum, average,\n"
               "maximum and last value of each figure over the range, exact whatever the\n"
               "resolution (minimum and maximum come from the rollups' min and max). --rows\n"
               "lists the points instead: raw snapshots, or buckets of the resolution shown\n"
               "(at most one row per line of the terminal unless --limit or --max-points).\n"
               "Times are local. With no server running in the workspace, the database is\n"
               "read directly (read-only) and the command says so.\n",
    .options = history_options,
    .n_options = H_COUNT,
};
