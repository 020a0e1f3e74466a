/* pidfile.c - locked pid file. */
#include "server/pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static int read_pid(int fd) {
  char buf[32];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  buf[n] = '\0';
  long pid = strtol(buf, NULL, 10);
  return pid > 0 && pid < (1L << 30) ? (int)pid : 0;
}

int pidfile_owner(const char *path) {
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return 0;
  int pid = 0;
  if (flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) pid = read_pid(fd);
  close(fd); /* also drops a shared lock we may have taken */
  return pid;
}

int pidfile_acquire(const char *path, char *err, size_t errlen) {
  int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    snprintf(err, errlen, "cannot open %s: %s%s", path, strerror(errno),
             errno == ELOOP ? " (refusing to follow a symlink)" : "");
    return -1;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int pid = read_pid(fd);
    snprintf(err, errlen, "a server is already running in this workspace (pid %d)", pid);
    close(fd);
    return -1;
  }
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
  if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

void pidfile_set_port(int fd, int port) {
  char buf[64];
  int n = snprintf(buf, sizeof buf, "%d\nport %d\n", (int)getpid(), port);
  if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) { /* the CLI falls back to config.json */
  }
}

int pidfile_port(const char *path) {
  if (!pidfile_owner(path)) return 0;
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[64];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  const char *line = strstr(buf, "\nport ");
  long port = line ? strtol(line + 6, NULL, 10) : 0;
  return port > 0 && port < 65536 ? (int)port : 0;
}

void pidfile_release(const char *path, int fd) {
  if (fd < 0) return;
  unlink(path); /* before unlocking, so nobody sees our pid unlocked */
  close(fd);
}
