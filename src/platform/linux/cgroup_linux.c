/* cgroup_linux.c - one cgroup v2 group per plugin, when the server may create
 * them: membership that no fork, setsid or double fork escapes, the CPU time
 * of every process that ever ran in it (cpu.stat usage_usec, exited ones
 * included), and cgroup.kill to end them all at once.
 *
 * Only the core files every v2 group has are used (cgroup.procs, cpu.stat,
 * cgroup.kill): no controller needs to be enabled, so this works in the root
 * group of a hybrid hierarchy as well as in a delegated subtree. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/hiro.h"
#include "platform/linux/platform_linux.h"

/* The member list is read again only when the group's CPU time moved or
 * PLATFORM_PROC_REFRESH seconds passed: a process joins by being forked by
 * a member and leaves by exiting, and both take CPU time charged to the
 * group. (A process moved in or out by another one shows within the
 * refresh period.) Most plugins sleep: their group is read with one file. */
struct platform_cgroup {
  pfile cpu_stat, procs;
  uint64_t last_usec; /* usage_usec when pids were last read */
  double last_procs;  /* clock_mono() of that read; < 0: never */
  int *pids;          /* that read's members (procs_cap entries) */
  size_t n_pids, procs_cap;
};

/* The mount point of the cgroup2 file system, from /proc/self/mountinfo. */
static bool cgroup2_mount(char *out, size_t n) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) return false;
  char line[4096];
  bool found = false;
  while (!found && fgets(line, sizeof line, f)) {
    /* id parent major:minor root mountpoint options ... - fstype source ... */
    char *sep = strstr(line, " - ");
    if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0) continue;
    char *save = NULL, *tok = strtok_r(line, " ", &save);
    for (int field = 1; tok && field < 5; field++) tok = strtok_r(NULL, " ", &save);
    if (tok && strlen(tok) < n) {
      hiro_strlcpy(out, tok, n);
      found = true;
    }
  }
  fclose(f);
  return found;
}

/* Our own group in the v2 hierarchy ("0::/path" in /proc/self/cgroup). */
static bool own_cgroup(char *out, size_t n) {
  FILE *f = fopen("/proc/self/cgroup", "re");
  if (!f) return false;
  char line[4096];
  bool found = false;
  while (!found && fgets(line, sizeof line, f)) {
    if (strncmp(line, "0::", 3) != 0) continue;
    line[strcspn(line, "\n")] = '\0';
    if (strlen(line + 3) < n) {
      hiro_strlcpy(out, line + 3, n);
      found = true;
    }
  }
  fclose(f);
  return found;
}

bool platform_cgroup_base(char *dir, size_t n, char *why, size_t whylen) {
  char mount[2048], own[2048];
  if (!cgroup2_mount(mount, sizeof mount)) {
    snprintf(why, whylen, "no cgroup2 file system is mounted");
    return false;
  }
  if (!own_cgroup(own, sizeof own)) {
    snprintf(why, whylen, "/proc/self/cgroup has no cgroup v2 entry");
    return false;
  }
  int len = snprintf(dir, n, "%s%s", mount, strcmp(own, "/") == 0 ? "" : own);
  if (len < 0 || (size_t)len >= n) {
    snprintf(why, whylen, "cgroup path too long");
    return false;
  }
  char probe[4200];
  snprintf(probe, sizeof probe, "%s/cgroup.procs", dir);
  if (access(dir, W_OK) != 0 || access(probe, R_OK) != 0) {
    snprintf(why, whylen, "%s is not writable: %s", dir, strerror(errno));
    return false;
  }
  return true;
}

hiro_err platform_cgroup_create(const char *dir) {
  if (mkdir(dir, 0755) == 0 || errno == EEXIST) return HIRO_OK;
  return HIRO_EIO;
}

hiro_err platform_cgroup_remove(const char *dir) {
  return rmdir(dir) == 0 || errno == ENOENT ? HIRO_OK : HIRO_EBUSY;
}

static int open_in(const char *dir, const char *file, int flags) {
  char path[4200];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, file) >= sizeof path) return -1;
  return open(path, flags | O_CLOEXEC);
}

int platform_cgroup_open_procs(const char *dir) { return open_in(dir, "cgroup.procs", O_WRONLY); }

