/* params.h - parsing of request inputs: /metrics/history query parameters and
 * the /metrics/configure body. Pure functions (fuzz targets). */
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

typedef struct {
  double from, to;   /* Unix seconds, from <= to */
  size_t max_points;
  store_agg agg;
} history_params;

/* Parse minutes | from/to, max_points, agg relative to now (Unix seconds).
 * Numbers are decimal only (no hex, inf, nan); from/to are clamped to
 * HISTORY_TIME_MAX. Unknown parameters are ignored. On error returns false
 * with a reason. */
bool params_parse_history(api_query_fn query, void *query_ctx, double now, history_params *out,
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
