/* platform_linux.c - system-wide readers over /proc and statvfs: CPU, memory,
 * uptime, filesystem usage, network, and disk I/O through its own reader
 * (diskio_linux.c); opening and closing the platform. Every failed read is
 * logged here, once per metric. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/hiro.h"
#include "common/log.h"
#include "platform/linux/platform_linux.h"
#include "platform/linux/proc_parse.h"

/* The CPU count is recounted from /proc/stat's cpuN lines (already read for
 * the CPU times) about once a minute at a 1 s interval: CPUs come and go
 * (hotplug, a resized VM), but not between two ticks. */
#define CPU_COUNT_EVERY 60

void platform_warn_once(platform *p, unsigned metric, const char *what, hiro_err err) {
  if (p->warned & metric) return;
  p->warned |= metric;
  log_warn("platform: cannot read %s: %s (further failures are not logged)", what,
           hiro_strerror(err));
}

/* Open <root>/<name> into f. A file that is missing is not an error here: its
 * reads return HIRO_ENOENT and are logged once by the reader. */
static void open_file(pfile *f, const char *root, const char *name, size_t cap, bool one_record) {
  char path[4096];
  int n = snprintf(path, sizeof path, "%s/%s", root, name);
  if (n < 0 || (size_t)n >= sizeof path) path[0] = '\0'; /* too long: opens as ENOENT */
  hiro_err err = pfile_open(f, path, cap, one_record);
  if (err != HIRO_OK) log_debug("platform: %s: %s", path, hiro_strerror(err));
}

static void count_cpus_libc(platform *p) {
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  p->cpu_count = online > 0 && online < INT32_MAX ? (int)online : 1;
}

/* CPU count: the cpuN lines of the stat content just read (online CPUs, as
 * the fixture tree says in tests), else what libc says. */
static void count_cpus(platform *p) {
  int n = proc_parse_cpu_count(p->stat.buf, p->stat.len);
  if (n > 0)
    p->cpu_count = n;
  else
    count_cpus_libc(p);
  p->stat_reads = 0;
}

platform *platform_open(const char *proc_root, const char *sys_root) {
  if (!proc_root) proc_root = "/proc";
  if (!sys_root) sys_root = "/sys";
  struct stat st;
  if (stat(proc_root, &st) != 0 || !S_ISDIR(st.st_mode)) {
    log_error("platform: %s is not a readable directory; is /proc mounted?", proc_root);
    return NULL;
  }

  platform *p = xcalloc(1, sizeof *p);
  p->proc_root = xstrdup(proc_root);

  /* /proc/stat's intr line makes it a few KiB on big machines; the buffers
   * grow on the first read if needed and are then reused. */
  open_file(&p->stat, proc_root, "stat", 8192, true);
  open_file(&p->meminfo, proc_root, "meminfo", 4096, true);
  open_file(&p->uptime, proc_root, "uptime", 128, true);
  open_file(&p->net_dev, proc_root, "net/dev", 4096, false);

  long ticks = sysconf(_SC_CLK_TCK);
  p->clock_ticks_per_sec = ticks > 0 ? (double)ticks : 100.0;
  long page = sysconf(_SC_PAGESIZE);
  p->page_size = page > 0 ? (uint64_t)page : 4096;

  if (pfile_read(&p->stat) == HIRO_OK)
    count_cpus(p);
  else
    count_cpus_libc(p);
  /* Disk I/O needs <sys>/block to tell a disk from a partition; without it
   * the first read fails and is logged then, once. */
  p->disk = diskio_open(proc_root, sys_root);
  return p;
}

void platform_close(platform *p) {
  if (!p) return;
  pfile_close(&p->stat);
  pfile_close(&p->meminfo);
  pfile_close(&p->uptime);
  pfile_close(&p->net_dev);
  diskio_close(p->disk);
  sysinfo_close(p);
  free(p->proc_root);
  free(p);
}

int platform_cpu_count(platform *p) { return p ? p->cpu_count : 1; }

double platform_clock_ticks_per_sec(platform *p) {
  if (p) return p->clock_ticks_per_sec;
  long ticks = sysconf(_SC_CLK_TCK);
  return ticks > 0 ? (double)ticks : 100.0;
}

int platform_self_pid(void) { return (int)getpid(); }

