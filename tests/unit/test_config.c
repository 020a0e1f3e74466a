/* test_config.c - config.json: defaults, validation messages, env overrides and
 * the atomic rewrite, each in its own temporary workspace. */
#define _GNU_SOURCE /* nftw */
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "server/config.h"

/* ---- workspace helpers ---- */

static char *make_ws(void) {
  char *dir = strdup("/tmp/hiro-config-XXXXXX");
  assert_non_null(mkdtemp(dir));
  return dir;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  chmod(path, 0700);
  return remove(path);
}

static void drop_ws(char *ws) {
  nftw(ws, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(ws);
}

static char *ws_file(const char *ws, const char *name) {
  static char buf[1024];
  snprintf(buf, sizeof buf, "%s/%s", ws, name);
  return buf;
}

static void write_bytes(const char *path, const char *data, size_t len) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(data, 1, len, f), len);
  fclose(f);
}

static void write_config(const char *ws, const char *text) {
  write_bytes(ws_file(ws, "config.json"), text, strlen(text));
}

/* Whole file as a heap string (NULL when missing). */
static char *read_all(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  int c;
  while ((c = fgetc(f)) != EOF) {
    if (len + 2 > cap) buf = realloc(buf, cap = cap * 2 + 64);
    buf[len++] = (char)c;
  }
  fclose(f);
  if (!buf) buf = calloc(1, 1);
  buf[len] = '\0';
  return buf;
}

