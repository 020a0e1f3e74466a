/* collector.c - MetricsCollector: the control thread, the ring buffer and the
 * latest snapshot (steps 6 and 7 of the design document; steps 1-5 are in
 * sampler.c). */
#include "collector/collector.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collector/ring.h"
#include "collector/sampler.h"
#include "common/clock.h"
#include "common/hiro.h"
#include "common/log.h"

/* Delay between priming the counters and the first published snapshot: long
 * enough for meaningful deltas, short enough to publish within 1 s. */
#define FIRST_TICK_DELAY 0.3

struct collector {
  sampler *sampler;
  event_sink_fn on_event; /* set before start; immutable afterwards */
  void *event_ctx;
  snapshot_sink_fn sink;
  void *sink_ctx;
  pthread_t thread;
  bool thread_started;

  pthread_mutex_t lock; /* guards everything below */
  pthread_cond_t wake;  /* configuration changed or stop requested */
  bool stop;
  bool enabled;
  double interval;
  bool reschedule; /* interval changed: the next deadline is recomputed */
  ring *history;
  bool has_latest; /* the ring's newest entry is a fresh tick (not preloaded,
                      not from before a disable): step 7's O(1) "latest" */
  uint64_t ticks;
  double last_tick_cpu;
  double created_mono;
  bool sync_primed; /* collector_tick_once has primed the sampler */
};

static double clamp_interval(double s) {
  if (!(s >= COLLECTOR_MIN_INTERVAL)) return COLLECTOR_MIN_INTERVAL;
  return s > COLLECTOR_MAX_INTERVAL ? COLLECTOR_MAX_INTERVAL : s;
}

static size_t clamp_history(size_t n) {
  if (n < 1) return 1;
  return n > COLLECTOR_MAX_HISTORY ? COLLECTOR_MAX_HISTORY : n;
}

collector *collector_new(platform *p, double interval, size_t history_size) {
  if (!p) return NULL;
  collector *c = xcalloc(1, sizeof *c);
  c->sampler = sampler_new(p);
  c->interval = clamp_interval(interval);
  c->history = ring_new(clamp_history(history_size));
  c->created_mono = clock_mono();
  pthread_mutex_init(&c->lock, NULL);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&c->wake, &attr);
  pthread_condattr_destroy(&attr);
  return c;
}

void collector_set_child_provider(collector *c, plugin_provider_fn fn, void *ctx) {
  sampler_set_child_provider(c->sampler, fn, ctx);
}

void collector_set_workspace(collector *c, const char *path) {
  sampler_set_workspace(c->sampler, path);
}

void collector_set_sink(collector *c, snapshot_sink_fn fn, void *ctx) {
  c->sink = fn;
  c->sink_ctx = ctx;
}

void collector_preload(collector *c, const metrics_snapshot *snaps, size_t n) {
  pthread_mutex_lock(&c->lock);
  for (size_t i = 0; i < n; i++) ring_push(c->history, &snaps[i]);
  pthread_mutex_unlock(&c->lock);
}

static double thread_cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Steps 6 and 7: append to the ring, whose newest entry is the latest.
 * Lock held. */
static void publish_locked(collector *c, const metrics_snapshot *s, double tick_cpu) {
  ring_push(c->history, s);
  c->has_latest = true;
  c->ticks++;
  c->last_tick_cpu = tick_cpu;
}

/* One tick (steps 1-7): sample into snap, timing the tick's own CPU, and
 * publish it. Called without the lock. */
static void take_and_publish(collector *c, metrics_snapshot *snap) {
  double cpu0 = thread_cpu_seconds();
  sampler_take(c->sampler, snap);
  double tick_cpu = thread_cpu_seconds() - cpu0;
  snap->counters.tick_seconds = tick_cpu;
  pthread_mutex_lock(&c->lock);
  publish_locked(c, snap, tick_cpu);
  pthread_mutex_unlock(&c->lock);
}

