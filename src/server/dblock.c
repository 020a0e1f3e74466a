/* dblock.c - the database lock file: flock on <db>.lock naming its owner. */
#include "server/dblock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/hiro.h"

/* The owner as the file names it: "workspace DIR (pid N)", or a fallback
 * when the file is empty or not ours. */
static void describe_owner(int fd, char *out, size_t n) {
  char buf[4200];
  ssize_t got = pread(fd, buf, sizeof buf - 1, 0);
  buf[got > 0 ? got : 0] = '\0';
  const char *ws = strncmp(buf, "workspace ", 10) == 0 ? buf + 10 : NULL;
  const char *pid = strstr(buf, "\npid ");
  if (!ws || !pid) {
    hiro_strlcpy(out, "another server (its workspace is not recorded)", n);
    return;
  }
  int pid_value = 0;
  sscanf(pid + 5, "%9d", &pid_value);
  snprintf(out, n, "the server of workspace %.*s (pid %d)", (int)(pid - ws), ws, pid_value);
}

int dblock_acquire(const char *db_path, const char *workspace, char *err, size_t errlen) {
  char path[4200];
  if ((size_t)snprintf(path, sizeof path, "%s.lock", db_path) >= sizeof path) {
    snprintf(err, errlen, "metrics database path too long: %s", db_path);
    return -1;
  }
  int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    snprintf(err, errlen, "cannot open the metrics database lock %s: %s%s", path, strerror(errno),
             errno == ELOOP ? " (refusing to follow a symlink)" : "");
    return -1;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int why = errno;
    char owner[4300];
    if (why == EWOULDBLOCK)
      describe_owner(fd, owner, sizeof owner);
    else
      snprintf(owner, sizeof owner, "nobody we can tell (flock: %s)", strerror(why));
    snprintf(err, errlen,
             "the metrics database %s is in use by %s; two workspaces cannot share "
             "metrics_db_path",
             db_path, owner);
    close(fd);
    return -1;
  }
  char line[4200];
  int len = snprintf(line, sizeof line, "workspace %s\npid %d\n", workspace, (int)getpid());
  if (len < 0 || (size_t)len >= sizeof line || ftruncate(fd, 0) != 0 ||
      pwrite(fd, line, (size_t)len, 0) != len) {
    snprintf(err, errlen, "cannot write the metrics database lock %s: %s", path, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

void dblock_release(int fd) {
  if (fd < 0) return;
  if (ftruncate(fd, 0) != 0) { /* a stale owner line is harmless: the lock is what counts */
  }
  close(fd);
}
