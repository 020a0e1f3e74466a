/* params.h - parsing of request inputs: the query parameters of the
 * time-range endpoints and the /metrics/configure body. Pure functions (fuzz
 * targets). */
#ifndef HIRO_PARAMS_H
#define HIRO_PARAMS_H
#include <stdbool.h>
#include <stddef.h>

#include "http/api.h"
#include "store/store.h"

#define HISTORY_DEFAULT_MINUTES 5.0
#define HISTORY_DEFAULT_MAX_POINTS 1800
#define HISTORY_MAX_POINTS_LIMIT 100000
/* 9999-12-31T23:59:59Z: from/to beyond it are clamped to it. */
#define HISTORY_TIME_MAX 253402300799.0

/* The parameters every time-range endpoint takes (history; events): the
 * range as minutes (default 5) or from/to (Unix seconds), and process=NAME,
 * repeatable, to keep only those processes. */
#define PARAMS_RANGE_KEYS "minutes", "from", "to", "process"
#define PARAMS_MAX_PROCESSES 64

typedef struct {
  double from, to; /* Unix seconds, 0 <= from <= to <= HISTORY_TIME_MAX */
  const char *processes[PARAMS_MAX_PROCESSES]; /* point into the args */
  size_t n_processes;
} range_params;

/* Parse the range parameters relative to now (Unix seconds). Numbers are
 * decimal only (no hex, inf, nan); from/to are clamped to HISTORY_TIME_MAX.
 * Other parameters are not looked at. On error returns false with a reason. */
bool params_parse_range(const api_query_arg *args, size_t n, double now, range_params *out,
                        char *err, size_t errlen);

/* Refuse a parameter not in known (NULL-terminated), naming the known ones,
 * and a parameter given twice unless it is `repeatable` (may be NULL). */
bool params_check_known(const api_query_arg *args, size_t n, const char *const *known,
                        const char *repeatable, char *err, size_t errlen);

typedef struct {
  range_params range;
  size_t max_points;
  store_agg agg;
} history_params;

/* Parse /metrics/history's parameters: the range ones, max_points (1 to
 * HISTORY_MAX_POINTS_LIMIT, default 1800) and agg (avg, min, max); an
 * endpoint with more parameters names them in extra_keys (NULL-terminated,
 * at most 8; NULL for none) and parses them itself. Unknown or repeated
 * parameters are refused. On error returns false with a reason. */
bool params_parse_history(const api_query_arg *args, size_t n, double now,
                          const char *const *extra_keys, history_params *out, char *err,
                          size_t errlen);

/* GET /metrics/events: the range parameters (minutes | from/to, default the
 * last 5 minutes; process=NAME, repeatable) and kind=KIND. */
typedef struct {
  range_params range;
  int kind; /* event_kind, or -1 = any */
} events_params;

/* Parse the events query; unknown or repeated parameters are refused like
 * history's. On error returns false with a reason (an unknown kind lists
 * the known ones). */
bool params_parse_events(const api_query_arg *args, size_t n, double now, events_params *out,
                         char *err, size_t errlen);

typedef struct {
  bool has_enabled, has_interval, has_history_size;
  bool enabled;
  double interval;
  size_t history_size;
} configure_params;

/* Parse and validate a configure body (JSON object; all fields optional;
 * unknown fields rejected). All-or-nothing: on error returns false with a
 * reason and out is unspecified. */
bool params_parse_configure(const char *body, size_t len, configure_params *out, char *err,
                            size_t errlen);

#endif