/* Entries in ws other than "." and "..": catches leftover temporary files. */
static int count_entries(const char *ws) {
  DIR *d = opendir(ws);
  assert_non_null(d);
  int n = 0;
  for (struct dirent *e; (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

#define assert_contains(hay, needle)                                                   \
  do {                                                                                 \
    if (!strstr((hay), (needle)))                                                      \
      fail_msg("expected \"%s\" in \"%s\"", (needle), (hay));                        \
  } while (0)

static void assert_config_empty(const hiro_config *cfg) {
  assert_null(cfg->channels);
  assert_int_equal(cfg->n_channels, 0);
  assert_null(cfg->metrics_db_path);
  assert_null(cfg->api_token);
}

/* ---- loading ---- */

static void assert_defaults(const hiro_config *cfg, const char *ws) {
  assert_string_equal(cfg->http_host, "127.0.0.1");
  assert_int_equal(cfg->http_port, 18080);
  assert_false(cfg->admin_ui_enabled);
  assert_int_equal(cfg->admin_ui_port, 18081);
  assert_null(cfg->api_token);
  assert_false(cfg->metrics_enabled);
  assert_true(cfg->metrics_interval == 2.0);
  assert_int_equal(cfg->metrics_history_size, 1800);
  assert_string_equal(cfg->metrics_db_path, ws_file(ws, "metrics.db"));
  assert_true(cfg->metrics_persist);
  assert_true(cfg->retention_raw_hours == 48);
  assert_true(cfg->retention_minute_days == 30);
  assert_true(cfg->retention_hour_days == 400);
  assert_int_equal(cfg->n_channels, 0);
}

static void test_missing_file_gives_defaults(void **state) {
  char *ws = make_ws();
  hiro_config cfg;
  char err[512] = "";
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_OK);
  assert_defaults(&cfg, ws);
  config_free(&cfg);
  config_defaults(&cfg, ws);
  assert_defaults(&cfg, ws);
  config_free(&cfg);
  assert_int_equal(count_entries(ws), 0); /* loading never writes */

  char missing[512];
  snprintf(missing, sizeof missing, "%s/not/there", ws);
  assert_int_equal(config_load(missing, &cfg, err, sizeof err), HIRO_OK);
  assert_defaults(&cfg, missing);
  config_free(&cfg);

  assert_int_equal(config_load("", &cfg, err, sizeof err), HIRO_EINVAL);
  assert_contains(err, "workspace path is empty");
  assert_int_equal(config_update("", NULL, NULL, err, sizeof err), HIRO_EINVAL);
  drop_ws(ws);
}

static void test_full_valid_file(void **state) {
  char *ws = make_ws();
  write_config(ws, "{\n"
                   "  \"http_host\": \"0.0.0.0\",\n"
                   "  \"http_port\": 9000,\n"
                   "  \"admin_ui_enabled\": true,\n"
                   "  \"admin_ui_port\": 9001,\n"
                   "  \"api_token\": \"s3cret\",\n"
                   "  \"metrics_enabled\": true,\n"
                   "  \"metrics_interval\": 2.5,\n"
                   "  \"metrics_history_size\": 1000000,\n"
                   "  \"metrics_db_path\": \"/var/tmp/m.db\",\n"
                   "  \"metrics_persist\": false,\n"
                   "  \"metrics_retention\": { \"raw_hours\": 0.5, \"hour_days\": 1 },\n"
                   "  \"some_future_key\": [1, {\"x\": null}],\n"
                   "  \"channels\": [\n"
                   "    { \"name\": \"devices\", \"command\": [\"/bin/dev\", \"--flag\"] },\n"
                   "    { \"name\": \"émoji-ü\", \"command\": [\"/bin/x\"], \"restart\": false,\n"
                   "      \"comment\": \"unknown keys are ignored\" }\n"
                   "  ]\n"
                   "}\n");
  hiro_config cfg;
  char err[512] = "";
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_OK);
  assert_string_equal(cfg.http_host, "0.0.0.0");
  assert_int_equal(cfg.http_port, 9000);
  assert_true(cfg.admin_ui_enabled);
  assert_int_equal(cfg.admin_ui_port, 9001);
  assert_string_equal(cfg.api_token, "s3cret");
  assert_true(cfg.metrics_enabled);
  assert_true(cfg.metrics_interval == 2.5);
  assert_int_equal(cfg.metrics_history_size, 1000000);
  assert_string_equal(cfg.metrics_db_path, "/var/tmp/m.db");
  assert_false(cfg.metrics_persist);
  assert_true(cfg.retention_raw_hours == 0.5);
  assert_true(cfg.retention_minute_days == 30); /* missing sub-key: default */
  assert_true(cfg.retention_hour_days == 1);
  assert_int_equal(cfg.n_channels, 2);
  assert_string_equal(cfg.channels[0].name, "devices");
  assert_int_equal(cfg.channels[0].argc, 2);
  assert_string_equal(cfg.channels[0].argv[0], "/bin/dev");
  assert_string_equal(cfg.channels[0].argv[1], "--flag");
  assert_null(cfg.channels[0].argv[2]);
  assert_true(cfg.channels[0].restart); /* default */
  assert_string_equal(cfg.channels[1].name, "émoji-ü");
  assert_false(cfg.channels[1].restart);
  config_free(&cfg);
  assert_config_empty(&cfg);
  drop_ws(ws);
}

/* One row per bad value: the key as written, its JSON value, the key path the
 * message must name and a piece of the reason. */
typedef struct {
  const char *key, *value, *path, *reason;
} bad_case;

static const bad_case bad_cases[] = {
    {"http_host", "5", "http_host", "must be a string of 1 to 255 bytes"},
    {"http_host", "\"\"", "http_host", "must be a string"},
    {"http_host", "\"a\\u0001b\"", "http_host", "without control characters"},
    {"http_host", "null", "http_host", "(got null)"},
    {"http_port", "\"80\"", "http_port", "must be an integer between 1 and 65535 (got \"80\")"},
    {"http_port", "2.5", "http_port", "(got 2.5)"},
    {"http_port", "0", "http_port", "between 1 and 65535"},
    {"http_port", "65536", "http_port", "between 1 and 65535"},
    {"http_port", "1e400", "http_port", "between 1 and 65535"},
    {"http_port", "true", "http_port", "(got true)"},
    {"admin_ui_enabled", "1", "admin_ui_enabled", "must be true or false (got 1)"},
    {"admin_ui_enabled", "\"true\"", "admin_ui_enabled", "must be true or false"},
    {"admin_ui_port", "-1", "admin_ui_port", "between 1 and 65535"},
    {"admin_ui_port", "[]", "admin_ui_port", "(got [])"},
    {"api_token", "\"\"", "api_token", "must be null or a string of 1 to 4096 bytes"},
    {"api_token", "false", "api_token", "must be null or a string"},
    {"metrics_enabled", "\"yes\"", "metrics_enabled", "must be true or false"},
    {"metrics_interval", "0.5", "metrics_interval", "between 1 and 3600 (got 0.5)"},
    {"metrics_interval", "3600.5", "metrics_interval", "between 1 and 3600"},
    {"metrics_interval", "{}", "metrics_interval", "(got {})"},
    {"metrics_history_size", "0", "metrics_history_size", "between 1 and 1000000"},
    {"metrics_history_size", "1000001", "metrics_history_size", "between 1 and 1000000"},
    {"metrics_history_size", "10.5", "metrics_history_size", "must be an integer"},
    {"metrics_db_path", "\"\"", "metrics_db_path", "must be a string"},
    {"metrics_db_path", "7", "metrics_db_path", "must be a string"},
    {"metrics_persist", "0", "metrics_persist", "must be true or false"},
    {"metrics_retention", "[]", "metrics_retention", "must be an object"},
    {"metrics_retention", "{\"raw_hours\": 0}", "metrics_retention.raw_hours", "greater than 0"},
    {"metrics_retention", "{\"minute_days\": -1}", "metrics_retention.minute_days", "greater than 0"},
    {"metrics_retention", "{\"hour_days\": \"x\"}", "metrics_retention.hour_days", "(got \"x\")"},
    {"channels", "{}", "channels", "must be an array of channel objects"},
    {"channels", "[5]", "channels[0]", "must be an object (got 5)"},
    {"channels", "[{\"command\": [\"x\"]}]", "channels[0].name", "is required but missing"},
    {"channels", "[{\"name\": \"a\"}]", "channels[0].command", "is required but missing"},
    {"channels", "[{\"name\": \"a\", \"command\": []}]", "channels[0].command",
     "must be a non-empty array of non-empty strings (got [])"},
    {"channels", "[{\"name\": \"a\", \"command\": \"/bin/x\"}]", "channels[0].command",
     "non-empty array"},
    {"channels", "[{\"name\": \"a\", \"command\": [\"\"]}]", "channels[0].command[0]",
     "non-empty strings (got \"\")"},
    {"channels", "[{\"name\": \"a\", \"command\": [\"x\", 3]}]", "channels[0].command[1]", "(got 3)"},
    {"channels", "[{\"name\": \"a\", \"command\": [\"x\"], \"restart\": \"no\"}]",
     "channels[0].restart", "must be true or false"},
    {"channels", "[{\"name\": \"\", \"command\": [\"x\"]}]", "channels[0].name", "1 to 63 bytes"},
    {"channels", "[{\"name\": \"a\\nb\", \"command\": [\"x\"]}]", "channels[0].name",
     "without control characters"},
    {"channels",
     "[{\"name\": \"devices\", \"command\": [\"x\"]}, {\"name\": \"devices\", \"command\": [\"y\"]}]",
     "channels[1].name", "duplicate name \"devices\""},
    {"channels",
     "[{\"name\": \"1234567890123456789012345678901234567890123456789012345678901234\", "
     "\"command\": [\"x\"]}]",
     "channels[0].name", "1 to 63 bytes"},
};

static void test_bad_values_name_the_key(void **state) {
  char *ws = make_ws();
  char *path = strdup(ws_file(ws, "config.json"));
  for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
    const bad_case *bc = &bad_cases[i];
    char text[1024], err[512] = "", expect_key[160];
    snprintf(text, sizeof text, "{\"zz_unknown\": 1234, \"%s\": %s}", bc->key, bc->value);
    write_config(ws, text);
    hiro_config cfg;
    memset(&cfg, 0xab, sizeof cfg); /* load must not trust what is there */
    hiro_err rc = config_load(ws, &cfg, err, sizeof err);
    if (rc != HIRO_EINVAL) fail_msg("case %zu (%s = %s): rc %d, err %s", i, bc->key, bc->value, rc, err);
    snprintf(expect_key, sizeof expect_key, "%s: key \"%s\": ", path, bc->path);
    assert_contains(err, expect_key);
    assert_contains(err, bc->reason);
    assert_config_empty(&cfg);
    char *after = read_all(path);
    assert_string_equal(after, text); /* never rewritten */
    free(after);
  }
  free(path);
  drop_ws(ws);
}

