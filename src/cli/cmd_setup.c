/* cmd_setup.c - `hirocli setup`: write persistent defaults to config.json
 * through config_update (which validates, keeps unknown keys and writes
 * atomically), then say what changed, what looks wrong, and how the running
 * server (if any) gets the new settings. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/setup.h"
#include "collector/collector.h"
#include "common/hiro.h"
#include "common/strbuf.h"
#include "server/config.h"
#include "server/server.h"

#define TOKEN_FILE_MAX 4096

enum {
  S_METRICS,
  S_NO_METRICS,
  S_INTERVAL,
  S_FLUSH,
  S_HISTORY,
  S_PERSIST,
  S_NO_PERSIST,
  S_DB_PATH,
  S_RAW_HOURS,
  S_MINUTE_DAYS,
  S_HOUR_DAYS,
  S_PORT,
  S_HOST,
  S_ADMIN_UI,
  S_NO_ADMIN_UI,
  S_ADMIN_UI_PORT,
  S_CHANNEL,
  S_REMOVE_CHANNEL,
  S_NO_CHANNELS,
  S_RESTART,
  S_NO_RESTART,
  S_TOKEN,
  S_TOKEN_FILE,
  S_NO_TOKEN,
  S_APP_UDP_PORT,
  S_APP_MAX_SERIES,
  S_APP_MAX_RATE,
  S_LOG_MAX_BYTES,
  S_LOG_KEEP,
  S_JSON,
  S_COUNT
};

static const opt_spec setup_options[S_COUNT] = {
    [S_METRICS] = {.name = "--metrics",
                   .kind = OPT_FLAG,
                   .help = "collect metrics at server start-up",
                   .group = 1},
    [S_NO_METRICS] = {.name = "--no-metrics",
                      .kind = OPT_FLAG,
                      .help = "do not collect metrics at start-up",
                      .group = 1},
    [S_INTERVAL] = {.name = "--metrics-interval",
                    .kind = OPT_NUMBER,
                    .metavar = "SEC",
                    .help = "collection interval in seconds",
                    .min = COLLECTOR_MIN_INTERVAL,
                    .max = COLLECTOR_MAX_INTERVAL},
    [S_FLUSH] = {.name = "--metrics-flush-interval",
                 .kind = OPT_NUMBER,
                 .metavar = "SEC",
                 .help = "seconds a snapshot may wait for its database commit (a crash loses "
                         "at most this plus one interval); 0 commits every snapshot",
                 .min = 0,
                 .max = 3600},
    [S_HISTORY] = {.name = "--metrics-history-size",
                   .kind = OPT_INT,
                   .metavar = "N",
                   .help = "in-memory history capacity in snapshots",
                   .min = 1,
                   .max = COLLECTOR_MAX_HISTORY},
    [S_PERSIST] = {.name = "--persist",
                   .kind = OPT_FLAG,
                   .help = "record snapshots in the database (default)",
                   .group = 4},
    [S_NO_PERSIST] = {.name = "--no-persist",
                      .kind = OPT_FLAG,
                      .help = "keep history in memory only",
                      .group = 4},
    [S_DB_PATH] = {.name = "--db-path",
                   .kind = OPT_STRING,
                   .metavar = "PATH",
                   .help = "metrics database (metrics_db_path), relative to the workspace"},
    [S_RAW_HOURS] = {.name = "--retention-raw-hours",
                     .kind = OPT_NUMBER,
                     .metavar = "H",
                     .help = "keep every snapshot this many hours",
                     .min = 0.01,
                     .max = 1e6},
    [S_MINUTE_DAYS] = {.name = "--retention-minute-days",
                       .kind = OPT_NUMBER,
                       .metavar = "D",
                       .help = "keep 1-minute rollups this many days",
                       .min = 0.01,
                       .max = 1e6},
    [S_HOUR_DAYS] = {.name = "--retention-hour-days",
                     .kind = OPT_NUMBER,
                     .metavar = "D",
                     .help = "keep 1-hour rollups this many days",
                     .min = 0.01,
                     .max = 1e6},
    [S_PORT] = {.name = "--port",
                .kind = OPT_INT,
                .metavar = "N",
                .help = "REST API port (http_port)",
                .min = 1,
                .max = 65535},
    [S_HOST] = {.name = "--host",
                .kind = OPT_STRING,
                .metavar = "ADDR",
                .help = "REST API address (http_host): an address of this machine or a\n"
                        "name for one; a non-loopback address needs a token"},
    [S_ADMIN_UI] = {.name = "--admin-ui",
                    .kind = OPT_FLAG,
                    .help = "serve the admin UI at start-up",
                    .group = 2},
    [S_NO_ADMIN_UI] = {.name = "--no-admin-ui",
                       .kind = OPT_FLAG,
                       .help = "do not serve the admin UI",
                       .group = 2},
    [S_ADMIN_UI_PORT] = {.name = "--admin-ui-port",
                         .kind = OPT_INT,
                         .metavar = "N",
                         .help = "admin UI port",
                         .min = 1,
                         .max = 65535},
    [S_CHANNEL] = {.name = "--channel",
                   .kind = OPT_LIST,
                   .metavar = "'NAME=CMD [ARG...]'",
                   .help = "add or replace the channel plugin NAME (repeatable; see below)"},
    [S_REMOVE_CHANNEL] = {.name = "--remove-channel",
                          .kind = OPT_LIST,
                          .metavar = "NAME",
                          .help = "remove the channel plugin NAME (repeatable)"},
    [S_NO_CHANNELS] = {.name = "--no-channels",
                       .kind = OPT_FLAG,
                       .help = "remove every channel plugin (before any --channel)"},
    [S_RESTART] = {.name = "--restart",
                   .kind = OPT_LIST,
                   .metavar = "NAME",
                   .help = "restart plugin NAME when it exits (the default; repeatable)"},
    [S_NO_RESTART] = {.name = "--no-restart",
                      .kind = OPT_LIST,
                      .metavar = "NAME",
                      .help = "let plugin NAME stay stopped when it exits (repeatable)"},
    [S_TOKEN] = {.name = "--token",
                 .kind = OPT_STRING,
                 .metavar = "TOKEN",
                 .help =
                     "API token (api_token); visible to other users in ps: prefer\n--token-file",
                 .group = 3},
    [S_TOKEN_FILE] = {.name = "--token-file",
                      .kind = OPT_STRING,
                      .metavar = "FILE",
                      .help = "read the API token from the first line of FILE ('-': stdin)",
                      .group = 3},
    [S_NO_TOKEN] = {.name = "--no-token",
                    .kind = OPT_FLAG,
                    .help = "remove the API token",
                    .group = 3},
    [S_APP_UDP_PORT] = {.name = "--app-metrics-udp-port",
                        .kind = OPT_INT,
                        .metavar = "N",
                        .help =
                            "also receive application metrics over UDP on 127.0.0.1:N\n(0: off)",
                        .max = 65535},
    [S_APP_MAX_SERIES] = {.name = "--app-metrics-max-series",
                          .kind = OPT_INT,
                          .metavar = "N",
                          .help = "live application series per plugin",
                          .min = 1,
                          .max = 100000},
    [S_APP_MAX_RATE] = {.name = "--app-metrics-max-rate",
                        .kind = OPT_NUMBER,
                        .metavar = "N",
                        .help = "StatsD lines per second per plugin",
                        .min = 1,
                        .max = 1e8},
    [S_LOG_MAX_BYTES] = {.name = "--log-max-bytes",
                         .kind = OPT_INT,
                         .metavar = "N",
                         .help = "rotate server.log before it passes N bytes (at least\n65536, "
                                 "checked with the whole file)",
                         .min = 1,
                         .max = 1099511627776.0},
    [S_LOG_KEEP] = {.name = "--log-keep",
                    .kind = OPT_INT,
                    .metavar = "N",
                    .help = "rotated server.log files kept",
                    .min = 0,
                    .max = 99},
    [S_JSON] = {.name = "--json",
                .kind = OPT_FLAG,
                .help = "print the result as JSON: {\"config\", \"changes\", \"warnings\"}"},
};

static int run_setup(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv);

const cli_command cmd_setup = {
    .path = "setup",
    .name = "setup",
    .run = run_setup,
    .summary = "Write persistent defaults to <workspace>/config.json and print what changed.",
    .details = "Channels: the value of --channel is NAME=COMMAND followed by the command's\n"
               "arguments, split into words like a shell does ('single', \"double\" quotes and\n"
               "backslashes work), but no shell runs it: for pipes or redirections use\n"
               "  hirocli setup --channel \"job=/bin/sh -c 'sleep 1; exit 3'\"\n"
               "Names may not contain spaces, and 'server' is reserved. A command with a slash\n"
               "is taken relative to the current directory and stored as an absolute path (in\n"
               "config.json, a relative path is relative to the workspace); a bare name is\n"
               "looked up in PATH when the server starts. A channel with the same name is\n"
               "replaced (its other keys are kept); a new one gets \"restart\": true.\n"
               "--no-channels clears the list first, so --no-channels --channel ... sets exactly\n"
               "the channels given.\n"
               "\n"
               "The file is validated as a whole and replaced atomically; keys hirocli does not\n"
               "know are kept (and warned about, with the nearest known key). A config.json\n"
               "that is not valid JSON is never rewritten. The token is never printed.\n"
               "Settings take effect at the next 'hirocli start' (or 'hirocli restart'); the\n"
               "collector's can be changed at once with 'hirocli metrics configure'. With no\n"
               "options, setup prints the config path and changes nothing.\n",
    .options = setup_options,
    .n_options = S_COUNT,
};

/* The first line of path ("-": stdin) without its line end, into a new
 * string; NULL with the reason in why. */
