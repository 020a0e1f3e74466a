/* rollup.c - 1-minute and 1-hour rollups: in-memory accumulators for the open
 * buckets, merged into the rollup tables when a bucket closes, and the
 * start-up catch-up from raw rows with SQL aggregates.
 *
 * Every write to a rollup row is a merge (n adds up, min/max combine, the
 * average is weighted by sample counts), so a bucket written in parts - after
 * a restart, a clock step back or an idle flush - ends up exactly the
 * aggregate of its raw rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "store/store_internal.h"

/* ---- SQL text, built once from the column tables of model/columns.h
 * (identifiers only: every value is bound) ---- */

/* Columns: bucket, the group counts, avg/min/max of every figure, then the
 * total (sum of value x interval) of every rate. */
static void sys_column_list(strbuf *b, int tier) {
  sb_printf(b, "INSERT INTO system_%s(bucket", store_tiers[tier].suffix);
  for (int g = 0; g < MODEL_SYS_GROUPS; g++) sb_printf(b, ",%s", model_sys_groups[g].count_column);
  for (int i = 0; i < SYS_FIELDS; i++) {
    const char *c = model_sys_columns[i].db;
    sb_printf(b, ",%s_avg,%s_min,%s_max", c, c, c);
  }
  for (int i = 0; i < SYS_FIELDS; i++)
    if (model_is_rate(&model_sys_columns[i])) sb_printf(b, ",%s_total", model_sys_columns[i].db);
  sb_printf(b, ")");
}

static int rate_count(void) {
  int n = 0;
  for (int i = 0; i < SYS_FIELDS; i++) n += model_is_rate(&model_sys_columns[i]);
  return n;
}

/* The merge of an upsert: counts add up, each average is weighted by its
 * group's counts, min/max combine (NULL, a group without samples, is left
 * out). Shared by the system and the process rollups. */
static void merge_columns(strbuf *b, const model_column *cols, int ncols, const model_group *groups,
                          int ngroups) {
  for (int g = 0; g < ngroups; g++) {
    const char *k = groups[g].count_column;
    sb_printf(b, "%s%s=%s+excluded.%s", g ? "," : "", k, k, k);
  }
  for (int i = 0; i < ncols; i++) {
    const char *c = cols[i].db;
    const char *k = groups[cols[i].group].count_column;
    sb_printf(b,
              ",%s_avg=CASE WHEN %s+excluded.%s>0 THEN (coalesce(%s_avg*%s,0)+"
              "coalesce(excluded.%s_avg*excluded.%s,0))/(%s+excluded.%s) END",
              c, k, k, c, k, c, k, k, k);
    /* Scalar min()/max() return NULL when an argument is NULL. */
    sb_printf(b, ",%s_min=coalesce(min(%s_min,excluded.%s_min),%s_min,excluded.%s_min)", c, c, c, c,
              c);
    sb_printf(b, ",%s_max=coalesce(max(%s_max,excluded.%s_max),%s_max,excluded.%s_max)", c, c, c, c,
              c);
    /* Totals add up: a bucket written in parts stays the exact sum. */
    if (cols == model_sys_columns && model_is_rate(&cols[i])) /* process rates keep no total */
      sb_printf(b, ",%s_total=coalesce(%s_total+excluded.%s_total,%s_total,excluded.%s_total)", c,
                c, c, c, c);
  }
}

static void sys_merge(strbuf *b) {
  sb_printf(b, " ON CONFLICT(bucket) DO UPDATE SET ");
  merge_columns(b, model_sys_columns, SYS_FIELDS, model_sys_groups, MODEL_SYS_GROUPS);
}

static void proc_column_list(strbuf *b, int tier) {
  sb_printf(b, "INSERT INTO process_%s(bucket,name_id,pid", store_tiers[tier].suffix);
  for (int g = 0; g < MODEL_PROC_GROUPS; g++)
    sb_printf(b, ",%s", model_proc_groups[g].count_column);
  for (int i = 0; i < PROC_FIELDS; i++) {
    const char *c = model_proc_columns[i].db;
    sb_printf(b, ",%s_avg,%s_min,%s_max", c, c, c);
  }
  sb_printf(b, ")");
}

