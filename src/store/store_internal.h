/* store_internal.h - the store's private state, shared by the files of
 * src/store/ only. Nothing outside src/store/ includes this header.
 *
 * Layers, each depending only on those above it:
 *   codec.c      snapshot <-> stored row values (model/columns.h)
 *   txn.c        one write transaction: begin/commit/rollback, its counters,
 *                and the in-memory state a rollback must put back
 *   rollup.c     open-bucket accumulators, their upserts, start-up catch-up
 *   write.c      raw rows of snapshots and events inside a transaction
 *   retention.c  deleting old rows in small batches, returning pages
 *   db.c         the writer connection: identify, migrate, prepare, reopen
 *   queue.c      the bounded record queue between producers and the writer
 *   query.c      read-only connections: history, recent rows
 *   events.c     reading lifecycle events
 *   list_store.c filesystems, disks, interfaces (rows written with the
 *                snapshot; rollups computed from the rows they cover)
 *   app_store.c, app_query.c  application metrics (rows written with the
 *                snapshot that carries them; their own history reads)
 *   writer.c     the writer thread: commit policy, retries, housekeeping
 *   store.c      store_open / store_close / status
 */
#ifndef HIRO_STORE_INTERNAL_H
#define HIRO_STORE_INTERNAL_H
#include <pthread.h>
#include <sqlite3.h>
#include <sys/types.h>

#include "model/columns.h"
#include "store/store.h"

/* Lock order: db_lock, then lock, then pool_lock. A thread holding a later
 * lock never waits for an earlier one. db_lock is held across disk work
 * (a transaction); lock and pool_lock only for memory updates, so producers
 * (store_enqueue) and readers never wait on disk. */

/* Numeric columns of raw_system and raw_process (after ts_ms, process_id),
 * in the order of model/columns.h; the rollup tables have <column>_avg/_min/
 * _max for each and a sample count per presence group. */
enum { SYS_FIELDS = MODEL_SYS_COLUMNS, PROC_FIELDS = MODEL_PROC_COLUMNS };
/* raw_process rows per INSERT statement (one VDBE run per snapshot). */
enum { PROC_MULTI = 16 };
/* PRAGMA application_id of every hirocli metrics database ("Hiro"), set by
 * migration 0009; files from before it are recognised by their tables. */
enum { STORE_APPLICATION_ID = 0x4869726F };
/* The last schema version from before the mark. */
enum { STORE_LAST_UNMARKED_VERSION = 8 };

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

/* The rollup tiers (widths: store_tier_seconds in store.h): table suffix and
 * meta key of the watermark (newest raw ts_ms rolled up). Index 0 = 1
 * minute, 1 = 1 hour. */
enum { TIERS = STORE_TIERS };
typedef struct {
  const char *suffix;   /* "1m": system_1m, process_1m */
  const char *meta_key; /* "rollup_1m_ms" */
} store_tier;
extern const store_tier store_tiers[TIERS];

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
  int pid;                      /* last pid seen */
  int64_t n[MODEL_PROC_GROUPS]; /* samples per presence group */
  double sum[PROC_FIELDS];
  int64_t min[PROC_FIELDS], max[PROC_FIELDS];
} proc_acc;
typedef struct {
  bool open;
  int64_t bucket;    /* Unix seconds */
  int64_t max_ts_ms; /* newest raw row in this bucket (watermark on flush) */
  sys_acc sys;
  proc_acc *procs;
  size_t n_procs, cap_procs;
} tier_acc;

/* Process-instance cache: (kind, name, pid) -> process.id. Append-only, so a
 * rolled-back transaction is undone by truncating to the earlier length. */
typedef struct {
  int kind; /* 0 server, 1 plugin */
  int pid;
  char name[HIRO_NAME_MAX];
  int64_t process_id, name_id;
} proc_cache_entry;

/* Application-metrics statements and state of the writer (app_store.c). */
typedef struct app_store app_store;
/* Statements and state of the system lists' writer (list_store.c). */
typedef struct list_store list_store;
struct app_frame;

