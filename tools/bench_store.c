/* bench_store.c - storage benchmark: batch ingest rate, raw-tier bytes per
 * day, history query latency from disk (24 h and 30 d) and the steady-state
 * file size under the default retention, against the budgets of CONTRACT §10.
 *
 *   bench_store [--db-dir DIR] [--quick]
 *
 * Uses sqlite3 directly only to measure table sizes (dbstat); everything it
 * writes and reads goes through store.h. */
#define _GNU_SOURCE
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/model.h"
#include "common/clock.h"
#include "common/log.h"
#include "history/history.h"
#include "store/store.h"

enum { PLUGINS = 8, INTERVAL_S = 2, CHUNK = 20000 };
static const store_retention keep_all = {1e7, 1e7, 1e7};
static const store_retention defaults = {48, 30, 400};

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;
static double rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* A plausible tick: idle-ish machine, eight small plugins, bursty I/O. */
static void make_snapshot(metrics_snapshot *s, double ts) {
  s->timestamp = ts;
  s->cpu.percent = 3 + 20 * rnd() * rnd();
  s->cpu.count = 2;
  s->memory.total_bytes = 4096ull * 2031616;
  s->memory.available_bytes = 4096ull * (uint64_t)(1200000 + 20000 * rnd());
  s->memory.percent = 100.0 * (1.0 - (double)s->memory.available_bytes / (double)s->memory.total_bytes);
  s->has_process = true;
  s->process.pid = 4242;
  s->process.cpu_percent = 0.02 * rnd();
  s->process.rss_bytes = 4096ull * (uint64_t)(2900 + 10 * rnd());
  s->process.vms_bytes = 4096ull * (uint64_t)(90000 + 10 * rnd());
  s->process.num_threads = 6;
  s->has_disk = true;
  s->disk.total_bytes = 4096ull * 65536000;
  s->disk.used_bytes = 4096ull * (uint64_t)(30000000 + 1000 * rnd());
  s->disk.free_bytes = s->disk.total_bytes - s->disk.used_bytes;
  s->disk.percent = 100.0 * (double)s->disk.used_bytes / (double)s->disk.total_bytes;
  s->disk.read_bytes_per_sec = rnd() < 0.8 ? 0 : 4096 * floor(200 * rnd());
  s->disk.write_bytes_per_sec = 4096 * floor(50 * rnd());
  s->has_network = true;
  s->network.bytes_sent_per_sec = floor(2000 * rnd());
  s->network.bytes_recv_per_sec = floor(3000 * rnd());
  s->network.packets_sent_per_sec = floor(20 * rnd()) / 2;
  s->network.packets_recv_per_sec = floor(25 * rnd()) / 2;
  for (size_t i = 0; i < PLUGINS; i++) {
    child_process_metrics *c = &s->children[i];
    c->pid = 5000 + (int)i;
    c->alive = true;
    c->cpu_percent = rnd() < 0.5 ? 0 : 2 * rnd();
    c->rss_bytes = 4096ull * (uint64_t)(2000 + 500 * i + 20 * rnd());
    c->vms_bytes = 4096ull * (uint64_t)(60000 + 10 * rnd());
    c->num_threads = 1 + (int)(i % 3);
  }
}

/* Write `days` days at INTERVAL_S ending at end_ts; returns snapshots/s. */
static double ingest(store *s, double end_ts, double days, size_t *written) {
  size_t total = (size_t)(days * 86400 / INTERVAL_S);
  metrics_snapshot *chunk = calloc(CHUNK, sizeof *chunk);
  for (size_t i = 0; i < CHUNK; i++) {
    snapshot_set_children(&chunk[i], PLUGINS);
    for (size_t k = 0; k < PLUGINS; k++)
      snprintf(chunk[i].children[k].name, sizeof chunk[i].children[k].name, "channel-%zu", k);
  }
  double t0 = clock_mono(), start_ts = end_ts - (double)(total - 1) * INTERVAL_S;
  for (size_t done = 0; done < total;) {
    size_t n = total - done < CHUNK ? total - done : CHUNK;
    for (size_t i = 0; i < n; i++)
      make_snapshot(&chunk[i], start_ts + (double)(done + i) * INTERVAL_S + 0.137);
    if (store_write_batch(s, chunk, n) != HIRO_OK) {
      fprintf(stderr, "bench_store: write failed\n");
      exit(1);
    }
    done += n;
  }
  double rate = (double)total / (clock_mono() - t0);
  for (size_t i = 0; i < CHUNK; i++) snapshot_free(&chunk[i]);
  free(chunk);
  *written = total;
  return rate;
}

