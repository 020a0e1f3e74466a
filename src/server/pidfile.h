/* pidfile.h - server.pid: written and locked (flock) by the running server,
 * so a stale file left by a crash is recognised as stale. Line 1 is the pid;
 * "port N" and "admin_ui_port N" lines record where the server listens. */
#ifndef HIRO_PIDFILE_H
#define HIRO_PIDFILE_H
#include <stddef.h>

#include "common/hiro.h"

/* Where the server of a workspace is recorded. */
typedef struct {
  int pid;           /* 0 when no live server holds the lock */
  int port;          /* REST port it listens on, 0 when not recorded */
  int admin_ui_port; /* admin UI port, 0 when the UI is off or not recorded */
} pidfile_info;

/* <workspace>/server.pid into buf (the one place that builds this path).
 * Returns buf, empty when it does not fit. */
char *pidfile_path(const char *workspace, char *buf, size_t n);

/* Create/lock path and write our pid. Refuses a symlink at path. Returns the
 * open fd (>= 0; keep it open while running), or -1 with *why set to
 * HIRO_EBUSY (another server holds the lock; err names its pid) or HIRO_EIO
 * (err says why). */
int pidfile_acquire(const char *path, hiro_err *why, char *err, size_t errlen);
/* Record the ports the server really listens on (start --port and
 * --admin-ui-port may differ from config.json), for the CLI. admin_ui_port 0:
 * the admin UI is off. Failure only loses the hint (the CLI then falls back
 * to config.json). */
void pidfile_set_ports(int fd, int port, int admin_ui_port);
/* Remove the file and release the lock. */
void pidfile_release(const char *path, int fd);

/* Read what the live server holding path's lock recorded. HIRO_OK with
 * info->pid 0 when there is none (no file, or a stale one); HIRO_EIO when the
 * file exists but cannot be read (err says why, e.g. "Permission denied"). */
hiro_err pidfile_read(const char *path, pidfile_info *info, char *err, size_t errlen) HIRO_MUST_USE;

#endif