/* Wait on the condition variable until mono time `until` (or a signal). */
static void wait_until(collector *c, double until) {
  double secs = floor(until);
  struct timespec ts = {.tv_sec = (time_t)secs, .tv_nsec = (long)((until - secs) * 1e9)};
  pthread_cond_timedwait(&c->wake, &c->lock, &ts);
}

static void *collector_main(void *arg) {
  collector *c = arg;
  hiro_thread_name("collector");
  metrics_snapshot snap = {0};
  bool primed = false;
  double next_tick = 0, last_deadline = -1; /* -1: no tick yet since priming */

  pthread_mutex_lock(&c->lock);
  while (!c->stop) {
    if (!c->enabled) {
      primed = false; /* counters go stale while disabled */
      pthread_cond_wait(&c->wake, &c->lock);
      continue;
    }
    if (!primed) {
      pthread_mutex_unlock(&c->lock);
      sampler_prime(c->sampler);
      pthread_mutex_lock(&c->lock);
      primed = true;
      next_tick = clock_mono() + FIRST_TICK_DELAY;
      last_deadline = -1;
      continue;
    }
    if (c->reschedule) {
      /* A new interval counts from the last tick, not from the deadline the
       * old one set (3600 -> 1 must not wait out the hour). */
      c->reschedule = false;
      if (last_deadline >= 0) next_tick = last_deadline + c->interval;
    }
    double now = clock_mono();
    if (now < next_tick) {
      wait_until(c, next_tick);
      continue;
    }
    pthread_mutex_unlock(&c->lock);
    take_and_publish(c, &snap);
    pthread_mutex_lock(&c->lock);
    double interval = c->interval;
    pthread_mutex_unlock(&c->lock);

    if (c->sink) c->sink(c->sink_ctx, &snap);

    pthread_mutex_lock(&c->lock);
    /* Schedule from the previous deadline to avoid drift; if we fell far
     * behind (suspend, overload), restart the schedule from now. */
    last_deadline = next_tick;
    next_tick += interval;
    if (next_tick < now) next_tick = now + interval;
  }
  pthread_mutex_unlock(&c->lock);
  snapshot_free(&snap);
  return NULL;
}

void collector_preset_enabled(collector *c, bool enabled) {
  pthread_mutex_lock(&c->lock);
  c->enabled = enabled;
  pthread_mutex_unlock(&c->lock);
}

hiro_err collector_start(collector *c, bool enabled) {
  c->enabled = enabled;
  if (pthread_create(&c->thread, NULL, collector_main, c) != 0) {
    log_error("collector: cannot start thread: %s", strerror(errno));
    return HIRO_EIO;
  }
  c->thread_started = true;
  return HIRO_OK;
}

