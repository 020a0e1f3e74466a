/* store_internal.h - the store's private state, shared by the files of
 * src/store/ only (open/migrate, write path, rollups, writer thread, queries).
 * Nothing outside src/store/ includes this header. */
#ifndef HIRO_STORE_INTERNAL_H
#define HIRO_STORE_INTERNAL_H
#include <pthread.h>
#include <sqlite3.h>
#include <sys/types.h>

#include "model/columns.h"
#include "store/store.h"

/* Numeric columns of raw_system and raw_process (after ts_ms, process_id),
 * in the order of model/columns.h; the rollup tables have <column>_avg/_min/
 * _max for each and a sample count per presence group. */
enum { SYS_FIELDS = MODEL_SYS_COLUMNS, PROC_FIELDS = MODEL_PROC_COLUMNS };
/* raw_process rows per INSERT statement (one VDBE run per snapshot). */
enum { PROC_MULTI = 16 };

/* One snapshot as stored: scaled integers (model_stored). */
typedef struct {
  int64_t v[SYS_FIELDS];
  bool present[MODEL_SYS_GROUPS];
} sys_row;
typedef struct {
  int64_t v[PROC_FIELDS];
  bool present[MODEL_PROC_GROUPS];
} proc_row;

void store_encode_system(const metrics_snapshot *snap, sys_row *row);
void store_encode_process(const process_metrics *p, proc_row *row);
/* Rebuild snapshot fields from stored values (doubles: rollup averages are
 * fractional); present[g] says whether presence group g has values. */
void store_decode_system(const double v[SYS_FIELDS], const bool present[MODEL_SYS_GROUPS],
                         metrics_snapshot *snap);
/* present[g]: whether process group g has values (NULL columns otherwise). */
void store_decode_process(const double v[PROC_FIELDS], const bool present[MODEL_PROC_GROUPS],
                          int pid, process_metrics *p);

/* Bucket widths of the rollup tiers (store.h): index 0 = 1 minute, 1 = 1 hour. */
enum { TIERS = STORE_TIERS };
extern const char *const store_tier_suffix[TIERS]; /* "1m", "1h" */

/* In-memory accumulator of one open bucket. Sums are doubles: the largest
 * (disk bytes x 1800 samples) stay far inside 2^53 relative precision needs. */
typedef struct {
  int64_t n[MODEL_SYS_GROUPS]; /* samples per presence group */
  double sum[SYS_FIELDS];
  double total[SYS_FIELDS]; /* rates only: sum of value x interval seconds */
  int64_t min[SYS_FIELDS], max[SYS_FIELDS];
} sys_acc;
typedef struct {
  int64_t name_id;
  int pid; /* last pid seen */
  int64_t n[MODEL_PROC_GROUPS]; /* samples per presence group */
  double sum[PROC_FIELDS];
  int64_t min[PROC_FIELDS], max[PROC_FIELDS];
} proc_acc;
typedef struct {
  bool open;
  int64_t bucket;     /* Unix seconds */
  int64_t max_ts_ms;  /* newest raw row in this bucket (watermark on flush) */
  sys_acc sys;
  proc_acc *procs;
  size_t n_procs, cap_procs;
} tier_acc;

/* Process-instance cache: (kind, name, pid) -> process.id. Append-only, so a
 * rolled-back transaction is undone by truncating to the earlier length. */
typedef struct {
  int kind; /* 0 server, 1 channel plugin */
  int pid;
  char name[HIRO_NAME_MAX];
  int64_t process_id, name_id;
} proc_cache_entry;

/* Application-metrics statements and state of the writer (app_store.c). */
typedef struct app_store app_store;
struct app_frame;

/* A read-only connection with its prepared statements (query.c). */
typedef struct store_reader store_reader;

struct store {
  char path[4096];
  store_retention retention;
  dev_t dev;
  ino_t ino; /* identity of the file we opened: detects deletion/replacement */

  /* ---- writer connection: used under db_lock (the writer thread, or
   * store_write_batch from the caller's thread) ---- */
  pthread_mutex_t db_lock;
  sqlite3 *db;
  sqlite3_stmt *st_insert_system;
  /* raw_process inserts of 1..PROC_MULTI rows in one statement (prepared on
   * first use): one VDBE run per snapshot instead of one per process. */
  sqlite3_stmt *st_insert_process[PROC_MULTI + 1];
  sqlite3_stmt *st_find_name, *st_insert_name, *st_find_process, *st_insert_process_row;
  sqlite3_stmt *st_set_meta;
  sqlite3_stmt *st_upsert_sys[TIERS], *st_upsert_proc[TIERS];
  sqlite3_stmt *st_oldest_raw;
  sqlite3_stmt *st_begin, *st_commit; /* prepared once: one transaction per tick */
  proc_cache_entry *cache;
  size_t n_cache, cap_cache;
  app_store *app; /* application metrics (app_store.c) */
  tier_acc tier[TIERS];
  int64_t watermark_ms[TIERS];
  /* Changes made by the open transaction, applied to the counters below at
   * commit and discarded on rollback. */
  int64_t tx_rows_raw, tx_rows_tier[TIERS];
  int64_t tx_min_ts_ms;
  char werr[256]; /* detail of the last failed write */

