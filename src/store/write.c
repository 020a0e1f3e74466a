/* write.c - the write path inside a transaction: raw rows of a snapshot
 * (with the process-instance cache and the rollup feed) or of an event; and
 * store_write_batch, the synchronous bulk path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "appmetrics/app_frame.h"
#include "common/strbuf.h"
#include "store/store_internal.h"

/* Snapshots per transaction of store_write_batch: bounds the WAL (and the
 * memory a rollback needs) during a backfill. */
enum { BATCH_TXN_SNAPSHOTS = 20000 };
/* Bound parameters per raw_process row: process_id and the columns. */
enum { ROW_PARAMS = 1 + PROC_FIELDS };
/* A wall clock stepped back makes a snapshot's ts_ms collide with one already
 * stored; it moves 1 ms later per try. This many tries (100 s of taken
 * milliseconds) before it counts as an error rather than a collision. */
enum { TS_COLLISION_TRIES = 100000 };
/* Process rows per snapshot kept on the stack; more take the heap. */
enum { STACK_PROCS = 32 };

static int prepare(store *s, const char *sql, sqlite3_stmt **stmt) {
  return sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL);
}

hiro_err write_prepare(store *s) {
  write_stmts *w = &s->stmt;
  strbuf sql;
  sb_init(&sql, 1024);
  sb_puts(&sql, "INSERT INTO raw_system(ts_ms");
  for (int i = 0; i < SYS_FIELDS; i++) sb_printf(&sql, ",%s", model_sys_columns[i].db);
  sb_puts(&sql, ") VALUES(?1");
  for (int i = 0; i < SYS_FIELDS; i++) sb_printf(&sql, ",?%d", i + 2);
  sb_putc(&sql, ')');
  int rc = prepare(s, sql.data, &w->insert_system);
  sb_free(&sql);
  if (rc != SQLITE_OK ||
      prepare(s, "SELECT id FROM process_name WHERE kind=?1 AND name=?2", &w->find_name) ||
      prepare(s, "INSERT INTO process_name(kind, name) VALUES(?1, ?2)", &w->insert_name) ||
      prepare(s, "SELECT id FROM process WHERE name_id=?1 AND pid=?2", &w->find_process) ||
      prepare(s, "INSERT INTO process(name_id, pid) VALUES(?1, ?2)", &w->insert_process_row) ||
      prepare(s,
              "INSERT INTO events(ts_ms, kind, process, pid, detail, exit_code, signal,"
              " errno, cpu_seconds, lifetime_seconds, delay_seconds)"
              " VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
              &w->insert_event) ||
      prepare(s,
              "INSERT INTO meta(key, value) VALUES(?1, ?2) "
              "ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
              &w->set_meta) ||
      prepare(s, "SELECT min(ts_ms) FROM raw_system", &w->oldest_raw) ||
      prepare(s, "BEGIN IMMEDIATE", &w->begin) || prepare(s, "COMMIT", &w->commit) ||
      prepare(s, "ROLLBACK", &w->rollback) || rollup_prepare(s) != HIRO_OK ||
      store_app_prepare(s) != HIRO_OK || store_lists_prepare(s) != HIRO_OK) {
    txn_set_error(s, "preparing statements");
    return HIRO_EIO;
  }
  return HIRO_OK;
}

void write_finalize(store *s) {
  store_app_finalize(s);
  store_lists_finalize(s);
  /* write_stmts holds nothing but statement pointers. */
  sqlite3_stmt **all = (sqlite3_stmt **)&s->stmt;
  for (size_t i = 0; i < sizeof s->stmt / sizeof *all; i++) sqlite3_finalize(all[i]);
  memset(&s->stmt, 0, sizeof s->stmt);
}

