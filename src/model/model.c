/* model.c - ownership helpers for metrics_snapshot. */
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

void snapshot_free(metrics_snapshot *s) {
  free(s->children);
  memset(s, 0, sizeof *s);
}

void snapshot_set_children(metrics_snapshot *s, size_t n) {
  free(s->children);
  s->n_children = n;
  s->children = n ? xcalloc(n, sizeof *s->children) : NULL;
}

void snapshot_copy(metrics_snapshot *dst, const metrics_snapshot *src) {
  if (dst == src) return;
  process_metrics *kids = dst->children;
  size_t had = dst->n_children;
  memcpy(dst, src, sizeof *dst);
  /* Reuse the old array when it is big enough: the ring copies every tick. */
  if (src->n_children == 0) {
    free(kids);
    dst->children = NULL;
    return;
  }
  if (!kids || had < src->n_children) kids = xrealloc(kids, src->n_children * sizeof *kids);
  memcpy(kids, src->children, src->n_children * sizeof *kids);
  dst->children = kids;
}
