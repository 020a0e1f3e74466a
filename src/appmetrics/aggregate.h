/* aggregate.h - per-interval aggregation of StatsD lines, per publisher
 * (plugin or the server itself) and series (name + tags), with the limits
 * that keep memory and CPU bounded.
 *
 * Semantics per collector interval (the usual StatsD ones):
 *   counter (c)          rate per second and running total; value / rate
 *                        for sampled lines
 *   gauge (g)            last value; "+n" / "-n" add to it
 *   timer, histogram,    count, sum, min, max and p50/p90/p99 from a
 *   distribution         mergeable sketch (sketch.h); a sampled line counts
 *   (ms, h, d)           1 / rate times
 *   set (s)              distinct members (distinct.h)
 *
 * Limits (each rejected line is counted under its reason and the last one is
 * kept as text for /metrics/status):
 *   - the parser's rules (statsd_parse.h);
 *   - a series keeps its first type: a line of another type is refused;
 *   - at most max_series live series per publisher: lines of new series
 *     beyond that are refused (and reported as an event);
 *   - at most max_rate lines per second per publisher (token bucket with one
 *     second of burst): a datagram beyond the budget is dropped whole
 *     without being parsed (and reported as an event), so a flood costs
 *     little CPU and no memory;
 *   - a series not updated for idle_seconds is forgotten.
 *
 * Memory per series: about 200 bytes plus its name, plus while it has
 * samples in the open interval at most one sketch (8 KiB per sign, typically
 * 1-3 KiB) or one distinct counter (4 KiB).
 *
 * Thread safety: one mutex; aggregate_datagram (receiver thread) holds it per
 * datagram, aggregate_flush (collector thread) only to move the interval's
 * state out, and computes quantiles and encodings without it. */
#ifndef HIRO_APP_AGGREGATE_H
#define HIRO_APP_AGGREGATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "appmetrics/app_frame.h"
#include "appmetrics/statsd_parse.h"

typedef struct aggregate aggregate;

typedef struct {
  size_t max_series;   /* per publisher; config app_metrics_max_series */
  double max_rate;     /* lines per second per publisher; config app_metrics_max_rate */
  double idle_seconds; /* default 3600 */
} aggregate_limits;

/* Why lines were not recorded: the parser's reasons, then these. */
enum {
  APP_DROP_TYPE_CONFLICT = STATSD_ERRORS,
  APP_DROP_SERIES_LIMIT,
  APP_DROP_RATE_LIMIT,
  APP_DROP_REASONS
};

/* Counters of one publisher since the server started. */
typedef struct {
  char plugin[HIRO_NAME_MAX];
  bool server;
  uint64_t datagrams, lines; /* lines: accepted */
  uint64_t rejected[APP_DROP_REASONS];
  size_t series;          /* live series */
  size_t memory_bytes;    /* series state, names and sketches */
  char last_error[256];   /* "reason: line" of the last refusal; "" = none */
  double last_error_time; /* wall clock; 0 = none */
} aggregate_source_stats;

/* An event to record (kind "app_series_limit" or "app_rate_limit"), called
 * from aggregate_flush on its thread, never with the aggregator's lock held. */
typedef void (*aggregate_event_fn)(void *ctx, const char *plugin, bool server, const char *kind,
                                   const char *detail);

/* The name of a drop reason for counters ("name", "series_limit", ...). */
const char *aggregate_reason_key(int reason);

/* A new aggregator; lim is copied. Never fails. */
aggregate *aggregate_new(const aggregate_limits *lim);
void aggregate_free(aggregate *a);
/* Set before use; fn may be NULL. */
void aggregate_set_event_sink(aggregate *a, aggregate_event_fn fn, void *ctx);

/* Record the lines of one datagram from a publisher: a plugin name, or the
 * server itself (server = true, plugin ignored). mono_now is clock_mono()
 * (the rate budget). Returns the number of lines accepted. Never fails. */
size_t aggregate_datagram(aggregate *a, const char *plugin, bool server, const char *data,
                          size_t len, double mono_now);

/* Close the interval: a new frame (one reference, the caller's) stamped with
 * the wall-clock timestamp, holding every live series, or NULL when there is
 * none. mono_now measures the interval since the previous flush. */
app_frame *aggregate_flush(aggregate *a, double timestamp, double mono_now);

/* Counters of up to max publishers, in order of first publication; returns
 * how many there are (may exceed max). */
size_t aggregate_stats(aggregate *a, aggregate_source_stats *out, size_t max);

#endif
