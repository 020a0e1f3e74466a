/* proctree_linux.c - the members of a plugin's process tree: children lists
 * (/proc/PID/task/TID/children), per-member samples over kept descriptors,
 * and an environment lookup to attribute adopted orphans.
 *
 * Cost per member and tick, measured on the development machine (hot loop,
 * kept descriptors): stat 5.2 us, statm 1.8 us, children 0.5-1.0 us per
 * thread, link count of task/ 0.5 us. The walk mode reads stat (CPU of the
 * member and of the descendants it reaped: cutime + cstime) plus statm and
 * children; the cgroup mode gets CPU and membership from the cgroup and
 * reads only statm and the link count here.
 *
 * The facts handle adds, per plugin and for the server (not per tree
 * member): /proc/PID/io (2-3 us) and the size of /proc/PID/fd, which Linux
 * 6.2 and later report as the number of open descriptors (0.7 us, a stat). */
#define _GNU_SOURCE /* O_PATH */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hiro.h"
#include "platform/linux/platform_linux.h"
#include "platform/linux/proc_parse.h"

struct platform_member {
  platform *platform;
  int pid;
  uint64_t start_ticks;
  pfile stat, statm, children; /* children: the main thread's list */
  int task_fd;                 /* O_PATH on /proc/PID/task: thread count */
};

static hiro_err member_path(char *path, size_t size, const platform *p, int pid, const char *file) {
  int n = snprintf(path, size, "%s/%d/%s", p->proc_root, pid, file);
  return n > 0 && (size_t)n < size ? HIRO_OK : HIRO_EINVAL;
}

static bool exited_state(char state) { return state == 'Z' || state == 'X' || state == 'x'; }

platform_member *platform_member_open(platform *p, int pid) {
  if (!p || pid <= 0) return NULL;
  platform_member *m = xcalloc(1, sizeof *m);
  m->platform = p;
  m->pid = pid;
  m->stat.fd = m->statm.fd = m->children.fd = m->task_fd = -1;
  char path[4096];
  char rel[64];
  snprintf(rel, sizeof rel, "task/%d/children", pid);
  hiro_err err = member_path(path, sizeof path, p, pid, "stat");
  if (err == HIRO_OK) err = pfile_open(&m->stat, path, 512, true);
  if (err == HIRO_OK && member_path(path, sizeof path, p, pid, "statm") == HIRO_OK)
    err = pfile_open(&m->statm, path, 128, true);
  /* Opened after stat: if the pid was reused in between, the stat read below
   * fails on the old process and the handle is refused. */
  if (err == HIRO_OK && member_path(path, sizeof path, p, pid, rel) == HIRO_OK &&
      pfile_open(&m->children, path, 256, false) != HIRO_OK)
    m->children.fd = -1; /* kernels without CONFIG_PROC_CHILDREN: no walk */
  proc_stat_fields f;
  if (err == HIRO_OK) err = pfile_read(&m->stat);
  if (err == HIRO_OK) err = proc_parse_pid_stat(m->stat.buf, m->stat.len, &f);
  if (err == HIRO_OK && member_path(path, sizeof path, p, pid, "task") == HIRO_OK)
    m->task_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (err != HIRO_OK) {
    platform_member_close(m);
    return NULL;
  }
  m->start_ticks = f.start_ticks;
  return m;
}

void platform_member_close(platform_member *m) {
  if (!m) return;
  pfile_close(&m->stat);
  pfile_close(&m->statm);
  pfile_close(&m->children);
  if (m->task_fd >= 0) close(m->task_fd);
  free(m);
}

int platform_member_pid(const platform_member *m) { return m->pid; }
uint64_t platform_member_start_ticks(const platform_member *m) { return m->start_ticks; }

static hiro_err read_statm(platform_member *m, member_sample *out) {
  uint64_t vms = 0, rss = 0;
  hiro_err err = pfile_read(&m->statm);
  if (err == HIRO_OK) err = proc_parse_pid_statm(m->statm.buf, m->statm.len, &vms, &rss);
  if (err == HIRO_OK && __builtin_mul_overflow(rss, m->platform->page_size, &out->rss_bytes))
    err = HIRO_EPARSE;
  return err;
}

