/* test_store_util.h - helpers shared by the tests/unit/test_store_*.c files:
 * temporary directories, synthetic snapshots, direct SQLite checks. */
#ifndef TEST_STORE_UTIL_H
#define TEST_STORE_UTIL_H

#include <ftw.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model.h"
#include "store/store.h"

static int tsu_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f) {
  (void)st; (void)flag; (void)f;
  return remove(path);
}

/* A fresh directory under /tmp; path gets at most 256 bytes. */
static inline void tsu_mkdtemp(char *path) {
  strcpy(path, "/tmp/hiro-store-test-XXXXXX");
  assert_non_null(mkdtemp(path));
}
static inline void tsu_rmtree(const char *path) { nftw(path, tsu_rm_one, 16, FTW_DEPTH | FTW_PHYS); }

/* Each test's temporary directory and the database path inside it, made by
 * tsu_setup and removed by tsu_teardown (cmocka setup/teardown functions). */
static char tsu_dir[256], tsu_dbpath[512];

static inline int tsu_setup(void **state) {
  (void)state;
  tsu_mkdtemp(tsu_dir);
  snprintf(tsu_dbpath, sizeof tsu_dbpath, "%s/metrics.db", tsu_dir);
  return 0;
}

static inline int tsu_teardown(void **state) {
  (void)state;
  tsu_rmtree(tsu_dir);
  return 0;
}

/* Deterministic pseudo-random numbers (xorshift). */
static inline uint64_t tsu_rand(uint64_t *state) {
  uint64_t x = *state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *state = x;
}
static inline double tsu_uniform(uint64_t *state, double lo, double hi) {
  return lo + (hi - lo) * (double)(tsu_rand(state) >> 11) / 9007199254740992.0;
}

/* A snapshot at timestamp ts with a server process and n_children plugins
 * "plugin-<i>"; values random but representable exactly in the store
 * (percent in hundredths, sizes in pages, whole bytes per second). */
