/* history.h - the history path: one function answers "what happened between
 * from and to" for REST /metrics/history, the CLI's offline read and
 * anything else, from the collector's ring, the database's tiers, or both.
 * plan.h decides the resolution and the source; this module reads and folds.
 *
 * An answer is a list of MetricsSnapshot points, oldest first, never more
 * than max_points:
 * - raw (resolution 0): every snapshot in [from, to];
 * - aggregated (resolution R seconds): one point per R-aligned bucket that
 *   holds samples, timestamp = the bucket start, each figure the bucket's
 *   avg (weighted by samples), min or max. Where raw data exists the first
 *   and last buckets hold only samples inside [from, to]; the bucket still
 *   filling is included (raw rows newer than the tier's rollup, and the
 *   ring's snapshots not yet on disk), marked partial.
 * Every point carries point.samples; point.gap_before marks downtime: for raw
 * points, the point's rates were measured over an interval that does not
 * reach back to the previous point; for aggregated points, buckets are
 * missing between the two. */
#ifndef HIRO_HISTORY_H
#define HIRO_HISTORY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/collector.h"
#include "common/hiro.h"
#include "model/model.h"
#include "store/store.h"

/* The most plugin names a request may filter on. */
enum { HISTORY_MAX_PROCESSES = 64 };

typedef struct {
  double from, to;   /* Unix seconds, from <= to, both inclusive */
  size_t max_points; /* >= 1 */
  store_agg agg;
  /* Keep only these plugins (and the server process); n_processes == 0
   * keeps every plugin. The names are not copied. */
  const char *const *processes;
  size_t n_processes;
} history_request;

typedef struct {
  metrics_snapshot *points; /* owned: history_answer_free */
  size_t n;
  int64_t resolution;          /* 0 raw, else the bucket width in seconds */
  const char *resolution_text; /* "raw" or the seconds ("60", "900"); static */
  bool from_disk;              /* false: every point came from the ring */
} history_answer;

/* Answer req from coll (the ring; NULL offline) and db (NULL without
 * persistence); at least one must be given. On error (the database cannot be
 * read) returns HIRO_EIO with the reason in err and *out empty. */
hiro_err history_query(collector *coll, store *db, const history_request *req, history_answer *out,
                       char *err, size_t errlen) HIRO_MUST_USE;
void history_answer_free(history_answer *a);

#endif
