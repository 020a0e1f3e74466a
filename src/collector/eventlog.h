/* eventlog.h - the server's lifecycle events in memory: a bounded log that
 * every producer (plugin manager, collector, server) pushes to, readers
 * query by time, process and kind, and that forwards each event to an
 * optional sink (the store). */
#ifndef HIRO_EVENTLOG_H
#define HIRO_EVENTLOG_H
#include <stdbool.h>
#include <stddef.h>

#include "model/event.h"

typedef struct eventlog eventlog;

/* A log keeping the newest capacity events. Never fails. */
eventlog *eventlog_new(size_t capacity);
void eventlog_free(eventlog *log);
/* Forward every event pushed from now on to fn (e.g. the store). fn is
 * called with the log's lock released. */
void eventlog_set_sink(eventlog *log, event_sink_fn fn, void *ctx);
/* An event_sink_fn: ctx is the eventlog. Keeps the event and forwards it.
 * Thread-safe; never blocks on I/O. */
void eventlog_push(void *ctx, const hiro_event *e);

/* Filter of a query: no processes = any, kind < 0 = any. */
typedef struct {
  double from, to;              /* inclusive, Unix seconds */
  const char *const *processes; /* an event of any of these */
  size_t n_processes;
  int kind;
} event_filter;

/* The kept events matching f, oldest first, into *out (a new array the
 * caller frees; NULL when none). Returns how many. */
size_t eventlog_query(eventlog *log, const event_filter *f, hiro_event **out);
/* Whether e passes f. */
bool event_filter_match(const event_filter *f, const hiro_event *e);

#endif
