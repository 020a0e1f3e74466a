/* config_load.c - reading config.json: parse with line and column in errors,
 * validate and store every key as the key table describes it, apply the
 * environment overrides, and collect warnings (unknown keys are kept in the
 * file and ignored, with a "did you mean"). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "http/http.h"
#include "server/config_internal.h"

/* ---- warnings and environment overrides ---- */
void config_warn(hiro_config *cfg, const char *fmt, ...) {
  char text[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  log_warn("config: %s", text);
  cfg->warnings = xrealloc(cfg->warnings, (cfg->n_warnings + 1) * sizeof *cfg->warnings);
  cfg->warnings[cfg->n_warnings++] = xstrdup(text);
}

void config_warn_port_clash(hiro_config *cfg) {
  if (cfg->admin_ui_enabled && cfg->admin_ui_port == cfg->http_port)
    config_warn(cfg, "admin_ui_port and http_port are both %d; the admin UI cannot listen",
                cfg->http_port);
}

bool config_parse_bool_word(const char *word, bool *value) {
  static const char *yes[] = {"1", "true", "yes", "on"}, *no[] = {"0", "false", "no", "off"};
  for (size_t i = 0; word && i < HIRO_ARRAY_LEN(yes); i++) {
    if (strcasecmp(word, yes[i]) == 0) return *value = true, true;
    if (strcasecmp(word, no[i]) == 0) return *value = false, true;
  }
  return false;
}

static void apply_env_bool(hiro_config *cfg, const char *name, bool *field) {
  const char *word = getenv(name);
  if (!word || !word[0]) return; /* unset or set empty: no override */
  if (config_parse_bool_word(word, field)) return;
  char shown[40];
  size_t i = 0;
  for (; word[i] && i < sizeof shown - 1; i++)
    shown[i] = (unsigned char)word[i] < 0x20 || word[i] == 0x7f ? '?' : word[i];
  shown[i] = '\0';
  config_warn(cfg, "ignoring %s=%s%s: expected 1/true/yes/on or 0/false/no/off", name, shown,
              word[i] ? "..." : "");
}

void config_apply_env(hiro_config *cfg) {
  apply_env_bool(cfg, "HIRO_METRICS", &cfg->metrics_enabled);
  bool admin_before = cfg->admin_ui_enabled;
  apply_env_bool(cfg, "HIRO_ADMIN_UI", &cfg->admin_ui_enabled);
  if (!admin_before) config_warn_port_clash(cfg);
}

/* ---- parsing ---- */

/* 1-based line and column (in characters, not bytes) of text[pos]. */
static void text_position(const char *text, size_t pos, int *line, int *col) {
  *line = 1;
  *col = 1;
  size_t start = strncmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0; /* BOM: not a column */
  for (size_t i = start; i < pos; i++) {
    if (text[i] == '\n') {
      (*line)++;
      *col = 1;
    } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
      (*col)++;
    }
  }
}

hiro_err config_parse_text(const char *file, const char *text, size_t len, cJSON **out, char *err,
                           size_t errlen) {
  *out = NULL;
  int line, col;
  size_t nul = strlen(text);
  if (nul < len) {
    text_position(text, nul, &line, &col);
    hiro_set_err(err, errlen, "%s: line %d, column %d: NUL byte in the file", file, line, col);
    return HIRO_EPARSE;
  }
  if (strspn(text, " \t\r\n") == len) {
    hiro_set_err(err, errlen, "%s: file is empty; expected a JSON object such as {}", file);
    return HIRO_EPARSE;
  }
  const char *end = NULL;
  /* Length includes the NUL: cJSON's null-terminated check needs to see it. */
  cJSON *root = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
  if (!root) {
    size_t pos = end && end >= text ? (size_t)(end - text) : 0;
    text_position(text, pos, &line, &col);
    /* cJSON's position is approximate (string errors land one past), so the
     * snippet is only a hint and stops at the end of the line. */
    char near[24] = "";
    for (size_t i = 0; pos + i < len && i < sizeof near - 1; i++) {
      if ((unsigned char)text[pos + i] < 0x20) break;
      near[i] = text[pos + i];
    }
    if (pos >= len)
      hiro_set_err(err, errlen, "%s: line %d, column %d: invalid JSON: unexpected end of file",
                   file, line, col);
    else
      hiro_set_err(err, errlen, "%s: line %d, column %d: invalid JSON%s%s%s", file, line, col,
                   near[0] ? " near '" : "", near, near[0] ? "'" : "");
    return HIRO_EPARSE;
  }
  if (!cJSON_IsObject(root)) {
    char got[48];
    config_describe_value(root, got, sizeof got);
    hiro_set_err(err, errlen, "%s: the top level must be a JSON object {...} (got %s)", file, got);
    cJSON_Delete(root);
    return HIRO_EPARSE;
  }
  *out = root;
  return HIRO_OK;
}

