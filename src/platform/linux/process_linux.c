/* process_linux.c - per-process samples from /proc/PID/stat and statm, over
 * descriptors kept open for the life of the handle.
 *
 * Identity: a descriptor on /proc/PID/stat stays bound to the process it was
 * opened for; once that process is reaped, pread fails with ESRCH even if the
 * PID has been reused. As a second guard the start time (stat field 22) is
 * recorded at open and every read must show the same value.
 *
 * Cost: formatting /proc/PID/stat (52 fields) is the most expensive read of
 * a tick. On the real /proc a read therefore takes CPU time from the
 * process's CPU clock (clock_getcpuclockid: the same utime+stime, in ns) and
 * the thread count from the link count of /proc/PID/task (the kernel reports
 * threads + 2 there), and reads only statm as text; stat is read once, at
 * open, for the start time. Trees without a task directory (test fixtures)
 * fall back to reading stat.
 *
 * Idle processes: most plugins sleep most of the time. A process whose CPU
 * clock has not moved since the last read has not run, so it cannot have
 * started or ended a thread, mapped memory or exited (each of those takes
 * CPU time, and an exit is seen on the read after it). Such a read is the
 * one clock_gettime and returns the previous figures; statm and the task
 * link count are read again at least every PLATFORM_PROC_REFRESH seconds,
 * because resident memory can change without the process running (reclaim,
 * khugepaged, another process writing into it). With 8 sleeping plugins a
 * cold tick reads 9 files and 8 link counts fewer.
 *
 * Order of a full read: the CPU clock (named by PID), then statm on the
 * bound descriptor, then the task link count on the bound directory. If the
 * process was reaped before the clock was read (and the PID perhaps reused),
 * statm fails with ESRCH; if statm succeeds, the process still held its PID
 * after the clock was read, so the clock was its own. A reused PID on the
 * idle path shows a different CPU time, which makes the read a full one. */
#define _GNU_SOURCE /* O_PATH */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/clock.h"
#include "common/hiro.h"
#include "common/log.h"
#include "platform/linux/platform_linux.h"
#include "platform/linux/proc_parse.h"

/* Handles only read immutable fields of their platform (proc_root,
 * page_size), so opening and reading processes, and
 * platform_proc_start_ticks, never race with the system readers. */
struct platform_proc {
  platform *platform;
  int pid;
  pfile stat, statm;
  int task_fd;         /* O_PATH on /proc/PID/task, -1 when absent */
  clockid_t cpu_clock; /* valid when task_fd >= 0 */
  uint64_t start_ticks;
  bool warned;      /* a non-exit failure was logged already */
  proc_sample last; /* the last full read on the fast path ... */
  double last_full; /* ... and its clock_mono(); < 0 when there is none */
  bool fresh;       /* the last read was a full one */
};

/* A zombie (Z) or dead (X, x) process has exited: it only waits to be reaped. */
static bool state_is_exited(char state) { return state == 'Z' || state == 'X' || state == 'x'; }

static hiro_err proc_path(char *path, size_t size, const platform *p, int pid, const char *file) {
  int n = snprintf(path, size, "%s/%d/%s", p->proc_root, pid, file);
  return n > 0 && (size_t)n < size ? HIRO_OK : HIRO_EINVAL;
}

/* Read and parse the stat file f. HIRO_ENOENT when the process is gone,
 * HIRO_EPARSE on malformed content, HIRO_EIO on other read errors. */
static hiro_err read_stat(pfile *f, proc_stat_fields *fields) {
  hiro_err err = pfile_read(f);
  if (err != HIRO_OK) return err;
  return proc_parse_pid_stat(f->buf, f->len, fields);
}

static void open_fast_path(platform_proc *h) {
  char path[4096];
  h->task_fd = -1;
  if (proc_path(path, sizeof path, h->platform, h->pid, "task") != HIRO_OK) return;
  int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  if (clock_getcpuclockid(h->pid, &h->cpu_clock) != 0) {
    close(fd);
    return;
  }
  h->task_fd = fd;
}

/* Read statm into out's memory figures. */
static hiro_err read_statm(platform_proc *h, proc_sample *out) {
  uint64_t vms_pages = 0, rss_pages = 0;
  hiro_err err = pfile_read(&h->statm);
  if (err == HIRO_OK)
    err = proc_parse_pid_statm(h->statm.buf, h->statm.len, &vms_pages, &rss_pages);
  if (err != HIRO_OK) return err;
  if (vms_pages == 0) return HIRO_ENOENT; /* a zombie has no memory map left */
  uint64_t page = h->platform->page_size;
  if (__builtin_mul_overflow(rss_pages, page, &out->rss_bytes) ||
      __builtin_mul_overflow(vms_pages, page, &out->vms_bytes))
    return HIRO_EPARSE;
  return HIRO_OK;
}

/* CPU time from the process's CPU clock, threads from the task link count,
 * memory from statm; the previous figures when the process has not run. */