/* Parse a cgroup.procs body (one pid per line) into out. */
static size_t parse_pids(const char *buf, size_t len, int *out, size_t max) {
  size_t n = 0;
  long v = 0;
  bool any = false;
  for (size_t i = 0; i < len; i++) {
    if (buf[i] >= '0' && buf[i] <= '9' && v < 1L << 30) {
      v = v * 10 + (buf[i] - '0');
      any = true;
    } else {
      if (any && n < max) out[n++] = (int)v;
      v = 0;
      any = false;
    }
  }
  if (any && n < max) out[n++] = (int)v;
  return n;
}

size_t platform_cgroup_pids(const char *dir, int *out, size_t max) {
  int fd = open_in(dir, "cgroup.procs", O_RDONLY);
  if (fd < 0) return 0;
  size_t cap = 16384, len = 0;
  char *buf = xmalloc(cap);
  ssize_t got;
  while ((got = read(fd, buf + len, cap - len)) > 0) {
    len += (size_t)got;
    if (len == cap) buf = xrealloc(buf, cap *= 2);
  }
  close(fd);
  size_t n = parse_pids(buf, len, out, max);
  free(buf);
  return n;
}

void platform_cgroup_signal(const char *dir, int sig) {
  int pids[1024];
  size_t n = platform_cgroup_pids(dir, pids, HIRO_ARRAY_LEN(pids));
  for (size_t i = 0; i < n; i++) kill(pids[i], sig);
}

void platform_cgroup_kill(const char *dir) {
  /* cgroup.kill (Linux 5.14) kills every member, including ones forking at
   * that moment; older kernels get a signal per listed pid (callers repeat
   * until the group is empty). */
  int fd = open_in(dir, "cgroup.kill", O_WRONLY);
  if (fd >= 0) {
    bool ok = write(fd, "1", 1) == 1;
    close(fd);
    if (ok) return;
  }
  platform_cgroup_signal(dir, SIGKILL);
}

bool platform_cgroup_empty(const char *dir) {
  int pid;
  return platform_cgroup_pids(dir, &pid, 1) == 0;
}

platform_cgroup *platform_cgroup_open(const char *dir) {
  platform_cgroup *g = xcalloc(1, sizeof *g);
  g->cpu_stat.fd = g->procs.fd = -1;
  g->last_procs = -1;
  char path[4200];
  snprintf(path, sizeof path, "%s/cpu.stat", dir);
  hiro_err err = pfile_open(&g->cpu_stat, path, 512, true);
  snprintf(path, sizeof path, "%s/cgroup.procs", dir);
  if (err == HIRO_OK) err = pfile_open(&g->procs, path, 256, false);
  if (err != HIRO_OK) {
    platform_cgroup_close(g);
    return NULL;
  }
  return g;
}

void platform_cgroup_close(platform_cgroup *g) {
  if (!g) return;
  pfile_close(&g->cpu_stat);
  pfile_close(&g->procs);
  free(g->pids);
  free(g);
}

hiro_err platform_cgroup_read(platform_cgroup *g, uint64_t *cpu_ns, int *pids, size_t max,
                              size_t *n) {
  hiro_err err = pfile_read(&g->cpu_stat);
  if (err != HIRO_OK) return err;
  /* "usage_usec N" is the first line of every cpu.stat. */
  const char *p = g->cpu_stat.buf, *end = p + g->cpu_stat.len;
  if (g->cpu_stat.len < 12 || memcmp(p, "usage_usec ", 11) != 0) return HIRO_EPARSE;
  p += 11;
  uint64_t usec = 0;
  bool any = false;
  while (p < end && *p >= '0' && *p <= '9') {
    usec = usec * 10 + (uint64_t)(*p++ - '0');
    any = true;
  }
  if (!any) return HIRO_EPARSE;
  *cpu_ns = usec * 1000;
  double now = clock_mono();
  if (g->last_procs >= 0 && usec == g->last_usec && now >= g->last_procs &&
      now - g->last_procs < PLATFORM_PROC_REFRESH && g->n_pids <= max) {
    if (g->n_pids) memcpy(pids, g->pids, g->n_pids * sizeof *pids);
    *n = g->n_pids;
    return HIRO_OK;
  }
  err = pfile_read(&g->procs);
  if (err != HIRO_OK) return err;
  *n = parse_pids(g->procs.buf, g->procs.len, pids, max);
  if (*n > g->procs_cap) {
    g->procs_cap = *n;
    g->pids = xrealloc(g->pids, g->procs_cap * sizeof *g->pids);
  }
  if (*n) memcpy(g->pids, pids, *n * sizeof *pids);
  g->n_pids = *n;
  g->last_usec = usec;
  g->last_procs = now;
  return HIRO_OK;
}
