/* diskio_linux.c - disk I/O totals from /proc/diskstats, whole physical disks
 * only.
 *
 * What counts: a diskstats line counts when <sys>/block/NAME/device exists,
 * i.e. the block device sits on real (or virtual-machine) hardware. That
 * leaves out partitions (they have no /sys/block entry at all, and their I/O
 * is already in the disk's line), and the software devices that have no
 * `device`: loop, ram, zram, dm-* (LVM, dm-crypt) and md* (software RAID).
 * psutil counts those too, so I/O through device-mapper or md is counted two
 * or three times there; here every byte that reaches a disk is counted once.
 *
 * When: the set of counted names is resolved at open and again whenever the
 * diskstats line count changes (a disk or partition was added or removed).
 * A cheap signature of all device names, taken on every read, also catches
 * one device replacing another between two reads with the count unchanged.
 *
 * Fast path: formatting all of diskstats costs the kernel ~12 us per read
 * here (every loop and ram device included), while <sys>/block/NAME/stat of
 * one disk costs ~3 us. So once the counted disks are known, reads sum their
 * sysfs stat files over kept-open descriptors, and diskstats is consulted
 * again only every RESOLVE_EVERY reads (to notice hot-plugged disks) or when
 * a stat file fails. Trees without those files (test fixtures) always use
 * diskstats.
 *
 * The reader owns all of its state (descriptors, the counted disks, the
 * signature) and logs nothing but the debug line naming each counted disk:
 * failures are returned, and platform_linux.c warns once per metric. */
#include "platform/linux/diskio_linux.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "platform/linux/pfile.h"
#include "platform/linux/proc_parse.h"

/* At a 2 s interval diskstats is re-checked about once a minute. */
#define RESOLVE_EVERY 30

/* Longest block device name the kernel prints (DISK_NAME_LEN is 32). */
#define DISK_NAME_MAX 32

#define SIGNATURE_SEED 14695981039346656037ull /* FNV-1a offset basis */

typedef struct {
  char name[DISK_NAME_MAX + 1];
  size_t len;
  pfile stat; /* <sys>/block/NAME/stat, fd -1 when absent */
} disk_name;

struct diskio {
  int sys_block_fd; /* <sys>/block, -1 when missing */
  pfile diskstats;
  disk_name *disks; /* the whole physical disks counted */
  size_t disk_count;
  size_t disk_lines;       /* diskstats line count they were resolved for */
  uint64_t disk_signature; /* ... and the signature of its device names */
  bool fast;               /* every counted disk has its <sys>/block/NAME/stat */
  unsigned reads;          /* fast reads since diskstats was last looked at */
};

/* Fold a device name (and a separator) into an FNV-1a signature. */
static uint64_t signature_add(uint64_t sig, const char *name, size_t len) {
  for (size_t i = 0; i < len; i++) sig = (sig ^ (unsigned char)name[i]) * 1099511628211ull;
  return (sig ^ '\n') * 1099511628211ull;
}

static bool disk_is_counted(const diskio *d, const char *name, size_t len) {
  for (size_t i = 0; i < d->disk_count; i++)
    if (d->disks[i].len == len && memcmp(d->disks[i].name, name, len) == 0) return true;
  return false;
}

/* Does <sys>/block/NAME/device exist? */
static bool disk_is_physical(const diskio *d, const char *name, size_t len) {
  /* The kernel writes '/' in names as '!', but the name still becomes part
   * of a path here: refuse anything that could leave <sys>/block. */
  if (d->sys_block_fd < 0 || len == 0 || len > DISK_NAME_MAX || memchr(name, '/', len) ||
      name[0] == '.')
    return false;
  char rel[DISK_NAME_MAX + sizeof "/device"];
  memcpy(rel, name, len);
  memcpy(rel + len, "/device", sizeof "/device");
  return faccessat(d->sys_block_fd, rel, F_OK, 0) == 0;
}