static void proc_merge(strbuf *b) {
  sb_printf(b, " ON CONFLICT(bucket,name_id) DO UPDATE SET pid=excluded.pid,");
  merge_columns(b, model_proc_columns, PROC_FIELDS, model_proc_groups, MODEL_PROC_GROUPS);
}

/* count(...) of each group: the rows where its first column is not NULL
 * (the always-present group counts every row). */
static void group_counts(strbuf *b, const model_column *cols, const model_group *groups,
                         int ngroups, const char *prefix) {
  for (int g = 0; g < ngroups; g++) {
    int first = 0;
    while (cols[first].group != g) first++;
    if (groups[g].flag_offset < 0)
      sb_printf(b, ",count(*)");
    else
      sb_printf(b, ",count(%s%s)", prefix, cols[first].db);
  }
}

hiro_err rollup_prepare(store *s) {
  hiro_err rc = HIRO_OK;
  for (int t = 0; t < TIERS && rc == HIRO_OK; t++) {
    strbuf b;
    sb_init(&b, 4096);
    sys_column_list(&b, t);
    sb_printf(&b, " VALUES(?1");
    for (int i = 0; i < MODEL_SYS_GROUPS + 3 * SYS_FIELDS + rate_count(); i++)
      sb_printf(&b, ",?%d", i + 2);
    sb_printf(&b, ")");
    sys_merge(&b);
    /* The merged n tells whether the row is new (n == ours): keeps the
     * in-memory row counts exact without COUNT(*). */
    sb_printf(&b, " RETURNING n");
    if (sqlite3_prepare_v3(s->db, b.data, -1, SQLITE_PREPARE_PERSISTENT, &s->stmt.upsert_sys[t],
                           NULL) != SQLITE_OK)
      rc = HIRO_EIO;
    b.len = 0;
    proc_column_list(&b, t);
    sb_printf(&b, " VALUES(?1,?2,?3");
    for (int i = 0; i < MODEL_PROC_GROUPS + 3 * PROC_FIELDS; i++) sb_printf(&b, ",?%d", i + 4);
    sb_printf(&b, ")");
    proc_merge(&b);
    if (rc == HIRO_OK && sqlite3_prepare_v3(s->db, b.data, -1, SQLITE_PREPARE_PERSISTENT,
                                            &s->stmt.upsert_proc[t], NULL) != SQLITE_OK)
      rc = HIRO_EIO;
    sb_free(&b);
  }
  return rc;
}

/* ---- accumulators ---- */

static void acc_add(int64_t *n, double *sum, int64_t *mn, int64_t *mx, int64_t v) {
  if (*n == 0 || v < *mn) *mn = v;
  if (*n == 0 || v > *mx) *mx = v;
  *sum += (double)v;
}

static proc_acc *find_proc(tier_acc *t, int64_t name_id) {
  for (size_t i = 0; i < t->n_procs; i++)
    if (t->procs[i].name_id == name_id) return &t->procs[i];
  if (t->n_procs == t->cap_procs) {
    t->cap_procs = t->cap_procs ? 2 * t->cap_procs : 16;
    t->procs = xrealloc(t->procs, t->cap_procs * sizeof *t->procs);
  }
  proc_acc *p = &t->procs[t->n_procs++];
  memset(p, 0, sizeof *p);
  p->name_id = name_id;
  return p;
}