static void test_boundaries_accepted(void **state) {
  char *ws = make_ws();
  write_config(ws, "{\"http_port\": 1, \"admin_ui_port\": 65535, \"metrics_interval\": 3600,"
                   " \"metrics_history_size\": 1, \"api_token\": null, \"channels\": [{\"name\":"
                   " \"123456789012345678901234567890123456789012345678901234567890123\","
                   " \"command\": [\"x\"]}]}");
  hiro_config cfg;
  char err[512] = "";
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_OK);
  assert_int_equal(cfg.http_port, 1);
  assert_int_equal(cfg.admin_ui_port, 65535);
  assert_true(cfg.metrics_interval == 3600);
  assert_int_equal(cfg.metrics_history_size, 1);
  assert_int_equal(strlen(cfg.channels[0].name), 63);
  config_free(&cfg);
  drop_ws(ws);
}

static void test_exact_message(void **state) {
  char *ws = make_ws();
  write_config(ws, "{\"metrics_interval\": \"fast\"}");
  hiro_config cfg;
  char err[512] = "", expect[600];
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_EINVAL);
  snprintf(expect, sizeof expect,
           "%s/config.json: key \"metrics_interval\": must be a number between 1 and 3600 (got \"fast\")",
           ws);
  assert_string_equal(err, expect);
  drop_ws(ws);
}

typedef struct {
  const char *text, *expect;
} parse_case;

static void test_invalid_json_names_line(void **state) {
  static const parse_case cases[] = {
      {"{\n  \"http_port\": 1,\n  \"x\": tru\n}\n", "line 3, column 8: invalid JSON"},
      {"{\n  \"a\": 1,\n}\n", "line 3, column"}, /* cJSON's column is approximate */
      {"{\n  \"http_port\": 18080\n", "unexpected end of file"},
      {"{} trailing", "line 1, column 4"},
      {"[1, 2]", "the top level must be a JSON object"},
      {"\"text\"", "the top level must be a JSON object"},
      {"", "file is empty"},
      {"  \n ", "file is empty"},
      {"{\"é\": 1, \"b\": x}", "line 1, column 15"}, /* columns count characters */
  };
  char *ws = make_ws();
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    write_config(ws, cases[i].text);
    hiro_config cfg;
    char err[512] = "";
    assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_EPARSE);
    assert_contains(err, ws_file(ws, "config.json"));
    assert_contains(err, cases[i].expect);
    assert_config_empty(&cfg);
  }
  write_bytes(ws_file(ws, "config.json"), "{}\0{", 4);
  hiro_config cfg;
  char err[512] = "";
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_EPARSE);
  assert_contains(err, "NUL byte");

  write_config(ws, "{\"http_port\": 1, \"http_port\": 2}");
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_EINVAL);
  assert_contains(err, "key \"http_port\": appears more than once");

  write_config(ws, "\xEF\xBB\xBF{\"http_port\": 4242}"); /* a BOM is tolerated */
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_OK);
  assert_int_equal(cfg.http_port, 4242);
  config_free(&cfg);

  write_config(ws, "{\"HTTP_PORT\": \"x\"}"); /* keys are case-sensitive: unknown, ignored */
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_OK);
  assert_int_equal(cfg.http_port, 18080);
  config_free(&cfg);
  drop_ws(ws);
}