  /* ---- shared state, guarded by lock ---- */
  pthread_mutex_t lock;
  pthread_cond_t work;  /* writer: something to do */
  pthread_cond_t done;  /* flush/maintain waiters: progress */
  pthread_t thread;
  bool thread_started, stop;
  metrics_snapshot *queue;
  uint64_t *queue_seq;
  size_t queue_cap, queue_head, queue_count;
  metrics_snapshot *held; /* writer's batch, oldest first: moved out of queue */
  uint64_t *held_seq;
  size_t held_count;
  uint64_t next_seq, done_seq;
  uint64_t dropped, written;
  uint64_t maintain_req, maintain_done;
  int64_t rows_raw, rows_tier[TIERS];
  int64_t oldest_raw_ms; /* INT64_MAX when empty */
  bool has_error;
  char last_error[256];

  /* ---- read-only connection pool (query.c) ---- */
  pthread_mutex_t pool_lock;
  store_reader *readers[4];
  bool reader_busy[4];
  unsigned reader_gen; /* bumped when the database file is reopened */
};

/* write.c: the write path, shared by the writer thread and store_write_batch.
 * Writes snaps in one transaction including closed rollup buckets; on failure
 * everything (rows, rollup accumulators, caches) is as before and s->werr says
 * why. Called with s->lock NOT held. */
hiro_err store_write_txn(store *s, const metrics_snapshot *snaps, size_t n) HIRO_MUST_USE;
/* Apply the committed transaction's counter changes (takes s->lock). */
void store_commit_counters(store *s);
hiro_err store_prepare_write(store *s, char *err, size_t errlen) HIRO_MUST_USE;
void store_finalize_write(store *s);
/* Record sqlite's message for the writer connection into s->werr. */
void store_set_werr(store *s, const char *what);

/* rollup.c */
hiro_err store_rollup_prepare(store *s) HIRO_MUST_USE;
/* Add one stored snapshot to the open buckets, upserting buckets it closes.
 * Must run inside the write transaction. */
hiro_err store_rollup_add(store *s, int64_t ts_ms, const sys_row *sys, const int64_t *name_ids,
                          const int *pids, const proc_row *procs, size_t n_procs) HIRO_MUST_USE;
/* Upsert the open buckets of every tier whose end is <= now_s (all when
 * now_s is INT64_MAX). Inside a transaction. */
hiro_err store_rollup_flush(store *s, int64_t now_s) HIRO_MUST_USE;
bool store_rollup_has_open(const store *s);
/* Roll raw rows newer than the watermarks into the rollup tables with SQL
 * aggregates (start-up catch-up), in its own transaction. */
hiro_err store_rollup_catch_up(store *s, char *err, size_t errlen) HIRO_MUST_USE;
void store_rollup_save(const store *s, tier_acc saved[TIERS]);
void store_rollup_restore(store *s, tier_acc saved[TIERS]);
void store_rollup_free(tier_acc t[TIERS]);

/* writer.c */
hiro_err store_writer_start(store *s) HIRO_MUST_USE;
void store_writer_stop(store *s);
/* One retention pass: delete at most a small batch per tier of rows older
 * than retention as of now_s. Sets *more when a tier had a full batch.
 * Own transaction. */
hiro_err store_retention_step(store *s, double now_s, bool *more) HIRO_MUST_USE;

/* query.c */
void store_readers_close(store *s);
/* Retire every pooled reader (idle ones now, busy ones when given back): the
 * database file was replaced. */
void store_readers_invalidate(store *s);
/* store.c: the file at s->path was deleted or replaced while open: close the
 * writer connection and open (creating and migrating if needed) what is at
 * the path now. Writer thread only. On failure s->db is NULL and err says
 * why; call again later. */
hiro_err store_reopen(store *s, char *err, size_t errlen) HIRO_MUST_USE;

/* app_store.c: application metrics, written with the snapshot that carries
 * them. Prepare/finalize with the other write statements; write inside the
 * snapshot's transaction (raw rows, then the buckets they close); roll
 * completes buckets that ended by now_s (INT64_MAX: everything, the newest
 * bucket included), in the caller's transaction; rollback forgets what the
 * failed transaction's state cached; retention deletes rows past the cuts. */
hiro_err store_app_prepare(store *s) HIRO_MUST_USE;
void store_app_finalize(store *s);
hiro_err store_app_write(store *s, int64_t ts_ms, const struct app_frame *f) HIRO_MUST_USE;
hiro_err store_app_roll(store *s, int64_t now_s) HIRO_MUST_USE;
void store_app_rollback(store *s);
hiro_err store_app_retention(store *s, int64_t raw_cut_ms, const int64_t cut_s[TIERS]) HIRO_MUST_USE;

#endif
