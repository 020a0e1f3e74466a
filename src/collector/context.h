/* context.h - the system beside the processes, sampled each tick (steps 4
 * and 5 of the design document and what users of Glances or node_exporter
 * look for next): disk and network totals and per device, every real
 * filesystem, load averages, swap, pressure stall information. Owned by the
 * sampler; single-threaded. */
#ifndef HIRO_CONTEXT_H
#define HIRO_CONTEXT_H
#include "model/model.h"
#include "platform/platform.h"

typedef struct context_sampler context_sampler;

context_sampler *context_new(platform *p);
void context_free(context_sampler *cs); /* safe on NULL */
/* The workspace directory: its filesystem is marked in the list. */
void context_set_workspace(context_sampler *cs, const char *path);

/* Fill out's disk, network, load, swap and pressure objects, its lists of
 * filesystems, disks and interfaces, their presence flags and counters. mi is this tick's memory read (swap space comes from it), NULL
 * when it failed. Rates need a previous take: the first one after a prime
 * (elapsed <= 0) only records counters, and a group whose read failed is
 * absent until two reads in a row succeed. Failures are logged once by the
 * platform layer. */
void context_take(context_sampler *cs, double elapsed, const mem_info *mi, metrics_snapshot *out);

#endif
