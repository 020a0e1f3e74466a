/* list_store.c - the system context's lists in SQLite (filesystems, disks,
 * network interfaces: model_lists of model/columns.h): raw rows per entry in
 * the snapshot's transaction (every snapshot; filesystems once a minute), and
 * 1-minute / 1-hour rollups per entry.
 *
 * Like the application metrics, the rollups are computed from the rows they
 * cover with SQL aggregates when a bucket closes (raw rows for minutes,
 * minute rows for hours; INSERT OR REPLACE of whole buckets), not kept in
 * memory: a failed transaction leaves nothing to undo, a bucket written in
 * parts (restart, clock step back) is computed again, and the start-up
 * catch-up is the same code. Watermarks: meta list_rollup_1m_ms /
 * list_rollup_1h_ms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "store/store_internal.h"

static const char *const list_meta_keys[TIERS] = {"list_rollup_1m_ms", "list_rollup_1h_ms"};

/* (list, interned name) -> list_name.id for the names seen in this file. */
typedef struct {
  int list;
  const char *name; /* interned: compared by pointer */
  int64_t id;
} name_entry;

/* Filesystem usage moves slowly and its rows are the widest of the lists:
 * they are recorded once a minute (the ring, /metrics and Prometheus still
 * have them every tick). Disks and interfaces: every snapshot (their rates
 * are per interval). */
static const int64_t record_every_ms[MODEL_LISTS] = {[MODEL_LIST_FILESYSTEMS] = 60000};

struct list_store {
  sqlite3_stmt *find_name, *insert_name;
  sqlite3_stmt *insert_raw[MODEL_LISTS];
  sqlite3_stmt *roll[MODEL_LISTS][TIERS]; /* recompute buckets in [?1, ?2) seconds */
  name_entry *names;
  size_t n_names, cap_names;
  bool loaded; /* watermarks read from meta */
  int64_t watermark_ms[TIERS];
  int64_t last_recorded_ms[MODEL_LISTS]; /* per list, with record_every_ms */
};

static int prep(store *s, const char *sql, sqlite3_stmt **stmt) {
  return sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL);
}

/* "INSERT OR REPLACE INTO raw_fs(ts_ms,name_id,total,...) VALUES(?1,?2,...)" */
static int prep_insert(store *s, const model_list *ml, sqlite3_stmt **stmt) {
  strbuf b;
  sb_init(&b, 512);
  sb_printf(&b, "INSERT OR REPLACE INTO raw_%s(ts_ms,name_id", ml->table);
  for (int c = 0; c < ml->n_columns; c++) sb_printf(&b, ",%s", ml->columns[c].db);
  sb_puts(&b, ") VALUES(?1,?2");
  for (int c = 0; c < ml->n_columns; c++) sb_printf(&b, ",?%d", c + 3);
  sb_putc(&b, ')');
  int rc = prep(s, b.data, stmt);
  sb_free(&b);
  return rc;
}

/* Whole buckets of tier t in [?1, ?2) seconds, from raw rows (minutes) or
 * minute rows (hours). An hour's average weighs each minute by its samples;
 * NULLs (a figure missing in a row) are left out of min, max and average. */
static int prep_roll(store *s, const model_list *ml, int t, sqlite3_stmt **stmt) {
  strbuf b;
  sb_init(&b, 2048);
  sb_printf(&b, "INSERT OR REPLACE INTO %s_%s(bucket,name_id,n", ml->table, store_tiers[t].suffix);
  for (int c = 0; c < ml->n_columns; c++) {
    const char *d = ml->columns[c].db;
    sb_printf(&b, ",%s_avg,%s_min,%s_max", d, d, d);
  }
  if (t == 0) {
    sb_puts(&b, ") SELECT ts_ms/60000*60,name_id,count(*)");
    for (int c = 0; c < ml->n_columns; c++) {
      const char *d = ml->columns[c].db;
      sb_printf(&b, ",avg(%s),min(%s),max(%s)", d, d, d);
    }
    sb_printf(&b, " FROM raw_%s WHERE ts_ms>=?1*1000 AND ts_ms<?2*1000 GROUP BY 1,2", ml->table);
  } else {
    sb_puts(&b, ") SELECT bucket/3600*3600,name_id,sum(n)");
    for (int c = 0; c < ml->n_columns; c++) {
      const char *d = ml->columns[c].db;
      sb_printf(&b,
                ",sum(%s_avg*n)/sum(CASE WHEN %s_avg IS NULL THEN 0 ELSE n END)"
                ",min(%s_min),max(%s_max)",
                d, d, d, d);
    }
    sb_printf(&b, " FROM %s_1m WHERE bucket>=?1 AND bucket<?2 GROUP BY 1,2", ml->table);
  }
  int rc = prep(s, b.data, stmt);
  sb_free(&b);
  return rc;
}

