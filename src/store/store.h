/* store.h - the SQLite recorder: schema migrations, a writer thread fed by a
 * bounded record queue (snapshots, lifecycle events) and committing in groups,
 * 1-minute and 1-hour rollups, retention, and tiered history queries on
 * read-only connections. Only store/ includes sqlite3.h. */
#ifndef HIRO_STORE_H
#define HIRO_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hiro.h"
#include "model/columns.h"
#include "model/event.h"
#include "model/model.h"

typedef struct store store;

typedef struct {
  double raw_hours;   /* default 48 */
  double minute_days; /* default 30 */
  double hour_days;   /* default 400 */
} store_retention;

/* When the writer commits what is queued (besides store_flush, stop and
 * reads that need the newest rows): once the oldest queued record has waited
 * max_delay seconds (0 = commit every record at once), or once the queued
 * rows would take about max_bytes in the file, or max_items records are
 * queued, whichever comes first. Fewer, larger commits write fewer pages:
 * each commit rewrites whole pages. */
typedef struct {
  double max_delay;
  size_t max_bytes;
  size_t max_items;
} store_commit_policy;

/* The writer's default: see store_commit_policy_default in writer.c. */
enum { STORE_DEFAULT_FLUSH_INTERVAL = 30 };

typedef enum { STORE_AGG_AVG = 0, STORE_AGG_MIN, STORE_AGG_MAX } store_agg;

/* The rollup tiers: 1-minute and 1-hour buckets. */
enum { STORE_TIERS = 2 };
extern const int64_t store_tier_seconds[STORE_TIERS]; /* 60, 3600 */

typedef struct {
  char path[4096];
  uint64_t size_bytes; /* main file + WAL */
  int64_t rows_raw, rows_minute, rows_hour;
  double oldest_timestamp;    /* oldest raw row, 0 when empty */
  size_t queue_depth;         /* records queued, not yet committed */
  uint64_t dropped_snapshots; /* queue overflow drops since open */
  uint64_t written_snapshots; /* committed since open */
  uint64_t dropped_events, written_events;
  double commit_age; /* seconds the oldest queued record has waited; 0 when none */
  bool has_error;
  char last_error[256]; /* last write error, cleared on success */
} store_status;

/* The schema version this binary writes (number of the last migration). */
int store_schema_version(void);

/* Open (creating if needed) the database at path, apply pending migrations,
 * complete rollups from raw rows that were not yet rolled up, and start the
 * writer thread. A database newer than this binary, or one that is not an
 * SQLite file, is refused (HIRO_ESCHEMA / HIRO_EIO) with a message in err and
 * is never modified. Never follows a symlink at path. */
hiro_err store_open(const char *path, const store_retention *retention, store **out, char *err,
                    size_t errlen) HIRO_MUST_USE;
/* Write everything queued, stop the writer, close. Safe on NULL. */
void store_close(store *s);

/* The policy a store starts with: STORE_DEFAULT_FLUSH_INTERVAL seconds,
 * about 64 KiB of rows, 1024 records. */
void store_commit_policy_default(store_commit_policy *policy);
/* Set when the writer commits. Takes effect at the writer's next decision. */
void store_set_commit_policy(store *s, const store_commit_policy *policy);

/* Queue a copy of snap (or of a lifecycle event, model/event.h) for the
 * writer. Never blocks on disk: when the queue is full the oldest queued
 * record is dropped and counted. Safe on a NULL store. store_enqueue_event is
 * an event_sink_fn's body: give it the store as ctx. */
void store_enqueue(store *s, const metrics_snapshot *snap);
void store_enqueue_event(store *s, const hiro_event *e);
/* Where the store reports its own events (storage_error when writing starts
 * failing, storage_recovered when it works again), from the writer thread.
 * Set before anything is queued; NULL = none. */
void store_set_event_sink(store *s, event_sink_fn fn, void *ctx);
/* Commit everything queued so far now, and block until it is committed or
 * the writer has failed for a few seconds (disabling the collector, tests).
 * Safe on NULL. */
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

/* ---- reads for the history path (src/history/ decides what to read) ----
 * A read session is one read transaction on a pooled read-only connection:
 * everything read through it comes from the same state of the file, and it
 * never waits for the writer's commits: snapshots still queued for a group
 * commit are newer than the newest raw row, and the ring holds them. */
typedef struct store_read store_read;

/* Open a metrics database that no server of ours is writing (or is, from
 * another process) for reading only: no writer thread, no migrations, no
 * retention; store_read_* work on it, store_close closes it. Refuses a
 * missing file (HIRO_ENOENT), a file that is not a metrics database, or a
 * schema older or newer than this binary reads (HIRO_ESCHEMA), with the
 * reason in err. Never modifies the file. */
hiro_err store_open_readonly(const char *path, store **out, char *err, size_t errlen) HIRO_MUST_USE;

/* Start a read session (NULL when the file cannot be read; logged). */
store_read *store_read_begin(store *s);
void store_read_end(store_read *r);