static char *read_token_file(const char *path, char *why, size_t whylen) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
  if (!f) {
    hiro_set_err(why, whylen, "--token-file %s: %s", path, strerror(errno));
    return NULL;
  }
  char line[TOKEN_FILE_MAX + 2] = "";
  bool got = fgets(line, sizeof line, f) != NULL;
  if (f != stdin) fclose(f);
  line[strcspn(line, "\r\n")] = '\0';
  if (!got || !line[0]) {
    hiro_set_err(why, whylen, "--token-file %s: no token on its first line", path);
    return NULL;
  }
  return xstrdup(line);
}

/* Whether host can be bound on this machine; NULL or the reason. */
static const char *host_problem(const char *host, char *buf, size_t n) {
  const char *syntax = config_host_error(host);
  if (syntax) return syntax;
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE};
  struct addrinfo *list = NULL;
  int gai = getaddrinfo(host, "0", &hints, &list);
  if (gai != 0) {
    snprintf(buf, n, "cannot be resolved: %s", gai_strerror(gai));
    return buf;
  }
  int last = 0;
  bool ok = false;
  for (const struct addrinfo *ai = list; ai && !ok; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    ok = fd >= 0 && bind(fd, ai->ai_addr, ai->ai_addrlen) == 0;
    last = errno;
    if (fd >= 0) close(fd);
  }
  freeaddrinfo(list);
  if (ok) return NULL;
  snprintf(buf, n, "is not an address of this machine (%s)", strerror(last));
  return buf;
}