/* Look up or insert a row; returns its id or -1 (s->werr set). */
static int64_t find_or_insert(store *s, sqlite3_stmt *find, sqlite3_stmt *insert, int64_t key,
                              const char *name, int64_t key2) {
  for (int pass = 0; pass < 2; pass++) {
    sqlite3_stmt *stmt = pass == 0 ? find : insert;
    sqlite3_bind_int64(stmt, 1, key);
    if (name)
      sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
    else
      sqlite3_bind_int64(stmt, 2, key2);
    int rc = sqlite3_step(stmt);
    int64_t id =
        rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : sqlite3_last_insert_rowid(s->db);
    sqlite3_reset(stmt);
    if (pass == 0 && rc == SQLITE_ROW) return id;
    if (pass == 1 && rc == SQLITE_DONE) return id;
    if (rc != SQLITE_DONE) {
      txn_set_error(s, "looking up a process");
      return -1;
    }
  }
  return -1;
}

/* process.id and process_name.id for (kind, name, pid); -1 on error. */
static int64_t process_id(store *s, int kind, const char *name, int pid, int64_t *name_id) {
  for (size_t i = 0; i < s->n_cache; i++) {
    proc_cache_entry *e = &s->cache[i];
    if (e->pid == pid && e->kind == kind && strcmp(e->name, name) == 0) {
      *name_id = e->name_id;
      return e->process_id;
    }
  }
  int64_t nid = -1;
  for (size_t i = 0; i < s->n_cache && nid < 0; i++)
    if (s->cache[i].kind == kind && strcmp(s->cache[i].name, name) == 0) nid = s->cache[i].name_id;
  if (nid < 0) nid = find_or_insert(s, s->stmt.find_name, s->stmt.insert_name, kind, name, 0);
  if (nid < 0) return -1;
  int64_t pidrow =
      find_or_insert(s, s->stmt.find_process, s->stmt.insert_process_row, nid, NULL, pid);
  if (pidrow < 0) return -1;
  if (s->n_cache == s->cap_cache) {
    s->cap_cache = s->cap_cache ? 2 * s->cap_cache : 32;
    s->cache = xrealloc(s->cache, s->cap_cache * sizeof *s->cache);
  }
  proc_cache_entry *e = &s->cache[s->n_cache++];
  e->kind = kind;
  e->pid = pid;
  hiro_strlcpy(e->name, name, sizeof e->name);
  e->process_id = pidrow;
  e->name_id = nid;
  *name_id = nid;
  return pidrow;
}

/* Insert the raw_system row; a timestamp already taken (the wall clock
 * stepped back) moves 1 ms later until free. Returns the stored ts_ms or -1. */
static int64_t insert_system(store *s, int64_t ts_ms, const sys_row *row) {
  sqlite3_stmt *stmt = s->stmt.insert_system;
  for (int i = 0; i < SYS_FIELDS; i++) {
    if (!row->present[model_sys_columns[i].group])
      sqlite3_bind_null(stmt, i + 2);
    else
      sqlite3_bind_int64(stmt, i + 2, row->v[i]);
  }
  for (int attempt = 0; attempt < TS_COLLISION_TRIES; attempt++, ts_ms++) {
    sqlite3_bind_int64(stmt, 1, ts_ms);
    int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc == SQLITE_DONE) return ts_ms;
    if (sqlite3_extended_errcode(s->db) != SQLITE_CONSTRAINT_PRIMARYKEY) break;
  }
  txn_set_error(s, "inserting a snapshot");
  return -1;
}

