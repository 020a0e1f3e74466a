/* bench_collector.c - CPU cost of one collector tick (all seven steps) with N
 * child processes, the ring's memory per snapshot, and - with --psutil - the
 * design document's psutil tick against the same processes in the same run.
 *
 *   bench_collector [--children N] [--ticks T] [--runs R] [--psutil SCRIPT]
 *                   [--sleep-ms MS] [--tree K] [--cgroups]
 *
 * --tree K gives every child K - 1 sleeping children of its own (a plugin
 * tree of K processes, walked through /proc); --cgroups puts each tree in a
 * cgroup v2 group of its own (the server's preferred mode) when possible.
 *
 * --sleep-ms sleeps between ticks (not measured) to show the cost of a cold
 * tick, as the server sees it every interval, against back-to-back ticks. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collector/collector.h"
#include "collector/ring.h"
#include "platform/platform.h"

#define BUDGET_US 150.0
#define BUDGET_RATIO 20.0

typedef struct {
  plugin_ref refs[256];
  size_t n;
  char *groups[256]; /* --cgroups: each tree's group */
  char *run_group;
} children;

static int tree_size = 1;
static bool use_cgroups;

static size_t provide(void *ctx, plugin_ref *out, size_t max) {
  children *c = ctx;
  size_t n = c->n < max ? c->n : max;
  memcpy(out, c->refs, n * sizeof *out);
  return n;
}

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The group of tree i under the benchmark's own run group, or NULL. */
static char *make_group(children *c, size_t i) {
  if (!use_cgroups) return NULL;
  char base[4096], why[256], dir[4400];
  if (!c->run_group) {
    if (!platform_cgroup_base(base, sizeof base, why, sizeof why)) {
      fprintf(stderr, "bench_collector: no cgroups (%s); walking /proc instead\n", why);
      use_cgroups = false;
      return NULL;
    }
    snprintf(dir, sizeof dir, "%s/hiro-bench.%d", base, (int)getpid());
    if (platform_cgroup_create(dir) != HIRO_OK) {
      use_cgroups = false;
      return NULL;
    }
    c->run_group = strdup(dir);
  }
  snprintf(dir, sizeof dir, "%s/%zu", c->run_group, i);
  return platform_cgroup_create(dir) == HIRO_OK ? strdup(dir) : NULL;
}

static void spawn_children(platform *p, children *c, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char *group = make_group(c, i);
    int join = group ? platform_cgroup_open_procs(group) : -1;
    pid_t pid = fork();
    if (pid == 0) {
      setpgid(0, 0); /* the tree is one process group: kill_children ends it whole */
      if (join >= 0 && write(join, "0", 1) != 1) _exit(1);
      for (int k = 1; k < tree_size; k++)
        if (fork() == 0)
          for (;;) pause();
      for (;;) pause();
    }
    if (join >= 0) close(join);
    plugin_ref *r = &c->refs[c->n];
    c->groups[c->n++] = group;
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "plugin%zu", i);
    r->pid = pid;
    r->running = true;
    r->cgroup = group;
    usleep(2000 + 500 * tree_size);
    if (platform_proc_start_ticks(p, pid, &r->start_ticks) != HIRO_OK) r->start_ticks = 0;
  }
}

static void kill_children(children *c) {
  for (size_t i = 0; i < c->n; i++) {
    kill(-c->refs[i].pid, SIGKILL);
    kill(c->refs[i].pid, SIGKILL);
  }
  for (size_t i = 0; i < c->n; i++) waitpid(c->refs[i].pid, NULL, 0);
  usleep(100000); /* the grandchildren, reparented, die a moment later */
  for (size_t i = 0; i < c->n; i++) {
    if (c->groups[i]) platform_cgroup_remove(c->groups[i]);
    free(c->groups[i]);
  }
  if (c->run_group) platform_cgroup_remove(c->run_group);
  free(c->run_group);
  c->n = 0;
}

/* Median/min/max CPU microseconds per tick over runs x ticks. */
static int sleep_ms;

static void measure_ticks(platform *p, children *c, int ticks, int runs, double out[3]) {
  collector *coll = collector_new(p, 2.0, 1800);
  collector_set_child_provider(coll, provide, c);
  metrics_snapshot s = {0};
  (void)collector_tick_once(coll, &s); /* primes */
  double *per = calloc((size_t)runs, sizeof *per);
  for (int r = 0; r < runs; r++) {
    double spent = 0;
    for (int i = 0; i < ticks; i++) {
      if (sleep_ms) usleep((useconds_t)sleep_ms * 1000);
      double t0 = cpu_now();
      (void)collector_tick_once(coll, &s);
      spent += cpu_now() - t0;
    }
    per[r] = spent / ticks * 1e6;
  }
  qsort(per, (size_t)runs, sizeof *per, cmp_double);
  out[0] = per[runs / 2];
  out[1] = per[0];
  out[2] = per[runs - 1];
  free(per);
  snapshot_free(&s);
  collector_free(coll);
}

