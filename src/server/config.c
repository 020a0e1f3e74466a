/* config.c - config.json: one key table drives the defaults, the loader, the
 * validator, the atomic rewrite done by `hirocli setup` and every message. */
#include "server/config.h"

#include <errno.h>
#include <fcntl.h>
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

#define CONFIG_FILE_MAX (1024 * 1024) /* a config larger than this is a mistake */
#define INLINE_WIDTH 80               /* the writer keeps short containers on a line */
#define KEY_PATH_MAX 192          /* "channels[12].command[3]" and the like */

typedef enum {
  KT_BOOL,     /* JSON true/false -> bool */
  KT_INT,      /* integral number in [min, max] -> int or size_t (by field size) */
  KT_NUMBER,   /* number in [min, max] (or (min, max] with KF_ABOVE_MIN) -> double */
  KT_STRING,   /* string of min..max bytes -> char[] (or char * with KF_HEAP) */
  KT_OBJECT,   /* object whose sub-keys fill the same target struct */
  KT_CHANNELS, /* array of objects described by sub, one channel_config each */
  KT_ARGV,     /* non-empty array of non-empty strings -> channel_config argv/argc */
} key_type;

enum {
  KF_ABOVE_MIN = 1 << 0, /* KT_NUMBER: min itself is excluded */
  KF_HEAP = 1 << 1,      /* KT_STRING: field is a char * owned by the config */
  KF_NULLABLE = 1 << 2,  /* KT_STRING: null is accepted and stored as NULL */
  KF_PATH = 1 << 3,      /* KT_STRING: resolved against the workspace */
  KF_NO_CTRL = 1 << 4,   /* KT_STRING: no control characters */
};

typedef struct key_desc {
  const char *name;
  key_type type;
  unsigned flags;
  double min, max;            /* value bounds; for strings, byte lengths */
  const char *def;            /* default as JSON text; NULL: the key is required.
                               * KT_OBJECT: "{}", the sub-keys hold the defaults */
  size_t offset, size;        /* the field in the target struct */
  const struct key_desc *sub; /* KT_OBJECT / KT_CHANNELS: sub-keys, ending at name NULL */
} key_desc;

#define CFG(m) offsetof(hiro_config, m), sizeof(((hiro_config *)0)->m)
#define CHAN(m) offsetof(channel_config, m), sizeof(((channel_config *)0)->m)

static const key_desc retention_keys[] = {
    {"raw_hours", KT_NUMBER, KF_ABOVE_MIN, 0, 1e6, "48", CFG(retention_raw_hours), NULL},
    {"minute_days", KT_NUMBER, KF_ABOVE_MIN, 0, 1e6, "30", CFG(retention_minute_days), NULL},
    {"hour_days", KT_NUMBER, KF_ABOVE_MIN, 0, 1e6, "400", CFG(retention_hour_days), NULL},
    {NULL, 0, 0, 0, 0, NULL, 0, 0, NULL},
};

static const key_desc channel_keys[] = {
    {"name", KT_STRING, KF_NO_CTRL, 1, HIRO_NAME_MAX - 1, NULL, CHAN(name), NULL},
    {"command", KT_ARGV, 0, 0, 0, NULL, CHAN(argv), NULL},
    {"restart", KT_BOOL, 0, 0, 0, "true", CHAN(restart), NULL},
    {NULL, 0, 0, 0, 0, NULL, 0, 0, NULL},
};