/* ---- the record queue (queue.c) ---- */

typedef enum { REC_SNAPSHOT = 1, REC_EVENT } record_kind;
typedef struct {
  record_kind kind;
  uint64_t seq;     /* 1, 2, ... in queue order */
  double queued_at; /* clock_mono() at enqueue: the commit deadline counts from here */
  size_t bytes;     /* estimated bytes its rows take in the file */
  union {
    metrics_snapshot snap; /* REC_SNAPSHOT: owned */
    hiro_event *event;     /* REC_EVENT: owned (heap: events are rare and large) */
  } u;
} store_record;

/* Records in queue order. One bound on the depth: queued + in the writer's
 * batch <= cap. The writer moves the oldest records into its batch for one
 * transaction ("in flight": it reads them without the lock); an overflow
 * while they are in flight dooms the oldest of them (counted as dropped, and
 * freed if the transaction fails, un-counted if it commits) instead of
 * touching them. The batch is empty between transactions: a failed one is
 * put back in front. Guarded by store.lock. */
typedef struct {
  store_record *ring;
  size_t cap, ring_alloc, head, count;
  store_record *batch; /* the writer's, oldest first; non-empty only in flight */
  size_t batch_cap, batch_count, batch_doomed;
  size_t queued_bytes; /* sum of .bytes over ring */
  uint64_t next_seq;   /* last seq handed out */
  uint64_t flush_seq;  /* commit up to this one now (store_flush, reads) */
  uint64_t dropped[REC_EVENT + 1], written[REC_EVENT + 1]; /* by record_kind */
} record_queue;

void queue_init(record_queue *q, size_t cap, size_t batch_cap);
void queue_free(record_queue *q);
/* Append rec (ownership moves), dropping the oldest record when full.
 * Returns the new record's seq. */
uint64_t queue_push(record_queue *q, store_record *rec);
/* Records waiting (queued + in the batch, minus doomed ones). */
size_t queue_depth(const record_queue *q);
/* The oldest queued record (not in the batch), or NULL. */
const store_record *queue_oldest(const record_queue *q);
/* Seq of the oldest record not yet committed or dropped; UINT64_MAX when
 * none: everything up to seq X is done once this is > X. */
uint64_t queue_oldest_seq(const record_queue *q);
/* Move up to batch_cap of the oldest records into q->batch and mark them in
 * flight. Returns how many. */
size_t queue_take(record_queue *q);
/* The batch's transaction committed (ok) or failed: count and free it, or
 * put it back in front of the queue (minus doomed records). */
void queue_finish(record_queue *q, bool ok);
void record_free(store_record *rec);

/* ---- the store ---- */

/* A read-only connection with its prepared statements (query.c). */
typedef struct store_reader store_reader;
/* Pooled read-only connections: concurrent history reads beyond this open a
 * temporary connection. */
enum { STORE_READERS = 4 };

/* Statements of the writer connection, prepared when it opens. */
typedef struct {
  sqlite3_stmt *begin, *commit, *rollback; /* prepared once: one transaction per commit */
  sqlite3_stmt *insert_system;
  /* raw_process inserts of 1..PROC_MULTI rows in one statement (prepared on
   * first use): one VDBE run per snapshot instead of one per process. */
  sqlite3_stmt *insert_process[PROC_MULTI + 1];
  sqlite3_stmt *find_name, *insert_name, *find_process, *insert_process_row;
  sqlite3_stmt *insert_event;
  sqlite3_stmt *set_meta;
  sqlite3_stmt *upsert_sys[TIERS], *upsert_proc[TIERS];
  sqlite3_stmt *oldest_raw;
} write_stmts;

/* Which file a path names: device and inode (0 = none). */
typedef struct {
  dev_t dev;
  ino_t ino;
} file_id;

struct store {
  char path[4096];
  store_retention retention;

