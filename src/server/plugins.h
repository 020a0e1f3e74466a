/* plugins.h - the plugin manager: spawns the configured channel plugins,
 * keeps the name -> pid table, reaps and restarts them with backoff, and stops
 * them (SIGTERM, then SIGKILL after a grace period) at shutdown.
 *
 * A plugin is its whole process tree: the server is a child subreaper, so
 * every orphan of a plugin becomes the server's child; each tree lives in its
 * own cgroup v2 group when the server may create one (server/trees.h). A stop
 * ends every process of every tree; the workspace record lets the next start
 * kill what a SIGKILLed server left. Every start, exit, restart decision and
 * failure is reported as a lifecycle event. */
#ifndef HIRO_PLUGINS_H
#define HIRO_PLUGINS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/collector.h"
#include "common/hiro.h"
#include "model/event.h"
#include "server/config.h"

typedef struct plugin_manager plugin_manager;

typedef struct {
  int log_fd;                   /* plugins' stdout/stderr; -1 = inherit ours */
  struct plugin_output *output; /* when set: a pipe per run into it instead of
                                 * log_fd (index = configuration order); not owned */
  double grace_seconds;         /* SIGTERM -> SIGKILL at stop (default 3) */
  double backoff_initial;       /* first restart delay (default 0.5 s) */
  double backoff_max;           /* doubling stops here (default 30 s) */
  double backoff_reset;         /* uptime that resets the backoff (default 60 s) */
  const char *statsd_socket;    /* HIRO_STATSD_SOCKET for the plugins; NULL = unset.
                                Not owned: must outlive the manager */
  const char *state_path;       /* workspace record of the trees (copied); NULL = none */
  bool use_cgroups;             /* a cgroup v2 group per plugin when possible (default true) */
  event_sink_fn on_event;       /* lifecycle events (manager thread); NULL = none */
  void *event_ctx;
  int statsd_udp_port; /* HIRO_STATSD_UDP_PORT; 0 = unset */
} plugins_options;

/* One plugin as status output shows it. */
typedef struct {
  char name[HIRO_NAME_MAX];
  int pid;              /* last known pid; 0 when it never started */
  bool running;         /* false once it exited (until restarted) */
  uint64_t start_ticks; /* start time of pid, clock ticks after boot; 0 = unknown */
  unsigned spawns;      /* successful starts so far */
  int last_exit;        /* last exit code, 128+signal, or -1 (none yet) */
  double restart_in;    /* seconds until the next restart; < 0 = none pending */
  plugin_lifecycle life;
} plugin_info;

/* Fill opt with the defaults above. Never fails. */
void plugins_options_default(plugins_options *opt);

/* Create a manager for the n configured plugins (deep-copied: cfg may be
 * freed afterwards). opt may be NULL for the defaults; opt->log_fd is not
 * owned and must stay open until plugins_free. Nothing runs until
 * plugins_start. Returns NULL (and logs why) on an empty or duplicate name
 * or an empty command. */
plugin_manager *plugins_new(const channel_config *cfg, size_t n, const plugins_options *opt);

/* Make this process a child subreaper, kill what the previous run left
 * (opt->state_path), start the manager thread and spawn every plugin from it;
 * returns once each has been tried. For orphans to be reaped without
 * polling, SIGCHLD should be blocked in every thread of the process (the
 * server does so before any thread starts); otherwise the manager checks for
 * them every second. A plugin that cannot be executed is logged ("channel NAME:
 * cannot run PATH: reason") and retried with backoff if it restarts; that is
 * not an error here. Returns HIRO_EIO when the thread cannot start, HIRO_EBUSY
 * when already started. Call once. */
hiro_err plugins_start(plugin_manager *ch) HIRO_MUST_USE;

/* SIGTERM every process of every plugin's tree (and every other descendant
 * of the server), wait up to the grace period, SIGKILL what is left, reap
 * everything and join the manager thread. No restarts happen afterwards.
 * Idempotent; blocks at most ~grace + 2 s. */
void plugins_stop(plugin_manager *ch);

/* plugins_stop, then free everything. Safe on NULL. */
void plugins_free(plugin_manager *ch);

/* Collector callback (plugin_provider_fn): ctx is a plugin_manager *. Fills out with
 * up to max plugins in configuration order; returns how many. Thread-safe,
 * takes one mutex briefly, never blocks on I/O. */
size_t plugins_provider(void *ctx, plugin_ref *out, size_t max);

/* Status snapshot of up to max plugins, in configuration order; returns how
 * many. Thread-safe. */
size_t plugins_list(plugin_manager *ch, plugin_info *out, size_t max);

/* Number of configured plugins. */
size_t plugins_count(const plugin_manager *ch);

/* How the trees are tracked: "cgroup" or "proc-walk" (after plugins_start). */
const char *plugins_tree_mode(plugin_manager *ch);

#endif