hiro_err platform_member_read(platform_member *m, int what, member_sample *out) {
  memset(out, 0, sizeof *out);
  out->start_ticks = m->start_ticks;
  if (what & MEMBER_READ_CPU) {
    proc_stat_fields f;
    hiro_err err = pfile_read(&m->stat);
    if (err == HIRO_OK) err = proc_parse_pid_stat(m->stat.buf, m->stat.len, &f);
    if (err != HIRO_OK) return err;
    if (f.start_ticks != m->start_ticks) return HIRO_ENOENT;
    uint64_t hz = (uint64_t)m->platform->clock_ticks_per_sec;
    uint64_t ns_per_tick = hz ? 1000000000u / hz : 10000000u;
    out->ppid = f.ppid;
    out->zombie = exited_state(f.state);
    out->cpu_ns = (f.utime + f.stime) * ns_per_tick;
    out->children_cpu_ns = (f.cutime + f.cstime) * ns_per_tick;
    out->num_threads = f.num_threads;
    if (out->zombie || !(what & MEMBER_READ_MEMORY)) return HIRO_OK; /* a zombie: CPU only */
    return read_statm(m, out);
  }
  hiro_err err = read_statm(m, out);
  if (err != HIRO_OK) return err;
  struct stat st;
  if (m->task_fd < 0 || fstat(m->task_fd, &st) != 0 || st.st_nlink < 3) return HIRO_ENOENT;
  out->num_threads = (int)(st.st_nlink - 2);
  return HIRO_OK;
}

/* Parse a children list ("123 456 ") into out; returns the new count. */
static size_t parse_children(const char *buf, size_t len, int *out, size_t n, size_t max) {
  const char *p = buf, *end = buf + len;
  while (p < end && n < max) {
    while (p < end && (*p == ' ' || *p == '\n')) p++;
    long v = 0;
    bool any = false;
    while (p < end && *p >= '0' && *p <= '9' && v < 1L << 30) {
      v = v * 10 + (*p++ - '0');
      any = true;
    }
    if (!any) break;
    out[n++] = (int)v;
  }
  return n;
}

/* Children of every thread of pid, by path (open, read, close). */
static size_t children_by_path(platform *p, int pid, int *out, size_t n, size_t max) {
  char path[4096];
  if (member_path(path, sizeof path, p, pid, "task") != HIRO_OK) return n;
  DIR *dir = opendir(path);
  if (!dir) return n;
  struct dirent *e;
  char buf[4096];
  while ((e = readdir(dir)) && n < max) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char rel[300];
    snprintf(rel, sizeof rel, "%s/children", e->d_name);
    int fd = openat(dirfd(dir), rel, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t got = read(fd, buf, sizeof buf);
    close(fd);
    if (got > 0) n = parse_children(buf, (size_t)got, out, n, max);
  }
  closedir(dir);
  return n;
}

hiro_err platform_member_children(platform_member *m, int threads, int *out, size_t max,
                                  size_t *n) {
  *n = 0;
  /* Most members are single-threaded: their one list is a kept descriptor.
   * A child forked by another thread is listed under that thread only. */
  if (threads > 1) {
    *n = children_by_path(m->platform, m->pid, out, 0, max);
    return HIRO_OK;
  }
  hiro_err err = pfile_read(&m->children);
  if (err != HIRO_OK) return err;
  *n = parse_children(m->children.buf, m->children.len, out, 0, max);
  return HIRO_OK;
}

size_t platform_pid_children(platform *p, int pid, int *out, size_t max) {
  return p ? children_by_path(p, pid, out, 0, max) : 0;
}

