/* ring.c - fixed-capacity history of snapshots, newest last. */
#include "collector/ring.h"

#include <stdlib.h>
#include <string.h>

#include "common/hiro.h"

struct ring {
  metrics_snapshot *slots;
  size_t capacity;
  size_t head; /* index of the oldest entry */
  size_t count;
};

ring *ring_new(size_t capacity) {
  if (capacity == 0) capacity = 1;
  ring *r = xcalloc(1, sizeof *r);
  r->slots = xcalloc(capacity, sizeof *r->slots);
  r->capacity = capacity;
  return r;
}

void ring_free(ring *r) {
  if (!r) return;
  for (size_t i = 0; i < r->capacity; i++) snapshot_free(&r->slots[i]);
  free(r->slots);
  free(r);
}

static size_t slot_index(const ring *r, size_t i) { return (r->head + i) % r->capacity; }

void ring_push(ring *r, const metrics_snapshot *s) {
  size_t idx;
  if (r->count < r->capacity) {
    idx = slot_index(r, r->count);
    r->count++;
  } else {
    idx = r->head; /* overwrite the oldest; snapshot_copy reuses its arrays */
    r->head = (r->head + 1) % r->capacity;
  }
  snapshot_copy(&r->slots[idx], s);
}

size_t ring_count(const ring *r) { return r->count; }
size_t ring_capacity(const ring *r) { return r->capacity; }

const metrics_snapshot *ring_at(const ring *r, size_t i) {
  return i < r->count ? &r->slots[slot_index(r, i)] : NULL;
}

const metrics_snapshot *ring_latest(const ring *r) {
  return r->count ? ring_at(r, r->count - 1) : NULL;
}

double ring_oldest_timestamp(const ring *r) { return r->count ? ring_at(r, 0)->timestamp : 0; }

void ring_resize(ring *r, size_t capacity) {
  if (capacity == 0) capacity = 1;
  if (capacity == r->capacity) return;
  metrics_snapshot *slots = xcalloc(capacity, sizeof *slots);
  size_t keep = r->count < capacity ? r->count : capacity;
  size_t skip = r->count - keep;
  /* Move (not copy) the newest entries; free the rest. */
  for (size_t i = 0; i < r->count; i++) {
    metrics_snapshot *s = &r->slots[slot_index(r, i)];
    if (i >= skip)
      slots[i - skip] = *s;
    else
      snapshot_free(s);
  }
  /* Slots beyond count may still own arrays from earlier pushes. */
  for (size_t i = r->count; i < r->capacity; i++) snapshot_free(&r->slots[slot_index(r, i)]);
  free(r->slots);
  r->slots = slots;
  r->capacity = capacity;
  r->head = 0;
  r->count = keep;
}

/* First index (from the oldest) whose timestamp >= t. Timestamps are normally
 * increasing; a wall-clock step back makes them not, so the search is only a
 * starting point and ring_copy_range filters each entry anyway. */
static size_t lower_bound(const ring *r, double t) {
  size_t lo = 0, hi = r->count;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (ring_at(r, mid)->timestamp < t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static bool is_sorted(const ring *r) {
  for (size_t i = 1; i < r->count; i++)
    if (ring_at(r, i)->timestamp < ring_at(r, i - 1)->timestamp) return false;
  return true;
}

/* Index to start scanning from for entries >= from. */
static size_t range_start(const ring *r, double from) {
  return is_sorted(r) ? lower_bound(r, from) : 0;
}

size_t ring_count_range(const ring *r, double from, double to) {
  size_t n = 0;
  for (size_t i = range_start(r, from); i < r->count; i++) {
    double t = ring_at(r, i)->timestamp;
    if (t >= from && t <= to) n++;
  }
  return n;
}

size_t ring_copy_range(const ring *r, double from, double to, metrics_snapshot **out) {
  size_t n = ring_count_range(r, from, to);
  *out = n ? xcalloc(n, sizeof **out) : NULL;
  size_t k = 0;
  for (size_t i = range_start(r, from); i < r->count && k < n; i++) {
    const metrics_snapshot *s = ring_at(r, i);
    if (s->timestamp >= from && s->timestamp <= to) snapshot_copy(&(*out)[k++], s);
  }
  return n;
}

size_t ring_memory_bytes(const ring *r) {
  size_t bytes = sizeof *r + r->capacity * sizeof *r->slots;
  for (size_t i = 0; i < r->count; i++) {
    const metrics_snapshot *s = ring_at(r, i);
    bytes += s->n_children * sizeof *s->children;
  }
  return bytes;
}