static void test_unreadable_file(void **state) {
  char *ws = make_ws();
  hiro_config cfg;
  char err[512] = "";
  assert_int_equal(mkdir(ws_file(ws, "config.json"), 0700), 0);
  assert_int_not_equal(config_load(ws, &cfg, err, sizeof err), HIRO_OK);
  assert_contains(err, "is a directory");
  assert_config_empty(&cfg);
  rmdir(ws_file(ws, "config.json"));

  size_t big = 1024 * 1024 + 1;
  char *spaces = malloc(big);
  memset(spaces, ' ', big);
  spaces[0] = '{';
  spaces[big - 1] = '}';
  write_bytes(ws_file(ws, "config.json"), spaces, big);
  free(spaces);
  assert_int_not_equal(config_load(ws, &cfg, err, sizeof err), HIRO_OK);
  assert_contains(err, "too large");

  write_config(ws, "{}");
  if (geteuid() != 0) { /* root reads anything */
    chmod(ws_file(ws, "config.json"), 0);
    assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_EIO);
    assert_contains(err, "Permission denied");
  }
  drop_ws(ws);
}

static void test_db_path_resolution(void **state) {
  char *ws = make_ws();
  hiro_config cfg;
  char err[512] = "", expect[PATH_MAX + 32];
  write_config(ws, "{\"metrics_db_path\": \"data/m.db\"}");
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_OK);
  snprintf(expect, sizeof expect, "%s/data/m.db", ws);
  assert_string_equal(cfg.metrics_db_path, expect);
  config_free(&cfg);

  char slashed[512];
  snprintf(slashed, sizeof slashed, "%s//", ws); /* trailing slashes are not doubled */
  assert_int_equal(config_load(slashed, &cfg, err, sizeof err), HIRO_OK);
  assert_string_equal(cfg.metrics_db_path, expect);
  config_free(&cfg);

  write_config(ws, "{\"metrics_db_path\": \"/srv/hiro/metrics.db\"}");
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_OK);
  assert_string_equal(cfg.metrics_db_path, "/srv/hiro/metrics.db");
  config_free(&cfg);

  char cwd[PATH_MAX];
  assert_non_null(getcwd(cwd, sizeof cwd));
  config_defaults(&cfg, "rel/ws"); /* a relative workspace is made absolute */
  snprintf(expect, sizeof expect, "%s/rel/ws/metrics.db", cwd);
  assert_string_equal(cfg.metrics_db_path, expect);
  config_free(&cfg);

  char path[64];
  assert_string_equal(config_path("/w/", path, sizeof path), "/w/config.json");
  assert_string_equal(config_path("/w", path, sizeof path), "/w/config.json");
  drop_ws(ws);
}

/* ---- environment overrides ---- */

static void test_env_overrides(void **state) {
  static const char *yes[] = {"1", "TRUE", "yEs", "On"}, *no[] = {"0", "False", "NO", "oFf"};
  hiro_config cfg;
  config_defaults(&cfg, "/nonexistent-ws");
  FILE *logf = tmpfile();
  assert_non_null(logf);
  log_set_output(logf);
  log_set_level(HIRO_LOG_INFO); /* this test reads what is logged */
  for (size_t i = 0; i < 4; i++) {
    cfg.metrics_enabled = cfg.admin_ui_enabled = false;
    setenv("HIRO_METRICS", yes[i], 1);
    setenv("HIRO_ADMIN_UI", yes[i], 1);
    config_apply_env(&cfg);
    assert_true(cfg.metrics_enabled);
    assert_true(cfg.admin_ui_enabled);
    setenv("HIRO_METRICS", no[i], 1);
    setenv("HIRO_ADMIN_UI", no[i], 1);
    config_apply_env(&cfg);
    assert_false(cfg.metrics_enabled);
    assert_false(cfg.admin_ui_enabled);
  }
  long before_bad = ftell(logf);
  assert_int_equal(before_bad, 0); /* good words log nothing */

  cfg.metrics_enabled = true;
  cfg.admin_ui_enabled = false;
  setenv("HIRO_METRICS", "maybe", 1);
  setenv("HIRO_ADMIN_UI", "2", 1);
  config_apply_env(&cfg);
  assert_true(cfg.metrics_enabled); /* unchanged */
  assert_false(cfg.admin_ui_enabled);

  unsetenv("HIRO_METRICS");
  setenv("HIRO_ADMIN_UI", "", 1); /* empty counts as unset */
  config_apply_env(&cfg);
  assert_true(cfg.metrics_enabled);
  assert_false(cfg.admin_ui_enabled);
  unsetenv("HIRO_ADMIN_UI");

  fflush(logf);
  rewind(logf);
  char logged[1024] = "";
  size_t n = fread(logged, 1, sizeof logged - 1, logf);
  logged[n] = '\0';
  assert_contains(logged, "ignoring HIRO_METRICS=maybe: expected");
  assert_contains(logged, "ignoring HIRO_ADMIN_UI=2: expected");
  log_set_output(NULL);
  log_set_level(HIRO_LOG_ERROR);
  fclose(logf);
  config_free(&cfg);

  bool v = true;
  assert_false(config_parse_bool_word("", &v));
  assert_false(config_parse_bool_word("truee", &v));
  assert_false(config_parse_bool_word(NULL, &v));
  assert_true(v);
}

