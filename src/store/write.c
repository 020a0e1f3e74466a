/* write.c - the write path: raw rows, the process-instance cache and the
 * rollup feed inside one transaction per batch; store_write_batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "appmetrics/app_frame.h"
#include "store/store_internal.h"

enum { BATCH_TXN_SNAPSHOTS = 20000 }; /* bounds the WAL during a backfill */
/* Bound parameters per raw_process row: process_id and the columns. */
enum { ROW_PARAMS = 1 + PROC_FIELDS };

void store_set_werr(store *s, const char *what) {
  snprintf(s->werr, sizeof s->werr, "%s: %s (%s)", what, sqlite3_errmsg(s->db),
           sqlite3_errstr(sqlite3_extended_errcode(s->db)));
}

static int prepare(store *s, const char *sql, sqlite3_stmt **st) {
  return sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
}

hiro_err store_prepare_write(store *s, char *err, size_t errlen) {
  char sql[1024];
  int n = snprintf(sql, sizeof sql, "INSERT INTO raw_system(ts_ms");
  for (int i = 0; i < SYS_FIELDS; i++)
    n += snprintf(sql + n, sizeof sql - n, ",%s", model_sys_columns[i].db);
  n += snprintf(sql + n, sizeof sql - n, ") VALUES(?1");
  for (int i = 0; i < SYS_FIELDS; i++) n += snprintf(sql + n, sizeof sql - n, ",?%d", i + 2);
  snprintf(sql + n, sizeof sql - n, ")");
  if (prepare(s, sql, &s->st_insert_system) != SQLITE_OK ||
      prepare(s, "SELECT id FROM process_name WHERE kind=?1 AND name=?2", &s->st_find_name) ||
      prepare(s, "INSERT INTO process_name(kind, name) VALUES(?1, ?2)", &s->st_insert_name) ||
      prepare(s, "SELECT id FROM process WHERE name_id=?1 AND pid=?2", &s->st_find_process) ||
      prepare(s, "INSERT INTO process(name_id, pid) VALUES(?1, ?2)", &s->st_insert_process_row) ||
      prepare(s, "INSERT INTO meta(key, value) VALUES(?1, ?2) "
                 "ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)",
              &s->st_set_meta) ||
      prepare(s, "SELECT min(ts_ms) FROM raw_system", &s->st_oldest_raw) ||
      prepare(s, "BEGIN IMMEDIATE", &s->st_begin) || prepare(s, "COMMIT", &s->st_commit) ||
      store_rollup_prepare(s) != HIRO_OK || store_app_prepare(s) != HIRO_OK) {
    snprintf(err, errlen, "%s: preparing statements: %s", s->path, sqlite3_errmsg(s->db));
    return HIRO_EIO;
  }
  return HIRO_OK;
}

void store_finalize_write(store *s) {
  store_app_finalize(s);
  for (int k = 0; k <= PROC_MULTI; k++) {
    sqlite3_finalize(s->st_insert_process[k]);
    s->st_insert_process[k] = NULL;
  }
  sqlite3_stmt **all[] = {&s->st_insert_system, &s->st_find_name,
                          &s->st_insert_name,   &s->st_find_process,   &s->st_insert_process_row,
                          &s->st_set_meta,      &s->st_oldest_raw,     &s->st_begin,
                          &s->st_commit,        &s->st_upsert_sys[0],
                          &s->st_upsert_sys[1], &s->st_upsert_proc[0], &s->st_upsert_proc[1]};
  for (size_t i = 0; i < HIRO_ARRAY_LEN(all); i++) {
    sqlite3_finalize(*all[i]);
    *all[i] = NULL;
  }
}

/* Look up or insert a row; returns its id or -1 (s->werr set). */
static int64_t find_or_insert(store *s, sqlite3_stmt *find, sqlite3_stmt *insert,
                              int64_t key, const char *name, int64_t key2) {
  for (int pass = 0; pass < 2; pass++) {
    sqlite3_stmt *st = pass == 0 ? find : insert;
    sqlite3_bind_int64(st, 1, key);
    if (name) sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    else sqlite3_bind_int64(st, 2, key2);
    int rc = sqlite3_step(st);
    int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : sqlite3_last_insert_rowid(s->db);
    sqlite3_reset(st);
    if (pass == 0 && rc == SQLITE_ROW) return id;
    if (pass == 1 && rc == SQLITE_DONE) return id;
    if (rc != SQLITE_DONE) {
      store_set_werr(s, "looking up a process");
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
  if (nid < 0) nid = find_or_insert(s, s->st_find_name, s->st_insert_name, kind, name, 0);
  if (nid < 0) return -1;
  int64_t pidrow = find_or_insert(s, s->st_find_process, s->st_insert_process_row, nid, NULL, pid);
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
  sqlite3_stmt *st = s->st_insert_system;
  for (int i = 0; i < SYS_FIELDS; i++) {
    if (!row->present[model_sys_columns[i].group])
      sqlite3_bind_null(st, i + 2);
    else
      sqlite3_bind_int64(st, i + 2, row->v[i]);
  }
  for (int attempt = 0; attempt < 100000; attempt++, ts_ms++) {
    sqlite3_bind_int64(st, 1, ts_ms);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) return ts_ms;
    if (sqlite3_extended_errcode(s->db) != SQLITE_CONSTRAINT_PRIMARYKEY) break;
  }
  store_set_werr(s, "inserting a snapshot");
  return -1;
}

/* Insert k (1..PROC_MULTI) raw_process rows at ts_ms in one statement. */
static hiro_err insert_processes(store *s, int64_t ts_ms, const int64_t *pid_rows,
                                 const proc_row *rows, size_t k) {
  sqlite3_stmt **slot = &s->st_insert_process[k];
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
      store_set_werr(s, "preparing a process insert");
      return HIRO_EIO;
    }
  }
  sqlite3_stmt *st = *slot;
  sqlite3_bind_int64(st, 1, ts_ms);
  for (size_t r = 0; r < k; r++) {
    int first = (int)(2 + ROW_PARAMS * r);
    sqlite3_bind_int64(st, first, pid_rows[r]);
    for (int i = 0; i < PROC_FIELDS; i++) {
      if (rows[r].present[model_proc_columns[i].group])
        sqlite3_bind_int64(st, first + 1 + i, rows[r].v[i]);
      else
        sqlite3_bind_null(st, first + 1 + i); /* not measured: NULL, never 0 */
    }
  }
  int rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return HIRO_OK;
  store_set_werr(s, "inserting process rows");
  return HIRO_EIO;
}

