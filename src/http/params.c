/* params.c - validation of history query parameters and configure bodies. */
#include "http/params.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "collector/collector.h"
#include "common/strbuf.h"

/* Decimal only, as a person writes it: -?digits[.digits][e[+-]digits] (or
 * ".5"). strtod alone would also take hex ("0x10" = 16), "inf", "nan", hex
 * floats and leading blanks. */
static bool is_decimal(const char *s) {
  size_t digits = 0;
  if (*s == '-') s++;
  for (; *s >= '0' && *s <= '9'; s++) digits++;
  if (*s == '.')
    for (s++; *s >= '0' && *s <= '9'; s++) digits++;
  if (digits == 0) return false;
  if (*s == 'e' || *s == 'E') {
    s++;
    if (*s == '+' || *s == '-') s++;
    if (!(*s >= '0' && *s <= '9')) return false;
    while (*s >= '0' && *s <= '9') s++;
  }
  return *s == '\0';
}

/* Strict number: the whole value must be a decimal (is_decimal) that parses
 * finite. NUL bytes inside the value (len != strlen) are rejected. */
static bool parse_number(const char *s, size_t len, double *out) {
  if (!s || len == 0 || strlen(s) != len || len > 64 || !is_decimal(s)) return false;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v)) return false;
  *out = v;
  return true;
}

static bool parse_agg(const char *s, store_agg *out) {
  static const struct {
    const char *name;
    store_agg agg;
  } aggs[] = {{"avg", STORE_AGG_AVG}, {"min", STORE_AGG_MIN}, {"max", STORE_AGG_MAX}};
  for (size_t i = 0; i < sizeof aggs / sizeof aggs[0]; i++)
    if (strcmp(s, aggs[i].name) == 0) {
      *out = aggs[i].agg;
      return true;
    }
  return false;
}

/* The first parameter named key, or NULL. */
static const api_query_arg *find_arg(const api_query_arg *args, size_t n, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(args[i].key, key) == 0) return &args[i];
  return NULL;
}

/* Look up key (given at most once) and parse it as a number; *present says
 * whether it was given. */
static bool arg_number(const api_query_arg *args, size_t n, const char *key, bool *present,
                       double *out, char *err, size_t errlen) {
  const api_query_arg *a = find_arg(args, n, key);
  *present = a != NULL;
  if (!a) return true;
  if (parse_number(a->value, a->value_len, out)) return true;
  snprintf(err, errlen, "parameter '%s' must be a number", key);
  return false;
}

bool params_check_known(const api_query_arg *args, size_t n, const char *const *known,
                        const char *repeatable, char *err, size_t errlen) {
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    while (known[k] && strcmp(known[k], args[i].key) != 0) k++;
    if (!known[k]) {
      strbuf list;
      sb_init(&list, 128);
      for (size_t j = 0; known[j]; j++) sb_printf(&list, "%s%s", j ? ", " : "", known[j]);
      snprintf(err, errlen, "unknown parameter '%.64s' (known: %s)", args[i].key, list.data);
      sb_free(&list);
      return false;
    }
    bool again = false;
    for (size_t j = 0; j < i && !again; j++) again = strcmp(args[j].key, args[i].key) == 0;
    if (again && !(repeatable && strcmp(repeatable, args[i].key) == 0)) {
      snprintf(err, errlen, "parameter '%s' is given more than once", args[i].key);
      return false;
    }
  }
  return true;
}

/* process=NAME, repeatable: names of plugins (or "server"). */
static bool parse_processes(const api_query_arg *args, size_t n, range_params *out, char *err,
                            size_t errlen) {
  out->n_processes = 0;
  for (size_t i = 0; i < n; i++) {
    const api_query_arg *a = &args[i];
    if (strcmp(a->key, "process") != 0) continue;
    if (a->value_len == 0 || strlen(a->value) != a->value_len || a->value_len >= HIRO_NAME_MAX) {
      snprintf(err, errlen, "parameter 'process' must be a process name (1 to %d bytes)",
               HIRO_NAME_MAX - 1);
      return false;
    }
    if (out->n_processes == PARAMS_MAX_PROCESSES) {
      snprintf(err, errlen, "at most %d 'process' parameters", PARAMS_MAX_PROCESSES);
      return false;
    }
    out->processes[out->n_processes++] = a->value;
  }
  return true;
}