/* Upsert tier t's open bucket and move the watermark; the bucket is closed. */
static hiro_err flush_tier(store_txn *tx, int t) {
  store *s = tx->s;
  tier_acc *ta = &s->tier[t];
  if (!ta->open) return HIRO_OK;
  const sys_acc *a = &ta->sys;
  sqlite3_stmt *stmt = s->stmt.upsert_sys[t];
  sqlite3_bind_int64(stmt, 1, ta->bucket);
  for (int g = 0; g < MODEL_SYS_GROUPS; g++) sqlite3_bind_int64(stmt, 2 + g, a->n[g]);
  const int first = 2 + MODEL_SYS_GROUPS;
  for (int i = 0; i < SYS_FIELDS; i++) {
    int64_t k = a->n[model_sys_columns[i].group];
    if (k == 0) {
      for (int j = 0; j < 3; j++) sqlite3_bind_null(stmt, first + 3 * i + j);
      continue;
    }
    sqlite3_bind_double(stmt, first + 3 * i, a->sum[i] / (double)k);
    sqlite3_bind_int64(stmt, first + 1 + 3 * i, a->min[i]);
    sqlite3_bind_int64(stmt, first + 2 + 3 * i, a->max[i]);
  }
  int param = first + 3 * SYS_FIELDS;
  for (int i = 0; i < SYS_FIELDS; i++) {
    if (!model_is_rate(&model_sys_columns[i])) continue;
    if (a->n[model_sys_columns[i].group] == 0)
      sqlite3_bind_null(stmt, param++);
    else
      sqlite3_bind_double(stmt, param++, a->total[i]);
  }
  /* RETURNING n: the merged count equals ours when the row is new. Only a
   * row continues with txn_step: after an error, stepping again would re-run
   * the statement, outside the transaction if SQLite rolled it back. */
  int rc = sqlite3_step(stmt);
  if (rc != SQLITE_ROW) {
    sqlite3_reset(stmt);
    txn_set_error(s, "writing a rollup");
    return HIRO_EIO;
  }
  if (sqlite3_column_int64(stmt, 0) == a->n[MODEL_GROUP_ALWAYS]) tx->rows_tier[t]++;
  if (txn_step(s, stmt, "writing a rollup") != HIRO_OK) return HIRO_EIO;

  stmt = s->stmt.upsert_proc[t];
  for (size_t p = 0; p < ta->n_procs; p++) {
    const proc_acc *pa = &ta->procs[p];
    sqlite3_bind_int64(stmt, 1, ta->bucket);
    sqlite3_bind_int64(stmt, 2, pa->name_id);
    sqlite3_bind_int64(stmt, 3, pa->pid);
    for (int g = 0; g < MODEL_PROC_GROUPS; g++) sqlite3_bind_int64(stmt, 4 + g, pa->n[g]);
    const int pfirst = 4 + MODEL_PROC_GROUPS;
    for (int i = 0; i < PROC_FIELDS; i++) {
      int64_t k = pa->n[model_proc_columns[i].group];
      if (k == 0) {
        for (int j = 0; j < 3; j++) sqlite3_bind_null(stmt, pfirst + 3 * i + j);
        continue;
      }
      sqlite3_bind_double(stmt, pfirst + 3 * i, pa->sum[i] / (double)k);
      sqlite3_bind_int64(stmt, pfirst + 1 + 3 * i, pa->min[i]);
      sqlite3_bind_int64(stmt, pfirst + 2 + 3 * i, pa->max[i]);
    }
    if (txn_step(s, stmt, "writing a process rollup") != HIRO_OK) return HIRO_EIO;
  }
  stmt = s->stmt.set_meta;
  sqlite3_bind_text(stmt, 1, store_tiers[t].meta_key, -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 2, ta->max_ts_ms);
  if (txn_step(s, stmt, "writing the rollup watermark") != HIRO_OK) return HIRO_EIO;
  ta->open = false;
  ta->n_procs = 0;
  return HIRO_OK;
}

hiro_err rollup_add(store_txn *tx, int64_t ts_ms, const sys_row *sys, const int64_t *name_ids,
                    const int *pids, const proc_row *procs, size_t n_procs) {
  store *s = tx->s;
  for (int t = 0; t < TIERS; t++) {
    tier_acc *ta = &s->tier[t];
    int64_t width = store_tier_seconds[t];
    int64_t bucket = ts_ms / 1000 / width * width;
    if (ta->open && ta->bucket != bucket && flush_tier(tx, t) != HIRO_OK) return HIRO_EIO;
    if (!ta->open) {
      ta->open = true;
      ta->bucket = bucket;
      ta->max_ts_ms = ts_ms;
      memset(&ta->sys, 0, sizeof ta->sys);
      ta->n_procs = 0;
    }
    if (ts_ms > ta->max_ts_ms) ta->max_ts_ms = ts_ms;
    sys_acc *a = &ta->sys;
    /* Seconds the rates were measured over (stored x 100). */
    double seconds = (double)sys->v[MODEL_SYS_INTERVAL] / 100.0;
    for (int i = 0; i < SYS_FIELDS; i++) {
      int g = model_sys_columns[i].group;
      if (!sys->present[g]) continue;
      acc_add(&a->n[g], &a->sum[i], &a->min[i], &a->max[i], sys->v[i]);
      a->total[i] += (double)sys->v[i] * seconds;
    }
    /* Counts last: acc_add uses them to spot the first sample. */
    for (int g = 0; g < MODEL_SYS_GROUPS; g++) a->n[g] += sys->present[g];
    for (size_t p = 0; p < n_procs; p++) {
      proc_acc *pa = find_proc(ta, name_ids[p]);
      for (int i = 0; i < PROC_FIELDS; i++) {
        int g = model_proc_columns[i].group;
        if (procs[p].present[g])
          acc_add(&pa->n[g], &pa->sum[i], &pa->min[i], &pa->max[i], procs[p].v[i]);
      }
      for (int g = 0; g < MODEL_PROC_GROUPS; g++) pa->n[g] += procs[p].present[g];
      pa->pid = pids[p];
    }
  }
  return HIRO_OK;
}

