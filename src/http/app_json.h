/* app_json.h - application metrics as JSON: the "app" object of a process in
 * /metrics, and the series of /metrics/app/history. */
#ifndef HIRO_APP_JSON_H
#define HIRO_APP_JSON_H
#include <stdbool.h>

#include "appmetrics/app_frame.h"
#include "common/strbuf.h"

/* {"<key>": {"type": "counter", "rate": ..., "count": ..., "total": ...}, ...}
 * for every series of group g: counters rate/count/total, gauges value, sets
 * distinct, timers/histograms/distributions count/sum/min/max/p50/p90/p99
 * (null when the interval had no samples). Tagged series are keyed
 * "name#k:v,..." and carry "name" and "tags" too. */
void app_json_group(strbuf *b, const app_frame *f, const app_group *g);

/* The figures of one point without braces ("type":...,"rate":...), as
 * app_json_group writes them. */
void app_json_point(strbuf *b, const app_point *p);

/* A canonical tag string ("k:v,k2:v2") as a JSON object. */
void app_json_tags(strbuf *b, const char *tags);

/* A number, or null when NAN (a figure that was not measured). */
void app_json_number(strbuf *b, double v);

#endif
