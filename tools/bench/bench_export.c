/* bench_export.c - CSV exporter benchmark (rows/s and peak RSS for small and
 * large exports, to show memory stays flat) and the generator of databases
 * with known content that tests/blackbox/test_export.py uses.
 *
 *   bench_export [--days N] [--dir DIR] [--exporter PATH] [--keep]
 *       Generate N days (default 30) at a 2 s interval, server + 8 plugins,
 *       through store_write_batch, then run hiro-metrics-export as a child
 *       for each case and report rows, rows/s and the child's ru_maxrss.
 *
 *   bench_export --generate PATH [--count N | --days N] [--interval S]
 *                [--start T] [--plugins N] [--seed S] [--gaps]
 *                [--name0 NAME] [--retention RAW_H,MIN_D,HOUR_D] [--expect FILE]
 *       Write a database through the store (migrations, rollups and all):
 *       N snapshots S seconds apart from T (default: ending now). Values are
 *       exact in the stored units (percent to 0.01, RSS/VMS in pages, whole
 *       bytes/s). --gaps leaves out disk data every 5th and network every 7th
 *       snapshot, plugin 1 is dead every 3rd and plugin 2 changes pid halfway.
 *       --retention applies retention as of now before closing. --expect
 *       writes every snapshot as a JSON line, as given to the store. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/columns.h"
#include "model/model.h"
#include "common/clock.h"
#include "common/log.h"
#include "store/store.h"

enum { CHUNK = 20000 };

typedef struct {
  size_t count;
  double interval, start;
  bool has_start;
  int plugins;
  uint64_t seed;
  bool gaps;
  const char *name0;
  store_retention retention;
  bool has_retention;
  FILE *expect;
} gen_params;

static uint64_t rng;
static uint64_t rnd_u(uint64_t n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (rng >> 11) % n;
}

/* Snapshot i: plausible values, exact in the stored units. */
static void make_snapshot(const gen_params *p, size_t i, metrics_snapshot *s) {
  s->timestamp = p->start + (double)i * p->interval;
  s->sampling.interval_seconds = p->interval;
  s->cpu.percent = (double)rnd_u(10001) / 100;
  s->cpu.count = 2;
  s->memory.total_bytes = 8321499136ull;
  s->memory.available_bytes = 4096ull * (1000000 + rnd_u(20000));
  s->memory.percent = (double)rnd_u(10001) / 100;
  s->has_process = true;
  s->process.pid = 4242;
  s->process.cpu_percent = (double)rnd_u(300) / 100;
  s->process.rss_bytes = 4096ull * (2900 + rnd_u(10));
  s->process.vms_bytes = 4096ull * (90000 + rnd_u(10));
  s->process.num_threads = 6;
  s->process.has_cpu = s->process.has_memory = s->process.has_io = s->process.has_fds = true;
  s->process.io_read_bytes_per_sec = (double)(4096 * rnd_u(100));
  s->process.io_write_bytes_per_sec = (double)(4096 * rnd_u(300));
  s->process.open_fds = 12 + (int)rnd_u(4);
  s->has_disk = !(p->gaps && i % 5 == 0);
  s->disk.total_bytes = 4096ull * 65536000;
  s->disk.used_bytes = 4096ull * (30000000 + rnd_u(1000));
  s->disk.free_bytes = s->disk.total_bytes - s->disk.used_bytes;
  s->disk.percent = (double)rnd_u(10001) / 100;
  s->disk.read_bytes_per_sec = rnd_u(5) ? 0 : (double)(4096 * rnd_u(200));
  s->disk.write_bytes_per_sec = (double)(4096 * rnd_u(50));
  s->has_network = !(p->gaps && i % 7 == 0);
  s->network.bytes_sent_per_sec = (double)rnd_u(2000);
  s->network.bytes_recv_per_sec = (double)rnd_u(3000);
  s->network.packets_sent_per_sec = (double)rnd_u(2000) / 100;
  s->network.packets_recv_per_sec = (double)rnd_u(2500) / 100;
  s->has_load = true;
  s->load = (load_metrics){(double)rnd_u(400) / 100, (double)rnd_u(300) / 100,
                           (double)rnd_u(200) / 100, 1 + (int)rnd_u(4), 300 + (int)rnd_u(50)};
  s->has_swap = !(p->gaps && i % 11 == 0);
  s->swap.total_bytes = 4096ull * 262144;
  s->swap.used_bytes = 4096ull * rnd_u(1000);
  s->swap.percent = (double)rnd_u(10001) / 100;
  s->swap.in_bytes_per_sec = rnd_u(10) ? 0 : (double)(4096 * rnd_u(20));
  s->swap.out_bytes_per_sec = rnd_u(10) ? 0 : (double)(4096 * rnd_u(20));
  /* A kernel without PSI: absent in every 13th snapshot with gaps. */
  s->has_pressure = !(p->gaps && i % 13 == 0);
  double *psi = &s->pressure.cpu_some_avg10;
  for (size_t k = 0; k < sizeof s->pressure / sizeof *psi; k++) psi[k] = (double)rnd_u(500) / 100;
  for (int k = 0; k < p->plugins; k++) {
    child_process_metrics *c = &s->children[k];
    if (k == 0 && p->name0)
      snprintf(c->name, sizeof c->name, "%s", p->name0);
    else
      snprintf(c->name, sizeof c->name, "channel-%d", k);
    c->pid = 5000 + k + (p->gaps && k == 2 && i >= p->count / 2 ? 100 : 0);
    c->alive = !(p->gaps && k == 1 && i % 3 == 0);
    /* A plugin that is down is measured as nothing (NULL), never zeros. */
    c->has_cpu = c->has_memory = c->has_tree_cpu = c->has_tree = c->alive;
    c->has_io = c->has_fds = c->alive;
    c->down_seconds = c->alive ? 0 : p->interval;
    if (!c->alive) continue;
    c->cpu_percent = (double)rnd_u(20000) / 100;
    c->rss_bytes = 4096ull * (2000 + 500 * (uint64_t)k + rnd_u(20));
    c->vms_bytes = 4096ull * (60000 + rnd_u(10));
    c->num_threads = 1 + (int)rnd_u(4);
    c->tree.cpu_percent = c->cpu_percent + (double)rnd_u(5000) / 100;
    c->tree.rss_bytes = c->rss_bytes + 4096ull * rnd_u(3000);
    c->tree.num_threads = c->num_threads + (int)rnd_u(6);
    c->tree.processes = 1 + (int)rnd_u(4);
    c->io_read_bytes_per_sec = rnd_u(4) ? 0 : (double)(4096 * rnd_u(50));
    c->io_write_bytes_per_sec = (double)(4096 * rnd_u(20));
    c->open_fds = 3 + (int)rnd_u(8);
  }
}