  /* ---- writer connection and what belongs to the file it has open: used
   * under db_lock (the writer thread, or store_write_batch from the caller's
   * thread). Reopening a file drops all of it. ---- */
  pthread_mutex_t db_lock;
  sqlite3 *db;
  write_stmts stmt;
  proc_cache_entry *cache;
  size_t n_cache, cap_cache;
  app_store *app;    /* application metrics (app_store.c) */
  list_store *lists; /* filesystems, disks, interfaces (list_store.c) */
  tier_acc tier[TIERS];
  int64_t watermark_ms[TIERS];
  file_id wal;    /* the -wal our connection uses: removed if it outlives a replaced file */
  char werr[256]; /* detail of the last failed write */

  /* ---- shared state, guarded by lock ---- */
  pthread_mutex_t lock;
  pthread_cond_t work; /* writer: something to do */
  pthread_cond_t done; /* flush/maintain waiters: progress */
  pthread_t thread;
  bool thread_started, stop;
  record_queue queue;
  store_commit_policy policy;
  uint64_t maintain_req, maintain_done;
  int64_t rows_raw, rows_tier[TIERS];
  int64_t oldest_raw_ms; /* INT64_MAX when empty */
  bool has_error;
  char last_error[256];
  file_id file;           /* the database file the writer has open (set by db.c) */
  event_sink_fn on_event; /* storage_error / storage_recovered (writer thread) */
  void *on_event_ctx;
  bool reopen_req; /* a reader found the path naming another file */

  /* ---- read-only connection pool (query.c), guarded by pool_lock ---- */
  pthread_mutex_t pool_lock;
  store_reader *readers[STORE_READERS];
  bool reader_busy[STORE_READERS];
  unsigned reader_gen; /* bumped when the database file is reopened */
};

/* ---- txn.c: one write transaction ---- */

/* What a transaction changes besides the file: the status counters it adds
 * at commit, and the in-memory state (rollup accumulators, process-id cache)
 * a rollback restores. */
typedef struct {
  store *s;
  tier_acc saved[TIERS];
  size_t cache_len;
  int64_t rows_raw, rows_tier[TIERS]; /* rows added (or, negative, deleted) */
  int64_t min_new_ts_ms;              /* oldest raw row inserted; INT64_MAX = none */
  bool oldest_changed;                /* retention deleted raw rows: ... */
  int64_t oldest_after;               /* ... and this is the oldest left */
} store_txn;

/* BEGIN IMMEDIATE on the writer connection (db_lock held). On failure
 * s->werr says why and nothing is open. */
hiro_err txn_begin(store *s, store_txn *tx) HIRO_MUST_USE;
/* COMMIT and add the counters to the status; on failure roll back (the
 * in-memory state is as before txn_begin) and s->werr says why. */
hiro_err txn_commit(store_txn *tx) HIRO_MUST_USE;
/* Undo everything since txn_begin, in the file and in memory. */
void txn_rollback(store_txn *tx);
/* Record sqlite's message for the writer connection into s->werr. */
void txn_set_error(store *s, const char *what);
/* Run a statement to completion and reset it; s->werr on failure. */
hiro_err txn_step(store *s, sqlite3_stmt *stmt, const char *what) HIRO_MUST_USE;

/* ---- rollup.c ---- */

hiro_err rollup_prepare(store *s) HIRO_MUST_USE;
/* Add one stored snapshot to the open buckets, upserting buckets it closes. */
hiro_err rollup_add(store_txn *tx, int64_t ts_ms, const sys_row *sys, const int64_t *name_ids,
                    const int *pids, const proc_row *procs, size_t n_procs) HIRO_MUST_USE;
/* Upsert the open buckets of every tier whose end is <= now_s (all when
 * now_s is INT64_MAX). */
hiro_err rollup_flush(store_txn *tx, int64_t now_s) HIRO_MUST_USE;
/* Whether a bucket is open; *end_s gets the earliest end of an open one. */
bool rollup_has_open(const store *s, int64_t *end_s);
/* Roll raw rows newer than the watermarks into the rollup tables with SQL
 * aggregates (start-up catch-up), in its own transaction. */
