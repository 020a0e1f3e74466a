/* params.c - validation of history query parameters and configure bodies. */
#include "http/params.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "collector/collector.h"

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
  static const struct { const char *name; store_agg agg; } aggs[] = {
      {"avg", STORE_AGG_AVG}, {"min", STORE_AGG_MIN}, {"max", STORE_AGG_MAX}};
  for (size_t i = 0; i < sizeof aggs / sizeof aggs[0]; i++)
    if (strcmp(s, aggs[i].name) == 0) {
      *out = aggs[i].agg;
      return true;
    }
  return false;
}

/* Look up key and parse it as a number; *present says whether it was given. */
static bool query_number(api_query_fn query, void *ctx, const char *key, bool *present,
                         double *out, char *err, size_t errlen) {
  size_t len = 0;
  const char *v = query(ctx, key, &len);
  *present = v != NULL;
  if (!v) return true;
  if (parse_number(v, len, out)) return true;
  snprintf(err, errlen, "parameter '%s' must be a number", key);
  return false;
}

bool params_parse_history(api_query_fn query, void *ctx, double now, history_params *out,
                          char *err, size_t errlen) {
  bool has_minutes, has_from, has_to, has_max;
  double minutes = HISTORY_DEFAULT_MINUTES, from = 0, to = now, max_points = 0;
  if (!query_number(query, ctx, "minutes", &has_minutes, &minutes, err, errlen) ||
      !query_number(query, ctx, "from", &has_from, &from, err, errlen) ||
      !query_number(query, ctx, "to", &has_to, &to, err, errlen) ||
      !query_number(query, ctx, "max_points", &has_max, &max_points, err, errlen))
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

  out->max_points = HISTORY_DEFAULT_MAX_POINTS;
  if (has_max) {
    if (max_points < 1 || max_points > HISTORY_MAX_POINTS_LIMIT || floor(max_points) != max_points) {
      snprintf(err, errlen, "parameter 'max_points' must be an integer from 1 to %d",
               HISTORY_MAX_POINTS_LIMIT);
      return false;
    }
    out->max_points = (size_t)max_points;
  }

  out->agg = STORE_AGG_AVG;
  size_t len = 0;
  const char *agg = query(ctx, "agg", &len);
  if (agg && (strlen(agg) != len || !parse_agg(agg, &out->agg))) {
    snprintf(err, errlen, "parameter 'agg' must be avg, min or max");
    return false;
  }
  return true;
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