static const key_desc config_keys[] = {
    {"http_host", KT_STRING, KF_NO_CTRL, 1, 255, "\"127.0.0.1\"", CFG(http_host), NULL},
    {"http_port", KT_INT, 0, 1, 65535, "18080", CFG(http_port), NULL},
    {"admin_ui_enabled", KT_BOOL, 0, 0, 0, "false", CFG(admin_ui_enabled), NULL},
    {"admin_ui_port", KT_INT, 0, 1, 65535, "18081", CFG(admin_ui_port), NULL},
    {"api_token", KT_STRING, KF_HEAP | KF_NULLABLE | KF_NO_CTRL, 1, 4096, "null", CFG(api_token),
     NULL},
    {"metrics_enabled", KT_BOOL, 0, 0, 0, "false", CFG(metrics_enabled), NULL},
    {"metrics_interval", KT_NUMBER, 0, 1, 3600, "2.0", CFG(metrics_interval), NULL},
    {"metrics_history_size", KT_INT, 0, 1, 1000000, "1800", CFG(metrics_history_size), NULL},
    {"metrics_db_path", KT_STRING, KF_HEAP | KF_PATH, 1, 4000, "\"metrics.db\"",
     CFG(metrics_db_path), NULL},
    {"metrics_persist", KT_BOOL, 0, 0, 0, "true", CFG(metrics_persist), NULL},
    {"metrics_retention", KT_OBJECT, 0, 0, 0, "{}", 0, 0, retention_keys},
    {"channels", KT_CHANNELS, 0, 0, 0, "[]", CFG(channels), channel_keys},
    {NULL, 0, 0, 0, 0, NULL, 0, 0, NULL},
};

/* ---- small helpers ---------------------------------------------------------------- */

typedef struct {
  char *data;
  size_t len, cap;
} strbuf;