hiro_err rollup_flush(store_txn *tx, int64_t now_s) {
  for (int t = 0; t < TIERS; t++) {
    tier_acc *ta = &tx->s->tier[t];
    if (!ta->open) continue;
    if (now_s != INT64_MAX && ta->bucket + store_tier_seconds[t] > now_s) continue;
    if (flush_tier(tx, t) != HIRO_OK) return HIRO_EIO;
  }
  return HIRO_OK;
}

bool rollup_has_open(const store *s, int64_t *end_s) {
  bool any = false;
  int64_t end = INT64_MAX;
  for (int t = 0; t < TIERS; t++) {
    if (!s->tier[t].open) continue;
    any = true;
    if (s->tier[t].bucket + store_tier_seconds[t] < end)
      end = s->tier[t].bucket + store_tier_seconds[t];
  }
  if (end_s) *end_s = end;
  return any;
}

void rollup_save(const tier_acc from[TIERS], tier_acc to[TIERS]) {
  for (int t = 0; t < TIERS; t++) {
    to[t] = from[t];
    to[t].procs = NULL;
    to[t].cap_procs = from[t].n_procs;
    if (from[t].n_procs) {
      to[t].procs = xmalloc(from[t].n_procs * sizeof *to[t].procs);
      memcpy(to[t].procs, from[t].procs, from[t].n_procs * sizeof *to[t].procs);
    }
  }
}

void rollup_free(tier_acc t[TIERS]) {
  for (int i = 0; i < TIERS; i++) {
    free(t[i].procs);
    t[i].procs = NULL;
    t[i].n_procs = t[i].cap_procs = 0;
    t[i].open = false;
  }
}

/* ---- start-up catch-up ---- */

static hiro_err exec_bound(store *s, const char *sql, int64_t since_ms) {
  sqlite3_stmt *stmt = NULL;
  if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
    txn_set_error(s, "preparing the rollup catch-up");
    return HIRO_EIO;
  }
  sqlite3_bind_int64(stmt, 1, since_ms);
  hiro_err rc = txn_step(s, stmt, "rolling up raw rows");
  sqlite3_finalize(stmt);
  return rc;
}