hiro_err store_lists_prepare(store *s) {
  list_store *ls = xcalloc(1, sizeof *ls);
  s->lists = ls;
  if (prep(s, "SELECT id FROM list_name WHERE list=?1 AND name=?2", &ls->find_name) ||
      prep(s, "INSERT INTO list_name(list, name) VALUES(?1, ?2)", &ls->insert_name))
    return HIRO_EIO;
  for (int l = 0; l < MODEL_LISTS; l++) {
    if (prep_insert(s, &model_lists[l], &ls->insert_raw[l])) return HIRO_EIO;
    for (int t = 0; t < TIERS; t++)
      if (prep_roll(s, &model_lists[l], t, &ls->roll[l][t])) return HIRO_EIO;
  }
  return HIRO_OK;
}

void store_lists_finalize(store *s) {
  list_store *ls = s->lists;
  if (!ls) return;
  sqlite3_finalize(ls->find_name);
  sqlite3_finalize(ls->insert_name);
  for (int l = 0; l < MODEL_LISTS; l++) {
    sqlite3_finalize(ls->insert_raw[l]);
    for (int t = 0; t < TIERS; t++) sqlite3_finalize(ls->roll[l][t]);
  }
  free(ls->names);
  free(ls);
  s->lists = NULL;
}

void store_lists_rollback(store *s) {
  if (!s->lists) return;
  s->lists->n_names = 0; /* ids inserted by the failed transaction are gone */
  memset(s->lists->last_recorded_ms, 0, sizeof s->lists->last_recorded_ms);
  s->lists->loaded = false;
}

static bool load_watermarks(store *s) {
  list_store *ls = s->lists;
  if (ls->loaded) return true;
  for (int t = 0; t < TIERS; t++) {
    sqlite3_stmt *stmt = NULL;
    ls->watermark_ms[t] = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key=?1", -1, &stmt, NULL) !=
        SQLITE_OK)
      return false;
    sqlite3_bind_text(stmt, 1, list_meta_keys[t], -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) ls->watermark_ms[t] = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return false;
  }
  ls->loaded = true;
  return true;
}

static hiro_err set_watermark(store *s, int t, int64_t ms) {
  sqlite3_stmt *stmt = s->stmt.set_meta;
  sqlite3_bind_text(stmt, 1, list_meta_keys[t], -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 2, ms);
  if (txn_step(s, stmt, "writing the list rollup watermark") != HIRO_OK) return HIRO_EIO;
  if (ms > s->lists->watermark_ms[t]) s->lists->watermark_ms[t] = ms;
  return HIRO_OK;
}

/* list_name.id of (list, name), inserting it; -1 on error (werr set). */
static int64_t name_id(store *s, int list, const char *name) {
  list_store *ls = s->lists;
  for (size_t i = 0; i < ls->n_names; i++)
    if (ls->names[i].list == list && ls->names[i].name == name) return ls->names[i].id;
  int64_t id = -1;
  for (int pass = 0; pass < 2 && id < 0; pass++) {
    sqlite3_stmt *stmt = pass ? ls->insert_name : ls->find_name;
    sqlite3_bind_int(stmt, 1, list);
    sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (pass == 0 && rc == SQLITE_ROW) id = sqlite3_column_int64(stmt, 0);
    if (pass == 1 && rc == SQLITE_DONE) id = sqlite3_last_insert_rowid(s->db);
    sqlite3_reset(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      txn_set_error(s, "looking up a filesystem, disk or interface name");
      return -1;
    }
  }
  if (ls->n_names == ls->cap_names) {
    ls->cap_names = ls->cap_names ? 2 * ls->cap_names : 32;
    ls->names = xrealloc(ls->names, ls->cap_names * sizeof *ls->names);
  }
  ls->names[ls->n_names++] = (name_entry){list, name, id};
  return id;
}

/* Recompute the buckets of tier t in [from_s, to_s) for every list. */
static hiro_err roll_range(store *s, int t, int64_t from_s, int64_t to_s) {
  for (int l = 0; l < MODEL_LISTS; l++) {
    sqlite3_stmt *stmt = s->lists->roll[l][t];
    sqlite3_bind_int64(stmt, 1, from_s);
    sqlite3_bind_int64(stmt, 2, to_s);
    if (txn_step(s, stmt, "rolling up filesystems, disks and interfaces") != HIRO_OK)
      return HIRO_EIO;
  }
  return HIRO_OK;
}

/* Complete every bucket of tier t ending at or before upto_s and move the
 * watermark there; with open, also compute the bucket holding upto_s
 * (watermark left at its start, so later rows make it be computed again). */
static hiro_err roll_until(store *s, int t, int64_t upto_s, bool open) {
  int64_t width = store_tier_seconds[t];
  int64_t done_s = s->lists->watermark_ms[t] / 1000;
  int64_t end = upto_s / width * width;
  if (end > done_s &&
      (roll_range(s, t, done_s, end) != HIRO_OK || set_watermark(s, t, end * 1000) != HIRO_OK))
    return HIRO_EIO;
  if (open && roll_range(s, t, end, end + width) != HIRO_OK) return HIRO_EIO;
  return HIRO_OK;
}