hiro_err platform_uptime(platform *p, double *seconds) {
  hiro_err err = pfile_read(&p->uptime);
  if (err == HIRO_OK) err = proc_parse_uptime(p->uptime.buf, p->uptime.len, seconds);
  if (err != HIRO_OK) platform_warn_once(p, PLATFORM_WARN_UPTIME, "uptime", err);
  return err;
}

hiro_err platform_read_cpu(platform *p, cpu_times *out) {
  hiro_err err = pfile_read(&p->stat);
  if (err == HIRO_OK) err = proc_parse_stat_cpu(p->stat.buf, p->stat.len, out);
  if (err != HIRO_OK)
    platform_warn_once(p, PLATFORM_WARN_CPU, "CPU times (stat)", err);
  else if (++p->stat_reads >= CPU_COUNT_EVERY)
    count_cpus(p);
  return err;
}

hiro_err platform_read_memory(platform *p, mem_info *out) {
  hiro_err err = pfile_read(&p->meminfo);
  if (err == HIRO_OK) err = proc_parse_meminfo(p->meminfo.buf, p->meminfo.len, out);
  if (err != HIRO_OK) platform_warn_once(p, PLATFORM_WARN_MEMORY, "memory (meminfo)", err);
  p->swap_known = err == HIRO_OK; /* lets the swap reader skip vmstat without swap */
  p->swap_total = err == HIRO_OK ? out->swap_total_bytes : 0;
  return err;
}

hiro_err platform_read_net_io(platform *p, net_io *out) {
  hiro_err err = pfile_read(&p->net_dev);
  if (err == HIRO_OK) err = proc_parse_net_dev(p->net_dev.buf, p->net_dev.len, out);
  if (err != HIRO_OK) platform_warn_once(p, PLATFORM_WARN_NET, "network (net/dev)", err);
  return err;
}

hiro_err platform_read_interfaces(platform *p, net_io *total, net_if_io *ifs, size_t max,
                                  size_t *n) {
  *n = 0;
  hiro_err err = pfile_read(&p->net_dev);
  if (err == HIRO_OK) err = proc_parse_net_dev(p->net_dev.buf, p->net_dev.len, total);
  if (err == HIRO_OK) err = proc_parse_net_dev_each(p->net_dev.buf, p->net_dev.len, ifs, max, n);
  if (err != HIRO_OK) platform_warn_once(p, PLATFORM_WARN_NET, "network (net/dev)", err);
  return err;
}

hiro_err platform_read_disk_io(platform *p, disk_io *out) {
  size_t n;
  return platform_read_disks(p, out, NULL, 0, &n);
}

hiro_err platform_read_disks(platform *p, disk_io *total, disk_dev_io *devs, size_t max,
                             size_t *n) {
  hiro_err err = diskio_read_devices(p->disk, total, devs, max, n);
  if (err != HIRO_OK)
    platform_warn_once(p, PLATFORM_WARN_DISK, "disk I/O (diskstats, <sys>/block)", err);
  return err;
}

hiro_err platform_read_fs_usage(platform *p, const char *path, fs_usage *out) {
  if (!path) path = "/";
  struct statvfs vfs;
  hiro_err err = HIRO_OK;
  if (statvfs(path, &vfs) != 0) {
    err = errno == ENOENT ? HIRO_ENOENT : HIRO_EIO;
    goto out;
  }
  /* What df shows: blocks reserved for root are neither used nor free. */
  uint64_t frsize = vfs.f_frsize ? vfs.f_frsize : vfs.f_bsize;
  uint64_t total, used, avail;
  if (vfs.f_bfree > vfs.f_blocks ||
      __builtin_mul_overflow((uint64_t)vfs.f_blocks, frsize, &total) ||
      __builtin_mul_overflow((uint64_t)(vfs.f_blocks - vfs.f_bfree), frsize, &used) ||
      __builtin_mul_overflow((uint64_t)vfs.f_bavail, frsize, &avail)) {
    err = HIRO_EPARSE;
    goto out;
  }
  out->total_bytes = total;
  out->used_bytes = used;
  out->free_bytes = avail;
  out->percent = used + avail > 0 ? (double)used / ((double)used + (double)avail) * 100.0 : 0.0;
  out->inodes_total = (uint64_t)vfs.f_files;
  out->inodes_free = vfs.f_ffree < vfs.f_files ? (uint64_t)vfs.f_ffree : (uint64_t)vfs.f_files;
out:
  if (err != HIRO_OK) platform_warn_once(p, PLATFORM_WARN_FS, "filesystem usage", err);
  return err;
}
