/* sysinfo_linux.c - the system context beside the plugins: load averages,
 * swap I/O, pressure stall information and the list of real filesystems.
 * Files are opened on first use and kept open (pread per tick, like the
 * other system readers).
 *
 * /proc/vmstat is the most expensive file of a tick (~190 lines, every
 * per-CPU event counter summed: ~30 us hot, ~38 us cold here) and is read
 * for two of them, pswpin and pswpout. Without swap space they cannot move,
 * so while the memory read says SwapTotal is 0 the last counters are
 * answered without reading it. The one way they move with SwapTotal at 0 is
 * a swapoff of the last swap device, which reads its pages back in; if the
 * counters turn out to have moved when swap space is back, that read
 * answers HIRO_EAGAIN (not logged) instead of a jump, so no rate spans the
 * time the file was not read. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "platform/linux/platform_linux.h"
#include "platform/linux/proc_parse.h"

struct sysinfo_files {
  pfile loadavg, vmstat, mountinfo;
  pfile pressure[PLATFORM_PSI_COUNT];
  bool swap_valid;            /* swap_in/out hold a real vmstat read */
  bool swap_skipped;          /* ... and vmstat was skipped since */
  uint64_t swap_in, swap_out; /* pages */
};

static void open_proc_file(platform *p, pfile *f, const char *name, size_t cap, bool one) {
  char path[4096];
  int n = snprintf(path, sizeof path, "%s/%s", p->proc_root, name);
  if (n < 0 || (size_t)n >= sizeof path) path[0] = '\0'; /* too long: reads give ENOENT */
  if (pfile_open(f, path, cap, one) != HIRO_OK) log_debug("platform: %s missing", path);
}

static struct sysinfo_files *files(platform *p) {
  if (p->sysinfo) return p->sysinfo;
  struct sysinfo_files *sf = xcalloc(1, sizeof *sf);
  open_proc_file(p, &sf->loadavg, "loadavg", 128, true);
  /* vmstat is a few KiB of one record; pswpin/out sit in its middle. */
  open_proc_file(p, &sf->vmstat, "vmstat", 8192, true);
  open_proc_file(p, &sf->mountinfo, "self/mountinfo", 8192, false);
  static const char *const psi[PLATFORM_PSI_COUNT] = {"pressure/cpu", "pressure/memory",
                                                      "pressure/io"};
  for (int i = 0; i < PLATFORM_PSI_COUNT; i++)
    open_proc_file(p, &sf->pressure[i], psi[i], 256, true);
  return p->sysinfo = sf;
}

void sysinfo_close(platform *p) {
  struct sysinfo_files *sf = p->sysinfo;
  if (!sf) return;
  pfile_close(&sf->loadavg);
  pfile_close(&sf->vmstat);
  pfile_close(&sf->mountinfo);
  for (int i = 0; i < PLATFORM_PSI_COUNT; i++) pfile_close(&sf->pressure[i]);
  free(sf);
  p->sysinfo = NULL;
}

hiro_err platform_read_load(platform *p, load_avg *out) {
  pfile *f = &files(p)->loadavg;
  hiro_err err = pfile_read(f);
  if (err == HIRO_OK) err = proc_parse_loadavg(f->buf, f->len, out);
  if (err != HIRO_OK) platform_warn_once(p, PLATFORM_WARN_LOAD, "load averages (loadavg)", err);
  return err;
}

hiro_err platform_read_swap_io(platform *p, uint64_t *in_bytes, uint64_t *out_bytes) {
  struct sysinfo_files *sf = files(p);
  if (sf->swap_valid && p->swap_known && p->swap_total == 0) {
    sf->swap_skipped = true; /* no swap space: the counters cannot move */
  } else {
    pfile *f = &sf->vmstat;
    uint64_t pin = 0, pout = 0;
    hiro_err err = pfile_read(f);
    if (err == HIRO_OK) err = proc_parse_vmstat_swap(f->buf, f->len, &pin, &pout);
    if (err != HIRO_OK) {
      platform_warn_once(p, PLATFORM_WARN_SWAP, "swap I/O (vmstat)", err);
      sf->swap_valid = false;
      return err;
    }
    bool moved_unseen = sf->swap_skipped && (pin != sf->swap_in || pout != sf->swap_out);
    sf->swap_in = pin;
    sf->swap_out = pout;
    sf->swap_valid = true;
    sf->swap_skipped = false;
    if (moved_unseen) return HIRO_EAGAIN; /* a swapoff ran unseen: start rates afresh */
  }
  /* pswpin/pswpout count pages of the base page size. */
  *in_bytes = sf->swap_in * p->page_size;
  *out_bytes = sf->swap_out * p->page_size;
  return HIRO_OK;
}

hiro_err platform_read_pressure(platform *p, psi_stats *out) {
  struct sysinfo_files *sf = files(p);
  for (int i = 0; i < PLATFORM_PSI_COUNT; i++) {
    pfile *f = &sf->pressure[i];
    hiro_err err = pfile_read(f);
    if (err == HIRO_OK) err = proc_parse_pressure(f->buf, f->len, &out[i]);
    if (err != HIRO_OK) {
      /* ENOENT: a kernel without PSI (CONFIG_PSI off, psi=0, before 4.20);
       * EOPNOTSUPP reads also land here. Either way: no pressure figures. */
      platform_warn_once(p, PLATFORM_WARN_PSI, "pressure stall information (/proc/pressure)", err);
      return err;
    }
  }
  return HIRO_OK;
}

/* Whether source already appears among the first n entries (kept in
 * sources): bind mounts and subvolumes of one device are listed once. */
static bool seen_source(char (*sources)[PLATFORM_MOUNT_MAX], size_t n, const char *source) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(sources[i], source) == 0) return true;
  return false;
}

size_t platform_list_filesystems(platform *p, char (*mounts)[PLATFORM_MOUNT_MAX], size_t max) {
  pfile *f = &files(p)->mountinfo;
  if (pfile_read(f) != HIRO_OK) {
    platform_warn_once(p, PLATFORM_WARN_MOUNTS, "mounted filesystems (mountinfo)", HIRO_ENOENT);
    return 0;
  }
  char(*sources)[PLATFORM_MOUNT_MAX] = xcalloc(max ? max : 1, sizeof *sources);
  size_t n = 0;
  const char *pos = f->buf, *end = f->buf + f->len, *line;
  size_t line_len;
  mount_entry m;
  while (n < max && proc_next_line(&pos, end, &line, &line_len)) {
    if (proc_parse_mountinfo_line(line, line_len, &m) != HIRO_OK || !proc_mount_is_real(&m))
      continue;
    if (seen_source(sources, n, m.source)) continue;
    memcpy(mounts[n], m.mount, sizeof m.mount);
    memcpy(sources[n], m.source, sizeof m.source);
    n++;
  }
  free(sources);
  return n;
}

hiro_err platform_path_device(const char *path, uint64_t *dev) {
  struct stat st;
  if (stat(path, &st) != 0) return errno == ENOENT ? HIRO_ENOENT : HIRO_EIO;
  *dev = (uint64_t)st.st_dev;
  return HIRO_OK;
}