static hiro_err write_one(store *s, const metrics_snapshot *snap) {
  sys_row sys;
  store_encode_system(snap, &sys);
  double ms = snap->timestamp * 1000.0;
  int64_t ts_ms = ms > 0 && ms < 9e15 ? (int64_t)(ms + 0.5) : 0;
  ts_ms = insert_system(s, ts_ms, &sys);
  if (ts_ms < 0) return HIRO_EIO;
  s->tx_rows_raw++;
  if (ts_ms < s->tx_min_ts_ms) s->tx_min_ts_ms = ts_ms;

  size_t n = snap->n_children + (snap->has_process ? 1 : 0);
  enum { STACK = 32 };
  int64_t name_ids_stack[STACK], pid_rows_stack[STACK];
  int pids_stack[STACK];
  proc_row rows_stack[STACK];
  bool heap = n > STACK;
  int64_t *name_ids = heap ? xmalloc(n * sizeof *name_ids) : name_ids_stack;
  int64_t *pid_rows = heap ? xmalloc(n * sizeof *pid_rows) : pid_rows_stack;
  int *pids = heap ? xmalloc(n * sizeof *pids) : pids_stack;
  proc_row *rows = heap ? xmalloc(n * sizeof *rows) : rows_stack;
  hiro_err rc = HIRO_EIO;
  size_t k = 0;
  if (snap->has_process) {
    process_metrics server = snap->process;
    server.alive = true; /* whatever the caller left there: it is us */
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
  rc = store_rollup_add(s, ts_ms, &sys, name_ids, pids, rows, n);
  if (rc == HIRO_OK) rc = store_app_write(s, ts_ms, app_frame_of(snap));
out:
  if (heap) {
    free(name_ids);
    free(pid_rows);
    free(pids);
    free(rows);
  }
  return rc;
}

hiro_err store_write_txn(store *s, const metrics_snapshot *snaps, size_t n) {
  tier_acc saved[TIERS];
  store_rollup_save(s, saved);
  size_t cache_len = s->n_cache;
  s->tx_rows_raw = s->tx_rows_tier[0] = s->tx_rows_tier[1] = 0;
  s->tx_min_ts_ms = INT64_MAX;
  hiro_err rc = HIRO_EIO;
  /* Prepared BEGIN/COMMIT: at one transaction per tick, parsing them each
   * time was a visible part of the idle server's CPU. */
  int step = sqlite3_step(s->st_begin);
  sqlite3_reset(s->st_begin);
  if (step != SQLITE_DONE) {
    store_set_werr(s, "starting a transaction");
    goto out;
  }
  for (size_t i = 0; i < n; i++)
    if (write_one(s, &snaps[i]) != HIRO_OK) goto out;
  step = sqlite3_step(s->st_commit);
  sqlite3_reset(s->st_commit);
  if (step != SQLITE_DONE) {
    store_set_werr(s, "committing");
    goto out;
  }
  rc = HIRO_OK;
out:
  if (rc != HIRO_OK) {
    if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    store_rollup_restore(s, saved);
    store_app_rollback(s);
    s->n_cache = cache_len;
    s->tx_rows_raw = s->tx_rows_tier[0] = s->tx_rows_tier[1] = 0;
    s->tx_min_ts_ms = INT64_MAX;
  } else {
    store_rollup_free(saved);
    store_commit_counters(s);
  }
  return rc;
}

void store_commit_counters(store *s) {
  pthread_mutex_lock(&s->lock);
  s->rows_raw += s->tx_rows_raw;
  for (int t = 0; t < TIERS; t++) s->rows_tier[t] += s->tx_rows_tier[t];
  if (s->tx_min_ts_ms < s->oldest_raw_ms) s->oldest_raw_ms = s->tx_min_ts_ms;
  pthread_mutex_unlock(&s->lock);
  s->tx_rows_raw = s->tx_rows_tier[0] = s->tx_rows_tier[1] = 0;
  s->tx_min_ts_ms = INT64_MAX;
}

hiro_err store_write_batch(store *s, const metrics_snapshot *snaps, size_t n) {
  hiro_err rc = HIRO_OK;
  pthread_mutex_lock(&s->db_lock);
  for (size_t done = 0; done < n && rc == HIRO_OK; done += BATCH_TXN_SNAPSHOTS) {
    size_t chunk = n - done < BATCH_TXN_SNAPSHOTS ? n - done : BATCH_TXN_SNAPSHOTS;
    rc = store_write_txn(s, snaps + done, chunk);
    if (rc == HIRO_OK) {
      pthread_mutex_lock(&s->lock);
      s->written += chunk;
      pthread_mutex_unlock(&s->lock);
    } else {
      log_warn("store: batch write to %s failed: %s", s->path, s->werr);
    }
  }
  pthread_mutex_unlock(&s->db_lock);
  return rc;
}
