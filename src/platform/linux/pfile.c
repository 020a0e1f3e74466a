/* pfile.c - persistent descriptors on /proc files, re-read with pread.
 * Keeping the descriptor open saves the path walk and file setup of
 * open+close on every tick (about two thirds of the collector's cost), and a
 * descriptor on /proc/PID/... stays bound to that process (ESRCH once it is
 * reaped), which makes PID reuse harmless. */
#include "platform/linux/pfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static hiro_err errno_to_hiro(int err) {
  return (err == ENOENT || err == ESRCH) ? HIRO_ENOENT : HIRO_EIO;
}

hiro_err pfile_open(pfile *f, const char *path, size_t initial_cap, bool one_record) {
  f->cap = initial_cap ? initial_cap : 256;
  f->buf = xmalloc(f->cap);
  f->len = 0;
  f->one_record = one_record;
  f->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (f->fd < 0) return errno_to_hiro(errno);
  return HIRO_OK;
}

hiro_err pfile_openat(pfile *f, int dirfd, const char *path, size_t initial_cap, bool one_record) {
  f->cap = initial_cap ? initial_cap : 256;
  f->buf = xmalloc(f->cap);
  f->len = 0;
  f->one_record = one_record;
  f->fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (f->fd < 0) return errno_to_hiro(errno);
  return HIRO_OK;
}

hiro_err pfile_read(pfile *f) {
  f->len = 0;
  if (f->fd < 0) return HIRO_ENOENT;
  for (;;) {
    if (f->len == f->cap) {
      /* The file has outgrown the buffer: double it once, keep it. */
      f->cap *= 2;
      f->buf = xrealloc(f->buf, f->cap);
    }
    size_t want = f->cap - f->len;
    ssize_t got = pread(f->fd, f->buf + f->len, want, (off_t)f->len);
    if (got < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      f->len = 0;
      return errno_to_hiro(err);
    }
    if (got == 0) break;
    f->len += (size_t)got;
    if ((size_t)got < want && (f->one_record || want - (size_t)got >= PFILE_MAX_RECORD)) break;
  }
  return HIRO_OK;
}

void pfile_close(pfile *f) {
  if (f->fd >= 0) close(f->fd);
  f->fd = -1;
  free(f->buf);
  f->buf = NULL;
  f->cap = f->len = 0;
}
