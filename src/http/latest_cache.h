/* latest_cache.h - the latest snapshot's JSON text, encoded once per tick and
 * shared by every GET /metrics until the collector publishes the next one. */
#ifndef HIRO_LATEST_CACHE_H
#define HIRO_LATEST_CACHE_H
#include "collector/collector.h"

typedef struct latest_cache latest_cache;

latest_cache *latest_cache_new(void);
void latest_cache_free(latest_cache *lc); /* safe on NULL */

/* JSON of c's latest snapshot (malloc'd, caller frees) with app's latest
 * application metrics (app may be NULL), or NULL when there is no snapshot
 * or the collector is disabled. lc may be NULL: then nothing is cached.
 * Thread-safe. */
struct appmetrics;
char *latest_cache_json(latest_cache *lc, collector *c, struct appmetrics *app);

#endif