/* Insert k (1..PROC_MULTI) raw_process rows at ts_ms in one statement. */
static hiro_err insert_processes(store *s, int64_t ts_ms, const int64_t *pid_rows,
                                 const proc_row *rows, size_t k) {
  sqlite3_stmt **slot = &s->stmt.insert_process[k];
  if (!*slot) {
    /* OR REPLACE: two children with the same name and pid in one snapshot
     * (a collector bug) must not fail the whole batch. */
    strbuf sql;
    sb_init(&sql, 4096);
    sb_puts(&sql, "INSERT OR REPLACE INTO raw_process(ts_ms,process_id");
    for (int i = 0; i < PROC_FIELDS; i++) sb_printf(&sql, ",%s", model_proc_columns[i].db);
    sb_puts(&sql, ") VALUES");
    for (size_t r = 0; r < k; r++) {
      size_t first = 2 + ROW_PARAMS * r;
      sb_printf(&sql, "%s(?1,?%zu", r ? "," : "", first);
      for (int i = 0; i < PROC_FIELDS; i++) sb_printf(&sql, ",?%zu", first + 1 + (size_t)i);
      sb_putc(&sql, ')');
    }
    int prc = prepare(s, sql.data, slot);
    sb_free(&sql);
    if (prc != SQLITE_OK) {
      txn_set_error(s, "preparing a process insert");
      return HIRO_EIO;
    }
  }
  sqlite3_stmt *stmt = *slot;
  sqlite3_bind_int64(stmt, 1, ts_ms);
  for (size_t r = 0; r < k; r++) {
    int first = (int)(2 + ROW_PARAMS * r);
    sqlite3_bind_int64(stmt, first, pid_rows[r]);
    for (int i = 0; i < PROC_FIELDS; i++) {
      if (rows[r].present[model_proc_columns[i].group])
        sqlite3_bind_int64(stmt, first + 1 + i, rows[r].v[i]);
      else
        sqlite3_bind_null(stmt, first + 1 + i); /* not measured: NULL, never 0 */
    }
  }
  return txn_step(s, stmt, "inserting process rows");
}

/* Wall-clock seconds as stored (Unix milliseconds); out-of-range as 0. */
static int64_t stored_ms(double seconds) {
  double ms = seconds * 1000.0;
  return ms > 0 && ms < 9e15 ? (int64_t)(ms + 0.5) : 0;
}

static hiro_err write_snapshot(store_txn *tx, const metrics_snapshot *snap) {
  store *s = tx->s;
  sys_row sys;
  store_encode_system(snap, &sys);
  int64_t ts_ms = insert_system(s, stored_ms(snap->timestamp), &sys);
  if (ts_ms < 0) return HIRO_EIO;
  tx->rows_raw++;
  if (ts_ms < tx->min_new_ts_ms) tx->min_new_ts_ms = ts_ms;

  size_t n = snap->n_children + (snap->has_process ? 1 : 0);
  int64_t name_ids_stack[STACK_PROCS], pid_rows_stack[STACK_PROCS];
  int pids_stack[STACK_PROCS];
  proc_row rows_stack[STACK_PROCS];
  bool heap = n > STACK_PROCS;
  int64_t *name_ids = heap ? xmalloc(n * sizeof *name_ids) : name_ids_stack;
  int64_t *pid_rows = heap ? xmalloc(n * sizeof *pid_rows) : pid_rows_stack;
  int *pids = heap ? xmalloc(n * sizeof *pids) : pids_stack;
  proc_row *rows = heap ? xmalloc(n * sizeof *rows) : rows_stack;
  hiro_err rc = HIRO_EIO;
  size_t k = 0;
  if (snap->has_process) {
    process_metrics server = snap->process;
    server.alive = true;                           /* whatever the caller left there: it is us */
    server.has_tree_cpu = server.has_tree = false; /* trees are the plugins' */
    store_encode_process(&server, &rows[k]);
    pids[k] = snap->process.pid;
    pid_rows[k] = process_id(s, 0, "server", pids[k], &name_ids[k]);
    if (pid_rows[k++] < 0) goto out;
  }
  for (size_t i = 0; i < snap->n_children; i++, k++) {
    const process_metrics *c = &snap->children[i];
    char name[HIRO_NAME_MAX];
    hiro_strlcpy(name, c->name, sizeof name);
    store_encode_process(c, &rows[k]);
    pids[k] = c->pid;
    pid_rows[k] = process_id(s, 1, name, c->pid, &name_ids[k]);
    if (pid_rows[k] < 0) goto out;
  }
  for (size_t done = 0; done < n; done += PROC_MULTI) {
    size_t chunk = n - done < PROC_MULTI ? n - done : PROC_MULTI;
    if (insert_processes(s, ts_ms, pid_rows + done, rows + done, chunk) != HIRO_OK) goto out;
  }
  rc = rollup_add(tx, ts_ms, &sys, name_ids, pids, rows, n);
  if (rc == HIRO_OK) rc = store_app_write(s, ts_ms, app_frame_of(snap));
  if (rc == HIRO_OK) rc = store_lists_write(s, ts_ms, snap);
out:
  if (heap) {
    free(name_ids);
    free(pid_rows);
    free(pids);
    free(rows);
  }
  return rc;
}

