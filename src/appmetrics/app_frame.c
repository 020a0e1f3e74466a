/* app_frame.c - reference counting and lookups on application-metrics frames. */
#include "appmetrics/app_frame.h"

#include <stdlib.h>
#include <string.h>

static void frame_destroy(snapshot_extra *extra) {
  app_frame *f = (app_frame *)extra;
  free(f->groups);
  free(f->points);
  free(f->pool);
  free(f);
}

app_frame *app_frame_new(void) {
  app_frame *f = xcalloc(1, sizeof *f);
  f->base.refs = 1;
  f->base.destroy = frame_destroy;
  return f;
}

app_frame *app_frame_retain(app_frame *f) {
  if (f) __atomic_add_fetch(&f->base.refs, 1, __ATOMIC_RELAXED);
  return f;
}

void app_frame_release(app_frame *f) {
  if (f && __atomic_sub_fetch(&f->base.refs, 1, __ATOMIC_ACQ_REL) == 0) frame_destroy(&f->base);
}

const app_frame *app_frame_of(const metrics_snapshot *snap) {
  return snap->extra && snap->extra->destroy == frame_destroy ? (const app_frame *)snap->extra
                                                              : NULL;
}

void app_frame_attach(metrics_snapshot *snap, app_frame *f) {
  snap->extra = f ? &app_frame_retain(f)->base : NULL;
}

const app_group *app_frame_find(const app_frame *f, const char *plugin, bool server) {
  for (size_t i = 0; f && i < f->n_groups; i++) {
    const app_group *g = &f->groups[i];
    if (g->server == server && (server || strcmp(g->plugin, plugin) == 0)) return g;
  }
  return NULL;
}

bool app_tags_next(const char **pos, const char **key, size_t *key_len, const char **value,
                   size_t *value_len) {
  const char *s = *pos;
  if (!*s) return false;
  const char *comma = strchr(s, ',');
  const char *end = comma ? comma : s + strlen(s);
  const char *colon = memchr(s, ':', (size_t)(end - s));
  if (!colon) return false; /* canonical tags always have one */
  *key = s;
  *key_len = (size_t)(colon - s);
  *value = colon + 1;
  *value_len = (size_t)(end - colon - 1);
  *pos = comma ? comma + 1 : end;
  return true;
}
