/* model.c - ownership helpers for metrics_snapshot, and the name pool. */
#include "model/model.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "model/columns.h"

static void **list_items(metrics_snapshot *s, int list) {
  return (void **)((char *)s + model_lists[list].items_offset);
}
static size_t *list_count(metrics_snapshot *s, int list) {
  return (size_t *)((char *)s + model_lists[list].count_offset);
}

static void extra_release(snapshot_extra *e) {
  if (e && __atomic_sub_fetch(&e->refs, 1, __ATOMIC_ACQ_REL) == 0) e->destroy(e);
}

void snapshot_free(metrics_snapshot *s) {
  extra_release(s->extra);
  free(s->children);
  for (int l = 0; l < MODEL_LISTS; l++) free(*list_items(s, l));
  memset(s, 0, sizeof *s);
}

/* Zeroed room for n items of size bytes in *items, which holds had. The
 * collector fills the same snapshot every tick with the same counts, so an
 * array of the right count is reused: a tick allocates nothing. */
static void set_array(void **items, size_t had, size_t n, size_t size) {
  if (n && *items && had == n) {
    memset(*items, 0, n * size);
    return;
  }
  free(*items);
  *items = n ? xcalloc(n, size) : NULL;
}

void snapshot_set_children(metrics_snapshot *s, size_t n) {
  set_array((void **)&s->children, s->n_children, n, sizeof *s->children);
  s->n_children = n;
}

void snapshot_set_list(metrics_snapshot *s, int list, size_t n) {
  set_array(list_items(s, list), *list_count(s, list), n, model_lists[list].item_size);
  *list_count(s, list) = n;
}

/* Copy an array of n items of size bytes into *dst, reusing *dst when it
 * already holds at least had items (the ring copies every tick). */
static void copy_array(void **dst, size_t had, const void *src, size_t n, size_t size) {
  if (n == 0) {
    free(*dst);
    *dst = NULL;
    return;
  }
  if (!*dst || had < n) *dst = xrealloc(*dst, n * size);
  memcpy(*dst, src, n * size);
}

void snapshot_copy(metrics_snapshot *dst, const metrics_snapshot *src) {
  if (dst == src) return;
  metrics_snapshot old = *dst;
  memcpy(dst, src, sizeof *dst);
  if (src->extra) __atomic_add_fetch(&src->extra->refs, 1, __ATOMIC_RELAXED);
  extra_release(old.extra);
  dst->children = old.children;
  copy_array((void **)&dst->children, old.n_children, src->children, src->n_children,
             sizeof *src->children);
  for (int l = 0; l < MODEL_LISTS; l++) {
    void **items = list_items(dst, l);
    *items = *list_items(&old, l);
    copy_array(items, *list_count(&old, l), *list_items((metrics_snapshot *)src, l),
               *list_count((metrics_snapshot *)src, l), model_lists[l].item_size);
  }
}

/* ---- name pool: a small open-addressing set of strdup'd names ---- */

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static char **pool;
static size_t pool_cap, pool_len;

static size_t name_hash(const char *s) {
  size_t h = 1469598103934665603u; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

static void pool_insert(char *name) {
  size_t i = name_hash(name) & (pool_cap - 1);
  while (pool[i]) i = (i + 1) & (pool_cap - 1);
  pool[i] = name;
}

const char *model_intern(const char *s) {
  if (!s) s = "";
  pthread_mutex_lock(&pool_lock);
  if (pool_len * 2 >= pool_cap) {
    char **old = pool;
    size_t old_cap = pool_cap;
    pool_cap = pool_cap ? pool_cap * 2 : 64;
    pool = xcalloc(pool_cap, sizeof *pool);
    for (size_t i = 0; i < old_cap; i++)
      if (old[i]) pool_insert(old[i]);
    free(old);
  }
  size_t i = name_hash(s) & (pool_cap - 1);
  while (pool[i] && strcmp(pool[i], s) != 0) i = (i + 1) & (pool_cap - 1);
  if (!pool[i]) {
    pool[i] = xstrdup(s);
    pool_len++;
  }
  const char *found = pool[i];
  pthread_mutex_unlock(&pool_lock);
  return found;
}
