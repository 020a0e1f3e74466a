/* model.c - ownership helpers for metrics_snapshot. */
#include "collector/model.h"

#include <stdlib.h>
#include <string.h>

#include "common/hiro.h"

void snapshot_free(metrics_snapshot *s) {
  free(s->children);
  free(s->children_cpu_seconds);
  memset(s, 0, sizeof *s);
}

void snapshot_set_children(metrics_snapshot *s, size_t n) {
  free(s->children);
  free(s->children_cpu_seconds);
  s->n_children = n;
  s->children = n ? xcalloc(n, sizeof *s->children) : NULL;
  s->children_cpu_seconds = n ? xcalloc(n, sizeof *s->children_cpu_seconds) : NULL;
}

void snapshot_copy(metrics_snapshot *dst, const metrics_snapshot *src) {
  if (dst == src) return;
  child_process_metrics *kids = dst->children;
  double *secs = dst->children_cpu_seconds;
  size_t had = dst->n_children;
  memcpy(dst, src, sizeof *dst);
  /* Reuse the old arrays when they are big enough: the ring copies every tick. */
  if (src->n_children == 0) {
    free(kids);
    free(secs);
    dst->children = NULL;
    dst->children_cpu_seconds = NULL;
    return;
  }
  if (!kids || had < src->n_children) {
    kids = xrealloc(kids, src->n_children * sizeof *kids);
    secs = xrealloc(secs, src->n_children * sizeof *secs);
  }
  memcpy(kids, src->children, src->n_children * sizeof *kids);
  if (src->children_cpu_seconds)
    memcpy(secs, src->children_cpu_seconds, src->n_children * sizeof *secs);
  else
    memset(secs, 0, src->n_children * sizeof *secs);
  dst->children = kids;
  dst->children_cpu_seconds = secs;
}