static inline void tsu_snapshot(metrics_snapshot *s, double ts, size_t n_children, uint64_t *rng,
                                bool disk, bool net) {
  memset(s, 0, sizeof *s);
  s->timestamp = ts;
  /* Varies with the time (not the generator, so other values stay as they were). */
  s->sampling.interval_seconds = 1.0 + 0.25 * (double)((int64_t)ts % 5);
  s->cpu.percent = floor(tsu_uniform(rng, 0, 100) * 100) / 100;
  s->cpu.count = 2;
  s->memory.total_bytes = 8ull << 30;
  s->memory.available_bytes = (uint64_t)tsu_uniform(rng, 1, 8) << 30;
  s->memory.percent = floor(tsu_uniform(rng, 0, 100) * 100) / 100;
  s->has_process = true;
  s->process.pid = 1000;
  s->process.cpu_percent = floor(tsu_uniform(rng, 0, 5) * 100) / 100;
  s->process.rss_bytes = 4096 * (uint64_t)tsu_uniform(rng, 1000, 4000);
  s->process.vms_bytes = 4096 * (uint64_t)tsu_uniform(rng, 100000, 900000);
  s->process.num_threads = 4;
  s->process.has_cpu = s->process.has_memory = s->process.has_io = s->process.has_fds = true;
  /* Derived, not drawn: the rng stream (and so every other test's data)
   * stays what it was before these figures existed. */
  s->process.io_read_bytes_per_sec = (double)(s->process.rss_bytes / 64);
  s->process.io_write_bytes_per_sec = (double)(s->process.vms_bytes / 4096);
  s->process.open_fds = 10 + (int)(s->process.rss_bytes / 4096 % 20);
  s->has_disk = disk;
  if (disk) {
    s->disk.total_bytes = 500ull << 30;
    s->disk.used_bytes = (uint64_t)tsu_uniform(rng, 100, 400) << 30;
    s->disk.free_bytes = s->disk.total_bytes - s->disk.used_bytes;
    s->disk.percent = floor(tsu_uniform(rng, 0, 100) * 100) / 100;
    s->disk.read_bytes_per_sec = floor(tsu_uniform(rng, 0, 1e7));
    s->disk.write_bytes_per_sec = floor(tsu_uniform(rng, 0, 1e7));
  }
  s->has_network = net;
  if (net) {
    s->network.bytes_sent_per_sec = floor(tsu_uniform(rng, 0, 1e6));
    s->network.bytes_recv_per_sec = floor(tsu_uniform(rng, 0, 1e6));
    s->network.packets_sent_per_sec = floor(tsu_uniform(rng, 0, 1000) * 100) / 100;
    s->network.packets_recv_per_sec = floor(tsu_uniform(rng, 0, 1000) * 100) / 100;
  }
  s->has_load = s->has_swap = s->has_pressure = true;
  s->load.load1 = floor(tsu_uniform(rng, 0, 4) * 100) / 100;
  s->load.load5 = floor(tsu_uniform(rng, 0, 4) * 100) / 100;
  s->load.load15 = floor(tsu_uniform(rng, 0, 4) * 100) / 100;
  s->load.runnable = 1 + (int)(tsu_rand(rng) % 5);
  s->load.tasks = 300 + (int)(tsu_rand(rng) % 50);
  s->swap.total_bytes = 1ull << 30;
  s->swap.used_bytes = 4096 * (uint64_t)tsu_uniform(rng, 0, 1000);
  s->swap.percent = floor(tsu_uniform(rng, 0, 100) * 100) / 100;
  s->swap.in_bytes_per_sec = floor(tsu_uniform(rng, 0, 1e5));
  s->swap.out_bytes_per_sec = floor(tsu_uniform(rng, 0, 1e5));
  double *psi = &s->pressure.cpu_some_avg10;
  for (size_t k = 0; k < sizeof s->pressure / sizeof *psi; k++)
    psi[k] = floor(tsu_uniform(rng, 0, 20) * 100) / 100;
  snapshot_set_children(s, n_children);
  for (size_t i = 0; i < n_children; i++) {
    child_process_metrics *c = &s->children[i];
    snprintf(c->name, sizeof c->name, "plugin-%zu", i);
    c->pid = 2000 + (int)i;
    c->alive = tsu_rand(rng) % 10 != 0;
    /* A plugin that is down has only alive and down_seconds: the rest is
     * not measured (NULL), never zero. */
    c->has_cpu = c->has_memory = c->has_tree_cpu = c->has_tree = c->alive;
    c->has_io = c->has_fds = c->alive;
    c->down_seconds = c->alive ? 0 : 1.0;
    if (!c->alive) continue;
    c->cpu_percent = floor(tsu_uniform(rng, 0, 50) * 100) / 100;
    c->rss_bytes = 4096 * (uint64_t)tsu_uniform(rng, 100, 3000);
    c->vms_bytes = 4096 * (uint64_t)tsu_uniform(rng, 10000, 90000);
    c->num_threads = 1 + (int)(tsu_rand(rng) % 8);
    c->tree.cpu_percent = c->cpu_percent + floor(tsu_uniform(rng, 0, 50) * 100) / 100;
    c->tree.rss_bytes = c->rss_bytes + 4096 * (uint64_t)tsu_uniform(rng, 0, 3000);
    c->tree.num_threads = c->num_threads + (int)(tsu_rand(rng) % 8);
    c->tree.processes = 1 + (int)(tsu_rand(rng) % 4);
    c->io_read_bytes_per_sec = (double)(c->rss_bytes / 128);
    c->io_write_bytes_per_sec = (double)(c->vms_bytes / 8192);
    c->open_fds = 3 + (int)(c->rss_bytes / 4096 % 10);
  }
}

static inline void tsu_free_all(metrics_snapshot *v, size_t n) {
  for (size_t i = 0; i < n; i++) snapshot_free(&v[i]);
  free(v);
}

static inline sqlite3 *tsu_db(const char *path) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  return db;
}

/* First column of the first row as int64 (0 for no row / NULL). */
static inline int64_t tsu_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "SQL error: %s in %s\n", sqlite3_errmsg(db), sql);
    fail();
  }
  int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
  sqlite3_finalize(st);
  return v;
}

/* PRAGMA integrity_check says "ok". */
static inline void tsu_assert_intact(sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
  sqlite3_finalize(st);
}

static inline void tsu_exec(sqlite3 *db, const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    fprintf(stderr, "SQL error: %s in %s\n", msg, sql);
    sqlite3_free(msg);
    fail();
  }
}

/* Retention that never deletes anything: synthetic timestamps may be old. */
static const store_retention tsu_keep_all = {1e7, 1e7, 1e7};

static inline store *tsu_open(const char *path, const store_retention *r) {
  store *s = NULL;
  char err[512] = "";
  hiro_err rc = store_open(path, r, &s, err, sizeof err);
  if (rc != HIRO_OK) fprintf(stderr, "store_open: %s\n", err);
  assert_int_equal(rc, HIRO_OK);
  return s;
}

/* The writer commits every record at once (metrics_flush_interval 0), for
 * tests that watch each write happen. */
static inline void tsu_commit_each(store *s) {
  const store_commit_policy each = {.max_delay = 0, .max_bytes = 1, .max_items = 1};
  store_set_commit_policy(s, &each);
}

#endif
