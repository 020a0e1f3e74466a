/* ring.h - fixed-capacity history of snapshots, newest last. */
#ifndef HIRO_RING_H
#define HIRO_RING_H
#include <stddef.h>

#include "model/model.h"

typedef struct ring ring;

/* Capacity must be >= 1. Never fails (allocation aborts). */
ring *ring_new(size_t capacity);
void ring_free(ring *r);

/* Append a deep copy of s; when full, the oldest entry is dropped. O(1)
 * (amortised: child arrays of the dropped slot are reused). */
void ring_push(ring *r, const metrics_snapshot *s);
size_t ring_count(const ring *r);
size_t ring_capacity(const ring *r);
/* Newest entry or NULL when empty. The pointer is valid until the next
 * push/resize; callers holding a lock copy it out. */
const metrics_snapshot *ring_latest(const ring *r);
/* Entry i counted from the oldest (0) ... count-1 (newest). */
const metrics_snapshot *ring_at(const ring *r, size_t i);
/* Change capacity, keeping the newest min(count, capacity) entries. */
void ring_resize(ring *r, size_t capacity);
/* Deep-copy entries with from <= timestamp <= to, oldest first, into a new
 * array (*out, caller frees each with snapshot_free and the array with free).
 * Returns the number copied. */
size_t ring_copy_range(const ring *r, double from, double to, metrics_snapshot **out);
/* How many entries have from <= timestamp <= to. No copies. */
size_t ring_count_range(const ring *r, double from, double to);
/* Timestamp of the oldest entry, or 0 when empty. */
double ring_oldest_timestamp(const ring *r);
/* Approximate heap bytes held by the ring (for the benchmark). */
size_t ring_memory_bytes(const ring *r);

#endif