bool params_parse_range(const api_query_arg *args, size_t n, double now, range_params *out,
                        char *err, size_t errlen) {
  bool has_minutes, has_from, has_to;
  double minutes = HISTORY_DEFAULT_MINUTES, from = 0, to = now;
  if (!arg_number(args, n, "minutes", &has_minutes, &minutes, err, errlen) ||
      !arg_number(args, n, "from", &has_from, &from, err, errlen) ||
      !arg_number(args, n, "to", &has_to, &to, err, errlen) ||
      !parse_processes(args, n, out, err, errlen))
    return false;
  if (has_minutes && (has_from || has_to)) {
    snprintf(err, errlen, "give either 'minutes' or 'from'/'to', not both");
    return false;
  }
  if (has_minutes && !(minutes > 0)) {
    snprintf(err, errlen, "parameter 'minutes' must be a positive number");
    return false;
  }
  if (!has_from && !has_to) {
    /* Bounded: ranges before the epoch are clamped, not an error. */
    from = minutes * 60 >= now ? 0 : now - minutes * 60;
    to = now;
  } else if (!has_from) {
    from = to - HISTORY_DEFAULT_MINUTES * 60;
  }
  if (from < 0 || to < 0) {
    snprintf(err, errlen, "'from' and 'to' must be Unix seconds (>= 0)");
    return false;
  }
  if (from > to) {
    snprintf(err, errlen, "'from' must not be after 'to'");
    return false;
  }
  /* Later than any data can be: clamp here so no caller converts a huge
   * double (to=1e19) to an integer. */
  if (to > HISTORY_TIME_MAX) to = HISTORY_TIME_MAX;
  if (from > HISTORY_TIME_MAX) from = HISTORY_TIME_MAX;
  out->from = from;
  out->to = to;
  return true;
}

bool params_parse_history(const api_query_arg *args, size_t n, double now,
                          const char *const *extra_keys, history_params *out, char *err,
                          size_t errlen) {
  enum { MAX_EXTRA = 8 };
  const char *known[8 + MAX_EXTRA + 1] = {PARAMS_RANGE_KEYS, "max_points", "agg"};
  size_t k = 0;
  while (known[k]) k++;
  for (size_t i = 0; extra_keys && extra_keys[i] && i < MAX_EXTRA; i++) known[k++] = extra_keys[i];
  known[k] = NULL;
  if (!params_check_known(args, n, known, "process", err, errlen) ||
      !params_parse_range(args, n, now, &out->range, err, errlen))
    return false;
  bool has_max;
  double max_points = 0;
  if (!arg_number(args, n, "max_points", &has_max, &max_points, err, errlen)) return false;
  out->max_points = HISTORY_DEFAULT_MAX_POINTS;
  if (has_max) {
    if (max_points < 1 || max_points > HISTORY_MAX_POINTS_LIMIT ||
        floor(max_points) != max_points) {
      snprintf(err, errlen, "parameter 'max_points' must be an integer from 1 to %d",
               HISTORY_MAX_POINTS_LIMIT);
      return false;
    }
    out->max_points = (size_t)max_points;
  }
  out->agg = STORE_AGG_AVG;
  const api_query_arg *agg = find_arg(args, n, "agg");
  if (agg && (strlen(agg->value) != agg->value_len || !parse_agg(agg->value, &out->agg))) {
    snprintf(err, errlen, "parameter 'agg' must be avg, min or max");
    return false;
  }
  return true;
}

bool params_parse_events(const api_query_arg *args, size_t n, double now, events_params *out,
                         char *err, size_t errlen) {
  static const char *const known[] = {PARAMS_RANGE_KEYS, "kind", NULL};
  if (!params_check_known(args, n, known, "process", err, errlen) ||
      !params_parse_range(args, n, now, &out->range, err, errlen))
    return false;
  out->kind = -1;
  const api_query_arg *kind = find_arg(args, n, "kind");
  if (!kind) return true;
  event_kind k;
  if (strlen(kind->value) == kind->value_len && event_kind_parse(kind->value, &k)) {
    out->kind = (int)k;
    return true;
  }
  size_t used = (size_t)snprintf(err, errlen, "parameter 'kind' must be one of:");
  for (int i = 0; i < EVENT_KINDS && used < errlen; i++)
    used += (size_t)snprintf(err + used, errlen - used, "%s %s", i ? "," : "",
                             event_kind_name((event_kind)i));
  return false;
}

