/* fold.h - aggregation of history points into fixed-width buckets: raw
 * snapshots (from the ring or the raw tier) and rollup rows fold alike, by
 * sample count (avg, weighted by each group's and process's samples), min or
 * max, with sample counts summed. Works in the stored
 * units of model/columns.h so that what memory and disk give agrees. */
#ifndef HIRO_HISTORY_FOLD_H
#define HIRO_HISTORY_FOLD_H
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "store/store.h"

typedef struct fold fold;

/* Buckets of width_ms covering [first_ms, last_ms] (bucket starts are
 * multiples of width_ms). processes (n_processes names, not copied) keeps
 * only those plugins; NULL keeps all. The server is always kept. */
fold *fold_new(int64_t first_ms, int64_t last_ms, int64_t width_ms, store_agg agg,
               const char *const *processes, size_t n_processes);
void fold_free(fold *f);

/* Add a stored point (a raw row or a rollup row) to the bucket of its time;
 * points outside [first_ms, last_ms] are ignored. */
void fold_add(fold *f, const store_point *p);
/* The same for a snapshot from the ring (converted to stored units). */
void fold_add_snapshot(fold *f, const metrics_snapshot *s);

/* The buckets that received samples, oldest first, as snapshots: timestamp
 * the bucket start, figures the bucket's aggregate, point.samples the raw
 * snapshots in it. *out is a new array (snapshot_free each, then free). */
size_t fold_finish(fold *f, metrics_snapshot **out);

#endif
