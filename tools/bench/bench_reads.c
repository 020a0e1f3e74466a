/* bench_reads.c - what each platform read of a collector tick costs, cold (the
 * first read after sleeping an interval, as in the running server) and hot
 * (the same read repeated at once, as in a back-to-back benchmark).
 *
 *   bench_reads [--children N] [--ticks T] [--sleep-ms MS]
 *
 * Every read is timed on its own with the monotonic clock (vDSO, no system
 * call); the table shows the median over T ticks, so a tick that was
 * preempted does not move it. Children are `pause()`ing forks, killed on
 * exit. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "platform/platform.h"

#define MAX_CHILDREN 256

enum {
  STEP_SELF, STEP_CHILDREN, STEP_CPU, STEP_MEMORY, STEP_FS, STEP_DISK, STEP_NET, STEP_DISKS,
  STEP_IFS, STEP_LOAD, STEP_SWAP, STEP_PSI, STEP_MOUNTS, STEPS
};
static const char *const step_names[STEPS] = {
    "server process (statm, CPU clock, task link count)",
    "plugins, all of them (the same per process)",
    "system CPU (/proc/stat)",
    "memory (/proc/meminfo)",
    "root filesystem usage (statfs)",
    "disk I/O (/sys/block/*/stat)",
    "network (/proc/net/dev)",
    "disk I/O with each disk (same read, more fields)",
    "network with each interface (same read, more fields)",
    "load averages (/proc/loadavg)",
    "swap I/O (/proc/vmstat; not read without swap space)",
    "pressure (/proc/pressure/cpu, memory, io)",
    "mount list (/proc/self/mountinfo; every 60 s, not per tick)",
};

typedef struct {
  platform *plat;
  platform_proc *self;
  platform_proc *kids[MAX_CHILDREN];
  pid_t pids[MAX_CHILDREN];
  size_t n;
} fixture;

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_double);
  return n ? v[n / 2] : 0;
}

/* Run one step; the result is ignored, only the time matters. */
static void run_step(fixture *f, int step) {
  proc_sample ps;
  cpu_times ct;
  mem_info mi;
  fs_usage fu;
  disk_io dio;
  net_io nio;
  hiro_err err = HIRO_OK;
  switch (step) {
  case STEP_SELF: err = platform_proc_read(f->self, &ps); break;
  case STEP_CHILDREN:
    for (size_t i = 0; i < f->n; i++) err |= platform_proc_read(f->kids[i], &ps);
    break;
  case STEP_CPU: err = platform_read_cpu(f->plat, &ct); break;
  case STEP_MEMORY: err = platform_read_memory(f->plat, &mi); break;
  case STEP_FS: err = platform_read_fs_usage(f->plat, "/", &fu); break;
  case STEP_DISK: err = platform_read_disk_io(f->plat, &dio); break;
  case STEP_NET: err = platform_read_net_io(f->plat, &nio); break;
  case STEP_DISKS: {
    disk_dev_io devs[PLATFORM_MAX_DEVICES];
    size_t n;
    err = platform_read_disks(f->plat, &dio, devs, PLATFORM_MAX_DEVICES, &n);
    break;
  }
  case STEP_IFS: {
    net_if_io ifs[PLATFORM_MAX_DEVICES];
    size_t n;
    err = platform_read_interfaces(f->plat, &nio, ifs, PLATFORM_MAX_DEVICES, &n);
    break;
  }
  case STEP_LOAD: {
    load_avg la;
    err = platform_read_load(f->plat, &la);
    break;
  }
  case STEP_SWAP: {
    uint64_t in, out;
    err = platform_read_swap_io(f->plat, &in, &out);
    break;
  }
  case STEP_PSI: {
    psi_stats psi[PLATFORM_PSI_COUNT];
    err = platform_read_pressure(f->plat, psi);
    break;
  }
  case STEP_MOUNTS: {
    static char mounts[16][PLATFORM_MOUNT_MAX];
    (void)platform_list_filesystems(f->plat, mounts, 16);
    break;
  }
  }
  (void)err;
}