static double ring_bytes_per_snapshot(size_t kids) {
  ring *r = ring_new(1800);
  metrics_snapshot s = {0};
  snapshot_set_children(&s, kids);
  for (int i = 0; i < 1800; i++) ring_push(r, &s);
  double per = (double)ring_memory_bytes(r) / 1800.0;
  snapshot_free(&s);
  ring_free(r);
  return per;
}

/* Run the psutil script against the same processes; returns its median. */
static double run_psutil(const char *script, children *c, int ticks, int runs, double mm[2]) {
  char cmd[8192];
  int off = snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s --server-pid %d --ticks %d --runs %d --pids ",
                     script, (int)getpid(), ticks, runs);
  for (size_t i = 0; i < c->n; i++)
    off += snprintf(cmd + off, sizeof cmd - (size_t)off, "%s%d", i ? "," : "", c->refs[i].pid);
  FILE *f = popen(cmd, "r");
  if (!f) return -1;
  char line[4096] = "";
  if (!fgets(line, sizeof line, f)) line[0] = '\0';
  int rc = pclose(f);
  double median = -1, mn = -1, mx = -1;
  char *m = strstr(line, "\"median_us\":");
  char *a = strstr(line, "\"min_us\":");
  char *b = strstr(line, "\"max_us\":");
  if (rc != 0 || !m || !a || !b) return -1;
  median = strtod(m + 12, NULL);
  mn = strtod(a + 9, NULL);
  mx = strtod(b + 9, NULL);
  mm[0] = mn;
  mm[1] = mx;
  return median;
}

int main(int argc, char **argv) {
  size_t nchildren = 8;
  int ticks = 2000, runs = 7;
  const char *psutil = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--children") == 0 && i + 1 < argc) nchildren = (size_t)atoi(argv[++i]);
    else if (strcmp(argv[i], "--ticks") == 0 && i + 1 < argc) ticks = atoi(argv[++i]);
    else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) runs = atoi(argv[++i]);
    else if (strcmp(argv[i], "--psutil") == 0 && i + 1 < argc) psutil = argv[++i];
    else if (strcmp(argv[i], "--sleep-ms") == 0 && i + 1 < argc) sleep_ms = atoi(argv[++i]);
    else if (strcmp(argv[i], "--tree") == 0 && i + 1 < argc) tree_size = atoi(argv[++i]);
    else if (strcmp(argv[i], "--cgroups") == 0) use_cgroups = true;
    else {
      fprintf(stderr, "usage: %s [--children N] [--ticks T] [--runs R] [--psutil SCRIPT] "
                      "[--sleep-ms MS] [--tree K] [--cgroups]\n", argv[0]);
      return 2;
    }
  }
  if (nchildren > 256 || ticks < 1 || runs < 1 || tree_size < 1 || tree_size > 64) {
    fprintf(stderr, "bench_collector: --children must be 0..256, --ticks and --runs >= 1\n");
    return 2;
  }
  platform *p = platform_open("/proc", "/sys");
  if (!p) return 1;
  children c = {0};
  spawn_children(p, &c, nchildren);
  double us[3];
  measure_ticks(p, &c, ticks, runs, us);
  int fail = us[0] > BUDGET_US && nchildren == 8;
  printf("%-44s %10s %20s %12s %s\n", "figure", "median", "min-max", "budget", "result");
  printf("%-44s %8.1f us %9.1f-%-8.1f us %9s %s\n", "collector CPU per tick", us[0], us[1], us[2],
         nchildren == 8 ? "<= 150 us" : "(n/a)", nchildren != 8 ? "info" : fail ? "FAIL" : "PASS");
  printf("%-44s %8.0f B  %20s %12s %s\n", "ring memory per snapshot", ring_bytes_per_snapshot(nchildren),
         "", "", "info");
  if (psutil) {
    double mm[2];
    int pticks = ticks / 10 > 50 ? ticks / 10 : 50;
    double py = run_psutil(psutil, &c, pticks, runs, mm);
    if (py < 0) {
      printf("%-44s %s\n", "psutil tick", "could not run (is python3-psutil installed?)");
      fail = 1;
    } else {
      double ratio = py / us[0];
      printf("%-44s %8.1f us %9.1f-%-8.1f us %12s %s\n", "psutil tick (design document)", py, mm[0], mm[1], "", "info");
      printf("%-44s %9.1fx %20s %12s %s\n", "psutil / C CPU per tick", ratio, "", ">= 20x",
             ratio >= BUDGET_RATIO ? "PASS" : "FAIL");
      if (ratio < BUDGET_RATIO) fail = 1;
    }
  }
  kill_children(&c);
  platform_close(p);
  return fail ? 1 : 0;
}
