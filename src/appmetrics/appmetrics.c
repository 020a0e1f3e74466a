/* appmetrics.c - wires receiver, aggregator and frames together for the server. */
#include "appmetrics/appmetrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "appmetrics/app_history.h"
#include "common/clock.h"

struct appmetrics {
  aggregate *agg;
  receiver *recv;
  app_owner_walk *walk; /* when no owner callback was given */
  size_t max_series;
  double max_rate;
  pthread_mutex_t lock; /* guards latest and history */
  app_frame *latest;
  app_history *history;
};

hiro_err appmetrics_start(const appmetrics_options *opt, appmetrics **out, char *err,
                          size_t errlen) {
  appmetrics *am = xcalloc(1, sizeof *am);
  aggregate_limits lim = {
      .max_series = opt->max_series, .max_rate = opt->max_rate, .idle_seconds = 3600};
  am->agg = aggregate_new(&lim);
  am->max_series = opt->max_series;
  am->max_rate = opt->max_rate;
  aggregate_set_event_sink(am->agg, opt->on_event, opt->event_ctx);
  am->history = app_history_new(opt->history_frames, APPMETRICS_HISTORY_BYTES);
  pthread_mutex_init(&am->lock, NULL);
  receiver_options ropt = {.socket_path = opt->socket_path,
                           .udp_port = opt->udp_port,
                           .owner = opt->owner,
                           .owner_ctx = opt->owner_ctx};
  if (!ropt.owner && opt->plugins) {
    am->walk = app_owner_walk_new(opt->plugins, opt->plugins_ctx);
    ropt.owner = am->walk ? app_owner_walk_lookup : NULL;
    ropt.owner_ctx = am->walk;
  }
  hiro_err rc = receiver_start(&ropt, am->agg, &am->recv, err, errlen);
  if (rc != HIRO_OK) {
    appmetrics_stop(am);
    return rc;
  }
  *out = am;
  return HIRO_OK;
}

void appmetrics_stop(appmetrics *am) {
  if (!am) return;
  receiver_stop(am->recv);
  app_owner_walk_free(am->walk);
  aggregate_free(am->agg);
  app_frame_release(am->latest);
  app_history_free(am->history);
  pthread_mutex_destroy(&am->lock);
  free(am);
}

app_frame *appmetrics_tick(appmetrics *am, double timestamp) {
  app_frame *f = aggregate_flush(am->agg, timestamp, clock_mono());
  if (!f) return NULL;
  pthread_mutex_lock(&am->lock);
  app_frame_release(am->latest);
  am->latest = app_frame_retain(f);
  app_history_push(am->history, f);
  pthread_mutex_unlock(&am->lock);
  return f;
}

void appmetrics_publish(appmetrics *am, const char *lines, size_t len) {
  aggregate_datagram(am->agg, NULL, true, lines, len, clock_mono());
}

app_frame *appmetrics_latest(appmetrics *am) {
  pthread_mutex_lock(&am->lock);
  app_frame *f = app_frame_retain(am->latest);
  pthread_mutex_unlock(&am->lock);
  return f;
}

size_t appmetrics_history(appmetrics *am, double from, double to, app_frame ***out,
                          double *oldest) {
  pthread_mutex_lock(&am->lock);
  size_t n = app_history_range(am->history, from, to, out, oldest);
  pthread_mutex_unlock(&am->lock);
  return n;
}

void appmetrics_get_status(appmetrics *am, appmetrics_status *out) {
  memset(out, 0, sizeof *out);
  receiver_get_stats(am->recv, &out->receiver);
  /* Sources only ever grow: ask again when more appeared meanwhile. */
  size_t cap = 8;
  for (;;) {
    out->sources = xrealloc(out->sources, cap * sizeof *out->sources);
    size_t n = aggregate_stats(am->agg, out->sources, cap);
    if (n <= cap) {
      out->n_sources = n;
      break;
    }
    cap = n;
  }
  out->max_series = am->max_series;
  out->max_rate = am->max_rate;
  pthread_mutex_lock(&am->lock);
  out->history_frames = app_history_count(am->history);
  out->history_bytes = app_history_bytes(am->history);
  pthread_mutex_unlock(&am->lock);
}

void appmetrics_status_free(appmetrics_status *status) {
  free(status->sources);
  status->sources = NULL;
  status->n_sources = 0;
}