/* Time every step once into t[step]. */
static void time_steps(fixture *f, double *t) {
  for (int s = 0; s < STEPS; s++) {
    double t0 = now_us();
    run_step(f, s);
    t[s] = now_us() - t0;
  }
}

static void spawn(fixture *f, size_t n) {
  for (size_t i = 0; i < n; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      for (;;) pause();
    }
    if (pid < 0) break;
    f->pids[f->n] = pid;
    f->kids[f->n++] = NULL;
  }
  usleep(20000); /* let the children reach pause() */
  for (size_t i = 0; i < f->n; i++) f->kids[i] = platform_proc_open(f->plat, f->pids[i]);
}

static void reap(fixture *f) {
  for (size_t i = 0; i < f->n; i++) {
    platform_proc_close(f->kids[i]);
    kill(f->pids[i], SIGKILL);
  }
  for (size_t i = 0; i < f->n; i++) waitpid(f->pids[i], NULL, 0);
}

static int parse_int(const char *s, int lo, int hi, int *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < lo || v > hi) return -1;
  *out = (int)v;
  return 0;
}

int main(int argc, char **argv) {
  int children = 8, ticks = 30, sleep_ms = 1000;
  for (int i = 1; i < argc; i++) {
    int bad = i + 1 >= argc;
    if (!bad && strcmp(argv[i], "--children") == 0) bad = parse_int(argv[++i], 0, MAX_CHILDREN, &children);
    else if (!bad && strcmp(argv[i], "--ticks") == 0) bad = parse_int(argv[++i], 1, 100000, &ticks);
    else if (!bad && strcmp(argv[i], "--sleep-ms") == 0) bad = parse_int(argv[++i], 0, 60000, &sleep_ms);
    else bad = 1;
    if (bad) {
      fprintf(stderr, "usage: %s [--children 0..%d] [--ticks T] [--sleep-ms MS]\n", argv[0],
              MAX_CHILDREN);
      return 2;
    }
  }
  fixture f = {0};
  f.plat = platform_open("/proc", "/sys");
  if (!f.plat) return 1;
  f.self = platform_proc_open(f.plat, platform_self_pid());
  spawn(&f, (size_t)children);
  double *cold[STEPS], *hot[STEPS];
  for (int s = 0; s < STEPS; s++) {
    cold[s] = calloc((size_t)ticks, sizeof(double));
    hot[s] = calloc((size_t)ticks, sizeof(double));
  }
  double t[STEPS];
  time_steps(&f, t); /* first reads grow buffers: not counted */
  for (int k = 0; k < ticks; k++) {
    if (sleep_ms) usleep((useconds_t)sleep_ms * 1000);
    time_steps(&f, t);
    for (int s = 0; s < STEPS; s++) cold[s][k] = t[s];
    time_steps(&f, t);
    for (int s = 0; s < STEPS; s++) hot[s][k] = t[s];
  }
  printf("%-52s %10s %10s\n", "read (median of ticks)", "cold us", "hot us");
  double cold_sum = 0, hot_sum = 0;
  for (int s = 0; s < STEPS; s++) {
    double c = median(cold[s], (size_t)ticks), h = median(hot[s], (size_t)ticks);
    /* A tick reads the disk and network files once (the with-each-device
     * rows re-read them warm: same files, same cost hot) and the mount list
     * once a minute. */
    if (s != STEP_DISKS && s != STEP_IFS && s != STEP_MOUNTS) {
      cold_sum += c;
      hot_sum += h;
    }
    char label[96];
    if (s == STEP_CHILDREN)
      snprintf(label, sizeof label, "plugins, %d of them (per plugin: %.1f / %.1f)", children,
               children ? c / children : 0, children ? h / children : 0);
    else
      snprintf(label, sizeof label, "%s", step_names[s]);
    printf("%-52s %10.1f %10.1f\n", label, c, h);
    free(cold[s]);
    free(hot[s]);
  }
  printf("%-52s %10.1f %10.1f\n", "one tick's reads (sum; each-device rows, mounts out)",
         cold_sum, hot_sum);
  printf("(cold: first read after sleeping %d ms; hot: the same reads repeated at once)\n",
         sleep_ms);
  reap(&f);
  platform_proc_close(f.self);
  platform_close(f.plat);
  return 0;
}