/* ---- config_update ---- */

/* config_update with the report rendered as "key: old -> new" lines. */
static hiro_err update(const char *ws, const char *changes_json, char *report, size_t report_len,
                       char *err, size_t errlen) {
  cJSON *changes = cJSON_Parse(changes_json), *changed = cJSON_CreateObject();
  assert_non_null(changes);
  hiro_err rc = config_update(ws, changes, changed, err, errlen);
  size_t used = 0;
  if (report && report_len) report[0] = '\0';
  for (const cJSON *c = changed->child; c && report; c = c->next) {
    char was[256], now[256];
    config_describe_value(cJSON_GetObjectItemCaseSensitive(c, "old"), was, sizeof was);
    config_describe_value(cJSON_GetObjectItemCaseSensitive(c, "new"), now, sizeof now);
    used += (size_t)snprintf(report + used, report_len - used, "%s: %s -> %s\n", c->string, was, now);
  }
  cJSON_Delete(changes);
  cJSON_Delete(changed);
  return rc;
}

static void test_update_keeps_unknown_keys_and_order(void **state) {
  char *ws = make_ws();
  write_config(ws, "{\"zeta\": 1, \"http_port\": 1000,\n"
                   "\t\"custom\": {\"a\": [1, 2.25, \"q\\\"\"], \"b\": {}},\n"
                   "\t\"metrics_retention\": {\"raw_hours\": 5, \"extra\": true},\n"
                   "\t\"channels\": [{\"name\": \"x\", \"command\": [\"y\"], \"note\": \"keep\"}],\n"
                   "\t\"alpha\": null}");
  char report[512], err[512] = "";
  assert_int_equal(update(ws, "{\"http_port\": 2000, \"metrics_enabled\": true, "
                              "\"metrics_interval\": 2.5}",
                          report, sizeof report, err, sizeof err),
                   HIRO_OK);
  assert_string_equal(report, "http_port: 1000 -> 2000\n"
                              "metrics_enabled: false -> true\n"
                              "metrics_interval: 2 -> 2.5\n");
  char *text = read_all(ws_file(ws, "config.json"));
  assert_string_equal(text, "{\n"
                            "  \"zeta\": 1,\n"
                            "  \"http_port\": 2000,\n"
                            "  \"custom\": {\n"
                            "    \"a\": [1, 2.25, \"q\\\"\"],\n"
                            "    \"b\": {}\n"
                            "  },\n"
                            "  \"metrics_retention\": {\n"
                            "    \"raw_hours\": 5,\n"
                            "    \"extra\": true\n"
                            "  },\n"
                            "  \"channels\": [{\n"
                            "      \"name\": \"x\",\n"
                            "      \"command\": [\"y\"],\n"
                            "      \"note\": \"keep\"\n"
                            "    }],\n"
                            "  \"alpha\": null,\n"
                            "  \"metrics_enabled\": true,\n"
                            "  \"metrics_interval\": 2.5\n"
                            "}\n");
  free(text);

  struct stat st;
  assert_int_equal(stat(ws_file(ws, "config.json"), &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(count_entries(ws), 1); /* no temporary file left behind */

  hiro_config cfg;
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_OK);
  assert_int_equal(cfg.http_port, 2000);
  assert_true(cfg.metrics_interval == 2.5);
  assert_true(cfg.retention_raw_hours == 5);
  config_free(&cfg);
  drop_ws(ws);
}

static void test_update_round_trips_values(void **state) {
  char *ws = make_ws();
  const char *channels = "[{\"name\": \"we\\\"ird\\\\ ü\", \"command\": [\"/bin/sh\", \"-c\", "
                         "\"echo 'a\\tb'\\n\"], \"restart\": false}]";
  char changes[512], report[1024], err[512] = "";
  snprintf(changes, sizeof changes,
           "{\"channels\": %s, \"metrics_interval\": 0.1e1, \"api_token\": \"t\", "
           "\"metrics_retention\": {\"raw_hours\": 0.1, \"minute_days\": 1e3}}",
           channels);
  assert_int_equal(update(ws, changes, report, sizeof report, err, sizeof err), HIRO_OK);
  char *text = read_all(ws_file(ws, "config.json"));
  assert_null(strchr(text, '\t'));
  assert_int_equal(text[strlen(text) - 1], '\n');
  cJSON *written = cJSON_Parse(text), *expected = cJSON_Parse(changes);
  assert_true(cJSON_Compare(written, expected, 1));
  cJSON_Delete(written);
  cJSON_Delete(expected);
  free(text);

  hiro_config cfg;
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_OK);
  assert_string_equal(cfg.channels[0].name, "we\"ird\\ ü");
  assert_string_equal(cfg.channels[0].argv[2], "echo 'a\tb'\n");
  assert_true(cfg.retention_raw_hours == 0.1);
  assert_true(cfg.retention_minute_days == 1000);
  config_free(&cfg);
  drop_ws(ws);
}