void collector_free(collector *c) {
  if (!c) return;
  if (c->thread_started) {
    pthread_mutex_lock(&c->lock);
    c->stop = true;
    pthread_cond_broadcast(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
  }
  sampler_free(c->sampler);
  ring_free(c->history);
  pthread_cond_destroy(&c->wake);
  pthread_mutex_destroy(&c->lock);
  free(c);
}

void collector_set_event_sink(collector *c, event_sink_fn fn, void *ctx) {
  c->on_event = fn;
  c->event_ctx = ctx;
}

/* Report what a configure call changed (after the lock is released). */
static void emit_changes(collector *c, bool was_enabled, double old_interval, bool now_enabled,
                         double new_interval) {
  if (!c->on_event) return;
  hiro_event e;
  if (was_enabled != now_enabled) {
    event_init(&e, now_enabled ? EVENT_COLLECTOR_ENABLED : EVENT_COLLECTOR_DISABLED, clock_wall(),
               "server", 0);
    snprintf(e.detail, sizeof e.detail, "metrics collector %s",
             now_enabled ? "enabled" : "disabled");
    c->on_event(c->event_ctx, &e);
  }
  if (old_interval != new_interval) {
    event_init(&e, EVENT_INTERVAL_CHANGED, clock_wall(), "server", 0);
    snprintf(e.detail, sizeof e.detail, "interval %.3g s -> %.3g s", old_interval, new_interval);
    c->on_event(c->event_ctx, &e);
  }
}

void collector_configure(collector *c, const bool *enabled, const double *interval,
                         const size_t *history_size) {
  pthread_mutex_lock(&c->lock);
  bool was_enabled = c->enabled;
  double old_interval = c->interval;
  if (enabled && *enabled != c->enabled) {
    c->enabled = *enabled;
    if (!c->enabled) {
      c->has_latest = false; /* /metrics answers 503 until a fresh tick */
    }
  }
  if (interval) {
    double seconds = clamp_interval(*interval);
    c->reschedule |= seconds != c->interval;
    c->interval = seconds;
  }
  if (history_size) ring_resize(c->history, clamp_history(*history_size));
  bool now_enabled = c->enabled;
  double new_interval = c->interval;
  pthread_cond_broadcast(&c->wake);
  pthread_mutex_unlock(&c->lock);
  emit_changes(c, was_enabled, old_interval, now_enabled, new_interval);
}

void collector_set_enabled(collector *c, bool enabled) {
  collector_configure(c, &enabled, NULL, NULL);
}

void collector_get_status(collector *c, collector_status *out) {
  pthread_mutex_lock(&c->lock);
  out->enabled = c->enabled;
  out->interval = c->interval;
  out->history_size = ring_capacity(c->history);
  out->history_count = ring_count(c->history);
  out->ticks = c->ticks;
  out->last_tick_seconds = c->last_tick_cpu;
  pthread_mutex_unlock(&c->lock);
  out->uptime_seconds = clock_mono() - c->created_mono;
}

bool collector_latest(collector *c, metrics_snapshot *out) {
  pthread_mutex_lock(&c->lock);
  bool ok = c->enabled && c->has_latest;
  if (ok) snapshot_copy(out, ring_latest(c->history));
  pthread_mutex_unlock(&c->lock);
  return ok;
}

uint64_t collector_latest_tick(collector *c) {
  pthread_mutex_lock(&c->lock);
  uint64_t tick = c->enabled && c->has_latest ? c->ticks : 0;
  pthread_mutex_unlock(&c->lock);
  return tick;
}

size_t collector_history(collector *c, double from, double to, metrics_snapshot **out,
                         double *oldest) {
  pthread_mutex_lock(&c->lock);
  size_t n = ring_copy_range(c->history, from, to, out);
  if (oldest) *oldest = ring_oldest_timestamp(c->history);
  pthread_mutex_unlock(&c->lock);
  return n;
}

bool collector_history_bounds(collector *c, double *oldest, double *newest) {
  pthread_mutex_lock(&c->lock);
  const metrics_snapshot *latest = ring_latest(c->history);
  bool any = latest != NULL;
  if (any) {
    *oldest = ring_oldest_timestamp(c->history);
    *newest = latest->timestamp;
  }
  pthread_mutex_unlock(&c->lock);
  return any;
}

size_t collector_history_each(collector *c, double from, double to,
                              void (*fn)(void *ctx, const metrics_snapshot *s), void *ctx) {
  size_t visited = 0;
  pthread_mutex_lock(&c->lock);
  for (size_t i = 0, n = ring_count(c->history); i < n; i++) {
    const metrics_snapshot *s = ring_at(c->history, i);
    if (s->timestamp < from || s->timestamp > to) continue;
    fn(ctx, s);
    visited++;
  }
  pthread_mutex_unlock(&c->lock);
  return visited;
}

size_t collector_history_extent(collector *c, double from, double to, double *oldest) {
  pthread_mutex_lock(&c->lock);
  size_t n = ring_count_range(c->history, from, to);
  *oldest = ring_oldest_timestamp(c->history);
  pthread_mutex_unlock(&c->lock);
  return n;
}

hiro_err collector_tick_once(collector *c, metrics_snapshot *out) {
  if (!c->sync_primed) {
    sampler_prime(c->sampler);
    c->sync_primed = true;
    return HIRO_ENOENT;
  }
  take_and_publish(c, out);
  return HIRO_OK;
}