static void forget_disks(diskio *d) {
  for (size_t i = 0; i < d->disk_count; i++) pfile_close(&d->disks[i].stat);
  free(d->disks);
  d->disks = NULL;
  d->disk_count = 0;
}

/* Open <sys>/block/NAME/stat for each counted disk; the fast path needs all. */
static void open_disk_stats(diskio *d) {
  d->fast = d->disk_count > 0;
  for (size_t i = 0; i < d->disk_count; i++) {
    disk_name *disk = &d->disks[i];
    char rel[DISK_NAME_MAX + sizeof "/stat"];
    memcpy(rel, disk->name, disk->len);
    memcpy(rel + disk->len, "/stat", sizeof "/stat");
    if (pfile_openat(&disk->stat, d->sys_block_fd, rel, 256, true) != HIRO_OK) d->fast = false;
  }
}

/* Find the whole physical disks among the lines of diskstats content (buf,
 * len) and remember them. Never fails: without a <sys>/block tree no disk
 * is counted. */
static void resolve(diskio *d, const char *buf, size_t len) {
  size_t lines = proc_count_lines(buf, len);
  forget_disks(d);
  d->disks = lines ? xcalloc(lines, sizeof *d->disks) : NULL;
  d->disk_lines = lines;
  d->disk_signature = SIGNATURE_SEED;

  const char *pos = buf, *end = buf + len, *line;
  size_t line_len;
  while (proc_next_line(&pos, end, &line, &line_len)) {
    const char *name;
    size_t name_len;
    uint64_t sectors_read, sectors_written;
    if (proc_parse_diskstats_line(line, line_len, &name, &name_len, &sectors_read,
                                  &sectors_written) != HIRO_OK)
      continue;
    d->disk_signature = signature_add(d->disk_signature, name, name_len);
    if (d->disk_count >= lines || disk_is_counted(d, name, name_len) ||
        !disk_is_physical(d, name, name_len))
      continue;
    disk_name *disk = &d->disks[d->disk_count++];
    disk->stat.fd = -1;
    memcpy(disk->name, name, name_len);
    disk->name[name_len] = '\0';
    disk->len = name_len;
    log_debug("platform: disk I/O counts device %s", disk->name);
  }
  open_disk_stats(d);
}

diskio *diskio_open(const char *proc_root, const char *sys_root) {
  diskio *d = xcalloc(1, sizeof *d);
  d->disk_lines = SIZE_MAX; /* not resolved yet */
  char path[4096];
  int n = snprintf(path, sizeof path, "%s/block", sys_root);
  d->sys_block_fd =
      n > 0 && (size_t)n < sizeof path ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  n = snprintf(path, sizeof path, "%s/diskstats", proc_root);
  if (n < 0 || (size_t)n >= sizeof path) path[0] = '\0'; /* too long: opens as ENOENT */
  (void)!pfile_open(&d->diskstats, path, 4096, false);   /* a failure shows in reads */
  if (pfile_read(&d->diskstats) == HIRO_OK) resolve(d, d->diskstats.buf, d->diskstats.len);
  return d;
}

void diskio_close(diskio *d) {
  if (!d) return;
  forget_disks(d);
  pfile_close(&d->diskstats);
  if (d->sys_block_fd >= 0) close(d->sys_block_fd);
  free(d);
}

/* Where the per-disk counters of one read go: at most max entries. */
typedef struct {
  disk_dev_io *devs;
  size_t max, n;
} dev_sink;

/* Add one counted disk's counters to the total and the sink. */
static hiro_err add_disk(disk_io *sum, dev_sink *sink, const char *name, size_t name_len,
                         const disk_dev_io *c) {
  if (__builtin_add_overflow(sum->read_bytes, c->read_bytes, &sum->read_bytes) ||
      __builtin_add_overflow(sum->write_bytes, c->write_bytes, &sum->write_bytes))
    return HIRO_EPARSE;
  if (sink->n < sink->max) {
    disk_dev_io *dev = &sink->devs[sink->n++];
    *dev = *c;
    memcpy(dev->name, name, name_len);
    dev->name[name_len] = '\0';
  }
  return HIRO_OK;
}

