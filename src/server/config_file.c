/* config_file.c - the files behind config.json: its path, a bounded read that
 * never follows what it should not, the workspace directory, and the atomic
 * replace (temporary file, fsync, rename, fsync of the directory). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "server/config_internal.h"

bool config_join_path(char *buf, size_t n, const char *dir, const char *name) {
  size_t len = strlen(dir);
  while (len > 1 && dir[len - 1] == '/') len--;
  int w = snprintf(buf, n, "%.*s/%s", (int)len, dir, name);
  return w >= 0 && (size_t)w < n;
}

bool config_file_path(const char *workspace, char *buf, size_t n, char *err, size_t errlen) {
  if (workspace && workspace[0] && config_join_path(buf, n, workspace, "config.json")) return true;
  hiro_set_err(err, errlen, "workspace path is %s: %s",
               workspace && workspace[0] ? "too long" : "empty", workspace ? workspace : "(null)");
  return false;
}

char *config_path(const char *workspace, char *buf, size_t n) {
  if (!config_join_path(buf, n, workspace, "config.json") && n > 0) buf[0] = '\0';
  return buf;
}

hiro_err config_read_file(const char *path, bool nofollow, char **text, size_t *len, char *err,
                          size_t errlen) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
  if (fd < 0 && errno == ENOENT) return HIRO_ENOENT;
  if (fd < 0) {
    hiro_set_err(err, errlen, "%s: %s", path,
                 errno == ELOOP ? "is a symbolic link; refusing to use it" : strerror(errno));
    return HIRO_EIO;
  }
  hiro_err rc = HIRO_EIO;
  char *buf = NULL;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    hiro_set_err(err, errlen, "%s: %s", path, strerror(errno));
    goto out;
  }
  if (!S_ISREG(st.st_mode)) {
    hiro_set_err(err, errlen, "%s: %s", path,
                 S_ISDIR(st.st_mode) ? "is a directory, not a file" : "is not a regular file");
    goto out;
  }
  buf = xmalloc(CONFIG_FILE_MAX + 2);
  size_t got = 0;
  while (got <= CONFIG_FILE_MAX) {
    ssize_t n = read(fd, buf + got, CONFIG_FILE_MAX + 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      hiro_set_err(err, errlen, "%s: read failed: %s", path, strerror(errno));
      goto out;
    }
    if (n == 0) break;
    got += (size_t)n;
  }
  if (got > CONFIG_FILE_MAX) {
    hiro_set_err(err, errlen, "%s: file is too large (more than %d bytes); is this a config file?",
                 path, CONFIG_FILE_MAX);
    rc = HIRO_EINVAL;
    goto out;
  }
  buf[got] = '\0';
  *text = buf;
  *len = got;
  buf = NULL;
  rc = HIRO_OK;
out:
  free(buf);
  close(fd);
  return rc;
}

hiro_err config_make_workspace(const char *workspace, char *err, size_t errlen) {
  char *dir = xstrdup(workspace);
  hiro_err rc = HIRO_OK;
  for (char *p = dir + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char saved = *p;
    *p = '\0';
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
      hiro_set_err(err, errlen, "cannot create workspace directory %s: %s", dir, strerror(errno));
      rc = HIRO_EIO;
      break;
    }
    *p = saved;
    if (saved == '\0') break;
  }
  free(dir);
  return rc;
}

static void fsync_dir(const char *workspace) {
  int fd = open(workspace, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || fsync(fd) != 0)
    log_warn("config: fsync of %s failed: %s", workspace, strerror(errno));
  if (fd >= 0) close(fd);
}

hiro_err config_write_atomically(const char *workspace, const char *path, const char *text,
                                 size_t len, char *err, size_t errlen) {
  char tmp[PATH_MAX + 32];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = open(tmp, flags, 0600);
  if (fd < 0 && errno == EEXIST && unlink(tmp) == 0) fd = open(tmp, flags, 0600); /* stale */
  if (fd < 0) {
    hiro_set_err(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
    return HIRO_EIO;
  }
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, text + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += (size_t)n;
  }
  bool ok = done == len && fsync(fd) == 0;
  int saved_errno = errno;
  if (close(fd) != 0 && ok) ok = false, saved_errno = errno;
  if (ok && rename(tmp, path) != 0) ok = false, saved_errno = errno;
  if (!ok) {
    unlink(tmp);
    hiro_set_err(err, errlen, "cannot write %s: %s", path, strerror(saved_errno));
    return HIRO_EIO;
  }
  fsync_dir(workspace);
  return HIRO_OK;
}