bool platform_proc_getenv(platform *p, int pid, const char *name, char *value, size_t n) {
  char path[4096];
  if (!p || member_path(path, sizeof path, p, pid, "environ") != HIRO_OK) return false;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  /* Environments are small; 64 KiB covers the start of any real one. */
  size_t cap = 64 * 1024, len = 0;
  char *buf = xmalloc(cap);
  ssize_t got;
  while (len < cap && (got = read(fd, buf + len, cap - len)) > 0) len += (size_t)got;
  close(fd);
  size_t name_len = strlen(name);
  bool found = false;
  for (size_t i = 0; i < len && !found;) {
    size_t end = i;
    while (end < len && buf[end]) end++;
    if (end - i > name_len && memcmp(buf + i, name, name_len) == 0 && buf[i + name_len] == '=') {
      size_t vlen = end - i - name_len - 1;
      if (vlen >= n) vlen = n - 1;
      memcpy(value, buf + i + name_len + 1, vlen);
      value[vlen] = '\0';
      found = true;
    }
    i = end + 1;
  }
  free(buf);
  return found;
}

hiro_err platform_pid_identity(platform *p, int pid, int *ppid, uint64_t *start_ticks) {
  char path[4096];
  if (!p || pid <= 0 || member_path(path, sizeof path, p, pid, "stat") != HIRO_OK)
    return HIRO_ENOENT;
  pfile f = {.fd = -1};
  hiro_err err = pfile_open(&f, path, 512, true);
  proc_stat_fields fields;
  if (err == HIRO_OK) err = pfile_read(&f);
  if (err == HIRO_OK) err = proc_parse_pid_stat(f.buf, f.len, &fields);
  if (err == HIRO_OK && exited_state(fields.state)) err = HIRO_ENOENT;
  if (err == HIRO_OK) {
    if (ppid) *ppid = fields.ppid;
    if (start_ticks) *start_ticks = fields.start_ticks;
  }
  pfile_close(&f);
  return err;
}

/* ---- more facts: storage I/O and open descriptors ---- */

struct platform_facts {
  pfile io;
  int fd_dir; /* O_PATH on /proc/PID/fd */
};

/* read_bytes and write_bytes of a /proc/PID/io text. */
hiro_err proc_parse_pid_io(const char *buf, size_t len, uint64_t *read_bytes,
                           uint64_t *write_bytes) {
  const char *pos = buf, *end = buf + len, *line;
  size_t line_len;
  int found = 0;
  while (proc_next_line(&pos, end, &line, &line_len)) {
    uint64_t *dst = NULL;
    size_t skip = 0;
    if (line_len > 12 && memcmp(line, "read_bytes: ", 12) == 0)
      dst = read_bytes, skip = 12;
    else if (line_len > 13 && memcmp(line, "write_bytes: ", 13) == 0)
      dst = write_bytes, skip = 13;
    if (!dst) continue;
    const char *p = line + skip;
    if (!proc_parse_u64(&p, line + line_len, dst)) return HIRO_EPARSE;
    found++;
  }
  return found == 2 ? HIRO_OK : HIRO_EPARSE;
}

platform_facts *platform_facts_open(platform *p, int pid) {
  char path[4096];
  if (!p || pid <= 0 || member_path(path, sizeof path, p, pid, "fd") != HIRO_OK) return NULL;
  platform_facts *f = xcalloc(1, sizeof *f);
  f->fd_dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (f->fd_dir < 0) {
    free(f);
    return NULL;
  }
  f->io.fd = -1;
  if (member_path(path, sizeof path, p, pid, "io") != HIRO_OK ||
      pfile_open(&f->io, path, 256, true) != HIRO_OK)
    f->io.fd = -1; /* not readable (another user's process): no I/O figures */
  return f;
}

hiro_err platform_facts_read(platform_facts *f, proc_facts *out) {
  memset(out, 0, sizeof *out);
  struct stat st;
  if (fstat(f->fd_dir, &st) != 0) return HIRO_ENOENT;
  /* Before 6.2 the size is 0; every process has at least one descriptor. */
  out->has_fds = st.st_size > 0;
  out->open_fds = st.st_size > 0 && st.st_size < (1 << 30) ? (int)st.st_size : 0;
  if (f->io.fd >= 0 && pfile_read(&f->io) == HIRO_OK &&
      proc_parse_pid_io(f->io.buf, f->io.len, &out->read_bytes, &out->write_bytes) == HIRO_OK)
    out->has_io = true;
  return HIRO_OK;
}

void platform_facts_close(platform_facts *f) {
  if (!f) return;
  pfile_close(&f->io);
  if (f->fd_dir >= 0) close(f->fd_dir);
  free(f);
}