static void add_flag_pair(cJSON *changes, const opt_value *vals, int on, int off, const char *key) {
  if (vals[on].set || vals[off].set) cJSON_AddBoolToObject(changes, key, vals[on].set);
}

static void add_number(cJSON *obj, const opt_value *v, const char *key) {
  if (v->set) cJSON_AddNumberToObject(obj, key, v->number);
}

static bool add_channels(cJSON *changes, const char *workspace, const opt_value *vals, char *why,
                         size_t whylen) {
  setup_channel_edits e = {
      vals[S_NO_CHANNELS].set, vals[S_REMOVE_CHANNEL].list, vals[S_REMOVE_CHANNEL].n_list,
      vals[S_CHANNEL].list,    vals[S_CHANNEL].n_list,      vals[S_RESTART].list,
      vals[S_RESTART].n_list,  vals[S_NO_RESTART].list,     vals[S_NO_RESTART].n_list,
  };
  if (!e.clear && !e.n_remove && !e.n_add && !e.n_restart_on && !e.n_restart_off) return true;
  cJSON *channels = setup_build_channels(workspace, &e, why, whylen);
  if (channels) cJSON_AddItemToObject(changes, "channels", channels);
  return channels != NULL;
}

/* Build the object of changed keys. Returns NULL with why (a usage error). */
static cJSON *build_changes(const char *workspace, const opt_value *vals, char *why,
                            size_t whylen) {
  cJSON *changes = cJSON_CreateObject();
  add_flag_pair(changes, vals, S_METRICS, S_NO_METRICS, "metrics_enabled");
  add_flag_pair(changes, vals, S_ADMIN_UI, S_NO_ADMIN_UI, "admin_ui_enabled");
  add_flag_pair(changes, vals, S_PERSIST, S_NO_PERSIST, "metrics_persist");
  add_number(changes, &vals[S_INTERVAL], "metrics_interval");
  add_number(changes, &vals[S_FLUSH], "metrics_flush_interval");
  add_number(changes, &vals[S_HISTORY], "metrics_history_size");
  add_number(changes, &vals[S_PORT], "http_port");
  add_number(changes, &vals[S_ADMIN_UI_PORT], "admin_ui_port");
  add_number(changes, &vals[S_APP_UDP_PORT], "app_metrics_udp_port");
  add_number(changes, &vals[S_APP_MAX_SERIES], "app_metrics_max_series");
  add_number(changes, &vals[S_APP_MAX_RATE], "app_metrics_max_rate");
  add_number(changes, &vals[S_LOG_MAX_BYTES], "log_max_bytes");
  add_number(changes, &vals[S_LOG_KEEP], "log_keep");
  if (vals[S_RAW_HOURS].set || vals[S_MINUTE_DAYS].set || vals[S_HOUR_DAYS].set) {
    cJSON *retention = cJSON_AddObjectToObject(changes, "metrics_retention");
    add_number(retention, &vals[S_RAW_HOURS], "raw_hours");
    add_number(retention, &vals[S_MINUTE_DAYS], "minute_days");
    add_number(retention, &vals[S_HOUR_DAYS], "hour_days");
  }
  if (vals[S_DB_PATH].set) cJSON_AddStringToObject(changes, "metrics_db_path", vals[S_DB_PATH].str);
  char buf[256];
  const char *problem = vals[S_HOST].set ? host_problem(vals[S_HOST].str, buf, sizeof buf) : NULL;
  if (problem) {
    hiro_set_err(why, whylen, "--host %s %s", vals[S_HOST].str, problem);
    goto fail;
  }
  if (vals[S_HOST].set) cJSON_AddStringToObject(changes, "http_host", vals[S_HOST].str);
  if (vals[S_TOKEN].set) cJSON_AddStringToObject(changes, "api_token", vals[S_TOKEN].str);
  if (vals[S_TOKEN_FILE].set) {
    char *token = read_token_file(vals[S_TOKEN_FILE].str, why, whylen);
    if (!token) goto fail;
    cJSON_AddStringToObject(changes, "api_token", token);
    free(token);
  }
  if (vals[S_NO_TOKEN].set) cJSON_AddNullToObject(changes, "api_token");
  if (add_channels(changes, workspace, vals, why, whylen)) return changes;
fail:
  cJSON_Delete(changes);
  return NULL;
}

