/* event.h - lifecycle events: a plugin started, exited, was restarted or
 * given up on; the server started or stopped (or had crashed); the collector
 * was reconfigured; storage failed or recovered; a plugin's application
 * metrics hit a limit (series, rate). One record shape for the
 * producers (plugin manager, server, collector, store), the in-memory log,
 * the database and every reader. */
#ifndef HIRO_MODEL_EVENT_H
#define HIRO_MODEL_EVENT_H
#include <stdbool.h>
#include <stddef.h>

#include "common/hiro.h"

/* X(id, name as stored and served) */
#define MODEL_EVENT_KINDS(X)                                                                       \
  X(PLUGIN_STARTED, "plugin_started")                                                              \
  X(PLUGIN_EXITED, "plugin_exited")                                                                \
  X(RESTART_SCHEDULED, "restart_scheduled")                                                        \
  X(PLUGIN_GAVE_UP, "plugin_not_restarted")                                                        \
  X(START_FAILED, "plugin_start_failed")                                                           \
  X(SURVIVORS_KILLED, "survivors_killed")                                                          \
  X(SERVER_STARTED, "server_started")                                                              \
  X(SERVER_STOPPED, "server_stopped")                                                              \
  X(SERVER_CRASHED, "server_crash_detected")                                                       \
  X(COLLECTOR_ENABLED, "collector_enabled")                                                        \
  X(COLLECTOR_DISABLED, "collector_disabled")                                                      \
  X(INTERVAL_CHANGED, "collector_interval_changed")                                                \
  X(STORAGE_ERROR, "storage_error")                                                                \
  X(STORAGE_RECOVERED, "storage_recovered")                                                        \
  X(APP_SERIES_LIMIT, "app_series_limit")                                                          \
  X(APP_RATE_LIMIT, "app_rate_limit")

#define MODEL_EVENT_ENUM(id, name) EVENT_##id,
typedef enum { MODEL_EVENT_KINDS(MODEL_EVENT_ENUM) EVENT_KINDS } event_kind;
#undef MODEL_EVENT_ENUM

/* One event. Numbers that do not apply are -1 (exit_code, signal, err) or
 * NAN (cpu_seconds, lifetime_seconds, delay_seconds); pid 0 = none. */
typedef struct {
  double timestamp; /* wall-clock Unix seconds */
  event_kind kind;
  char process[HIRO_NAME_MAX]; /* plugin name, "server" for server events */
  int pid;
  int exit_code;           /* exit status, when it exited normally */
  int signal;              /* the signal that ended it */
  int err;                 /* errno of a failed start */
  double cpu_seconds;      /* CPU time of the life that ended */
  double lifetime_seconds; /* how long that life lasted */
  double delay_seconds;    /* restart delay */
  char detail[200];        /* readable sentence */
} hiro_event;

/* Receives events; must not block (called from the threads that produce
 * them). */
typedef void (*event_sink_fn)(void *ctx, const hiro_event *e);

/* The stored name of a kind ("plugin_exited"); "unknown" when out of range. */
const char *event_kind_name(event_kind k);
/* The kind named name; false when no kind has that name. */
bool event_kind_parse(const char *name, event_kind *out);
/* An event of kind k at time now with every optional number unset. */
void event_init(hiro_event *e, event_kind k, double now, const char *process, int pid);

#endif
