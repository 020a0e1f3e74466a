/* platform_linux.h - the inside of struct platform, shared by the files of
 * platform/linux (system readers, processes). Not for other modules. */
#ifndef HIRO_PLATFORM_LINUX_H
#define HIRO_PLATFORM_LINUX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/linux/diskio_linux.h"
#include "platform/linux/pfile.h"
#include "platform/platform.h"

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

/* proc_root, clock_ticks_per_sec and page_size never change after
 * platform_open: process handles read them from any thread. The rest belongs
 * to the one thread that reads the system figures. */
struct platform {
  char *proc_root;
  double clock_ticks_per_sec;
  uint64_t page_size;

  pfile stat, meminfo, uptime, net_dev;
  diskio *disk;
  struct sysinfo_files *sysinfo; /* sysinfo_linux.c: opened on first use */
  bool swap_known;               /* the last meminfo read succeeded ... */
  uint64_t swap_total;           /* ... and showed this much swap space */
  int cpu_count;                 /* online CPUs, recounted every CPU_COUNT_EVERY stat reads */
  unsigned stat_reads;           /* stat reads since the last count */
  unsigned warned;               /* PLATFORM_WARN_* bits already logged */
};

/* Log "what: reason" as a warning the first time metric (a PLATFORM_WARN_*
 * bit) fails; later failures of the same metric are silent. This is the only
 * place a failed system read is logged. */
void platform_warn_once(platform *p, unsigned metric, const char *what, hiro_err err);

/* Close what sysinfo_linux.c opened. */
void sysinfo_close(platform *p);

#endif
