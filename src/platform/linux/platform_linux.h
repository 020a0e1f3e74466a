/* platform_linux.h - the inside of struct platform, shared by the files of
 * platform/linux (system readers, disk I/O, processes). Not for other modules. */
#ifndef HIRO_PLATFORM_LINUX_H
#define HIRO_PLATFORM_LINUX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/linux/pfile.h"
#include "platform/platform.h"

/* Longest block device name the kernel prints (DISK_NAME_LEN is 32). */
#define DISK_NAME_MAX 32

typedef struct {
  char name[DISK_NAME_MAX + 1];
  size_t len;
  pfile stat; /* <sys>/block/NAME/stat, fd -1 when absent */
} disk_name;

/* One bit per metric, so a metric that cannot be read is logged only once. */
enum {
  PLATFORM_WARN_CPU = 1u << 0,
  PLATFORM_WARN_MEMORY = 1u << 1,
  PLATFORM_WARN_UPTIME = 1u << 2,
  PLATFORM_WARN_FS = 1u << 3,
  PLATFORM_WARN_DISK = 1u << 4,
  PLATFORM_WARN_NET = 1u << 5,
  PLATFORM_WARN_PROC = 1u << 6,
  PLATFORM_WARN_LOAD = 1u << 7,
  PLATFORM_WARN_SWAP = 1u << 8,
  PLATFORM_WARN_PSI = 1u << 9,
  PLATFORM_WARN_MOUNTS = 1u << 10,
};

struct platform {
  char *proc_root;
  int sys_block_fd; /* <sys>/block, -1 when missing */
  pfile stat, meminfo, uptime, diskstats, net_dev;
  int cpu_count;
  double clock_ticks_per_sec;
  uint64_t page_size;
  unsigned warned; /* PLATFORM_WARN_* bits already logged */
  struct sysinfo_files *sysinfo; /* sysinfo_linux.c: opened on first use */

  /* Disk I/O: the whole physical disks counted (see diskio_linux.c), and the
   * diskstats line count and name signature they were resolved for
   * (disk_lines SIZE_MAX: not yet). */
  disk_name *disks;
  size_t disk_count;
  size_t disk_lines;
  uint64_t disk_signature;
  bool disk_fast;         /* every counted disk has its <sys>/block/NAME/stat */
  unsigned disk_reads;    /* reads since diskstats was last looked at */
};

/* Log "what: reason" as a warning the first time metric (a PLATFORM_WARN_*
 * bit) fails; later failures of the same metric are silent. */
void platform_warn_once(platform *p, unsigned metric, const char *what, hiro_err err);

/* Find the whole physical disks among the lines of diskstats content
 * (buf, len) and remember them in p. Never fails: without a <sys>/block
 * tree no disk is counted. */
void diskio_resolve(platform *p, const char *buf, size_t len);
/* Close the counted disks' files and forget them. */
void diskio_close(platform *p);
/* Close what sysinfo_linux.c opened. */
void sysinfo_close(platform *p);

#endif
