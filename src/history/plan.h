/* plan.h - the one place that decides how a history range is answered: the
 * range clamped to the data actually stored, the resolution (raw, or the
 * finest step of a fixed ladder whose buckets fit max_points) and the source
 * read for it (the in-memory ring, the raw tier, the 1-minute or the 1-hour
 * tier). Pure functions over facts the caller gathered: REST history, the
 * CLI's offline read and the exporter's --resolution auto all decide here. */
#ifndef HIRO_HISTORY_PLAN_H
#define HIRO_HISTORY_PLAN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* Resolutions an aggregated answer can have, in seconds, finest first:
 * 1 2 5 10 15 20 30 s, 1 2 5 10 15 20 30 min, 1 2 3 4 6 8 12 h, 1 day, then
 * doubling days. Buckets start at multiples of the resolution since the Unix
 * epoch, so the same range gives the same buckets every time. */
size_t history_ladder_len(void);
int64_t history_ladder_step(size_t i);
/* "raw" for 0, else the decimal seconds ("60", "900"): static strings. */
const char *history_resolution_text(int64_t seconds);

/* Where a plan reads from. */
typedef enum {
  HISTORY_SRC_RING,
  HISTORY_SRC_RAW,
  HISTORY_SRC_MINUTE,
  HISTORY_SRC_HOUR
} history_src;

/* What is stored, gathered before planning. Times in ms. */
typedef struct {
  bool has_ring; /* the collector's ring (the server's memory) */
  int64_t ring_oldest_ms, ring_newest_ms;
  bool has_store;
  store_extent ext;
} history_facts;

/* The range clamped to the data: from the oldest sample any source holds
 * (a rollup tier counts as older only when its first bucket ends before the
 * finer data starts) to the newest. cover_ms[src] is where each source's
 * data begins (INT64_MAX: no data). */
typedef struct {
  bool empty; /* no data in the range */
  int64_t from_ms, to_ms;
  int64_t data_from_ms, data_to_ms; /* the whole stored extent */
  int64_t cover_ms[4];              /* indexed by history_src */
} history_span;
void history_clamp(const history_facts *f, int64_t from_ms, int64_t to_ms, history_span *out);

/* Counts within the clamped span, gathered after history_clamp. */
typedef struct {
  size_t max_points;  /* 0: no limit (the exporter) */
  bool tiers_only;    /* the exporter: raw, 60 or 3600 read from its own tier */
  int64_t ring_count; /* ring entries in the span */
  int64_t raw_count;  /* raw rows on disk in the span (may stop at the read cap + 1) */
  int64_t ring_tail;  /* ring entries in the span newer than the newest raw row */
} history_counts;

typedef struct {
  int64_t resolution; /* 0 raw, else seconds (a ladder step) */
  history_src source;
} history_plan;

/* The most rows one answer reads from a source other than memory: a source
 * holding more rows in the range is passed over for a coarser one (keeps a
 * 30-day range at 1800 points from scanning 43,200 minute rows). */
int64_t history_read_cap(size_t max_points);
/* The plan for the clamped span: raw when its snapshots fit max_points and a
 * source holds all of them; else the finest ladder step whose bucket count
 * fits and that a source covering the span can give within the read cap
 * (the ring, the 1-hour tier when the step is whole hours, the 1-minute tier
 * when whole minutes, the raw tier); the read cap is dropped only when no
 * step has such a source. Never fails for a non-empty span. */
void history_choose(const history_facts *f, const history_span *sp, const history_counts *c,
                    history_plan *out);

#endif