/* ---- validate and store, both driven by the key table ---- */

typedef struct {
  const char *file;      /* for messages */
  const char *workspace; /* absolute, for KF_PATH and relative commands */
  hiro_config *cfg;      /* for warnings */
  char *err;
  size_t errlen;
} load_ctx;

static hiro_err key_error(load_ctx *c, const char *key, const cJSON *got, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static hiro_err key_error(load_ctx *c, const char *key, const cJSON *got, const char *fmt, ...) {
  char why[256], seen[72] = "";
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  if (got) config_describe_value(got, seen, sizeof seen);
  hiro_set_err(c->err, c->errlen, "%s: key \"%s\": %s%s%s%s", c->file, key, why,
               got ? " (got " : "", seen, got ? ")" : "");
  return HIRO_EINVAL;
}

/* Count the occurrences of key among obj's members (cJSON keeps duplicates). */
static int count_members(const cJSON *obj, const char *key) {
  int n = 0;
  for (const cJSON *m = obj ? obj->child : NULL; m; m = m->next)
    if (m->string && strcmp(m->string, key) == 0) n++;
  return n;
}

static bool number_ok(const key_desc *k, const cJSON *v) {
  if (!cJSON_IsNumber(v)) return false;
  double d = v->valuedouble;
  if (!isfinite(d) || (k->type == KT_INT && d != trunc(d))) return false;
  bool above = k->flags & KF_ABOVE_MIN ? d > k->min : d >= k->min;
  return above && d <= k->max;
}

static bool has_control_char(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return true;
  return false;
}

static bool string_ok(const key_desc *k, const cJSON *v) {
  if (!cJSON_IsString(v)) return false;
  size_t len = strlen(v->valuestring);
  return len >= k->min && len <= k->max &&
         !((k->flags & KF_NO_CTRL) && has_control_char(v->valuestring));
}

/* dir/name as a new heap string. */
static char *joined(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *out = xmalloc(n);
  config_join_path(out, n, dir, name);
  return out;
}

static void store_string(load_ctx *c, const key_desc *k, const cJSON *v, char *field) {
  if (!(k->flags & KF_HEAP)) {
    hiro_strlcpy(field, v->valuestring, k->size);
    return;
  }
  char **slot = (char **)field;
  free(*slot);
  *slot = NULL;
  if (cJSON_IsNull(v)) return;
  const char *s = v->valuestring;
  *slot = (k->flags & KF_PATH) && s[0] != '/' ? joined(c->workspace, s) : xstrdup(s);
}

/* Why the program of a plugin cannot run, or NULL. A bare name is looked up
 * in PATH as execvp will. */
static const char *command_problem(const char *program) {
  struct stat st;
  if (strchr(program, '/')) {
    if (stat(program, &st) != 0) return errno == ENOENT ? "does not exist" : strerror(errno);
    if (S_ISDIR(st.st_mode)) return "is a directory";
    return access(program, X_OK) == 0 ? NULL : "is not executable";
  }
  const char *path = getenv("PATH");
  for (const char *dir = path && *path ? path : "/usr/local/bin:/usr/bin:/bin"; *dir;) {
    size_t len = strcspn(dir, ":");
    char candidate[PATH_MAX];
    if (snprintf(candidate, sizeof candidate, "%.*s/%s", (int)(len ? len : 1), len ? dir : ".",
                 program) < (int)sizeof candidate &&
        stat(candidate, &st) == 0 && S_ISREG(st.st_mode) && access(candidate, X_OK) == 0)
      return NULL;
    dir += len + (dir[len] == ':');
  }
  return "is not found in PATH";
}

/* channels[i].command -> argv (NULL-terminated copies) and argc. A program
 * with a slash that is not absolute is relative to the workspace, like
 * metrics_db_path. */
static hiro_err load_argv(load_ctx *c, const key_desc *k, const cJSON *v, channel_config *ch,
                          const char *key) {
  char why[96], elem[KEY_PATH_MAX + 32];
  config_expectation(k, why, sizeof why);
  int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
  if (n == 0) return key_error(c, key, v, "%s", why);
  ch->argv = xcalloc((size_t)n + 1, sizeof *ch->argv);
  const cJSON *arg = v->child;
  for (int i = 0; i < n; i++, arg = arg->next) {
    if (!cJSON_IsString(arg) || arg->valuestring[0] == '\0') {
      snprintf(elem, sizeof elem, "%s[%d]", key, i);
      return key_error(c, elem, arg, "%s", why);
    }
    const char *s = arg->valuestring;
    ch->argv[i] = i == 0 && s[0] != '/' && strchr(s, '/') ? joined(c->workspace, s) : xstrdup(s);
    ch->argc = (size_t)i + 1;
  }
  const char *problem = command_problem(ch->argv[0]);
  if (problem)
    config_warn(c->cfg, "%s: channel \"%s\": command %s %s; the plugin cannot start", c->file,
                ch->name, ch->argv[0], problem);
  return HIRO_OK;
}

static hiro_err load_object(load_ctx *c, const key_desc *table, const cJSON *obj, void *target,
                            const char *prefix);

static hiro_err load_channels(load_ctx *c, const key_desc *k, const cJSON *v, hiro_config *cfg,
                              const char *key) {
  char why[96], elem[KEY_PATH_MAX + 32];
  config_expectation(k, why, sizeof why);
  if (!cJSON_IsArray(v)) return key_error(c, key, v, "%s", why);
  size_t n = (size_t)cJSON_GetArraySize(v);
  if (n > k->max)
    return key_error(c, key, NULL, "has %zu entries; at most %.0f channel plugins are supported", n,
                     k->max);
  cfg->channels = xcalloc(n ? n : 1, sizeof *cfg->channels);
  const cJSON *entry = v->child;
  for (size_t i = 0; i < n; i++, entry = entry->next) {
    snprintf(elem, sizeof elem, "%s[%zu]", key, i);
    if (!cJSON_IsObject(entry)) return key_error(c, elem, entry, "must be an object");
    cfg->n_channels = i + 1; /* so config_free releases a half-filled entry */
    hiro_err rc = load_object(c, k->sub, entry, &cfg->channels[i], elem);
    if (rc != HIRO_OK) return rc;
    for (size_t j = 0; j < i; j++) {
      if (strcmp(cfg->channels[j].name, cfg->channels[i].name) != 0) continue;
      snprintf(elem, sizeof elem, "%s[%zu].name", key, i);
      return key_error(c, elem, NULL, "duplicate name \"%s\" (also %s[%zu])", cfg->channels[i].name,
                       key, j);
    }
  }
  return HIRO_OK;
}

static hiro_err load_string(load_ctx *c, const key_desc *k, const cJSON *v, char *field,
                            const char *key, const char *why) {
  if (!(cJSON_IsNull(v) && (k->flags & KF_NULLABLE)) && !string_ok(k, v))
    return key_error(c, key, v, "%s", why);
  const char *problem = NULL;
  if (cJSON_IsString(v) && (k->flags & KF_HOST)) problem = config_host_error(v->valuestring);
  if (cJSON_IsString(v) && (k->flags & KF_CHANNEL_NAME))
    problem = config_channel_name_error(v->valuestring);
  if (problem) return key_error(c, key, v, "%s", problem);
  store_string(c, k, v, field);
  return HIRO_OK;
}

static hiro_err load_value(load_ctx *c, const key_desc *k, const cJSON *v, void *target,
                           const char *key) {
  char *field = (char *)target + k->offset;
  char why[128];
  config_expectation(k, why, sizeof why);
  switch (k->type) {
  case KT_BOOL:
    if (!cJSON_IsBool(v)) return key_error(c, key, v, "%s", why);
    *(bool *)field = cJSON_IsTrue(v);
    return HIRO_OK;
  case KT_INT:
    if (!number_ok(k, v)) return key_error(c, key, v, "%s", why);
    if (k->size == sizeof(size_t))
      *(size_t *)field = (size_t)v->valuedouble;
    else
      *(int *)field = (int)v->valuedouble;
    return HIRO_OK;
  case KT_NUMBER:
    if (!number_ok(k, v)) return key_error(c, key, v, "%s", why);
    *(double *)field = v->valuedouble;
    return HIRO_OK;
  case KT_STRING: return load_string(c, k, v, field, key, why);
  case KT_OBJECT:
    if (!cJSON_IsObject(v)) return key_error(c, key, v, "%s", why);
    return load_object(c, k->sub, v, target, key);
  case KT_CHANNELS: return load_channels(c, k, v, target, key);
  case KT_ARGV: return load_argv(c, k, v, target, key);
  }
  return HIRO_EINVAL;
}

/* Members of obj the table does not know: kept in the file, ignored, and
 * named in a warning with the closest known key. Keys starting with '_' are
 * the user's own (comments) and pass silently. */
static void warn_unknown_keys(load_ctx *c, const key_desc *table, const cJSON *obj,
                              const char *prefix) {
  for (const cJSON *m = obj->child; m; m = m->next) {
    if (!m->string || m->string[0] == '_' || config_find_key(table, m->string)) continue;
    const char *guess = config_suggest_key(table, m->string);
    config_warn(c->cfg, "%s: unknown key \"%s%s%s\" is ignored%s%s%s", c->file, prefix,
                prefix[0] ? "." : "", m->string, guess ? " (did you mean \"" : "",
                guess ? guess : "", guess ? "\"?)" : "");
  }
}

/* Fill target from obj's members as table describes them; a missing key takes
 * its default, a missing required key is an error. */
static hiro_err load_object(load_ctx *c, const key_desc *table, const cJSON *obj, void *target,
                            const char *prefix) {
  for (const key_desc *k = table; k->name; k++) {
    char key[KEY_PATH_MAX];
    snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "", k->name);
    if (count_members(obj, k->name) > 1)
      return key_error(c, key, NULL, "appears more than once; keep one");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, k->name);
    if (!v && !k->def) return key_error(c, key, NULL, "is required but missing");
    cJSON *def = v ? NULL : config_default_json(k);
    hiro_err rc = load_value(c, k, v ? v : def, target, key);
    cJSON_Delete(def);
    if (rc != HIRO_OK) return rc;
  }
  warn_unknown_keys(c, table, obj, prefix);
  return HIRO_OK;
}