static void json_string(FILE *f, const char *s) {
  putc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else putc(c, f);
  }
  putc('"', f);
}

/* The snapshot's system figures under their flat names (model/columns.h),
 * absent groups left out, in the units the CSV prints. */
static void write_expect(FILE *f, const metrics_snapshot *s) {
  fprintf(f, "{\"timestamp\":%.3f,", s->timestamp);
  for (int i = 0; i < MODEL_SYS_COLUMNS; i++) {
    const model_column *c = &model_sys_columns[i];
    if (!model_group_present(s, c->group)) continue;
    fprintf(f, "\"%s\":%.*f,", c->name, c->scale == MODEL_X100 ? 2 : 0, model_value(s, c));
  }
  fputs("\"processes\":[", f);
  for (size_t k = 0; k <= s->n_children; k++) {
    process_metrics server = s->process;
    server.alive = true;
    server.has_tree = server.has_tree_cpu = false; /* as the store writes it */
    const process_metrics *c = k == 0 ? &server : &s->children[k - 1];
    fprintf(f, "%s{\"kind\":\"%s\",\"name\":", k ? "," : "", k ? "channel" : "server");
    json_string(f, k ? c->name : "server");
    fprintf(f, ",\"pid\":%d", c->pid);
    /* Measured figures only, under their flat names: absent = NULL. */
    for (int i = 0; i < MODEL_PROC_COLUMNS; i++) {
      const model_column *col = &model_proc_columns[i];
      if (!model_proc_has(c, col)) continue;
      int dec = col->scale == MODEL_X100 ? 2 : col->scale == MODEL_MS ? 3 : 0;
      fprintf(f, ",\"%s\":%.*f", col->name, dec, model_value(c, col));
    }
    putc('}', f);
  }
  fputs("]}\n", f);
}