hiro_err rollup_catch_up(store *s, char *err, size_t errlen) HIRO_MUST_USE;
void rollup_save(const tier_acc from[TIERS], tier_acc to[TIERS]);
/* Release the accumulators and close every bucket (their samples are lost:
 * only for a rollback's copy, shutdown, or a file that is gone). */
void rollup_free(tier_acc t[TIERS]);

/* ---- write.c ---- */

hiro_err write_prepare(store *s) HIRO_MUST_USE;
void write_finalize(store *s);
/* Raw rows (and rollup feed) of one record inside tx. */
hiro_err write_record(store_txn *tx, const store_record *rec) HIRO_MUST_USE;

/* ---- retention.c ---- */

/* One retention pass inside tx: at most a small batch per table of rows
 * older than retention as of now_s. Sets *more when a table had a full batch. */
hiro_err retention_step(store_txn *tx, double now_s, bool *more) HIRO_MUST_USE;
/* Return free pages to the file system: all of them (all) or, when the free
 * list has grown past a share of the file, a step of them. Outside a
 * transaction. */
void retention_vacuum(store *s, bool all);

/* ---- db.c: the writer connection ---- */

/* Open the writer connection at s->path (identify, migrate, prepare, load
 * counters and watermarks). On failure nothing is open and err says why;
 * a file that is not ours, or is newer, is left byte for byte untouched. */
hiro_err db_open(store *s, char *err, size_t errlen) HIRO_MUST_USE;
void db_close(store *s);
/* Whether the file at s->path is no longer the one the writer has open
 * (deleted or replaced). Any thread. */
bool db_file_gone(store *s);
/* The file at s->path was deleted or replaced while open: drop everything
 * that belonged to the old file (connection, readers, open rollup buckets,
 * id caches) and open what is at the path now, creating it if needed. */
hiro_err db_reopen(store *s, char *err, size_t errlen) HIRO_MUST_USE;

/* ---- query.c ---- */

/* A pooled read-only connection (or a temporary one when all are busy);
 * NULL when the database cannot be opened. Give it back with
 * reader_release. */
store_reader *reader_acquire(store *s, int *slot);
void reader_release(store *s, store_reader *r, int slot);
sqlite3 *reader_db(store_reader *r);
void store_readers_close(store *s);
/* Retire every pooled reader (idle ones now, busy ones when given back): the
 * database file was replaced. */
void store_readers_invalidate(store *s);

/* ---- writer.c ---- */

hiro_err writer_start(store *s) HIRO_MUST_USE;
void writer_stop(store *s);
/* Commit queued records now when one of them is older than `to` (a read
 * needs it); bounded wait, none while writes are failing. */
void writer_sync_for_read(store *s, double to);
/* Make the writer re-evaluate its deadlines now (tests with a fake clock). */
void writer_wake(store *s);
/* Ask the writer to reopen the database now: the path names another file
 * (a reader found it replaced). */
void writer_request_reopen(store *s);

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
hiro_err store_app_retention(store *s, int64_t raw_cut_ms,
                             const int64_t cut_s[TIERS]) HIRO_MUST_USE;

/* list_store.c: the system context's lists (model_lists), written with the
 * snapshot that carries them; rollups computed from the rows they cover. */
hiro_err store_lists_prepare(store *s) HIRO_MUST_USE;
void store_lists_finalize(store *s);
hiro_err store_lists_write(store *s, int64_t ts_ms, const metrics_snapshot *snap) HIRO_MUST_USE;
/* Complete the buckets closed by now_s (INT64_MAX: every bucket, the newest
 * included, at shutdown). Inside a transaction. */
hiro_err store_lists_roll(store *s, int64_t now_s) HIRO_MUST_USE;
void store_lists_rollback(store *s);
hiro_err store_lists_retention(store *s, int64_t raw_cut_ms,
                               const int64_t cut_s[TIERS]) HIRO_MUST_USE;

#endif