static void sb_add(strbuf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    b->cap = (b->len + n + 1) * 2;
    b->data = xrealloc(b->data, b->cap);
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void sb_puts(strbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(strbuf *b, const char *fmt, ...) {
  va_list ap, again;
  va_start(ap, fmt);
  va_copy(again, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n > 0) {
    if (b->len + (size_t)n + 1 > b->cap) {
      b->cap = (b->len + (size_t)n + 1) * 2;
      b->data = xrealloc(b->data, b->cap);
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
    b->len += (size_t)n;
  }
  va_end(again);
}

static void sb_indent(strbuf *b, int depth) {
  for (int i = 0; i < depth; i++) sb_add(b, "  ", 2);
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

static bool has_control_char(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return true;
  return false;
}

/* Count the occurrences of key among obj's members (cJSON keeps duplicates). */
static int count_members(const cJSON *obj, const char *key) {
  int n = 0;
  for (const cJSON *m = obj ? obj->child : NULL; m; m = m->next)
    if (m->string && strcmp(m->string, key) == 0) n++;
  return n;
}

static const key_desc *find_key(const key_desc *table, const char *name) {
  for (const key_desc *k = table; k->name; k++)
    if (strcmp(k->name, name) == 0) return k;
  return NULL;
}

/* k's default as a new JSON value (caller deletes); an object's default is
 * built from its sub-keys so that messages and reports show real values. */
static cJSON *default_json(const key_desc *k) {
  if (k->type != KT_OBJECT) return cJSON_Parse(k->def);
  cJSON *obj = cJSON_CreateObject();
  for (const key_desc *sub = k->sub; sub->name; sub++)
    cJSON_AddItemToObject(obj, sub->name, default_json(sub));
  return obj;
}

/* "<workspace>/config.json" without doubling the workspace's trailing slashes.
 * Returns false when buf is too small. */
static bool join_path(char *buf, size_t n, const char *dir, const char *name) {
  size_t len = strlen(dir);
  while (len > 1 && dir[len - 1] == '/') len--;
  int w = snprintf(buf, n, "%.*s/%s", (int)len, dir, name);
  return w >= 0 && (size_t)w < n;
}

/* config.json's path for load/update, with a message when it cannot be made. */
static bool config_file(const char *workspace, char *buf, size_t n, char *err, size_t errlen) {
  if (workspace && workspace[0] && join_path(buf, n, workspace, "config.json")) return true;
  set_err(err, errlen, "workspace path is %s: %s", workspace && workspace[0] ? "too long" : "empty",
          workspace ? workspace : "(null)");
  return false;
}

char *config_path(const char *workspace, char *buf, size_t n) {
  if (!join_path(buf, n, workspace, "config.json") && n > 0) buf[0] = '\0';
  return buf;
}

/* ---- JSON writer: 2-space indent, short scalar-only containers on one line --------- */

static void emit_string(strbuf *b, const char *s) {
  sb_add(b, "\"", 1);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
                    : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
    if (esc)
      sb_puts(b, esc);
    else if (c < 0x20)
      sb_printf(b, "\\u%04x", c);
    else
      sb_add(b, s, 1);
  }
  sb_add(b, "\"", 1);
}

/* Shortest text that reads back as exactly d. False for inf/nan (not JSON). */
static bool emit_number(strbuf *b, double d) {
  if (!isfinite(d)) return false;
  if (d == trunc(d) && fabs(d) < 1e15) {
    sb_printf(b, "%.0f", d);
    return true;
  }
  char tmp[64];
  snprintf(tmp, sizeof tmp, "%.15g", d);
  if (strtod(tmp, NULL) != d) snprintf(tmp, sizeof tmp, "%.17g", d);
  sb_puts(b, tmp);
  return true;
}

static bool is_container(const cJSON *v) { return cJSON_IsArray(v) || cJSON_IsObject(v); }

static bool emit_value(strbuf *b, const cJSON *v, int depth, size_t column);

/* v on one line: [a, b] and { "k": v }, containers included. */
static bool emit_line(strbuf *b, const cJSON *v) {
  if (!is_container(v) || !v->child) return emit_value(b, v, 0, 0);
  bool obj = cJSON_IsObject(v);
  sb_puts(b, obj ? "{ " : "[");
  for (const cJSON *m = v->child; m; m = m->next) {
    if (obj) {
      emit_string(b, m->string);
      sb_puts(b, ": ");
    }
    if (!emit_line(b, m)) return false;
    if (m->next) sb_puts(b, ", ");
  }
  sb_puts(b, obj ? " }" : "]");
  return true;
}

/* Scalar-only containers go on one line when it fits within INLINE_WIDTH. */
static bool emit_inline(strbuf *b, const cJSON *v, size_t column) {
  for (const cJSON *m = v->child; m; m = m->next)
    if (is_container(m)) return false;
  strbuf line = {0};
  bool fits = emit_line(&line, v) && column + line.len <= INLINE_WIDTH;
  if (fits) sb_add(b, line.data, line.len);
  free(line.data);
  return fits;
}

static bool emit_container(strbuf *b, const cJSON *v, int depth, size_t column) {
  bool obj = cJSON_IsObject(v);
  if (!v->child) {
    sb_puts(b, obj ? "{}" : "[]");
    return true;
  }
  if (depth > 0 && emit_inline(b, v, column)) return true;
  sb_puts(b, obj ? "{\n" : "[\n");
  for (const cJSON *m = v->child; m; m = m->next) {
    size_t start = b->len;
    sb_indent(b, depth + 1);
    if (obj) {
      emit_string(b, m->string);
      sb_puts(b, ": ");
    }
    if (!emit_value(b, m, depth + 1, b->len - start)) return false;
    sb_puts(b, m->next ? ",\n" : "\n");
  }
  sb_indent(b, depth);
  sb_puts(b, obj ? "}" : "]");
  return true;
}

/* Append v as JSON. False when v holds a number JSON cannot express. */
static bool emit_value(strbuf *b, const cJSON *v, int depth, size_t column) {
  if (cJSON_IsNull(v)) sb_puts(b, "null");
  else if (cJSON_IsTrue(v)) sb_puts(b, "true");
  else if (cJSON_IsFalse(v)) sb_puts(b, "false");
  else if (cJSON_IsNumber(v)) return emit_number(b, v->valuedouble);
  else if (cJSON_IsString(v)) emit_string(b, v->valuestring);
  else if (is_container(v)) return emit_container(b, v, depth, column);
  else return false; /* cJSON_Raw/invalid: never produced by the parser */
  return true;
}

/* Compact one-line JSON of v for messages, cut at max bytes with "...". */
static void describe_value(const cJSON *v, char *out, size_t max) {
  strbuf b = {0};
  if (!v) sb_puts(&b, "nothing");
  else if (!emit_line(&b, v)) sb_puts(&b, "a number out of range");
  if (b.len >= max && max > 4) memcpy(b.data + max - 4, "...", 4);
  hiro_strlcpy(out, b.data ? b.data : "", max);
  free(b.data);
}

/* ---- reading and parsing ------------------------------------------------------------ */

/* Read path (at most CONFIG_FILE_MAX bytes) into a NUL-terminated heap buffer.
 * HIRO_ENOENT when it does not exist (err untouched); other failures set err.
 * With nofollow, a symlink at path is an error. */
static hiro_err read_config_file(const char *path, bool nofollow, char **text, size_t *len,
                                 char *err, size_t errlen) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
  if (fd < 0 && errno == ENOENT) return HIRO_ENOENT;
  if (fd < 0) {
    set_err(err, errlen, "%s: %s", path,
            errno == ELOOP ? "is a symbolic link; refusing to use it" : strerror(errno));
    return HIRO_EIO;
  }
  hiro_err rc = HIRO_EIO;
  char *buf = NULL;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    set_err(err, errlen, "%s: %s", path, strerror(errno));
    goto out;
  }
  if (!S_ISREG(st.st_mode)) {
    set_err(err, errlen, "%s: %s", path,
            S_ISDIR(st.st_mode) ? "is a directory, not a file" : "is not a regular file");
    goto out;
  }
  buf = xmalloc(CONFIG_FILE_MAX + 2);
  size_t got = 0;
  while (got <= CONFIG_FILE_MAX) {
    ssize_t n = read(fd, buf + got, CONFIG_FILE_MAX + 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      set_err(err, errlen, "%s: read failed: %s", path, strerror(errno));
      goto out;
    }
    if (n == 0) break;
    got += (size_t)n;
  }
  if (got > CONFIG_FILE_MAX) {
    set_err(err, errlen, "%s: file is too large (more than %d bytes); is this a config file?",
            path, CONFIG_FILE_MAX);
    rc = HIRO_EINVAL;
    goto out;
  }
  buf[got] = '\0';
  *text = buf;
  *len = got;
  buf = NULL;
  rc = HIRO_OK;
out:
  free(buf);
  close(fd);
  return rc;
}

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

/* Parse text (len bytes, NUL-terminated) as one JSON object. On error returns
 * HIRO_EPARSE with err naming file, line and column; *out is then NULL. */
static hiro_err parse_config_text(const char *file, const char *text, size_t len, cJSON **out,
                                  char *err, size_t errlen) {
  *out = NULL;
  int line, col;
  size_t nul = strlen(text);
  if (nul < len) {
    text_position(text, nul, &line, &col);
    set_err(err, errlen, "%s: line %d, column %d: NUL byte in the file", file, line, col);
    return HIRO_EPARSE;
  }
  if (strspn(text, " \t\r\n") == len) {
    set_err(err, errlen, "%s: file is empty; expected a JSON object such as {}", file);
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
      set_err(err, errlen, "%s: line %d, column %d: invalid JSON: unexpected end of file", file,
              line, col);
    else
      set_err(err, errlen, "%s: line %d, column %d: invalid JSON%s%s%s", file, line, col,
              near[0] ? " near '" : "", near, near[0] ? "'" : "");
    return HIRO_EPARSE;
  }
  if (!cJSON_IsObject(root)) {
    char got[48];
    describe_value(root, got, sizeof got);
    set_err(err, errlen, "%s: the top level must be a JSON object {...} (got %s)", file, got);
    cJSON_Delete(root);
    return HIRO_EPARSE;
  }
  *out = root;
  return HIRO_OK;
}

/* ---- loading: validate and store, both driven by the key table ---------------------- */

typedef struct {
  const char *file;      /* for messages */
  const char *workspace; /* absolute, for KF_PATH */
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
  if (got) describe_value(got, seen, sizeof seen);
  set_err(c->err, c->errlen, "%s: key \"%s\": %s%s%s%s", c->file, key, why, got ? " (got " : "",
          seen, got ? ")" : "");
  return HIRO_EINVAL;
}

/* What a valid value of k looks like, from its table row. */
static void expectation(const key_desc *k, char *out, size_t n) {
  switch (k->type) {
  case KT_BOOL: snprintf(out, n, "must be true or false"); break;
  case KT_INT: snprintf(out, n, "must be an integer between %.15g and %.15g", k->min, k->max); break;
  case KT_NUMBER:
    snprintf(out, n, k->flags & KF_ABOVE_MIN ? "must be a number greater than %.15g and at most %.15g"
                                             : "must be a number between %.15g and %.15g",
             k->min, k->max);
    break;
  case KT_STRING:
    snprintf(out, n, "must be %sa string of %.15g to %.15g bytes%s",
             k->flags & KF_NULLABLE ? "null or " : "", k->min, k->max,
             k->flags & KF_NO_CTRL ? " without control characters" : "");
    break;
  case KT_OBJECT: snprintf(out, n, "must be an object"); break;
  case KT_CHANNELS: snprintf(out, n, "must be an array of channel objects"); break;
  case KT_ARGV: snprintf(out, n, "must be a non-empty array of non-empty strings"); break;
  }
}

static bool number_ok(const key_desc *k, const cJSON *v) {
  if (!cJSON_IsNumber(v)) return false;
  double d = v->valuedouble;
  if (!isfinite(d) || (k->type == KT_INT && d != trunc(d))) return false;
  bool above = k->flags & KF_ABOVE_MIN ? d > k->min : d >= k->min;
  return above && d <= k->max;
}

static bool string_ok(const key_desc *k, const cJSON *v) {
  if (!cJSON_IsString(v)) return false;
  size_t len = strlen(v->valuestring);
  return len >= k->min && len <= k->max && !((k->flags & KF_NO_CTRL) && has_control_char(v->valuestring));
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
  if ((k->flags & KF_PATH) && s[0] != '/') {
    size_t n = strlen(c->workspace) + strlen(s) + 2;
    *slot = xmalloc(n);
    join_path(*slot, n, c->workspace, s);
  } else {
    *slot = xstrdup(s);
  }
}

static hiro_err load_object(load_ctx *c, const key_desc *table, const cJSON *obj, void *target,
                            const char *prefix);

/* channels[i].command -> argv (NULL-terminated copies) and argc. */
static hiro_err load_argv(load_ctx *c, const key_desc *k, const cJSON *v, channel_config *ch,
                          const char *key) {
  char why[96], elem[KEY_PATH_MAX + 32];
  expectation(k, why, sizeof why);
  int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
  if (n == 0) return key_error(c, key, v, "%s", why);
  ch->argv = xcalloc((size_t)n + 1, sizeof *ch->argv);
  const cJSON *arg = v->child;
  for (int i = 0; i < n; i++, arg = arg->next) {
    if (!cJSON_IsString(arg) || arg->valuestring[0] == '\0') {
      snprintf(elem, sizeof elem, "%s[%d]", key, i);
      return key_error(c, elem, arg, "%s", why);
    }
    ch->argv[i] = xstrdup(arg->valuestring);
    ch->argc = (size_t)i + 1;
  }
  return HIRO_OK;
}

static hiro_err load_channels(load_ctx *c, const key_desc *k, const cJSON *v, hiro_config *cfg,
                              const char *key) {
  char why[96], elem[KEY_PATH_MAX + 32];
  expectation(k, why, sizeof why);
  if (!cJSON_IsArray(v)) return key_error(c, key, v, "%s", why);
  size_t n = (size_t)cJSON_GetArraySize(v);
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

static hiro_err load_value(load_ctx *c, const key_desc *k, const cJSON *v, void *target,
                           const char *key) {
  char *field = (char *)target + k->offset;
  char why[128];
  expectation(k, why, sizeof why);
  switch (k->type) {
  case KT_BOOL:
    if (!cJSON_IsBool(v)) return key_error(c, key, v, "%s", why);
    *(bool *)field = cJSON_IsTrue(v);
    return HIRO_OK;
  case KT_INT:
    if (!number_ok(k, v)) return key_error(c, key, v, "%s", why);
    if (k->size == sizeof(size_t)) *(size_t *)field = (size_t)v->valuedouble;
    else *(int *)field = (int)v->valuedouble;
    return HIRO_OK;
  case KT_NUMBER:
    if (!number_ok(k, v)) return key_error(c, key, v, "%s", why);
    *(double *)field = v->valuedouble;
    return HIRO_OK;
  case KT_STRING:
    if (!(cJSON_IsNull(v) && (k->flags & KF_NULLABLE)) && !string_ok(k, v))
      return key_error(c, key, v, "%s", why);
    store_string(c, k, v, field);
    return HIRO_OK;
  case KT_OBJECT:
    if (!cJSON_IsObject(v)) return key_error(c, key, v, "%s", why);
    return load_object(c, k->sub, v, target, key);
  case KT_CHANNELS: return load_channels(c, k, v, target, key);
  case KT_ARGV: return load_argv(c, k, v, target, key);
  }
  return HIRO_EINVAL;
}

/* Fill target from obj's members as table describes them; a missing key takes
 * its default, a missing required key is an error. Unknown members are ignored. */
static hiro_err load_object(load_ctx *c, const key_desc *table, const cJSON *obj, void *target,
                            const char *prefix) {
  for (const key_desc *k = table; k->name; k++) {
    char key[KEY_PATH_MAX];
    snprintf(key, sizeof key, "%s%s%s", prefix, prefix[0] ? "." : "", k->name);
    if (count_members(obj, k->name) > 1)
      return key_error(c, key, NULL, "appears more than once; keep one");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, k->name);
    if (!v && !k->def) return key_error(c, key, NULL, "is required but missing");
    cJSON *def = v ? NULL : default_json(k);
    hiro_err rc = load_value(c, k, v ? v : def, target, key);
    cJSON_Delete(def);
    if (rc != HIRO_OK) return rc;
  }
  return HIRO_OK;
}

/* The workspace as an absolute path (heap), so the db path survives a chdir. */
static char *absolute_workspace(const char *workspace) {
  char cwd[PATH_MAX];
  if (workspace[0] == '/' || !getcwd(cwd, sizeof cwd)) return xstrdup(workspace);
  size_t n = strlen(cwd) + strlen(workspace) + 2;
  char *abs = xmalloc(n);
  join_path(abs, n, cwd, workspace);
  return abs;
}

static void warn_port_clash(const hiro_config *cfg) {
  if (cfg->admin_ui_enabled && cfg->admin_ui_port == cfg->http_port)
    log_warn("config: admin_ui_port and http_port are both %d; the admin UI cannot listen",
             cfg->http_port);
}

/* Validate root and fill cfg from it (cfg is zeroed first). On error cfg is
 * freed and err set. */
static hiro_err load_json(const char *file, const char *workspace, const cJSON *root,
                          hiro_config *cfg, char *err, size_t errlen) {
  memset(cfg, 0, sizeof *cfg);
  char *ws = absolute_workspace(workspace);
  load_ctx c = {file, ws, err, errlen};
  hiro_err rc = load_object(&c, config_keys, root, cfg, "");
  free(ws);
  if (rc != HIRO_OK) config_free(cfg);
  return rc;
}

void config_defaults(hiro_config *cfg, const char *workspace) {
  cJSON *empty = cJSON_CreateObject();
  char err[256];
  if (load_json("(defaults)", workspace, empty, cfg, err, sizeof err) != HIRO_OK) {
    fprintf(stderr, "hiro: bad config defaults: %s\n", err); /* a bug in the key table */
    abort();
  }
  cJSON_Delete(empty);
}

hiro_err config_load(const char *workspace, hiro_config *cfg, char *err, size_t errlen) {
  memset(cfg, 0, sizeof *cfg);
  char path[PATH_MAX];
  if (!config_file(workspace, path, sizeof path, err, errlen)) return HIRO_EINVAL;
  char *text = NULL;
  size_t len = 0;
  hiro_err rc = read_config_file(path, false, &text, &len, err, errlen);
  if (rc == HIRO_ENOENT) {
    config_defaults(cfg, workspace);
    warn_port_clash(cfg);
    return HIRO_OK;
  }
  if (rc != HIRO_OK) return rc;
  cJSON *root = NULL;
  rc = parse_config_text(path, text, len, &root, err, errlen);
  if (rc == HIRO_OK) rc = load_json(path, workspace, root, cfg, err, errlen);
  if (rc == HIRO_OK) warn_port_clash(cfg);
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
  memset(cfg, 0, sizeof *cfg);
}

/* ---- environment overrides ----------------------------------------------------------- */

bool config_parse_bool_word(const char *word, bool *value) {
  static const char *yes[] = {"1", "true", "yes", "on"}, *no[] = {"0", "false", "no", "off"};
  for (size_t i = 0; word && i < HIRO_ARRAY_LEN(yes); i++) {
    if (strcasecmp(word, yes[i]) == 0) return *value = true, true;
    if (strcasecmp(word, no[i]) == 0) return *value = false, true;
  }
  return false;
}

static void apply_env_bool(const char *name, bool *field) {
  const char *word = getenv(name);
  if (!word || !word[0]) return; /* unset or set empty: no override */
  if (config_parse_bool_word(word, field)) return;
  char shown[40];
  size_t i = 0;
  for (; word[i] && i < sizeof shown - 1; i++)
    shown[i] = (unsigned char)word[i] < 0x20 || word[i] == 0x7f ? '?' : word[i];
  shown[i] = '\0';
  log_warn("ignoring %s=%s%s: expected 1/true/yes/on or 0/false/no/off", name, shown,
           word[i] ? "..." : "");
}

void config_apply_env(hiro_config *cfg) {
  apply_env_bool("HIRO_METRICS", &cfg->metrics_enabled);
  bool admin_before = cfg->admin_ui_enabled;
  apply_env_bool("HIRO_ADMIN_UI", &cfg->admin_ui_enabled);
  if (!admin_before) warn_port_clash(cfg);
}

/* ---- config_update: merge, validate, atomic rewrite ----------------------------------- */

/* mkdir -p with mode 0700 for every directory it creates. */
static hiro_err make_workspace(const char *workspace, char *err, size_t errlen) {
  char *dir = xstrdup(workspace);
  hiro_err rc = HIRO_OK;
  for (char *p = dir + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char saved = *p;
    *p = '\0';
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
      set_err(err, errlen, "cannot create workspace directory %s: %s", dir, strerror(errno));
      rc = HIRO_EIO;
      break;
    }
    *p = saved;
    if (saved == '\0') break;
  }
  free(dir);
  return rc;
}

