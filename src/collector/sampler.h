/* sampler.h - the collector's per-tick work (the design document's steps 1-5):
 * read the server process, the plugins, and the system through the platform
 * layer and turn counter deltas into a snapshot. Single-threaded: owned by the
 * collector thread (or a benchmark). */
#ifndef HIRO_SAMPLER_H
#define HIRO_SAMPLER_H
#include "collector/collector.h"

typedef struct sampler sampler;

sampler *sampler_new(platform *p);
void sampler_free(sampler *s);
void sampler_set_child_provider(sampler *s, plugin_provider_fn fn, void *ctx);
/* The workspace directory, whose filesystem is marked in the snapshot. */
void sampler_set_workspace(sampler *s, const char *path);

/* Read every counter without publishing, so the next sampler_take has real
 * deltas. Call on enable (and whenever the last read is stale). */
void sampler_prime(sampler *s);
/* Take one snapshot into out (replacing its contents). Must follow a
 * sampler_prime or an earlier take. */
void sampler_take(sampler *s, metrics_snapshot *out);

#endif
