/* store.h - the SQLite recorder: schema migrations, a writer thread fed by a
 * bounded queue, 1-minute and 1-hour rollups, retention, and tiered history
 * queries on read-only connections. Only store/ includes sqlite3.h. */
#ifndef HIRO_STORE_H
#define HIRO_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "common/hiro.h"

typedef struct store store;

typedef struct {
  double raw_hours;   /* default 48 */
  double minute_days; /* default 30 */
  double hour_days;   /* default 400 */
} store_retention;

typedef enum { STORE_AGG_AVG = 0, STORE_AGG_MIN, STORE_AGG_MAX } store_agg;

/* Resolution of a history answer, in seconds; 0 = raw. */
enum { STORE_RES_RAW = 0, STORE_RES_MINUTE = 60, STORE_RES_HOUR = 3600 };

typedef struct {
  char path[4096];
  uint64_t size_bytes;        /* main file + WAL */
  int64_t rows_raw, rows_minute, rows_hour;
  double oldest_timestamp;    /* oldest raw row, 0 when empty */
  size_t queue_depth;
  uint64_t dropped_snapshots; /* queue overflow drops since open */
  uint64_t written_snapshots; /* committed since open */
  bool has_error;
  char last_error[256];       /* last write error, cleared on success */
} store_status;

/* The schema version this binary writes (number of the last migration). */
int store_schema_version(void);

/* Open (creating if needed) the database at path, apply pending migrations,
 * complete rollups from raw rows that were not yet rolled up, and start the
 * writer thread. A database newer than this binary, or one that is not an
 * SQLite file, is refused (HIRO_ESCHEMA / HIRO_EIO) with a message in err and
 * is never modified. Never follows a symlink at path. */
hiro_err store_open(const char *path, const store_retention *retention, store **out,
                    char *err, size_t errlen) HIRO_MUST_USE;
/* Write everything queued, stop the writer, close. Safe on NULL. */
void store_close(store *s);

/* Queue a copy of snap for the writer. Never blocks on disk: when the queue is
 * full the oldest pending snapshot is dropped and counted. */
void store_enqueue(store *s, const metrics_snapshot *snap);
/* Block until every snapshot queued so far is committed (tests, shutdown). */
void store_flush(store *s);

/* Write n snapshots synchronously in large transactions (backfill/benchmarks;
 * rollups included). Do not mix with a running writer on the same store. */
hiro_err store_write_batch(store *s, const metrics_snapshot *snaps, size_t n) HIRO_MUST_USE;

/* The newest max raw snapshots, oldest first, for refilling the ring at
 * start-up. *out is a new array (free each with snapshot_free, then free). */
size_t store_load_recent(store *s, size_t max, metrics_snapshot **out);

/* Receives one snapshot of a stream; it is valid only during the call (copy
 * what you keep). */
typedef void (*store_snapshot_fn)(void *ctx, const metrics_snapshot *snap);
/* The same snapshots as store_load_recent, handed to fn one at a time
 * instead of materialised: memory stays at one snapshot whatever max is.
 * Returns how many fn received (a read error is logged and ends the stream). */
size_t store_load_recent_each(store *s, size_t max, store_snapshot_fn fn, void *ctx);

/* History in [from, to] at the finest tier (raw, 1 min, 1 h) whose number of
 * points fits max_points; rollup tiers aggregate with agg (timestamp = bucket
 * start). Runs on its own read-only connection: never waits for the writer.
 * *resolution gets STORE_RES_*. */
hiro_err store_query(store *s, double from, double to, size_t max_points, store_agg agg,
                     metrics_snapshot **out, size_t *n, int *resolution) HIRO_MUST_USE;

void store_get_status(store *s, store_status *out);

/* Run retention to completion now (as of clock_wall()) on the writer thread,
 * then return file pages with incremental_vacuum; blocks until done. The
 * writer also does this by itself, a few small batches per idle cycle. */
void store_maintain(store *s);

#endif