/* Write the database; returns 0 or 1 after a message. */
static int generate(const char *path, const gen_params *p) {
  store_retention keep_all = {1e7, 1e7, 1e7};
  store *s = NULL;
  char err[512];
  if (store_open(path, p->has_retention ? &p->retention : &keep_all, &s, err, sizeof err) !=
      HIRO_OK) {
    fprintf(stderr, "bench_export: %s\n", err);
    return 1;
  }
  rng = p->seed ? p->seed : 0x2545F4914F6CDD1Dull;
  size_t chunk = p->count < CHUNK ? (p->count ? p->count : 1) : CHUNK;
  metrics_snapshot *snaps = calloc(chunk, sizeof *snaps);
  for (size_t i = 0; i < chunk; i++) snapshot_set_children(&snaps[i], (size_t)p->plugins);
  int rc = 0;
  for (size_t done = 0; done < p->count && rc == 0;) {
    size_t n = p->count - done < chunk ? p->count - done : chunk;
    for (size_t i = 0; i < n; i++) {
      make_snapshot(p, done + i, &snaps[i]);
      if (p->expect) write_expect(p->expect, &snaps[i]);
    }
    if (store_write_batch(s, snaps, n) != HIRO_OK) {
      fprintf(stderr, "bench_export: writing %s failed\n", path);
      rc = 1;
    }
    done += n;
  }
  for (size_t i = 0; i < chunk; i++) snapshot_free(&snaps[i]);
  free(snaps);
  if (rc == 0 && p->has_retention) store_maintain(s);
  store_close(s);
  return rc;
}

/* --- the benchmark --- */

typedef struct {
  const char *label;
  const char *args[8];
} bench_case;

/* Run the exporter with args (plus --db, -o, -v); fills rows, seconds and
 * peak RSS in KiB. Returns false when it failed. */
static bool run_export(const char *exporter, const char *db, const char *out,
                       const char *const *args, unsigned long long *rows, double *seconds,
                       long *maxrss_kib) {
  char errfile[PATH_MAX + 16];
  snprintf(errfile, sizeof errfile, "%s.stderr", out);
  const char *argv[24];
  int n = 0;
  argv[n++] = exporter;
  argv[n++] = "--db";
  argv[n++] = db;
  argv[n++] = "-o";
  argv[n++] = out;
  argv[n++] = "-v";
  for (int i = 0; args[i]; i++) argv[n++] = args[i];
  argv[n] = NULL;
  double t0 = clock_mono();
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) dup2(fd, 2);
    execv(exporter, (char *const *)argv);
    _exit(127);
  }
  int status;
  struct rusage ru;
  if (pid < 0 || wait4(pid, &status, 0, &ru) != pid) return false;
  *seconds = clock_mono() - t0;
  *maxrss_kib = ru.ru_maxrss;
  *rows = 0;
  FILE *f = fopen(errfile, "r");
  char line[512] = "";
  bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  while (f && fgets(line, sizeof line, f)) {
    const char *p = strstr(line, ": ");
    if (p && sscanf(p + 2, "%llu rows", rows) == 1) break;
    if (!ok) fputs(line, stderr);
  }
  if (f) fclose(f);
  unlink(errfile);
  return ok;
}

static int benchmark(double days, const char *dir, const char *exporter, bool keep) {
  char db[PATH_MAX], out[PATH_MAX];
  snprintf(db, sizeof db, "%s/bench-export.db", dir);
  snprintf(out, sizeof out, "%s/bench-export.csv", dir);
  struct stat st;
  double t0 = clock_mono();
  gen_params p = {.interval = 2, .plugins = 8, .seed = 42};
  p.count = (size_t)(days * 86400 / p.interval);
  p.start = floor(clock_wall()) - (double)p.count * p.interval + 0.137;
  if (stat(db, &st) != 0) {
    /* In a child: the exporters forked later must not inherit a large heap,
     * since a child's ru_maxrss includes what it had before exec. */
    pid_t gen = fork();
    if (gen == 0) _exit(generate(db, &p));
    int status;
    if (gen < 0 || waitpid(gen, &status, 0) != gen || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0)
      return 1;
    printf("generated %s: %.0f days, %zu snapshots x (1 server + 8 plugins) in %.1f s\n", db, days,
           p.count, clock_mono() - t0);
  } else {
    printf("reusing %s\n", db);
  }
  stat(db, &st);
  struct rusage self;
  getrusage(RUSAGE_SELF, &self);
  printf("database %.0f MB; exporter %s\n", (double)st.st_size / 1e6, exporter);
  printf("(peak RSS is the exporter child's ru_maxrss; it includes this benchmark's %.1f MB "
         "at fork, before exec)\n\n", (double)self.ru_maxrss / 1024);
  static const bench_case cases[] = {
      {"small: system raw, last 1h", {"--last", "1h", "--resolution", "raw", NULL}},
      {"small: processes raw, last 1h",
       {"--last", "1h", "--resolution", "raw", "--table", "processes", NULL}},
      {"large: system raw, all", {"--resolution", "raw", NULL}},
      {"large: processes raw, all", {"--resolution", "raw", "--table", "processes", NULL}},
      {"large: processes raw, one plugin",
       {"--resolution", "raw", "--table", "processes", "--process", "channel-3", NULL}},
      {"large: processes 1m max, all",
       {"--resolution", "1m", "--agg", "max", "--table", "processes", NULL}},
      {"large: system 1h, all", {"--resolution", "1h", NULL}},
  };
  printf("| %-34s | %10s | %7s | %10s | %8s | %9s |\n", "export", "rows", "seconds", "rows/s",
         "MB/s", "peak RSS");
  printf("|%s|%s|%s|%s|%s|%s|\n", "------------------------------------", "------------",
         "---------", "------------", "----------", "-----------");
  int failures = 0;
  for (size_t i = 0; i < HIRO_ARRAY_LEN(cases); i++) {
    unsigned long long rows;
    double secs;
    long rss;
    if (!run_export(exporter, db, out, cases[i].args, &rows, &secs, &rss)) {
      printf("| %-34s | failed\n", cases[i].label);
      failures++;
      continue;
    }
    double bytes = stat(out, &st) == 0 ? (double)st.st_size : 0;
    printf("| %-34s | %10llu | %7.2f | %10.0f | %8.1f | %6.1f MB |\n", cases[i].label, rows, secs,
           (double)rows / secs, bytes / 1e6 / secs, (double)rss / 1024);
    fflush(stdout);
    unlink(out);
  }
  if (!keep) {
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
      char f[PATH_MAX + 8];
      snprintf(f, sizeof f, "%s%s", db, suffixes[i]);
      unlink(f);
    }
  }
  return failures ? 1 : 0;
}