/* "key: old -> new" per change; the token only says whether it is set. */
static void print_report(const cJSON *report) {
  for (const cJSON *c = report->child; c; c = c->next) {
    const cJSON *now = cJSON_GetObjectItemCaseSensitive(c, "new");
    if (strcmp(c->string, "api_token") == 0) {
      printf("api_token: %s\n", cJSON_IsNull(now) ? "(removed)" : "(set)");
      continue;
    }
    char was[512], is[512];
    config_describe_value(cJSON_GetObjectItemCaseSensitive(c, "old"), was, sizeof was);
    config_describe_value(now, is, sizeof is);
    printf("%s: %s -> %s\n", c->string, was, is);
  }
}

/* Changes reach a running server only at its next start; the collector's
 * three settings can also be applied now. */
static void print_apply_hint(const char *workspace, const cJSON *report) {
  int pid = server_running_pid(workspace);
  if (!pid || !report->child) return;
  strbuf now;
  sb_init(&now, 128);
  for (const cJSON *c = report->child; c; c = c->next) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, "new");
    if (strcmp(c->string, "metrics_enabled") == 0)
      sb_puts(&now, cJSON_IsTrue(v) ? " --enable" : " --disable");
    else if (strcmp(c->string, "metrics_interval") == 0)
      sb_printf(&now, " --interval %.15g", v->valuedouble);
    else if (strcmp(c->string, "metrics_history_size") == 0)
      sb_printf(&now, " --history-size %.15g", v->valuedouble);
  }
  printf("note: the server running in this workspace (pid %d) uses the new settings from its "
         "next start: hirocli restart\n",
         pid);
  if (now.len)
    printf("      or, for the collector, at once: hirocli metrics configure%s\n", now.data);
  sb_free(&now);
}

