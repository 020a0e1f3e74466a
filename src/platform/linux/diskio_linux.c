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
 * diskstats. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hiro.h"
#include "common/log.h"
#include "platform/linux/platform_linux.h"
#include "platform/linux/proc_parse.h"

/* At a 2 s interval diskstats is re-checked about once a minute. */
#define RESOLVE_EVERY 30

#define SIGNATURE_SEED 14695981039346656037ull /* FNV-1a offset basis */

/* Fold a device name (and a separator) into an FNV-1a signature. */
static uint64_t signature_add(uint64_t sig, const char *name, size_t len) {
  for (size_t i = 0; i < len; i++) sig = (sig ^ (unsigned char)name[i]) * 1099511628211ull;
  return (sig ^ '\n') * 1099511628211ull;
}

static bool disk_is_counted(const platform *p, const char *name, size_t len) {
  for (size_t i = 0; i < p->disk_count; i++)
    if (p->disks[i].len == len && memcmp(p->disks[i].name, name, len) == 0) return true;
  return false;
}

/* Does <sys>/block/NAME/device exist? */
static bool disk_is_physical(const platform *p, const char *name, size_t len) {
  /* The kernel writes '/' in names as '!', but the name still becomes part
   * of a path here: refuse anything that could leave <sys>/block. */
  if (p->sys_block_fd < 0 || len == 0 || len > DISK_NAME_MAX || memchr(name, '/', len) ||
      name[0] == '.')
    return false;
  char rel[DISK_NAME_MAX + sizeof "/device"];
  memcpy(rel, name, len);
  memcpy(rel + len, "/device", sizeof "/device");
  return faccessat(p->sys_block_fd, rel, F_OK, 0) == 0;
}

void diskio_close(platform *p) {
  for (size_t i = 0; i < p->disk_count; i++) pfile_close(&p->disks[i].stat);
  free(p->disks);
  p->disks = NULL;
  p->disk_count = 0;
}

/* Open <sys>/block/NAME/stat for each counted disk; the fast path needs all. */
static void open_disk_stats(platform *p) {
  p->disk_fast = p->disk_count > 0;
  for (size_t i = 0; i < p->disk_count; i++) {
    disk_name *d = &p->disks[i];
    char rel[DISK_NAME_MAX + sizeof "/stat"];
    memcpy(rel, d->name, d->len);
    memcpy(rel + d->len, "/stat", sizeof "/stat");
    if (pfile_openat(&d->stat, p->sys_block_fd, rel, 256, true) != HIRO_OK) p->disk_fast = false;
  }
}

void diskio_resolve(platform *p, const char *buf, size_t len) {
  size_t lines = proc_count_lines(buf, len);
  diskio_close(p);
  p->disks = lines ? xcalloc(lines, sizeof *p->disks) : NULL;
  p->disk_count = 0;
  p->disk_lines = lines;
  p->disk_signature = SIGNATURE_SEED;

  const char *pos = buf, *end = buf + len, *line;
  size_t line_len;
  while (proc_next_line(&pos, end, &line, &line_len)) {
    const char *name;
    size_t name_len;
    uint64_t sectors_read, sectors_written;
    if (proc_parse_diskstats_line(line, line_len, &name, &name_len, &sectors_read,
                                  &sectors_written) != HIRO_OK)
      continue;
    p->disk_signature = signature_add(p->disk_signature, name, name_len);
    if (p->disk_count >= lines || disk_is_counted(p, name, name_len) ||
        !disk_is_physical(p, name, name_len))
      continue;
    disk_name *disk = &p->disks[p->disk_count++];
    disk->stat.fd = -1;
    memcpy(disk->name, name, name_len);
    disk->name[name_len] = '\0';
    disk->len = name_len;
    log_debug("platform: disk I/O counts device %s", disk->name);
  }
  open_disk_stats(p);
}

/* The fast path: sum the counted disks' sysfs stat files. */
static hiro_err diskio_sum_sysfs(platform *p, disk_io *out) {
  disk_io sum = {0};
  for (size_t i = 0; i < p->disk_count; i++) {
    pfile *f = &p->disks[i].stat;
    uint64_t sectors_read, sectors_written;
    hiro_err err = pfile_read(f);
    if (err == HIRO_OK)
      err = proc_parse_block_stat(f->buf, f->len, &sectors_read, &sectors_written);
    if (err != HIRO_OK) return err;
    if (sectors_read > UINT64_MAX / 512 || sectors_written > UINT64_MAX / 512) return HIRO_EPARSE;
    sum.read_bytes += sectors_read * 512;
    sum.write_bytes += sectors_written * 512;
  }
  *out = sum;
  return HIRO_OK;
}

/* Sum the counted disks over diskstats content that ends with a newline.
 * *signature gets the signature of all device names, *lines their count. */
static hiro_err diskio_sum(const platform *p, const char *buf, size_t len, disk_io *out,
                           uint64_t *signature, size_t *lines) {
  disk_io sum = {0};
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
    if (!disk_is_counted(p, name, name_len)) continue;
    /* diskstats counts 512-byte sectors whatever the device's sector size. */
    uint64_t read_bytes, written_bytes;
    if (__builtin_mul_overflow(sectors_read, (uint64_t)512, &read_bytes) ||
        __builtin_mul_overflow(sectors_written, (uint64_t)512, &written_bytes) ||
        __builtin_add_overflow(sum.read_bytes, read_bytes, &sum.read_bytes) ||
        __builtin_add_overflow(sum.write_bytes, written_bytes, &sum.write_bytes))
      return HIRO_EPARSE;
  }
  *out = sum;
  *signature = sig;
  *lines = count;
  return HIRO_OK;
}

hiro_err platform_read_disk_io(platform *p, disk_io *out) {
  if (p->disk_fast && ++p->disk_reads < RESOLVE_EVERY && diskio_sum_sysfs(p, out) == HIRO_OK)
    return HIRO_OK;
  p->disk_reads = 0;
  hiro_err err = pfile_read(&p->diskstats);
  if (err != HIRO_OK) goto out;
  if (p->sys_block_fd < 0) {
    err = HIRO_ENOENT; /* no way to tell a disk from a partition */
    goto out;
  }
  const char *buf = p->diskstats.buf;
  size_t len = p->diskstats.len;
  if (len == 0 || buf[len - 1] != '\n') {
    err = HIRO_EPARSE;
    goto out;
  }
  for (int attempt = 0; attempt < 2; attempt++) {
    disk_io sum;
    uint64_t signature;
    size_t lines;
    err = diskio_sum(p, buf, len, &sum, &signature, &lines);
    if (err != HIRO_OK) goto out;
    if (lines == p->disk_lines && signature == p->disk_signature) {
      *out = sum;
      goto out;
    }
    diskio_resolve(p, buf, len); /* devices changed: resolve, then sum again */
  }
  err = HIRO_EIO; /* unreachable: a resolve always matches the content it read */
out:
  if (err != HIRO_OK) platform_warn_once(p, PLATFORM_WARN_DISK, "disk I/O (diskstats)", err);
  return err;
}