/* The fast path: sum the counted disks' sysfs stat files. */
static hiro_err sum_sysfs(diskio *d, disk_io *out, dev_sink *sink) {
  disk_io sum = {0};
  sink->n = 0;
  for (size_t i = 0; i < d->disk_count; i++) {
    pfile *f = &d->disks[i].stat;
    disk_dev_io c;
    hiro_err err = pfile_read(f);
    if (err == HIRO_OK) err = proc_parse_disk_fields(f->buf, f->buf + f->len, &c);
    if (err == HIRO_OK) err = add_disk(&sum, sink, d->disks[i].name, d->disks[i].len, &c);
    if (err != HIRO_OK) return err;
  }
  *out = sum;
  return HIRO_OK;
}

/* Sum the counted disks over diskstats content that ends with a newline.
 * *signature gets the signature of all device names, *lines their count. */
static hiro_err sum_diskstats(const diskio *d, const char *buf, size_t len, disk_io *out,
                              dev_sink *sink, uint64_t *signature, size_t *lines) {
  disk_io sum = {0};
  sink->n = 0;
  uint64_t sig = SIGNATURE_SEED;
  size_t count = 0;
  const char *pos = buf, *end = buf + len, *line;
  size_t line_len;
  while (proc_next_line(&pos, end, &line, &line_len)) {
    const char *name;
    size_t name_len;
    uint64_t sectors_read, sectors_written;
    hiro_err err = proc_parse_diskstats_line(line, line_len, &name, &name_len, &sectors_read,
                                             &sectors_written);
    if (err != HIRO_OK) return err;
    count++;
    sig = signature_add(sig, name, name_len);
    if (!disk_is_counted(d, name, name_len)) continue;
    disk_dev_io c;
    err = proc_parse_disk_fields(name + name_len, line + line_len, &c);
    if (err == HIRO_OK) err = add_disk(&sum, sink, name, name_len, &c);
    if (err != HIRO_OK) return err;
  }
  *out = sum;
  *signature = sig;
  *lines = count;
  return HIRO_OK;
}

static hiro_err read_totals(diskio *d, disk_io *out, dev_sink *sink);

hiro_err diskio_read(diskio *d, disk_io *out) { return diskio_read_devices(d, out, NULL, 0, NULL); }

hiro_err diskio_read_devices(diskio *d, disk_io *out, disk_dev_io *devs, size_t max, size_t *n) {
  dev_sink sink = {devs, devs ? max : 0, 0};
  if (n) *n = 0;
  hiro_err err = read_totals(d, out, &sink);
  if (err == HIRO_OK && n) *n = sink.n;
  return err;
}

static hiro_err read_totals(diskio *d, disk_io *out, dev_sink *sink) {
  if (d->fast && ++d->reads < RESOLVE_EVERY && sum_sysfs(d, out, sink) == HIRO_OK) return HIRO_OK;
  d->reads = 0;
  hiro_err err = pfile_read(&d->diskstats);
  if (err != HIRO_OK) return err;
  if (d->sys_block_fd < 0) return HIRO_ENOENT; /* no way to tell a disk from a partition */
  const char *buf = d->diskstats.buf;
  size_t len = d->diskstats.len;
  if (len == 0 || buf[len - 1] != '\n') return HIRO_EPARSE;
  for (int attempt = 0; attempt < 2; attempt++) {
    disk_io sum;
    uint64_t signature;
    size_t lines;
    err = sum_diskstats(d, buf, len, &sum, sink, &signature, &lines);
    if (err != HIRO_OK) return err;
    if (lines == d->disk_lines && signature == d->disk_signature) {
      *out = sum;
      return HIRO_OK;
    }
    resolve(d, buf, len); /* devices changed: resolve, then sum again */
  }
  return HIRO_EIO; /* unreachable: a resolve always matches the content it read */
}