/* One configure field: its name and how to check it. */
typedef bool (*field_fn)(const cJSON *v, configure_params *out, char *err, size_t errlen);

static bool field_enabled(const cJSON *v, configure_params *out, char *err, size_t errlen) {
  if (!cJSON_IsBool(v)) {
    snprintf(err, errlen, "field 'enabled' must be true or false");
    return false;
  }
  out->has_enabled = true;
  out->enabled = cJSON_IsTrue(v);
  return true;
}

static bool field_interval(const cJSON *v, configure_params *out, char *err, size_t errlen) {
  if (!cJSON_IsNumber(v) || !(v->valuedouble >= COLLECTOR_MIN_INTERVAL) ||
      !(v->valuedouble <= COLLECTOR_MAX_INTERVAL)) {
    snprintf(err, errlen, "field 'interval' must be a number from %.1f to %.0f seconds",
             COLLECTOR_MIN_INTERVAL, COLLECTOR_MAX_INTERVAL);
    return false;
  }
  out->has_interval = true;
  out->interval = v->valuedouble;
  return true;
}

static bool field_history_size(const cJSON *v, configure_params *out, char *err, size_t errlen) {
  double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
  if (!(d >= 1) || d > COLLECTOR_MAX_HISTORY || floor(d) != d) {
    snprintf(err, errlen, "field 'history_size' must be an integer from 1 to %d",
             COLLECTOR_MAX_HISTORY);
    return false;
  }
  out->has_history_size = true;
  out->history_size = (size_t)d;
  return true;
}

static const struct {
  const char *name;
  field_fn parse;
} configure_fields[] = {
    {"enabled", field_enabled},
    {"interval", field_interval},
    {"history_size", field_history_size},
};

bool params_parse_configure(const char *body, size_t len, configure_params *out, char *err,
                            size_t errlen) {
  memset(out, 0, sizeof *out);
  if (len == 0) {
    snprintf(err, errlen, "request body must be a JSON object");
    return false;
  }
  if (memchr(body, '\0', len)) {
    snprintf(err, errlen, "request body is not valid JSON (NUL byte)");
    return false;
  }
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, false);
  bool ok = false;
  if (!root) {
    snprintf(err, errlen, "request body is not valid JSON (at byte %zu)",
             end ? (size_t)(end - body) : (size_t)0);
    return false;
  }
  /* Trailing garbage after the object is an error too. */
  for (; end && end < body + len; end++)
    if (!strchr(" \t\r\n", *end)) {
      snprintf(err, errlen, "request body has trailing data after the JSON value");
      goto out;
    }
  if (!cJSON_IsObject(root)) {
    snprintf(err, errlen, "request body must be a JSON object");
    goto out;
  }
  for (const cJSON *item = root->child; item; item = item->next) {
    /* cJSON keeps every duplicate and a lookup finds the first: refuse them
     * rather than guess which one the client meant. */
    for (const cJSON *seen = root->child; seen != item; seen = seen->next)
      if (strcmp(seen->string, item->string) == 0) {
        snprintf(err, errlen, "field '%.64s' is given more than once", item->string);
        goto out;
      }
    size_t i = 0;
    while (i < sizeof configure_fields / sizeof configure_fields[0] &&
           strcmp(item->string, configure_fields[i].name) != 0)
      i++;
    if (i == sizeof configure_fields / sizeof configure_fields[0]) {
      snprintf(err, errlen, "unknown field '%.64s' (known: enabled, interval, history_size)",
               item->string);
      goto out;
    }
    if (!configure_fields[i].parse(item, out, err, errlen)) goto out;
  }
  ok = true;
out:
  cJSON_Delete(root);
  return ok;
}
