/* appmetrics.h - application metrics as the server runs them: the receiver
 * thread, the aggregator, the frame of each collector interval (the latest
 * one and a bounded in-memory history) and the publisher status. The rest of
 * the server sees only this interface and the frame model (app_frame.h). */
#ifndef HIRO_APPMETRICS_H
#define HIRO_APPMETRICS_H
#include <stdbool.h>
#include <stddef.h>

#include "appmetrics/aggregate.h"
#include "appmetrics/app_frame.h"
#include "appmetrics/owner.h"
#include "appmetrics/receiver.h"
#include "collector/collector.h"

/* Memory for frames kept in the in-memory history (beyond it: the store). */
#define APPMETRICS_HISTORY_BYTES (4u << 20)

typedef struct appmetrics appmetrics;

typedef struct {
  const char *socket_path; /* <workspace>/app-metrics.sock; NULL: none */
  int udp_port;            /* 0: no UDP */
  size_t max_series;       /* per publisher */
  double max_rate;         /* lines per second per publisher; 0: unlimited */
  size_t history_frames;   /* at most this many frames in memory */
  app_owner_fn owner;      /* pid -> plugin; NULL: walk parents up to plugins */
  void *owner_ctx;
  plugin_provider_fn plugins; /* the plugins, for the walk */
  void *plugins_ctx;
  aggregate_event_fn on_event; /* limit events; may be NULL */
  void *event_ctx;
} appmetrics_options;

typedef struct {
  receiver_stats receiver;
  aggregate_source_stats *sources; /* n_sources entries; appmetrics_status_free */
  size_t n_sources;
  size_t max_series;
  double max_rate;
  size_t history_frames, history_bytes;
} appmetrics_status;

/* Bind the sockets and start receiving. On failure returns the receiver's
 * error with the reason in err. */
hiro_err appmetrics_start(const appmetrics_options *opt, appmetrics **out, char *err,
                          size_t errlen) HIRO_MUST_USE;
/* Stop receiving and free everything (frames handed out stay valid until
 * released). Safe on NULL. */
void appmetrics_stop(appmetrics *am);

/* Close the interval at the snapshot's wall-clock timestamp (collector
 * thread): the frame becomes the latest and enters the history. Returns a
 * new reference for the caller (e.g. the store), or NULL when nothing has
 * been published. */
app_frame *appmetrics_tick(appmetrics *am, double timestamp);
/* Lines the server publishes about itself, as if received from its own pid. */
void appmetrics_publish(appmetrics *am, const char *lines, size_t len);

/* The latest frame (a new reference) or NULL. */
app_frame *appmetrics_latest(appmetrics *am);
/* Frames in [from, to], oldest first (see app_history_range). */
size_t appmetrics_history(appmetrics *am, double from, double to, app_frame ***out, double *oldest);

void appmetrics_get_status(appmetrics *am, appmetrics_status *out);
void appmetrics_status_free(appmetrics_status *status);

#endif
