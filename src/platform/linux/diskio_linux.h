/* diskio_linux.h - disk I/O totals of the whole physical disks, a
 * self-contained reader (private to platform/linux; see diskio_linux.c for
 * what is counted and how it stays cheap). */
#ifndef HIRO_DISKIO_LINUX_H
#define HIRO_DISKIO_LINUX_H
#include "common/hiro.h"
#include "platform/platform.h"

typedef struct diskio diskio;

/* Open the reader over <proc_root>/diskstats and <sys_root>/block and find
 * the counted disks. Never fails and logs nothing: a missing file makes
 * diskio_read fail instead, and the caller decides what to log. */
diskio *diskio_open(const char *proc_root, const char *sys_root);

/* Cumulative bytes read and written by the counted disks since boot.
 * HIRO_ENOENT when diskstats or <sys>/block is missing (a disk cannot be
 * told from a partition without it), HIRO_EPARSE on malformed content,
 * HIRO_EIO on another read error. Logs nothing. One thread at a time. */
hiro_err diskio_read(diskio *d, disk_io *out) HIRO_MUST_USE;
/* The same, and each counted disk's counters (at most max) into devs with
 * their count in *n. */
hiro_err diskio_read_devices(diskio *d, disk_io *out, disk_dev_io *devs, size_t max,
                             size_t *n) HIRO_MUST_USE;

/* Close every descriptor and free d. Safe on NULL. */
void diskio_close(diskio *d);

#endif