static void fsync_dir(const char *workspace) {
  int fd = open(workspace, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0) log_warn("config: fsync of %s failed: %s", workspace, strerror(errno));
  if (fd >= 0) close(fd);
}

/* Write text to <path>.tmp.<pid> (0600, never through a link), fsync, rename
 * over path, fsync the directory. On error the temporary file is removed. */
static hiro_err write_atomically(const char *workspace, const char *path, const strbuf *text,
                                 char *err, size_t errlen) {
  char tmp[PATH_MAX + 32];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = open(tmp, flags, 0600);
  if (fd < 0 && errno == EEXIST && unlink(tmp) == 0) fd = open(tmp, flags, 0600); /* stale */
  if (fd < 0) {
    set_err(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
    return HIRO_EIO;
  }
  size_t done = 0;
  while (done < text->len) {
    ssize_t n = write(fd, text->data + done, text->len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += (size_t)n;
  }
  bool ok = done == text->len && fsync(fd) == 0;
  int saved_errno = errno;
  if (close(fd) != 0 && ok) ok = false, saved_errno = errno;
  if (ok && rename(tmp, path) != 0) ok = false, saved_errno = errno;
  if (!ok) {
    unlink(tmp);
    set_err(err, errlen, "cannot write %s: %s", path, strerror(saved_errno));
    return HIRO_EIO;
  }
  fsync_dir(workspace);
  return HIRO_OK;
}

/* Read config.json for rewriting: missing gives {}, a symlink or a non-file is
 * refused. *existed says whether the file was there. */
static hiro_err read_for_update(const char *path, cJSON **doc, bool *existed, char *err,
                                size_t errlen) {
  struct stat st;
  *existed = lstat(path, &st) == 0;
  if (*existed && S_ISLNK(st.st_mode)) {
    set_err(err, errlen, "%s: is a symbolic link; refusing to write through it", path);
    return HIRO_EINVAL;
  }
  char *text = NULL;
  size_t len = 0;
  hiro_err rc = read_config_file(path, true, &text, &len, err, errlen);
  if (rc == HIRO_ENOENT) {
    *existed = false;
    *doc = cJSON_CreateObject();
    return HIRO_OK;
  }
  if (rc == HIRO_OK) rc = parse_config_text(path, text, len, doc, err, errlen);
  free(text);
  return rc;
}

/* Put changes into doc (replacing in place, appending new keys) and describe
 * each effective change in report. Returns whether doc's contents differ. */
static bool merge_changes(cJSON *doc, const cJSON *changes, strbuf *report) {
  bool differs = false;
  for (const cJSON *ch = changes->child; ch; ch = ch->next) {
    cJSON *in_file = cJSON_GetObjectItemCaseSensitive(doc, ch->string);
    cJSON *def = in_file ? NULL : default_json(find_key(config_keys, ch->string));
    const cJSON *old = in_file ? in_file : def;
    if (!cJSON_Compare(old, ch, 1)) {
      char was[512], now[512];
      describe_value(old, was, sizeof was);
      describe_value(ch, now, sizeof now);
      sb_printf(report, "%s: %s -> %s\n", ch->string, was, now);
    }
    differs |= !in_file || !cJSON_Compare(in_file, ch, 1);
    cJSON_Delete(def);
    cJSON *copy = cJSON_Duplicate(ch, 1);
    if (in_file) cJSON_ReplaceItemInObjectCaseSensitive(doc, ch->string, copy);
    else cJSON_AddItemToObject(doc, ch->string, copy);
  }
  return differs;
}

/* Only keys of the table may be changed: a typo must not land in the file. */
static hiro_err check_change_keys(const char *path, const cJSON *changes, char *err, size_t errlen) {
  if (!cJSON_IsObject(changes)) {
    set_err(err, errlen, "%s: changes must be a JSON object", path);
    return HIRO_EINVAL;
  }
  for (const cJSON *ch = changes->child; ch; ch = ch->next) {
    if (find_key(config_keys, ch->string)) continue;
    set_err(err, errlen, "%s: key \"%s\": unknown key; not written", path, ch->string);
    return HIRO_EINVAL;
  }
  return HIRO_OK;
}

/* Render doc and check the text loads exactly as the server would load it. */
static hiro_err render_and_validate(const char *workspace, const char *path, const cJSON *doc,
                                    strbuf *out, char *err, size_t errlen) {
  if (!emit_value(out, doc, 0, 0)) {
    const cJSON *m = doc->child;
    strbuf scratch = {0};
    while (m && emit_value(&scratch, m, 1, 0)) m = m->next;
    free(scratch.data);
    set_err(err, errlen, "%s: key \"%s\": holds a number JSON cannot express; not written", path,
            m ? m->string : "?");
    return HIRO_EINVAL;
  }
  sb_puts(out, "\n");
  cJSON *reread = NULL;
  hiro_config scratch;
  hiro_err rc = parse_config_text(path, out->data, out->len, &reread, err, errlen);
  if (rc == HIRO_OK) rc = load_json(path, workspace, reread, &scratch, err, errlen);
  if (rc == HIRO_OK) config_free(&scratch);
  cJSON_Delete(reread);
  return rc;
}

hiro_err config_update(const char *workspace, const cJSON *changes, char *report,
                       size_t report_len, char *err, size_t errlen) {
  char path[PATH_MAX];
  if (report && report_len) report[0] = '\0';
  if (!config_file(workspace, path, sizeof path, err, errlen)) return HIRO_EINVAL;
  hiro_err rc = check_change_keys(path, changes, err, errlen);
  if (rc == HIRO_OK) rc = make_workspace(workspace, err, errlen);
  if (rc != HIRO_OK) return rc;
  cJSON *doc = NULL;
  bool existed = false;
  strbuf changed = {0}, text = {0};
  rc = read_for_update(path, &doc, &existed, err, errlen);
  if (rc != HIRO_OK) goto out;
  bool differs = merge_changes(doc, changes, &changed);
  rc = render_and_validate(workspace, path, doc, &text, err, errlen);
  if (rc == HIRO_OK && (differs || !existed))
    rc = write_atomically(workspace, path, &text, err, errlen);
  if (rc == HIRO_OK && report && changed.data) hiro_strlcpy(report, changed.data, report_len);
out:
  cJSON_Delete(doc);
  free(changed.data);
  free(text.data);
  return rc;
}
