/* pidfile.h - server.pid: written and locked (flock) by the running server,
 * so a stale file left by a crash is recognised as stale. */
#ifndef HIRO_PIDFILE_H
#define HIRO_PIDFILE_H
#include <stddef.h>

#include "common/hiro.h"

/* Create/lock path and write our pid. Refuses a symlink at path. Returns the
 * open fd (>= 0; keep it open while running) or -1 with the reason in err
 * (HIRO_EBUSY semantics: "already running (pid N)"). */
int pidfile_acquire(const char *path, char *err, size_t errlen);
/* Record the REST port the server really listens on (a --port override may
 * differ from config.json) as a second line "port N", for the CLI. */
void pidfile_set_port(int fd, int port);
/* The port recorded by the live server holding path's lock, or 0. */
int pidfile_port(const char *path);
/* Remove the file and release the lock. */
void pidfile_release(const char *path, int fd);
/* Pid of the live server holding path's lock, or 0 when none. */
int pidfile_owner(const char *path);

#endif