static void test_update_rejects_invalid_result(void **state) {
  char *ws = make_ws();
  const char *original = "{\"http_port\": 1000, \"mine\": [1]}";
  write_config(ws, original);
  static const char *bad[] = {
      "{\"http_port\": 70000}",
      "{\"metrics_interval\": \"fast\"}",
      "{\"channels\": [{\"name\": \"a\", \"command\": [\"x\"]}, {\"name\": \"a\", \"command\": [\"y\"]}]}",
      "{\"no_such_key\": 1}",
  };
  static const char *named[] = {"key \"http_port\"", "key \"metrics_interval\"",
                                "key \"channels[1].name\"", "key \"no_such_key\": unknown key"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char report[256] = "x", err[512] = "";
    assert_int_equal(update(ws, bad[i], report, sizeof report, err, sizeof err), HIRO_EINVAL);
    assert_contains(err, named[i]);
    assert_string_equal(report, "");
    char *after = read_all(ws_file(ws, "config.json"));
    assert_string_equal(after, original);
    free(after);
    assert_int_equal(count_entries(ws), 1);
  }

  /* A file the server would refuse stays refused until the bad key is fixed. */
  write_config(ws, "{\"http_port\": \"oops\"}");
  char err[512] = "";
  assert_int_equal(update(ws, "{\"metrics_enabled\": true}", NULL, 0, err, sizeof err), HIRO_EINVAL);
  assert_contains(err, "key \"http_port\"");
  assert_int_equal(update(ws, "{\"http_port\": 8080}", NULL, 0, err, sizeof err), HIRO_OK);

  /* Invalid JSON is never overwritten. */
  const char *broken = "{\"http_port\": 1000,,}";
  write_config(ws, broken);
  assert_int_equal(update(ws, "{\"http_port\": 2000}", NULL, 0, err, sizeof err), HIRO_EPARSE);
  assert_contains(err, "line 1");
  char *after = read_all(ws_file(ws, "config.json"));
  assert_string_equal(after, broken);
  free(after);
  drop_ws(ws);
}

static void test_update_reports_only_changes(void **state) {
  char *ws = make_ws();
  char report[256], err[512] = "", sub[512];
  snprintf(sub, sizeof sub, "%s/a/b", ws);
  /* Missing workspace and file: both created; a default value is no change. */
  assert_int_equal(update(sub, "{\"http_port\": 18080, \"api_token\": null}", report,
                          sizeof report, err, sizeof err),
                   HIRO_OK);
  assert_string_equal(report, "");
  struct stat st;
  assert_int_equal(stat(sub, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);
  char *text = read_all(ws_file(sub, "config.json"));
  assert_string_equal(text, "{\n  \"http_port\": 18080,\n  \"api_token\": null\n}\n");
  free(text);

  /* Same values again: nothing reported, file not even rewritten. */
  const char *compact = "{\"http_port\":18080,\"api_token\":null}";
  write_config(sub, compact);
  assert_int_equal(update(sub, "{\"http_port\": 18080}", report, sizeof report, err, sizeof err),
                   HIRO_OK);
  assert_string_equal(report, "");
  text = read_all(ws_file(sub, "config.json"));
  assert_string_equal(text, compact);
  free(text);

  assert_int_equal(update(sub, "{\"api_token\": \"tok\", \"channels\": [{\"name\": \"d\", "
                               "\"command\": [\"/x\"]}]}",
                          report, sizeof report, err, sizeof err),
                   HIRO_OK);
  assert_string_equal(report, "api_token: null -> \"(set)\"\n" /* the token is never shown */
                              "channels: [] -> [{\"name\":\"d\",\"command\":[\"/x\"]}]\n");
  drop_ws(ws);
}

static void test_update_refuses_symlink(void **state) {
  char *ws = make_ws();
  char target[512], err[512] = "";
  snprintf(target, sizeof target, "%s/elsewhere.json", ws);
  write_bytes(target, "{}", 2);
  assert_int_equal(symlink(target, ws_file(ws, "config.json")), 0);
  assert_int_not_equal(update(ws, "{\"http_port\": 2000}", NULL, 0, err, sizeof err), HIRO_OK);
  assert_contains(err, "symbolic link");
  char *after = read_all(target);
  assert_string_equal(after, "{}");
  free(after);
  struct stat st;
  assert_int_equal(lstat(ws_file(ws, "config.json"), &st), 0);
  assert_true(S_ISLNK(st.st_mode));

  /* A dangling link must not create its target either. */
  unlink(ws_file(ws, "config.json"));
  snprintf(target, sizeof target, "%s/created-through-link.json", ws);
  assert_int_equal(symlink(target, ws_file(ws, "config.json")), 0);
  assert_int_not_equal(update(ws, "{\"http_port\": 2000}", NULL, 0, err, sizeof err), HIRO_OK);
  assert_int_equal(access(target, F_OK), -1);
  assert_int_equal(count_entries(ws), 2); /* elsewhere.json + the link */
  drop_ws(ws);
}

/* ---- warnings, limits and cross-key rules ---- */

static bool has_warning(const hiro_config *cfg, const char *a, const char *b) {
  for (size_t i = 0; i < cfg->n_warnings; i++)
    if (strstr(cfg->warnings[i], a) && (!b || strstr(cfg->warnings[i], b))) return true;
  return false;
}

static void test_unknown_keys_warn_with_suggestion(void **state) {
  char *ws = make_ws();
  write_config(ws, "{\"metrics_enabeld\": true, \"metrics_retention\": {\"raw_hour\": 5},"
                   " \"_comment\": \"mine\", \"zzzzzz\": 1,"
                   " \"channels\": [{\"name\": \"a\", \"command\": [\"/bin/true\"], \"restat\": false}]}");
  hiro_config cfg;
  char err[512] = "";
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_OK);
  assert_false(cfg.metrics_enabled); /* ignored, not guessed */
  assert_true(has_warning(&cfg, "unknown key \"metrics_enabeld\"", "did you mean \"metrics_enabled\"?"));
  assert_true(has_warning(&cfg, "unknown key \"metrics_retention.raw_hour\"",
                          "did you mean \"raw_hours\"?"));
  assert_true(has_warning(&cfg, "unknown key \"channels[0].restat\"", "did you mean \"restart\"?"));
  assert_true(has_warning(&cfg, "unknown key \"zzzzzz\" is ignored", NULL));
  assert_false(has_warning(&cfg, "zzzzzz", "did you mean"));
  assert_false(has_warning(&cfg, "_comment", NULL)); /* '_' keys are the user's own */
  assert_int_equal(cfg.n_warnings, 4);
  config_free(&cfg);
  assert_null(cfg.warnings);
  drop_ws(ws);
}