static hiro_err catch_up_tier(store *s, int t, int64_t since_ms, int64_t upto_ms) {
  int64_t w = store_tier_seconds[t];
  strbuf b;
  sb_init(&b, 4096);
  sys_column_list(&b, t);
  sb_printf(&b, " SELECT ts_ms/%lld*%lld", (long long)(w * 1000), (long long)w);
  group_counts(&b, model_sys_columns, model_sys_groups, MODEL_SYS_GROUPS, "");
  for (int i = 0; i < SYS_FIELDS; i++) {
    const char *c = model_sys_columns[i].db;
    sb_printf(&b, ",avg(%s),min(%s),max(%s)", c, c, c);
  }
  /* Rows from before the interval was recorded (NULL) add nothing. */
  for (int i = 0; i < SYS_FIELDS; i++)
    if (model_is_rate(&model_sys_columns[i]))
      sb_printf(&b, ",sum(%s*%s)/100.0", model_sys_columns[i].db,
                model_sys_columns[MODEL_SYS_INTERVAL].db);
  /* WHERE is required: it keeps ON CONFLICT from parsing as a join's ON. */
  sb_printf(&b, " FROM raw_system WHERE ts_ms>?1 GROUP BY 1");
  sys_merge(&b);
  hiro_err rc = exec_bound(s, b.data, since_ms);

  b.len = 0;
  sb_printf(
      &b, "WITH src AS (SELECT r.ts_ms/%lld*%lld AS b,p.name_id AS nid,p.pid AS pid,r.ts_ms AS ts",
      (long long)(w * 1000), (long long)w);
  for (int i = 0; i < PROC_FIELDS; i++)
    sb_printf(&b, ",r.%s AS %s", model_proc_columns[i].db, model_proc_columns[i].db);
  sb_printf(&b, " FROM raw_process r JOIN process p ON p.id=r.process_id WHERE r.ts_ms>?1) ");
  proc_column_list(&b, t);
  sb_printf(&b, " SELECT a.b,a.nid,l.pid");
  for (int g = 0; g < MODEL_PROC_GROUPS; g++) sb_printf(&b, ",a.n%d", g);
  for (int i = 0; i < PROC_FIELDS; i++) {
    const char *c = model_proc_columns[i].db;
    sb_printf(&b, ",a.%s_avg,a.%s_min,a.%s_max", c, c, c);
  }
  sb_printf(&b, " FROM (SELECT b,nid");
  for (int g = 0; g < MODEL_PROC_GROUPS; g++) {
    int first = 0;
    while (model_proc_columns[first].group != g) first++;
    if (model_proc_groups[g].flag_offset < 0)
      sb_printf(&b, ",count(*) AS n%d", g);
    else
      sb_printf(&b, ",count(%s) AS n%d", model_proc_columns[first].db, g);
  }
  for (int i = 0; i < PROC_FIELDS; i++) {
    const char *c = model_proc_columns[i].db;
    sb_printf(&b, ",avg(%s) AS %s_avg,min(%s) AS %s_min,max(%s) AS %s_max", c, c, c, c, c, c);
  }
  /* "last pid seen": with a single max() SQLite takes the bare column pid
   * from the row holding the maximum. */
  sb_printf(&b,
            " FROM src GROUP BY b,nid) a JOIN (SELECT b,nid,pid,max(ts) FROM src GROUP BY b,nid)"
            " l ON l.b=a.b AND l.nid=a.nid WHERE 1");
  proc_merge(&b);
  if (rc == HIRO_OK) rc = exec_bound(s, b.data, since_ms);
  sb_free(&b);
  if (rc == HIRO_OK) {
    sqlite3_stmt *stmt = s->stmt.set_meta;
    sqlite3_bind_text(stmt, 1, store_tiers[t].meta_key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, upto_ms);
    rc = txn_step(s, stmt, "writing the rollup watermark");
  }
  return rc;
}

hiro_err rollup_catch_up(store *s, char *err, size_t errlen) {
  int64_t newest = INT64_MIN;
  sqlite3_stmt *stmt = NULL;
  if (sqlite3_prepare_v2(s->db, "SELECT max(ts_ms) FROM raw_system", -1, &stmt, NULL) ==
          SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL)
    newest = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  bool needed = false;
  for (int t = 0; t < TIERS; t++)
    if (newest > s->watermark_ms[t]) needed = true;
  if (!needed) return HIRO_OK;

  store_txn tx;
  if (txn_begin(s, &tx) != HIRO_OK) goto fail;
  for (int t = 0; t < TIERS; t++) {
    if (newest <= s->watermark_ms[t]) continue;
    if (catch_up_tier(s, t, s->watermark_ms[t], newest) != HIRO_OK) {
      txn_rollback(&tx);
      goto fail;
    }
  }
  if (txn_commit(&tx) != HIRO_OK) goto fail;
  for (int t = 0; t < TIERS; t++)
    if (newest > s->watermark_ms[t]) s->watermark_ms[t] = newest;
  log_info("store: rolled up raw rows newer than the last rollup in %s", s->path);
  return HIRO_OK;
fail:
  snprintf(err, errlen, "%s: %s", s->path, s->werr);
  return HIRO_EIO;
}