static hiro_err read_fast(platform_proc *h, proc_sample *out) {
  struct timespec ts;
  if (clock_gettime(h->cpu_clock, &ts) != 0) return HIRO_ENOENT; /* reaped */
  uint64_t cpu_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
  double now = clock_mono();
  if (h->last_full >= 0 && cpu_ns == h->last.cpu_ns && now - h->last_full < PLATFORM_PROC_REFRESH &&
      now >= h->last_full) {
    *out = h->last;
    h->fresh = false;
    return HIRO_OK;
  }
  hiro_err err = read_statm(h, out);
  if (err != HIRO_OK) return err;
  struct stat st;
  if (fstat(h->task_fd, &st) != 0 || st.st_nlink < 3)
    return HIRO_ENOENT; /* exited since the statm read */
  out->cpu_ns = cpu_ns;
  out->num_threads = (int)(st.st_nlink - 2);
  out->start_ticks = h->start_ticks;
  h->last = *out;
  h->last_full = now;
  h->fresh = true;
  return HIRO_OK;
}

/* Memory from statm, CPU time and threads from the stat text (fixture
 * trees). */
static hiro_err read_slow(platform_proc *h, proc_sample *out) {
  proc_stat_fields fields;
  hiro_err err = read_statm(h, out);
  if (err == HIRO_OK) err = read_stat(&h->stat, &fields);
  if (err != HIRO_OK) return err;
  if (state_is_exited(fields.state) || fields.start_ticks != h->start_ticks) return HIRO_ENOENT;
  uint64_t ticks, hz = (uint64_t)h->platform->clock_ticks_per_sec;
  if (__builtin_add_overflow(fields.utime, fields.stime, &ticks) || hz == 0 ||
      __builtin_mul_overflow(ticks, 1000000000u / hz, &out->cpu_ns))
    return HIRO_EPARSE;
  out->num_threads = fields.num_threads;
  out->start_ticks = fields.start_ticks;
  return HIRO_OK;
}

platform_proc *platform_proc_open(platform *p, int pid) {
  if (!p || pid <= 0) return NULL;
  platform_proc *h = xcalloc(1, sizeof *h);
  h->platform = p;
  h->pid = pid;
  h->stat.fd = h->statm.fd = h->task_fd = -1;
  h->last_full = -1;
  char path[4096];
  /* stat before statm, and stat read only after both are open: if the PID
   * was reused in between, the stat descriptor belongs to the old process
   * and its read below fails, so both descriptors always agree. */
  hiro_err err = proc_path(path, sizeof path, p, pid, "stat");
  if (err == HIRO_OK) err = pfile_open(&h->stat, path, 512, true);
  hiro_err statm_err = proc_path(path, sizeof path, p, pid, "statm");
  if (statm_err == HIRO_OK) statm_err = pfile_open(&h->statm, path, 128, true);
  if (err == HIRO_OK) err = statm_err;

  proc_stat_fields fields;
  if (err == HIRO_OK) err = read_stat(&h->stat, &fields);
  if (err == HIRO_OK && state_is_exited(fields.state)) err = HIRO_ENOENT;
  if (err != HIRO_OK) {
    if (err != HIRO_ENOENT)
      log_warn("platform: cannot open process %d: %s", pid, hiro_strerror(err));
    platform_proc_close(h);
    return NULL;
  }
  h->start_ticks = fields.start_ticks;
  open_fast_path(h);
  return h;
}

hiro_err platform_proc_read(platform_proc *h, proc_sample *out) {
  hiro_err err = h->task_fd >= 0 ? read_fast(h, out) : read_slow(h, out);
  /* Exit is the normal end of a process, not worth a log line. */
  if (err != HIRO_OK && err != HIRO_ENOENT && !h->warned) {
    h->warned = true;
    log_warn("platform: cannot read process %d: %s (further failures are not logged)", h->pid,
             hiro_strerror(err));
  }
  return err;
}

int platform_proc_pid(const platform_proc *h) { return h ? h->pid : -1; }

bool platform_proc_fresh(const platform_proc *h) { return !h || h->task_fd < 0 || h->fresh; }

void platform_proc_close(platform_proc *h) {
  if (!h) return;
  pfile_close(&h->stat);
  pfile_close(&h->statm);
  if (h->task_fd >= 0) close(h->task_fd);
  free(h);
}

hiro_err platform_proc_start_ticks(platform *p, int pid, uint64_t *start_ticks) {
  if (!p || pid <= 0) return HIRO_ENOENT;
  char path[4096];
  pfile f = {.fd = -1};
  hiro_err err = proc_path(path, sizeof path, p, pid, "stat");
  if (err == HIRO_OK) err = pfile_open(&f, path, 512, true);
  proc_stat_fields fields;
  if (err == HIRO_OK) err = read_stat(&f, &fields);
  /* A zombie keeps its start time: it is still the process that was spawned,
   * so its identity is reported rather than refused. */
  if (err == HIRO_OK) *start_ticks = fields.start_ticks;
  pfile_close(&f);
  return err;
}