/* What the database holds. Times in ms; a tier's times are bucket starts. */
typedef struct {
  bool has_raw;
  int64_t raw_oldest_ms, raw_newest_ms;
  bool has_tier[STORE_TIERS];
  int64_t tier_oldest_ms[STORE_TIERS], tier_newest_ms[STORE_TIERS];
  /* Raw rows up to this time are in the tier (its rollup watermark); newer
   * ones are still in the tier's open bucket, in memory. INT64_MIN: none. */
  int64_t rolled_up_ms[STORE_TIERS];
} store_extent;
hiro_err store_read_extent(store_read *r, store_extent *out) HIRO_MUST_USE;
/* Raw snapshots with from_ms <= ts <= to_ms, counting at most limit. */
int64_t store_read_count_raw(store_read *r, int64_t from_ms, int64_t to_ms, int64_t limit);

/* One stored point handed to a reader callback, in stored units (the scaled
 * integers of model/columns.h; rollup averages are fractional). */
typedef struct {
  int kind;         /* 0 the server, 1 a plugin */
  const char *name; /* "server" or the plugin's name */
  int pid;          /* rollups: the last pid seen */
  /* Samples per presence group (raw: 0 or 1); n[MODEL_GROUP_P_ALWAYS] rows. */
  int64_t n[MODEL_PROC_GROUPS];
  double v[MODEL_PROC_COLUMNS]; /* meaningful where n[group] > 0 */
} store_proc_point;
typedef struct {
  int64_t ts_ms;               /* raw: the snapshot's time; rollup: bucket start */
  int64_t n[MODEL_SYS_GROUPS]; /* samples with each presence group (raw: 0 or 1) */
  double v[MODEL_SYS_COLUMNS]; /* meaningful where n[group] > 0 */
  size_t n_procs;
  const store_proc_point *procs;
} store_point;
/* Called for each point, oldest first; the point is valid during the call.
 * Return false to stop reading. */
typedef bool (*store_point_fn)(void *ctx, const store_point *p);

/* A raw point as a snapshot (stored values decoded into snap, whose
 * previous contents are freed; zero it first). */
void store_point_to_snapshot(const store_point *p, metrics_snapshot *snap);

/* Raw snapshots with from_ms <= ts <= to_ms. */
hiro_err store_read_raw(store_read *r, int64_t from_ms, int64_t to_ms, store_point_fn fn,
                        void *ctx) HIRO_MUST_USE;
/* Rollup rows of tier t (0: 1 minute, 1: 1 hour) whose bucket start is in
 * [from_ms, to_ms], with the agg aggregate of every figure. */
hiro_err store_read_tier(store_read *r, int tier, store_agg agg, int64_t from_ms, int64_t to_ms,
                         store_point_fn fn, void *ctx) HIRO_MUST_USE;

/* One application series of a history answer (app_query.c): n_rows rows
 * of n_cols numbers, NAN where nothing was measured. Columns by type:
 * counter timestamp, rate, count, total; gauge timestamp, value (the agg of
 * the bucket in rollups); set timestamp, distinct; timer, histogram,
 * distribution timestamp, count, sum, min, max, p50, p90, p99. */
typedef struct {
  int64_t id;
  char process[HIRO_NAME_MAX]; /* plugin name, or "server" */
  bool server;
  char *key, *name, *tags; /* owned */
  int type;                /* statsd_type */
  size_t n_rows, n_cols;
  double *rows; /* owned */
} store_app_series;

/* Application series in [from, to] at the finest tier whose point count
 * fits max_points, optionally of one publisher ("server" or a plugin name)
 * and one metric name (NULL = all). *out is a new array (free with
 * store_app_series_free); *resolution gets the seconds per row (0 = raw, 60,
 * 3600). Read-only
 * connection of its own. */
hiro_err store_query_app(store *s, double from, double to, size_t max_points, store_agg agg,
                         const char *process, const char *name, store_app_series **out, size_t *n,
                         int *resolution) HIRO_MUST_USE;
void store_app_series_free(store_app_series *list, size_t n);
/* Columns of a series of this type (timestamp included). */
size_t store_app_columns(int type);

/* Recorded events in [from, to] (wall-clock seconds), optionally only those
 * of one process name and/or one kind name ("plugin_exited"; NULL = any): the
 * newest max of them, oldest first. *out is a new array the caller frees
 * (NULL when none). Events still queued are committed first. Rows of a kind
 * this binary does not know are skipped. */
hiro_err store_query_events(store *s, double from, double to, const char *process, const char *kind,
                            size_t max, hiro_event **out, size_t *n) HIRO_MUST_USE;

void store_get_status(store *s, store_status *out);

/* Snapshots and events waiting for the writer: store_get_status's
 * queue_depth without its file-size stat()s, for callers on every tick. */
size_t store_queue_depth(store *s);

/* Run retention to completion now (as of clock_wall()) on the writer thread,
 * then return file pages with incremental_vacuum; blocks until done. The
 * writer also does this by itself, a few small batches per idle cycle. */
void store_maintain(store *s);

#endif
