/* prometheus.h - the latest snapshot in Prometheus text exposition format
 * 0.0.4: counters where the truth is a counter, gauges otherwise, base units. */
#ifndef HIRO_PROMETHEUS_H
#define HIRO_PROMETHEUS_H
#include "collector/collector.h"
#include "common/strbuf.h"
#include "store/store.h"

/* Render the exposition (malloc'd), or NULL when the collector is disabled or
 * has no snapshot yet. db may be NULL (persistence off). */
char *prometheus_render(collector *c, store *db);

/* Append a label value escaped per the format: \ -> \\, " -> \", newline -> \n;
 * bytes that are not valid UTF-8 become U+FFFD. Never fails. */
void prometheus_escape_label(strbuf *b, const char *value);

#endif
