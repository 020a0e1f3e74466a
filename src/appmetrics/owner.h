/* owner.h - which plugin a sender belongs to: the attribution callback the
 * receiver asks with the pid the kernel vouches for (SCM_CREDENTIALS), and
 * a fallback implementation that walks the sender's parent chain up to a
 * plugin's process. The plugin manager's process-tree tracking can provide
 * a more exact callback (processes reparented to the server) with the same
 * signature. */
#ifndef HIRO_APP_OWNER_H
#define HIRO_APP_OWNER_H
#include "collector/collector.h"
#include "common/hiro.h"

/* Fills name with the plugin whose process tree holds pid and returns 1, or
 * returns 0 when pid is in no plugin's tree. Called on the receiver thread
 * (not for every datagram: results are cached for a second); must not block
 * for long. */
typedef int (*app_owner_fn)(void *ctx, int pid, char name[HIRO_NAME_MAX]);

typedef struct app_owner_walk app_owner_walk;

/* A parent-chain walker over the plugins that plugins (the plugin manager's
 * provider) lists. Opens its own /proc readers. NULL when /proc cannot be
 * read. */
app_owner_walk *app_owner_walk_new(plugin_provider_fn plugins, void *plugins_ctx);
void app_owner_walk_free(app_owner_walk *w);
/* app_owner_fn over an app_owner_walk *: pid itself or one of its ancestors
 * (up to 64 levels) is a running plugin's process. A process that left its
 * plugin's tree (daemonized, reparented to init or to the server) is not
 * attributed. */
int app_owner_walk_lookup(void *ctx, int pid, char name[HIRO_NAME_MAX]);

#endif