static void test_channel_limits_and_reserved_name(void **state) {
  char *ws = make_ws();
  hiro_config cfg;
  char err[512] = "";
  write_config(ws, "{\"channels\": [{\"name\": \"server\", \"command\": [\"/bin/true\"]}]}");
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_EINVAL);
  assert_contains(err, "key \"channels[0].name\": \"server\" is reserved");
  assert_non_null(config_channel_name_error("server"));
  assert_null(config_channel_name_error("servers"));

  /* One more than the collector samples: refused, not run half-visible. */
  size_t cap = 64 + (CONFIG_MAX_CHANNELS + 1) * 48;
  char *text = malloc(cap);
  for (int total = CONFIG_MAX_CHANNELS; total <= CONFIG_MAX_CHANNELS + 1; total++) {
    size_t used = (size_t)snprintf(text, cap, "{\"channels\": [");
    for (int i = 0; i < total; i++)
      used += (size_t)snprintf(text + used, cap - used, "%s{\"name\": \"p%d\", \"command\": [\"/bin/true\"]}",
                               i ? "," : "", i);
    snprintf(text + used, cap - used, "]}");
    write_config(ws, text);
    hiro_err rc = config_load(ws, &cfg, err, sizeof err);
    if (total == CONFIG_MAX_CHANNELS) {
      assert_int_equal(rc, HIRO_OK);
      assert_int_equal(cfg.n_channels, CONFIG_MAX_CHANNELS);
      config_free(&cfg);
    } else {
      assert_int_equal(rc, HIRO_EINVAL);
      assert_contains(err, "has 1025 entries; at most 1024 channel plugins are supported");
    }
  }
  free(text);
  drop_ws(ws);
}

static void test_commands_resolved_and_checked(void **state) {
  char *ws = make_ws();
  write_config(ws, "{\"channels\": [{\"name\": \"rel\", \"command\": [\"bin/plugin\", \"x/y\"]},"
                   " {\"name\": \"abs\", \"command\": [\"/bin/true\"]},"
                   " {\"name\": \"path\", \"command\": [\"sh\", \"-c\", \"true\"]},"
                   " {\"name\": \"gone\", \"command\": [\"no-such-program-xyz\"]},"
                   " {\"name\": \"dir\", \"command\": [\"/tmp\"]}]}");
  hiro_config cfg;
  char err[512] = "", expect[PATH_MAX];
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_OK);
  snprintf(expect, sizeof expect, "%s/bin/plugin", ws);
  assert_string_equal(cfg.channels[0].argv[0], expect); /* relative to the workspace */
  assert_string_equal(cfg.channels[0].argv[1], "x/y");  /* arguments stay as written */
  assert_true(has_warning(&cfg, "channel \"rel\": command", "does not exist"));
  assert_false(has_warning(&cfg, "\"abs\"", NULL));
  assert_false(has_warning(&cfg, "\"path\"", NULL));
  assert_true(has_warning(&cfg, "channel \"gone\"", "is not found in PATH"));
  assert_true(has_warning(&cfg, "channel \"dir\"", "is a directory"));
  config_free(&cfg);
  drop_ws(ws);
}