static int usage(void) {
  fprintf(stderr, "usage: bench_export [--days N] [--dir DIR] [--exporter PATH] [--keep]\n"
                  "       bench_export --generate PATH [--count N | --days N] [--interval S]\n"
                  "                    [--start T] [--plugins N] [--seed S] [--gaps] [--name0 NAME]\n"
                  "                    [--retention RAW_H,MIN_D,HOUR_D] [--expect FILE]\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *gen_path = NULL, *dir = NULL, *exporter = NULL, *expect = NULL;
  double days = -1;
  bool keep = false;
  gen_params p = {.interval = 2, .plugins = 8, .seed = 1};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    bool takes = true;
    if (strcmp(a, "--gaps") == 0) p.gaps = true, takes = false;
    else if (strcmp(a, "--keep") == 0) keep = true, takes = false;
    else if (!v) return usage();
    else if (strcmp(a, "--generate") == 0) gen_path = v;
    else if (strcmp(a, "--days") == 0) days = atof(v);
    else if (strcmp(a, "--count") == 0) p.count = strtoull(v, NULL, 10);
    else if (strcmp(a, "--interval") == 0) p.interval = atof(v);
    else if (strcmp(a, "--start") == 0) p.start = atof(v), p.has_start = true;
    else if (strcmp(a, "--plugins") == 0) p.plugins = atoi(v);
    else if (strcmp(a, "--seed") == 0) p.seed = strtoull(v, NULL, 10);
    else if (strcmp(a, "--name0") == 0) p.name0 = v;
    else if (strcmp(a, "--expect") == 0) expect = v;
    else if (strcmp(a, "--dir") == 0) dir = v;
    else if (strcmp(a, "--exporter") == 0) exporter = v;
    else if (strcmp(a, "--retention") == 0) {
      if (sscanf(v, "%lf,%lf,%lf", &p.retention.raw_hours, &p.retention.minute_days,
                 &p.retention.hour_days) != 3)
        return usage();
      p.has_retention = true;
    } else return usage();
    if (takes) i++;
  }
  if (p.interval <= 0 || p.plugins < 0 || p.plugins > 64) return usage();
  log_set_level(HIRO_LOG_WARN);
  if (gen_path) {
    if (!p.count) p.count = (size_t)((days > 0 ? days : 1) * 86400 / p.interval);
    if (!p.has_start) p.start = floor(clock_wall()) - (double)p.count * p.interval + 0.123;
    if (expect && !(p.expect = fopen(expect, "w"))) {
      fprintf(stderr, "bench_export: %s: %s\n", expect, strerror(errno));
      return 1;
    }
    int rc = generate(gen_path, &p);
    if (p.expect && fclose(p.expect) != 0) rc = 1;
    return rc;
  }
  char self[PATH_MAX], exe[PATH_MAX + 32], tmp[] = "/tmp/hiro-bench-export-XXXXXX";
  if (!exporter) {
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    snprintf(exe, sizeof exe, "%s/hiro-metrics-export", dirname(self));
    exporter = exe;
  }
  bool own_dir = !dir;
  if (own_dir && !(dir = mkdtemp(tmp))) {
    perror("mkdtemp");
    return 1;
  }
  int rc = benchmark(days > 0 ? days : 30, dir, exporter, keep);
  if (own_dir && !keep) rmdir(dir);
  return rc;
}
