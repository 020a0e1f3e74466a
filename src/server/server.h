/* server.h - the workspace server: wires config, store, collector, channel
 * plugins and the HTTP listeners together, and owns the process lifecycle
 * (pid file, log file, signals, background start, clean stop). */
#ifndef HIRO_SERVER_H
#define HIRO_SERVER_H
#include <stdbool.h>
#include <stddef.h>

#include "common/hiro.h"
#include "server/pidfile.h"

typedef struct {
  const char *workspace; /* resolved workspace directory */
  bool force_metrics;    /* start --metrics: sets HIRO_METRICS=1 for this run */
  bool force_admin_ui;   /* start --admin-ui: sets HIRO_ADMIN_UI=1 for this run */
  int port;              /* start --port N: overrides http_port for this run; 0 = config */
  int admin_ui_port;     /* start --admin-ui-port N: overrides admin_ui_port; 0 = config */
  bool foreground;       /* log to stderr, stay attached */
} server_options;

/* Run the server in this process until SIGINT/SIGTERM, then shut down cleanly
 * (HTTP stopped, collector joined, plugins stopped, database flushed). When
 * ready_fd >= 0, writes "OK <url>\n" to it once the HTTP port answers, or
 * "ERR <reason>\n" if start-up fails, then closes it. Returns the process exit
 * code (0 on clean shutdown). */
int server_run(const server_options *opt, int ready_fd);

/* Start the server in the background (double fork + setsid, log to
 * <workspace>/server.log) and wait until it is ready. On success returns
 * HIRO_OK and the URL in url; otherwise the reason in err (port taken, bad
 * config, already running). */
hiro_err server_start_background(const server_options *opt, char *url, size_t url_len, char *err,
                                 size_t errlen) HIRO_MUST_USE;

/* Ask a running server to stop (SIGTERM) and wait (bounded) until it exited.
 * HIRO_ENOENT when no server is running (stale pid files are removed);
 * HIRO_EIO (err says why) when it cannot be told or did not stop. */
hiro_err server_stop(const char *workspace, char *err, size_t errlen) HIRO_MUST_USE;

/* Look at the workspace directory and the server recorded in it (the server
 * holds a lock on server.pid while it runs, so a stale file reads as none).
 * HIRO_OK: info filled, info->pid 0 when no server runs. HIRO_ENOENT: the
 * directory does not exist; HIRO_EINVAL: it is not a directory; HIRO_EIO: it
 * or its server.pid cannot be read (permission). err says which, with the
 * path. */
hiro_err server_find(const char *workspace, pidfile_info *info, char *err,
                     size_t errlen) HIRO_MUST_USE;

/* The pid of the server running in workspace, or 0 when none is or it cannot
 * be told (server_find says why). */
int server_running_pid(const char *workspace);

/* Resolve the workspace: the --workspace value if given, else
 * $HIRO_WORKSPACE, else ~/.hiro. Writes an absolute path into buf. */
hiro_err server_resolve_workspace(const char *flag_value, char *buf, size_t n) HIRO_MUST_USE;

#endif