/* Bind text, or NULL when empty. */
static void bind_text_or_null(sqlite3_stmt *stmt, int i, const char *text) {
  if (text[0])
    sqlite3_bind_text(stmt, i, text, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(stmt, i);
}

/* Bind an int, or NULL when it does not apply (below min). */
static void bind_int_from(sqlite3_stmt *stmt, int i, int v, int min) {
  if (v >= min)
    sqlite3_bind_int(stmt, i, v);
  else
    sqlite3_bind_null(stmt, i);
}

/* Bind a double, or NULL when it does not apply (NaN). */
static void bind_real(sqlite3_stmt *stmt, int i, double v) {
  if (v == v)
    sqlite3_bind_double(stmt, i, v);
  else
    sqlite3_bind_null(stmt, i);
}

/* An event's row; the numbers that do not apply (model/event.h: -1, NaN,
 * pid 0) are NULL. */
static hiro_err write_event(store_txn *tx, const hiro_event *e) {
  sqlite3_stmt *stmt = tx->s->stmt.insert_event;
  sqlite3_bind_int64(stmt, 1, stored_ms(e->timestamp));
  sqlite3_bind_text(stmt, 2, event_kind_name(e->kind), -1, SQLITE_STATIC);
  bind_text_or_null(stmt, 3, e->process);
  bind_int_from(stmt, 4, e->pid, 1);
  bind_text_or_null(stmt, 5, e->detail);
  bind_int_from(stmt, 6, e->exit_code, 0);
  bind_int_from(stmt, 7, e->signal, 1);
  bind_int_from(stmt, 8, e->err, 1);
  bind_real(stmt, 9, e->cpu_seconds);
  bind_real(stmt, 10, e->lifetime_seconds);
  bind_real(stmt, 11, e->delay_seconds);
  return txn_step(tx->s, stmt, "inserting an event");
}

hiro_err write_record(store_txn *tx, const store_record *rec) {
  switch (rec->kind) {
  case REC_SNAPSHOT: return write_snapshot(tx, &rec->u.snap);
  case REC_EVENT: return write_event(tx, rec->u.event);
  }
  return HIRO_OK;
}

/* n snapshots in one transaction. */
static hiro_err write_snapshots(store *s, const metrics_snapshot *snaps, size_t n) {
  store_txn tx;
  if (txn_begin(s, &tx) != HIRO_OK) return HIRO_EIO;
  for (size_t i = 0; i < n; i++)
    if (write_snapshot(&tx, &snaps[i]) != HIRO_OK) {
      txn_rollback(&tx);
      return HIRO_EIO;
    }
  return txn_commit(&tx);
}

hiro_err store_write_batch(store *s, const metrics_snapshot *snaps, size_t n) {
  hiro_err rc = HIRO_OK;
  pthread_mutex_lock(&s->db_lock);
  for (size_t done = 0; done < n && rc == HIRO_OK; done += BATCH_TXN_SNAPSHOTS) {
    size_t chunk = n - done < BATCH_TXN_SNAPSHOTS ? n - done : BATCH_TXN_SNAPSHOTS;
    rc = write_snapshots(s, snaps + done, chunk);
    if (rc == HIRO_OK) {
      pthread_mutex_lock(&s->lock);
      s->queue.written[REC_SNAPSHOT] += chunk;
      pthread_mutex_unlock(&s->lock);
    } else {
      log_warn("store: batch write to %s failed: %s", s->path, s->werr);
    }
  }
  pthread_mutex_unlock(&s->db_lock);
  return rc;
}
