/* app_frame.h - the application-metrics model: what every plugin published
 * during one collector interval, aggregated with StatsD semantics. Series
 * have dynamic names, so this is a model of its own beside model/model.h
 * (whose columns are fixed), produced by aggregate.c and read by the JSON,
 * Prometheus, store and history code.
 *
 * A frame is immutable once built and shared by reference count: the latest
 * frame, the in-memory history and the store's queue hold the same one. */
#ifndef HIRO_APP_FRAME_H
#define HIRO_APP_FRAME_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "appmetrics/statsd_parse.h"
#include "common/hiro.h"
#include "model/model.h"

/* Timers, histograms and distributions aggregate alike (count, sum, min,
 * max, quantiles); they keep their StatsD type for display. */
static inline bool app_type_is_summary(statsd_type t) {
  return t == STATSD_TIMER || t == STATSD_HISTOGRAM || t == STATSD_DISTRIBUTION;
}

/* One series in one interval. Figures that were not measured are NAN
 * (a timer without samples has no quantiles), never a placeholder zero. */
typedef struct {
  const char *name; /* metric name as published */
  const char *tags; /* canonical "k:v,k2:v2" (keys sorted), "" without tags */
  const char *key;  /* name, or name#tags: unique within its plugin */
  statsd_type type;
  bool updated; /* samples arrived in this interval */
  /* counter: value = rate per second, count = increment this interval,
   *          total = running total since the series appeared;
   * gauge:   value = the value at the end of the interval;
   * set:     value = distinct members this interval;
   * summary: count = samples this interval (sample rates applied), sum,
   *          min, max, p50, p90, p99 of them; total and sum_total are the
   *          cumulative count and sum (Prometheus' _count and _sum). */
  double value, count, total, sum, sum_total, min, max, p50, p90, p99;
  /* summary: the interval's sketch (sketch_encode); set: its members
   * (distinct_encode); what the store needs to merge rollups exactly. */
  const uint8_t *blob;
  size_t blob_len;
} app_point;

/* The series of one publisher. */
typedef struct {
  char plugin[HIRO_NAME_MAX]; /* plugin name; "server" for the server itself */
  bool server;
  size_t first, count; /* its points: frame->points[first .. first+count) */
} app_group;

typedef struct app_frame {
  snapshot_extra base; /* first: the reference count a snapshot shares */
  double timestamp;    /* wall-clock Unix seconds: the snapshot's timestamp */
  double interval;     /* seconds the interval lasted (rates divide by it) */
  app_group *groups;   /* in order of first publication */
  size_t n_groups;
  app_point *points;
  size_t n_points;
  char *pool;   /* every string and blob the points point into */
  size_t bytes; /* heap held by the frame, for memory budgets */
} app_frame;

/* A new empty frame holding one reference (the caller's). */
app_frame *app_frame_new(void);
/* Take a reference (thread-safe). Returns f. */
app_frame *app_frame_retain(app_frame *f);
/* Drop a reference; the last one frees the frame. Safe on NULL. */
void app_frame_release(app_frame *f);
/* The frame a snapshot carries (snap->extra), or NULL. */
const app_frame *app_frame_of(const metrics_snapshot *snap);
/* Attach a reference to f (may be NULL) to snap, which must hold none. */
void app_frame_attach(metrics_snapshot *snap, app_frame *f);

/* The group of plugin (or the server with server=true), or NULL. */
const app_group *app_frame_find(const app_frame *f, const char *plugin, bool server);

/* Split a canonical tag string: on each call sets key/value (not
 * NUL-terminated) of the next tag and returns true; false at the end.
 * *pos starts at the tag string. */
bool app_tags_next(const char **pos, const char **key, size_t *key_len, const char **value,
                   size_t *value_len);

#endif