/* After a snapshot at ts_ms: minutes close as the next one's rows arrive;
 * each time one does, the hour holding it is computed again (so the hour
 * tier is at most a minute behind). A row in an already completed bucket
 * (the wall clock stepped back) makes that bucket be computed again. */
static hiro_err roll_after_write(store *s, int64_t ts_ms) {
  list_store *ls = s->lists;
  int64_t ts_s = ts_ms / 1000, minute_mark = ls->watermark_ms[0];
  for (int t = 0; t < TIERS; t++) {
    int64_t width = store_tier_seconds[t], bucket = ts_s / width * width;
    if (bucket * 1000 < ls->watermark_ms[t]) {
      if (roll_range(s, t, bucket, bucket + width) != HIRO_OK) return HIRO_EIO;
      continue;
    }
    if (t == 0 && roll_until(s, 0, ts_s, false) != HIRO_OK) return HIRO_EIO;
    if (t == 1 && ls->watermark_ms[0] != minute_mark &&
        roll_until(s, 1, ls->watermark_ms[0] / 1000 - 1, true) != HIRO_OK)
      return HIRO_EIO;
  }
  return HIRO_OK;
}

hiro_err store_lists_write(store *s, int64_t ts_ms, const metrics_snapshot *snap) {
  list_store *ls = s->lists;
  if (!ls || !load_watermarks(s)) return HIRO_EIO;
  bool any = false;
  for (int l = 0; l < MODEL_LISTS; l++) {
    const model_list *ml = &model_lists[l];
    sqlite3_stmt *stmt = ls->insert_raw[l];
    if (record_every_ms[l] && ts_ms >= ls->last_recorded_ms[l] &&
        ts_ms / record_every_ms[l] == ls->last_recorded_ms[l] / record_every_ms[l])
      continue; /* recorded in this minute already */
    if (model_list_count(snap, l)) ls->last_recorded_ms[l] = ts_ms;
    for (size_t i = 0; i < model_list_count(snap, l); i++) {
      const void *item = model_list_item(snap, l, i);
      int64_t id = name_id(s, l, model_list_name(ml, item));
      if (id < 0) return HIRO_EIO;
      sqlite3_bind_int64(stmt, 1, ts_ms);
      sqlite3_bind_int64(stmt, 2, id);
      for (int c = 0; c < ml->n_columns; c++)
        sqlite3_bind_int64(stmt, c + 3, model_stored(item, &ml->columns[c]));
      if (txn_step(s, stmt, "inserting filesystem, disk and interface rows") != HIRO_OK)
        return HIRO_EIO;
      any = true;
    }
  }
  return any ? roll_after_write(s, ts_ms) : HIRO_OK;
}

hiro_err store_lists_roll(store *s, int64_t now_s) {
  if (!s->lists || !load_watermarks(s)) return HIRO_EIO;
  bool all = now_s == INT64_MAX;
  if (all) { /* up to the newest raw row, its bucket included */
    now_s = 0;
    for (int l = 0; l < MODEL_LISTS; l++) {
      char sql[96];
      sqlite3_stmt *stmt = NULL;
      snprintf(sql, sizeof sql, "SELECT max(ts_ms) FROM raw_%s", model_lists[l].table);
      if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) == SQLITE_OK &&
          sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_int64(stmt, 0) / 1000 > now_s)
        now_s = sqlite3_column_int64(stmt, 0) / 1000;
      sqlite3_finalize(stmt);
    }
    if (now_s == 0) return HIRO_OK;
  }
  if (roll_until(s, 0, now_s, all) != HIRO_OK) return HIRO_EIO;
  return roll_until(s, 1, all ? now_s : s->lists->watermark_ms[0] / 1000, all);
}

hiro_err store_lists_retention(store *s, int64_t raw_cut_ms, const int64_t cut_s[TIERS]) {
  for (int l = 0; l < MODEL_LISTS; l++) {
    const char *t = model_lists[l].table;
    for (int k = 0; k <= TIERS; k++) {
      char sql[128];
      if (k == 0)
        snprintf(sql, sizeof sql, "DELETE FROM raw_%s WHERE ts_ms < ?1", t);
      else
        snprintf(sql, sizeof sql, "DELETE FROM %s_%s WHERE bucket < ?1", t,
                 store_tiers[k - 1].suffix);
      sqlite3_stmt *stmt = NULL;
      int rc = sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL);
      if (rc == SQLITE_OK) {
        sqlite3_bind_int64(stmt, 1, k == 0 ? raw_cut_ms : cut_s[k - 1]);
        rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
      }
      sqlite3_finalize(stmt);
      if (rc != SQLITE_OK) {
        txn_set_error(s, "enforcing retention of filesystems, disks and interfaces");
        return HIRO_EIO;
      }
    }
  }
  return HIRO_OK;
}
