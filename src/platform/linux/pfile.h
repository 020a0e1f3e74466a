/* pfile.h - a /proc file kept open and re-read from offset 0 with pread into a
 * buffer that is reused (and only grown) across reads. Private to
 * platform/linux. */
#ifndef HIRO_PFILE_H
#define HIRO_PFILE_H
#include <stdbool.h>
#include <stddef.h>

#include "common/hiro.h"

/* Longer than any one line of diskstats or net/dev. */
#define PFILE_MAX_RECORD 512

typedef struct {
  int fd;    /* -1 when the file could not be opened */
  char *buf; /* owned; holds the last read, len bytes, not NUL-terminated */
  size_t cap;
  size_t len;
  /* The file is produced by the kernel as one record (single_open seq_files
   * such as /proc/PID/stat, statm, /proc/stat, meminfo, uptime): one read
   * that comes back shorter than asked has returned all of it, which saves
   * the final zero-length pread. Multi-record files (diskstats, net/dev) may
   * return a short read before the end, but only when the next record did not
   * fit in the space left: a short read that leaves PFILE_MAX_RECORD bytes or
   * more unused is the end there too. (A second pread at a non-zero offset
   * makes the kernel format the whole file again, doubling the cost.) */
  bool one_record;
} pfile;

/* Open path read-only and allocate a buffer of initial_cap bytes. On failure
 * f->fd is -1 and HIRO_ENOENT (no such file or process) or HIRO_EIO is
 * returned; f is still safe to read (HIRO_ENOENT) and to close. */
hiro_err pfile_open(pfile *f, const char *path, size_t initial_cap, bool one_record) HIRO_MUST_USE;

/* As pfile_open, for path relative to the directory descriptor dirfd. */
hiro_err pfile_openat(pfile *f, int dirfd, const char *path, size_t initial_cap,
                      bool one_record) HIRO_MUST_USE;

/* Re-read the whole file into f->buf / f->len. HIRO_ENOENT when the file was
 * never opened or its process is gone (ESRCH), HIRO_EIO on other errors.
 * Allocates only when the file has outgrown the buffer. */
hiro_err pfile_read(pfile *f) HIRO_MUST_USE;

/* Close the descriptor and free the buffer. Safe on a failed or closed f. */
void pfile_close(pfile *f);

#endif
