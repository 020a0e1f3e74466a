/* pidfile.c - the locked pid file: acquire and release for the server,
 * reading for the CLI (which must tell "not running" from "cannot tell"). */
#include "server/pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "platform/platform.h"

/* How long a lock held by a server that has already exited may take to go:
 * after a SIGKILL the main thread shows as exited while other threads are
 * still being torn down (unmapping memory) with the lock's descriptor open. */
#define EXITING_HOLDER_WAIT_MS 3000

char *pidfile_path(const char *workspace, char *buf, size_t n) {
  size_t len = strlen(workspace);
  while (len > 1 && workspace[len - 1] == '/') len--;
  int w = snprintf(buf, n, "%.*s/server.pid", (int)len, workspace);
  if ((w < 0 || (size_t)w >= n) && n > 0) buf[0] = '\0';
  return buf;
}

/* A positive number after prefix at the start of a line of text, or 0. */
static int field(const char *text, const char *prefix, long max) {
  size_t n = strlen(prefix);
  for (const char *line = text; line && *line;
       line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
    if (strncmp(line, prefix, n) != 0) continue;
    long v = strtol(line + n, NULL, 10);
    return v > 0 && v <= max ? (int)v : 0;
  }
  return 0;
}

static void parse(const char *text, pidfile_info *info) {
  long pid = strtol(text, NULL, 10);
  info->pid = pid > 0 && pid < (1L << 30) ? (int)pid : 0;
  info->port = field(text, "port ", 65535);
  info->admin_ui_port = field(text, "admin_ui_port ", 65535);
}

/* Take the lock (LOCK_SH or LOCK_EX) without blocking on a live server: when
 * it is held, wait only while the pid recorded in the file has exited.
 * Returns 0 with the lock, -1 (errno EWOULDBLOCK) when a live server holds
 * it; *holder gets what the file recorded. */
static int lock_unless_live(int fd, int op, pidfile_info *holder) {
  memset(holder, 0, sizeof *holder);
  for (int waited = 0;; waited += 10) {
    if (flock(fd, op | LOCK_NB) == 0) return 0;
    if (errno != EWOULDBLOCK) return -1;
    char buf[128];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    parse(buf, holder);
    if (holder->pid <= 0 || platform_pid_running(holder->pid) || waited >= EXITING_HOLDER_WAIT_MS) {
      errno = EWOULDBLOCK;
      return -1;
    }
    usleep(10 * 1000);
  }
}

hiro_err pidfile_read(const char *path, pidfile_info *info, char *err, size_t errlen) {
  memset(info, 0, sizeof *info);
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return HIRO_OK;
  if (fd < 0) {
    hiro_set_err(err, errlen, "cannot read %s: %s", path,
                 errno == ELOOP ? "is a symbolic link" : strerror(errno));
    return HIRO_EIO;
  }
  /* Our shared lock succeeds only when no server holds the exclusive one. */
  pidfile_info holder;
  if (lock_unless_live(fd, LOCK_SH, &holder) != 0 && errno == EWOULDBLOCK) *info = holder;
  close(fd); /* also drops a shared lock we may have taken */
  return HIRO_OK;
}

int pidfile_acquire(const char *path, hiro_err *why, char *err, size_t errlen) {
  *why = HIRO_EIO;
  int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    hiro_set_err(err, errlen, "cannot open %s: %s%s", path, strerror(errno),
                 errno == ELOOP ? " (refusing to follow a symlink)" : "");
    return -1;
  }
  pidfile_info info;
  if (lock_unless_live(fd, LOCK_EX, &info) != 0) {
    hiro_set_err(err, errlen, "a server is already running in this workspace (pid %d)", info.pid);
    *why = HIRO_EBUSY;
    close(fd);
    return -1;
  }
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
  if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
    hiro_set_err(err, errlen, "cannot write %s: %s", path, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

void pidfile_set_ports(int fd, int port, int admin_ui_port) {
  char buf[96];
  int n = snprintf(buf, sizeof buf, "%d\nport %d\n", (int)getpid(), port);
  if (admin_ui_port > 0)
    n += snprintf(buf + n, sizeof buf - (size_t)n, "admin_ui_port %d\n", admin_ui_port);
  if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) { /* only a hint is lost */
  }
}

void pidfile_release(const char *path, int fd) {
  if (fd < 0) return;
  unlink(path); /* before unlocking, so nobody sees our pid unlocked */
  close(fd);
}