/* The workspace as an absolute path (heap), so paths survive a chdir. */
static char *absolute_workspace(const char *workspace) {
  char cwd[PATH_MAX];
  if (workspace[0] == '/' || !getcwd(cwd, sizeof cwd)) return xstrdup(workspace);
  return joined(cwd, workspace);
}

/* Rules that span keys. */
static hiro_err check_whole(load_ctx *c, const hiro_config *cfg) {
  if (!cfg->api_token && !http_host_is_loopback(cfg->http_host))
    return key_error(c, "http_host", NULL,
                     "%s is not a loopback address: the REST API is then reachable from other "
                     "machines and needs an api_token (hirocli setup --token-file FILE)",
                     cfg->http_host);
  return HIRO_OK;
}

hiro_err config_load_json(const char *file, const char *workspace, const cJSON *root,
                          hiro_config *cfg, char *err, size_t errlen) {
  memset(cfg, 0, sizeof *cfg);
  char *ws = absolute_workspace(workspace);
  load_ctx c = {file, ws, cfg, err, errlen};
  hiro_err rc = load_object(&c, config_keys, root, cfg, "");
  if (rc == HIRO_OK) rc = check_whole(&c, cfg);
  free(ws);
  if (rc != HIRO_OK) config_free(cfg);
  return rc;
}