/* The warnings of the config as now written (unknown keys, commands). */
static cJSON *current_warnings(const char *workspace) {
  cJSON *list = cJSON_CreateArray();
  hiro_config cfg;
  char err[1024];
  if (config_load(workspace, &cfg, err, sizeof err) != HIRO_OK) return list;
  for (size_t i = 0; i < cfg.n_warnings; i++)
    cJSON_AddItemToArray(list, cJSON_CreateString(cfg.warnings[i]));
  config_free(&cfg);
  return list;
}

static void print_result(const char *path, const cJSON *report, const cJSON *warnings, bool json) {
  if (json) {
    cJSON *out = cJSON_CreateObject();
    cJSON_AddStringToObject(out, "config", path);
    cJSON_AddItemToObject(out, "changes", cJSON_Duplicate(report, 1));
    cJSON_AddItemToObject(out, "warnings", cJSON_Duplicate(warnings, 1));
    char *text = cJSON_Print(out);
    printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(out);
    return;
  }
  printf("config: %s\n", path);
  if (!report->child) printf("no changes (see 'hirocli setup --help' for the options)\n");
  print_report(report);
  for (const cJSON *w = warnings->child; w; w = w->next) cli_warn("%s", w->valuestring);
}

static int run_setup(cli_ctx *ctx, const cli_command *cmd, int argc, char **argv) {
  opt_value vals[S_COUNT] = {0};
  int rc = cli_parse(ctx, cmd, argc, argv, vals);
  const char *workspace = rc == CLI_CONTINUE ? cli_workspace(ctx) : NULL;
  cJSON *changes = NULL, *report = cJSON_CreateObject(), *warnings = NULL;
  if (rc != CLI_CONTINUE || !workspace) {
    rc = rc != CLI_CONTINUE ? rc : CLI_EXIT_FAIL;
    goto out;
  }
  char path[PATH_MAX], why[1024] = "";
  config_path(workspace, path, sizeof path);
  changes = build_changes(workspace, vals, why, sizeof why);
  if (!changes) {
    rc = cli_usage_error(cmd, "%s", why);
    goto out;
  }
  if (changes->child && config_update(workspace, changes, report, why, sizeof why) != HIRO_OK) {
    rc = cli_fail("setup failed, nothing written: %s", why);
    goto out;
  }
  warnings = current_warnings(workspace);
  print_result(path, report, warnings, vals[S_JSON].set);
  if (!vals[S_JSON].set) print_apply_hint(workspace, report);
  rc = CLI_EXIT_OK;
out:
  cJSON_Delete(changes);
  cJSON_Delete(report);
  cJSON_Delete(warnings);
  opts_free(vals, S_COUNT);
  return rc;
}
