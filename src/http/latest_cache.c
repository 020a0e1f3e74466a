/* latest_cache.c - per-tick cache of the latest snapshot's JSON: /metrics is
 * polled by dashboards and scrapers far more often than the collector ticks,
 * and copying plus encoding the snapshot is most of a request's cost. */
#include "http/latest_cache.h"

#include <pthread.h>
#include <stdlib.h>

#include "http/snapshot_json.h"

struct latest_cache {
  pthread_mutex_t lock; /* guards the fields below */
  const collector *coll;
  uint64_t tick; /* collector_latest_tick when json was encoded */
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
  pthread_mutex_destroy(&lc->lock);
  free(lc);
}

static char *encode_latest(collector *c) {
  metrics_snapshot s = {0};
  if (!collector_latest(c, &s)) return NULL;
  char *json = snapshot_to_json_string(&s);
  snapshot_free(&s);
  return json;
}

char *latest_cache_json(latest_cache *lc, collector *c) {
  if (!lc) return encode_latest(c);
  /* The tick is read before the copy: if a tick lands in between, the cache
   * holds newer text under an older tick and the next call re-encodes. */
  uint64_t tick = collector_latest_tick(c);
  if (tick == 0) return NULL;
  pthread_mutex_lock(&lc->lock);
  if (lc->coll != c || lc->tick != tick || !lc->json) {
    free(lc->json);
    lc->json = encode_latest(c);
    lc->coll = c;
    lc->tick = tick;
  }
  char *json = lc->json ? xstrdup(lc->json) : NULL;
  pthread_mutex_unlock(&lc->lock);
  return json;
}
