/* eventlog.c - bounded in-memory log of lifecycle events. */
#include "collector/eventlog.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct eventlog {
  pthread_mutex_t lock; /* guards everything below */
  hiro_event *ring;
  size_t cap, head, count; /* head: oldest */
  event_sink_fn sink;
  void *sink_ctx;
};

eventlog *eventlog_new(size_t capacity) {
  eventlog *log = xcalloc(1, sizeof *log);
  log->cap = capacity ? capacity : 1;
  log->ring = xcalloc(log->cap, sizeof *log->ring);
  pthread_mutex_init(&log->lock, NULL);
  return log;
}

void eventlog_free(eventlog *log) {
  if (!log) return;
  pthread_mutex_destroy(&log->lock);
  free(log->ring);
  free(log);
}

void eventlog_set_sink(eventlog *log, event_sink_fn fn, void *ctx) {
  pthread_mutex_lock(&log->lock);
  log->sink = fn;
  log->sink_ctx = ctx;
  pthread_mutex_unlock(&log->lock);
}

void eventlog_push(void *ctx, const hiro_event *e) {
  eventlog *log = ctx;
  /* Not written to the server log: the producers log what deserves a line
   * there, and a configure storm must not become a log storm (a foreground
   * server whose stderr nobody reads would block on it). */
  pthread_mutex_lock(&log->lock);
  if (log->count == log->cap) {
    log->ring[log->head] = *e;
    log->head = (log->head + 1) % log->cap;
  } else {
    log->ring[(log->head + log->count++) % log->cap] = *e;
  }
  event_sink_fn sink = log->sink;
  void *sink_ctx = log->sink_ctx;
  pthread_mutex_unlock(&log->lock);
  if (sink) sink(sink_ctx, e);
}

bool event_filter_match(const event_filter *f, const hiro_event *e) {
  if (e->timestamp < f->from || e->timestamp > f->to) return false;
  if (f->kind >= 0 && (int)e->kind != f->kind) return false;
  for (size_t i = 0; i < f->n_processes; i++)
    if (strcmp(f->processes[i], e->process) == 0) return true;
  return f->n_processes == 0;
}

size_t eventlog_query(eventlog *log, const event_filter *f, hiro_event **out) {
  *out = NULL;
  pthread_mutex_lock(&log->lock);
  size_t n = 0;
  for (size_t i = 0; i < log->count; i++) {
    const hiro_event *e = &log->ring[(log->head + i) % log->cap];
    if (!event_filter_match(f, e)) continue;
    if (!*out) *out = xmalloc(log->count * sizeof **out);
    (*out)[n++] = *e;
  }
  pthread_mutex_unlock(&log->lock);
  return n;
}
