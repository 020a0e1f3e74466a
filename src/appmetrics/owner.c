/* owner.c - attribution: a sender pid's parent chain, walked up through
 * /proc (via the platform layer) until a plugin's process, or until the
 * server when a plugin's descendant was orphaned and reparented to it. */
#include "appmetrics/owner.h"

#include <stdlib.h>
#include <string.h>

#include "platform/platform.h"

enum { MAX_PLUGINS = 256, MAX_DEPTH = 64 };

struct app_owner_walk {
  platform *plat;
  plugin_provider_fn plugins;
  void *plugins_ctx;
};

app_owner_walk *app_owner_walk_new(plugin_provider_fn plugins, void *plugins_ctx) {
  platform *plat = platform_open(PLATFORM_PROC_ROOT, PLATFORM_SYS_ROOT);
  if (!plat) return NULL;
  app_owner_walk *w = xcalloc(1, sizeof *w);
  w->plat = plat;
  w->plugins = plugins;
  w->plugins_ctx = plugins_ctx;
  return w;
}

void app_owner_walk_free(app_owner_walk *w) {
  if (!w) return;
  platform_close(w->plat);
  free(w);
}

/* The plugin of list named name, or -1. */
static int plugin_named(const plugin_ref *list, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i].name, name) == 0) return (int)i;
  return -1;
}

/* An orphan reparented to the server: the server is a child subreaper, so
 * only descendants of its plugins end up as its children besides the
 * plugins themselves. Which plugin's tree it left is in the environment
 * every plugin was started with (the one the tree tracking reads too). */
static int orphan_owner(app_owner_walk *w, int pid, const plugin_ref *list, size_t n,
                        char name[HIRO_NAME_MAX]) {
  char env[HIRO_NAME_MAX];
  if (!platform_proc_getenv(w->plat, pid, "HIRO_PLUGIN_NAME", env, sizeof env)) return 0;
  int i = plugin_named(list, n, env);
  if (i < 0) return 0;
  memcpy(name, list[i].name, HIRO_NAME_MAX);
  return 1;
}

int app_owner_walk_lookup(void *ctx, int pid, char name[HIRO_NAME_MAX]) {
  app_owner_walk *w = ctx;
  if (!w->plugins) return 0;
  plugin_ref *list = xcalloc(MAX_PLUGINS, sizeof *list);
  size_t n = w->plugins(w->plugins_ctx, list, MAX_PLUGINS);
  int self = platform_self_pid(), found = 0;
  for (int depth = 0; depth < MAX_DEPTH && pid > 1 && pid != self && !found; depth++) {
    for (size_t i = 0; i < n && !found; i++) {
      if (list[i].running && list[i].pid == pid) {
        memcpy(name, list[i].name, HIRO_NAME_MAX);
        found = 1;
      }
    }
    int parent;
    if (found || platform_pid_parent(w->plat, pid, &parent) != HIRO_OK) break;
    if (parent == self) found = orphan_owner(w, pid, list, n, name);
    pid = parent;
  }
  free(list);
  return found;
}
