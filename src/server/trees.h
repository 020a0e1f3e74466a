/* trees.h - the process trees of the channel plugins, as the plugin manager
 * owns them: a cgroup v2 group per plugin when the server may create one,
 * else the descendants of the server (a child subreaper, so every orphan of a
 * plugin is reparented to it) walked through /proc; signalling whole trees;
 * and the workspace record that lets the next start kill what a SIGKILLed
 * server left behind. Used by the manager thread only (not thread-safe). */
#ifndef HIRO_TREES_H
#define HIRO_TREES_H
#include <stdbool.h>
#include <stddef.h>

#include "model/event.h"
#include "platform/platform.h"

typedef struct plugin_trees plugin_trees;

/* The environment variable every plugin gets (its name, server/plugin_env.h):
 * how an orphan that was never seen as a member is attributed to its plugin in
 * the walk mode. */
#define TREES_ENV_PLUGIN "HIRO_PLUGIN_NAME"

/* Set up trees for n plugins named names[i]. state_path (may be NULL) is the
 * workspace record. use_cgroups false forces the walk mode. Never fails: when
 * no group can be created the walk mode is used (logged once with why). */
plugin_trees *trees_new(platform *plat, const char *const *names, size_t n, const char *state_path,
                        bool use_cgroups);
/* Remove the groups and the record (a clean stop). Safe on NULL. Call after
 * every tree is empty. */
void trees_free(plugin_trees *t);

/* "cgroup" or "proc-walk". */
const char *trees_mode(const plugin_trees *t);
/* Plugin i's group directory, or NULL in the walk mode. Stable until
 * trees_free. */
const char *trees_cgroup(const plugin_trees *t, size_t i);
/* A descriptor a new child of plugin i writes "0" to in order to join its
 * group (the caller closes it), or -1 in the walk mode. */
int trees_join_fd(plugin_trees *t, size_t i);

/* Kill what the previous run left: the groups and processes its record names
 * (a process only if its start time still matches). Emits a
 * server_crash_detected event when the previous run did not stop cleanly and
 * survivors_killed when something was killed; then writes this run's record.
 * Returns how many processes were killed. */
size_t trees_clean_previous(plugin_trees *t, event_sink_fn sink, void *ctx, double now);

/* Send sig to every process of plugin i's tree except pid itself (its
 * members, and in the walk mode the orphans that carry its name), e.g. after
 * the plugin exited. */
void trees_signal_plugin(plugin_trees *t, size_t i, int sig);
/* Send sig to every process of every tree and every descendant of the server. */
void trees_signal_all(plugin_trees *t, int sig);
/* True when no tree has a process left and the server has no child left. */
bool trees_all_empty(plugin_trees *t);
/* Walk mode: rewrite the record with every descendant (pid + start time)
 * when the set changed since the last call. No-op in the cgroup mode. */
void trees_record_members(plugin_trees *t);

#endif
