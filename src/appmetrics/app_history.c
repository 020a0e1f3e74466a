/* app_history.c - a ring of frame references bounded by count and bytes. */
#include "appmetrics/app_history.h"

#include <stdlib.h>
#include <string.h>

struct app_history {
  app_frame **ring; /* cap slots, head = oldest */
  size_t cap, head, count;
  size_t max_frames, max_bytes, bytes;
};

app_history *app_history_new(size_t max_frames, size_t max_bytes) {
  app_history *h = xcalloc(1, sizeof *h);
  h->max_frames = max_frames ? max_frames : 1;
  h->max_bytes = max_bytes;
  return h;
}

static app_frame *at(const app_history *h, size_t i) { return h->ring[(h->head + i) % h->cap]; }

static void drop_oldest(app_history *h) {
  app_frame *f = h->ring[h->head];
  h->bytes -= f->bytes;
  app_frame_release(f);
  h->ring[h->head] = NULL;
  h->head = (h->head + 1) % h->cap;
  h->count--;
}

void app_history_free(app_history *h) {
  if (!h) return;
  while (h->count) drop_oldest(h);
  free(h->ring);
  free(h);
}

static void fit(app_history *h) {
  while (h->count && (h->count > h->max_frames || h->bytes > h->max_bytes)) drop_oldest(h);
}

void app_history_push(app_history *h, app_frame *f) {
  if (h->count == h->cap) {
    /* Grow (doubling, unrolled so the oldest is at 0) up to the frame limit. */
    size_t cap = h->cap ? h->cap * 2 : 16;
    if (cap > h->max_frames) cap = h->max_frames;
    if (cap <= h->count) {
      drop_oldest(h);
    } else {
      app_frame **ring = xcalloc(cap, sizeof *ring);
      for (size_t i = 0; i < h->count; i++) ring[i] = at(h, i);
      free(h->ring);
      h->ring = ring;
      h->cap = cap;
      h->head = 0;
    }
  }
  h->ring[(h->head + h->count) % h->cap] = app_frame_retain(f);
  h->count++;
  h->bytes += f->bytes;
  fit(h);
}

void app_history_resize(app_history *h, size_t max_frames) {
  h->max_frames = max_frames ? max_frames : 1;
  fit(h);
  if (h->cap > h->max_frames) { /* shrink the ring itself too */
    app_frame **ring = xcalloc(h->max_frames, sizeof *ring);
    for (size_t i = 0; i < h->count; i++) ring[i] = at(h, i);
    free(h->ring);
    h->ring = ring;
    h->cap = h->max_frames;
    h->head = 0;
  }
}

size_t app_history_range(app_history *h, double from, double to, app_frame ***out, double *oldest) {
  *out = NULL;
  *oldest = h->count ? at(h, 0)->timestamp : 0;
  size_t n = 0;
  for (size_t i = 0; i < h->count; i++) {
    app_frame *f = at(h, i);
    if (f->timestamp < from || f->timestamp > to) continue;
    if (!*out) *out = xcalloc(h->count - i, sizeof **out);
    (*out)[n++] = app_frame_retain(f);
  }
  return n;
}

size_t app_history_count(const app_history *h) { return h->count; }
size_t app_history_bytes(const app_history *h) { return h->bytes; }