void config_defaults(hiro_config *cfg, const char *workspace) {
  cJSON *empty = cJSON_CreateObject();
  char err[256];
  if (config_load_json("(defaults)", workspace, empty, cfg, err, sizeof err) != HIRO_OK) {
    fprintf(stderr, "hiro: bad config defaults: %s\n", err); /* a bug in the key table */
    abort();
  }
  cJSON_Delete(empty);
}

hiro_err config_load(const char *workspace, hiro_config *cfg, char *err, size_t errlen) {
  memset(cfg, 0, sizeof *cfg);
  char path[PATH_MAX];
  if (!config_file_path(workspace, path, sizeof path, err, errlen)) return HIRO_EINVAL;
  char *text = NULL;
  size_t len = 0;
  hiro_err rc = config_read_file(path, false, &text, &len, err, errlen);
  if (rc == HIRO_ENOENT) {
    config_defaults(cfg, workspace);
    config_warn_port_clash(cfg);
    return HIRO_OK;
  }
  if (rc != HIRO_OK) return rc;
  cJSON *root = NULL;
  rc = config_parse_text(path, text, len, &root, err, errlen);
  if (rc == HIRO_OK) rc = config_load_json(path, workspace, root, cfg, err, errlen);
  if (rc == HIRO_OK) config_warn_port_clash(cfg);
  cJSON_Delete(root);
  free(text);
  return rc;
}

void config_free(hiro_config *cfg) {
  if (!cfg) return;
  free(cfg->api_token);
  free(cfg->metrics_db_path);
  for (size_t i = 0; i < cfg->n_channels; i++) {
    for (size_t a = 0; cfg->channels[i].argv && cfg->channels[i].argv[a]; a++)
      free(cfg->channels[i].argv[a]);
    free(cfg->channels[i].argv);
  }
  free(cfg->channels);
  for (size_t i = 0; i < cfg->n_warnings; i++) free(cfg->warnings[i]);
  free(cfg->warnings);
  memset(cfg, 0, sizeof *cfg);
}
