/* latest_cache.c - per-tick cache of the latest snapshot's JSON: /metrics is
 * polled by dashboards and scrapers far more often than the collector ticks,
 * and copying plus encoding the snapshot is most of a request's cost. */
#include "http/latest_cache.h"

#include <pthread.h>
#include <stdlib.h>

#include "appmetrics/appmetrics.h"
#include "http/snapshot_json.h"

struct latest_cache {
  pthread_mutex_t lock; /* guards the fields below */
  const collector *coll;
  uint64_t tick;    /* collector_latest_tick when json was encoded */
  app_frame *frame; /* the app frame encoded with it (held, so its address
                       cannot come back as another frame's) */
  char *json;
};

latest_cache *latest_cache_new(void) {
  latest_cache *lc = xcalloc(1, sizeof *lc);
  pthread_mutex_init(&lc->lock, NULL);
  return lc;
}

void latest_cache_free(latest_cache *lc) {
  if (!lc) return;
  free(lc->json);
  app_frame_release(lc->frame);
  pthread_mutex_destroy(&lc->lock);
  free(lc);
}

static char *encode_latest(collector *c, const app_frame *frame) {
  metrics_snapshot s = {0};
  if (!collector_latest(c, &s)) return NULL;
  char *json = snapshot_app_to_json_string(&s, frame);
  snapshot_free(&s);
  return json;
}

char *latest_cache_json(latest_cache *lc, collector *c, appmetrics *app) {
  /* The app frame of a tick is made just after the tick's snapshot is
   * published: for that moment the previous frame is shown, and the next
   * call, seeing a new frame, encodes again. */
  app_frame *frame = app ? appmetrics_latest(app) : NULL;
  if (!lc) {
    char *json = encode_latest(c, frame);
    app_frame_release(frame);
    return json;
  }
  /* The tick is read before the copy: if a tick lands in between, the cache
   * holds newer text under an older tick and the next call re-encodes. */
  uint64_t tick = collector_latest_tick(c);
  if (tick == 0) {
    app_frame_release(frame);
    return NULL;
  }
  pthread_mutex_lock(&lc->lock);
  if (lc->coll != c || lc->tick != tick || lc->frame != frame || !lc->json) {
    free(lc->json);
    lc->json = encode_latest(c, frame);
    lc->coll = c;
    lc->tick = tick;
    app_frame_release(lc->frame);
    lc->frame = app_frame_retain(frame);
  }
  char *json = lc->json ? xstrdup(lc->json) : NULL;
  pthread_mutex_unlock(&lc->lock);
  app_frame_release(frame);
  return json;
}