/* Bytes held by a table and its indexes, from dbstat. */
static double table_bytes(const char *path, const char *table) {
  sqlite3 *db = NULL;
  double bytes = -1;
  sqlite3_stmt *st = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT sum(pgsize) FROM dbstat WHERE name = ?1 OR name IN "
                             "(SELECT name FROM sqlite_master WHERE tbl_name = ?1)",
                         -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) bytes = sqlite3_column_double(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return bytes;
}

static double file_bytes(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (double)st.st_size : 0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Median latency in ms of a history answer from disk (no ring) over
 * [to - span, to] at 1800 points. */
static double query_ms(store *s, double to, double span, int runs, size_t *points, int *res) {
  double t[64];
  for (int i = -2; i < runs; i++) { /* two warm-up runs */
    history_request req = {.from = to - span, .to = to, .max_points = 1800, .agg = STORE_AGG_AVG};
    history_answer ans;
    char err[256];
    double t0 = clock_mono();
    if (history_query(NULL, s, &req, &ans, err, sizeof err) != HIRO_OK) {
      fprintf(stderr, "bench_store: query failed: %s\n", err);
      exit(1);
    }
    double dt = (clock_mono() - t0) * 1000;
    if (i >= 0) t[i] = dt;
    *points = ans.n;
    *res = (int)ans.resolution;
    history_answer_free(&ans);
  }
  qsort(t, (size_t)runs, sizeof t[0], cmp_double);
  return t[runs / 2];
}

static int failures;
static void row(const char *figure, const char *measured, const char *budget, bool pass) {
  printf("| %-44s | %-28s | %-16s | %-4s |\n", figure, measured, budget, pass ? "PASS" : "FAIL");
  if (!pass) failures++;
}

int main(int argc, char **argv) {
  const char *db_dir = NULL;
  bool quick = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--db-dir") == 0 && i + 1 < argc) db_dir = argv[++i];
    else if (strcmp(argv[i], "--quick") == 0) quick = true;
    else {
      fprintf(stderr, "usage: %s [--db-dir DIR] [--quick]\n", argv[0]);
      return 2;
    }
  }
  char tmp[] = "/tmp/hiro-bench-store-XXXXXX";
  bool own_dir = !db_dir;
  if (own_dir && !(db_dir = mkdtemp(tmp))) {
    perror("mkdtemp");
    return 1;
  }
  log_set_level(HIRO_LOG_WARN);
  char day_path[4096], month_path[4096], err[512];
  snprintf(day_path, sizeof day_path, "%s/bench-day.db", db_dir);
  snprintf(month_path, sizeof month_path, "%s/bench-month.db", db_dir);
  const char *suffixes[] = {"", "-wal", "-shm"};
  for (int i = 0; i < 3; i++) {
    char p[4200];
    snprintf(p, sizeof p, "%s%s", day_path, suffixes[i]);
    unlink(p);
    snprintf(p, sizeof p, "%s%s", month_path, suffixes[i]);
    unlink(p);
  }
  double end_ts = floor(clock_wall());
  double month_days = quick ? 3 : 30;
  int runs = quick ? 5 : 21;

  /* 1. One simulated day in a fresh database: raw-tier bytes per day. */
  store *s = NULL;
  if (store_open(day_path, &keep_all, &s, err, sizeof err) != HIRO_OK) {
    fprintf(stderr, "bench_store: %s\n", err);
    return 1;
  }
  size_t day_n;
  ingest(s, end_ts, 1, &day_n);
  store_close(s);
  double raw_day = table_bytes(day_path, "raw_system") + table_bytes(day_path, "raw_process");
  double min_day = table_bytes(day_path, "system_1m") + table_bytes(day_path, "process_1m");
  double hour_day = table_bytes(day_path, "system_1h") + table_bytes(day_path, "process_1h");

  /* 2. The month database: ingest rate. */
  if (store_open(month_path, &keep_all, &s, err, sizeof err) != HIRO_OK) {
    fprintf(stderr, "bench_store: %s\n", err);
    return 1;
  }
  size_t month_n;
  double rate = ingest(s, end_ts, month_days, &month_n);
  store_close(s);

  /* 3. History queries from disk on a reopened database. */
  if (store_open(month_path, &keep_all, &s, err, sizeof err) != HIRO_OK) {
    fprintf(stderr, "bench_store: %s\n", err);
    return 1;
  }
  size_t pts24, pts30;
  int res24, res30;
  double q24 = query_ms(s, end_ts, 86400, runs, &pts24, &res24);
  double q30 = query_ms(s, end_ts, 30 * 86400, runs, &pts30, &res30);
  store_close(s);

  /* 4. Steady state with the default retention: 48 h raw, 30 d of minutes,
   * 400 d of hours, from the measured per-day sizes of each tier. */
  double steady = raw_day * defaults.raw_hours / 24 + min_day * defaults.minute_days +
                  hour_day * defaults.hour_days;

  char m[64];
  printf("bench_store: %s, %zu snapshots/day at %d s, server + %d plugins, month db %.0f days "
         "(%zu snapshots, %.0f MB)\n\n", db_dir, day_n, INTERVAL_S, PLUGINS, month_days,
         month_n, file_bytes(month_path) / 1e6);
  printf("| %-44s | %-28s | %-16s | %-4s |\n", "figure", "measured", "budget", "");
  printf("|%s|%s|%s|%s|\n", "----------------------------------------------",
         "------------------------------", "------------------", "------");
  snprintf(m, sizeof m, "%.0f snapshots/s", rate);
  row("batch ingest (8 children each)", m, ">= 50000/s", rate >= 50000);
  snprintf(m, sizeof m, "%.2f MB (%.0f B/snap)", raw_day / 1e6, raw_day / (double)day_n);
  row("raw-tier growth per day (dbstat)", m, "<= 15 MB", raw_day <= 15e6);
  snprintf(m, sizeof m, "%.2f ms (%zu pts, res %d)", q24, pts24, res24);
  row("history 24 h from disk (median)", m, "<= 25 ms", q24 <= 25);
  snprintf(m, sizeof m, "%.2f ms (%zu pts, res %d)", q30, pts30, res30);
  row(quick ? "history 30 d from disk (median; 3 d of data)" : "history 30 d from disk (median)",
      m, "<= 25 ms", q30 <= 25);
  snprintf(m, sizeof m, "%.1f MB", steady / 1e6);
  row("steady-state size, default retention (est.)", m, "bounded", true);
  printf("\nper day: raw %.2f MB, 1-minute tier %.2f MB, 1-hour tier %.3f MB; "
         "one-day file %.2f MB\n", raw_day / 1e6, min_day / 1e6, hour_day / 1e6,
         file_bytes(day_path) / 1e6);
  if (own_dir) {
    for (int i = 0; i < 3; i++) {
      char p[4200];
      snprintf(p, sizeof p, "%s%s", day_path, suffixes[i]);
      unlink(p);
      snprintf(p, sizeof p, "%s%s", month_path, suffixes[i]);
      unlink(p);
    }
    rmdir(db_dir);
  }
  return failures ? 1 : 0;
}
