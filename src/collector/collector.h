/* collector.h - MetricsCollector: a thread that takes a snapshot every
 * interval (the design document's seven steps), keeps the ring buffer and the
 * latest snapshot, and hands each snapshot to an optional sink (the store). */
#ifndef HIRO_COLLECTOR_H
#define HIRO_COLLECTOR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/event.h"
#include "model/model.h"
#include "platform/platform.h"

#define COLLECTOR_MIN_INTERVAL 1.0
#define COLLECTOR_MAX_INTERVAL 3600.0
#define COLLECTOR_MAX_HISTORY 1000000

/* What the plugin manager tells the collector about one plugin. */
typedef struct {
  char name[HIRO_NAME_MAX];
  int pid;              /* last known pid; 0 when it never started */
  bool running;         /* false once it exited (until restarted) */
  uint64_t start_ticks; /* recorded at spawn; 0 = unknown */
  /* The plugin's cgroup v2 directory (its whole tree, exited processes'
   * CPU included), or NULL: then the tree is walked through /proc. Valid as
   * long as the manager exists. */
  const char *cgroup;
  /* The last exit, measured when the manager reaped the plugin: the last
   * interval of its life is accounted from these, exactly. */
  unsigned exit_seq;         /* increments with every exit; 0 = none yet */
  uint64_t exit_cpu_ns;      /* the process's own CPU time at exit */
  uint64_t exit_tree_cpu_ns; /* wait4 rusage: itself + the descendants it reaped */
  double exit_mono;          /* clock_mono() when it was reaped */
  double down_seconds;       /* total time not running since the manager started */
  plugin_lifecycle life;
} plugin_ref;

/* Fills out (capacity max) with the current plugins; returns how many. Called
 * on the collector thread once per tick; must not block for long. */
typedef size_t (*plugin_provider_fn)(void *ctx, plugin_ref *out, size_t max);

/* Receives every new snapshot on the collector thread (the store's enqueue).
 * Must not block. */
typedef void (*snapshot_sink_fn)(void *ctx, const metrics_snapshot *s);

typedef struct collector collector;

typedef struct {
  bool enabled;
  double interval;
  size_t history_size;
  size_t history_count;
  double uptime_seconds;    /* since the collector was created */
  uint64_t ticks;           /* snapshots taken since creation */
  double last_tick_seconds; /* CPU seconds of the last tick */
} collector_status;

/* Create a collector reading through p (not owned). Nothing runs until
 * collector_start. Returns NULL on bad arguments. */
collector *collector_new(platform *p, double interval, size_t history_size);
/* Set before collector_start; fn may be NULL. */
void collector_set_child_provider(collector *c, plugin_provider_fn fn, void *ctx);
void collector_set_sink(collector *c, snapshot_sink_fn fn, void *ctx);
/* The workspace directory (its filesystem is marked in snapshots). Set
 * before collector_start. */
void collector_set_workspace(collector *c, const char *path);
/* Lifecycle events (enabled, disabled, interval changed) go to fn, on the
 * thread that made the change. Set before collector_start. */
void collector_set_event_sink(collector *c, event_sink_fn fn, void *ctx);
/* Preload history (warm restart); call before collector_start. */
void collector_preload(collector *c, const metrics_snapshot *snaps, size_t n);

/* Before collector_start: the state /metrics/status reports until the thread
 * runs (the server starts its plugins in between). No event is emitted. */
void collector_preset_enabled(collector *c, bool enabled);
/* Start the control thread. When enabled, the first snapshot is published
 * within 1 s. Returns HIRO_OK or HIRO_EIO if the thread cannot start. */
hiro_err collector_start(collector *c, bool enabled) HIRO_MUST_USE;
/* Stop and join the thread, then free everything. Safe on NULL. */
void collector_free(collector *c);

/* Runtime control; thread-safe, effective at once. interval and history_size
 * are validated by the caller (see COLLECTOR_* bounds); out-of-range values
 * are clamped. */
void collector_set_enabled(collector *c, bool enabled);
/* Apply several changes atomically (readers never see a mix). NULL = leave. */
void collector_configure(collector *c, const bool *enabled, const double *interval,
                         const size_t *history_size);
void collector_get_status(collector *c, collector_status *out);

/* Copy the latest snapshot into out (deep copy; caller snapshot_free's it).
 * Returns false when there is none or the collector is disabled. */
bool collector_latest(collector *c, metrics_snapshot *out);
/* Which tick the latest snapshot came from (ticks count from 1), or 0 when
 * there is none or the collector is disabled: lets a reader cache what it
 * derives from the latest snapshot. */
uint64_t collector_latest_tick(collector *c);
/* History within [from, to], oldest first; see ring_copy_range. Also returns
 * the ring's oldest timestamp (0 if empty) so callers can pick a tier. */
size_t collector_history(collector *c, double from, double to, metrics_snapshot **out,
                         double *oldest);
/* How many ring entries fall in [from, to] and the ring's oldest timestamp
 * (0 if empty), without copying: lets a caller choose memory or disk first. */
size_t collector_history_extent(collector *c, double from, double to, double *oldest);
/* The ring's oldest and newest timestamps; false when it is empty. */
bool collector_history_bounds(collector *c, double *oldest, double *newest);
/* Call fn for each ring entry with from <= timestamp <= to, oldest first,
 * without copying: fn runs under the collector's lock, so it must be quick
 * and must not call the collector. Returns how many entries were visited. */
size_t collector_history_each(collector *c, double from, double to,
                              void (*fn)(void *ctx, const metrics_snapshot *s), void *ctx);

/* One tick, synchronously, on the caller's thread (benchmarks/tests). Fills
 * out (caller frees) and returns HIRO_OK. The first call only primes counters
 * and returns HIRO_ENOENT. */
hiro_err collector_tick_once(collector *c, metrics_snapshot *out);

#endif