static void test_host_rules(void **state) {
  static const struct {
    const char *host, *token, *error; /* error NULL: accepted */
  } cases[] = {
      {"999.1.1.1", NULL, "is not a valid IPv4 address"},
      {"1.2.3", NULL, "is not a valid IPv4 address"},
      {"::zz", NULL, "is not a valid IPv6 address"},
      {"bad_host!", NULL, "is not an IP address or a host name"},
      {"-x.example", NULL, "is not an IP address or a host name"},
      {"0.0.0.0", NULL, "is not a loopback address"},
      {"10.1.2.3", NULL, "api_token"},
      {"0.0.0.0", "\"t\"", NULL},
      {"localhost", NULL, NULL},
      {"127.0.0.2", NULL, NULL},
      {"::1", NULL, NULL},
      {"build-01.example.net", "\"t\"", NULL},
  };
  char *ws = make_ws();
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[256], err[512] = "";
    snprintf(text, sizeof text, "{\"http_host\": \"%s\", \"api_token\": %s}", cases[i].host,
             cases[i].token ? cases[i].token : "null");
    write_config(ws, text);
    hiro_config cfg;
    hiro_err rc = config_load(ws, &cfg, err, sizeof err);
    if (!cases[i].error) {
      if (rc != HIRO_OK) fail_msg("case %zu (%s) refused: %s", i, cases[i].host, err);
      config_free(&cfg);
      continue;
    }
    if (rc != HIRO_EINVAL) fail_msg("case %zu (%s) accepted", i, cases[i].host);
    assert_contains(err, "key \"http_host\"");
    assert_contains(err, cases[i].error);
  }
  drop_ws(ws);
}

static void test_update_merges_objects_and_hides_the_token(void **state) {
  char *ws = make_ws();
  write_config(ws, "{\"metrics_retention\": {\"minute_days\": 7, \"extra\": 1}, \"api_token\": \"old\"}");
  char report[512], err[512] = "";
  assert_int_equal(update(ws, "{\"metrics_retention\": {\"raw_hours\": 5}, \"api_token\": \"new\"}",
                          report, sizeof report, err, sizeof err),
                   HIRO_OK);
  assert_string_equal(report, "metrics_retention.raw_hours: 48 -> 5\n"
                              "api_token: \"(set)\" -> \"(set)\"\n");
  hiro_config cfg;
  assert_int_equal(config_load(ws, &cfg, err, sizeof err), HIRO_OK);
  assert_true(cfg.retention_raw_hours == 5);
  assert_true(cfg.retention_minute_days == 7); /* the sibling is kept */
  assert_string_equal(cfg.api_token, "new");
  config_free(&cfg);
  char *text = read_all(ws_file(ws, "config.json"));
  assert_contains(text, "\"extra\": 1");
  free(text);
  assert_int_equal(update(ws, "{\"metrics_retention\": {\"raw_hourz\": 5}}", report, sizeof report,
                          err, sizeof err),
                   HIRO_EINVAL);
  assert_contains(err, "key \"metrics_retention.raw_hourz\": unknown key");
  drop_ws(ws);
}

static void test_env_warning_is_kept(void **state) {
  hiro_config cfg;
  config_defaults(&cfg, "/nonexistent-ws");
  setenv("HIRO_METRICS", "maybe", 1);
  config_apply_env(&cfg);
  unsetenv("HIRO_METRICS");
  assert_true(has_warning(&cfg, "ignoring HIRO_METRICS=maybe", NULL));
  config_free(&cfg);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_missing_file_gives_defaults),
      cmocka_unit_test(test_full_valid_file),
      cmocka_unit_test(test_bad_values_name_the_key),
      cmocka_unit_test(test_boundaries_accepted),
      cmocka_unit_test(test_exact_message),
      cmocka_unit_test(test_invalid_json_names_line),
      cmocka_unit_test(test_unreadable_file),
      cmocka_unit_test(test_db_path_resolution),
      cmocka_unit_test(test_env_overrides),
      cmocka_unit_test(test_update_keeps_unknown_keys_and_order),
      cmocka_unit_test(test_update_round_trips_values),
      cmocka_unit_test(test_update_rejects_invalid_result),
      cmocka_unit_test(test_update_reports_only_changes),
      cmocka_unit_test(test_update_refuses_symlink),
      cmocka_unit_test(test_unknown_keys_warn_with_suggestion),
      cmocka_unit_test(test_channel_limits_and_reserved_name),
      cmocka_unit_test(test_commands_resolved_and_checked),
      cmocka_unit_test(test_host_rules),
      cmocka_unit_test(test_update_merges_objects_and_hides_the_token),
      cmocka_unit_test(test_env_warning_is_kept),
  };
  log_set_level(HIRO_LOG_ERROR); /* the warnings are checked in the config, not on stderr */
  return cmocka_run_group_tests(tests, NULL, NULL);
}
