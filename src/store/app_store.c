/* app_store.c - application metrics in SQLite: raw rows of each snapshot's
 * frame (in the snapshot's transaction), 1-minute and 1-hour rollups
 * computed from the rows they cover (merging sketches, so quantiles stay
 * exact to the sketch's error), and the per-series history query.
 *
 * Rollups are recomputed from their source rows whenever a bucket closes
 * (raw rows for minutes, minute rows for hours) rather than kept in memory:
 * a failed transaction then leaves nothing to undo, a bucket written in
 * parts (a restart, a clock step back) is simply computed again, and the
 * start-up catch-up is the same code. The watermarks (meta app_rollup_1m_ms /
 * app_rollup_1h_ms) say up to where buckets are complete. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appmetrics/app_frame.h"
#include "appmetrics/distinct.h"
#include "appmetrics/sketch.h"
#include "common/strbuf.h"
#include "store/store_internal.h"

enum { SERIES_CACHE = 1024 };
static const char *const app_meta_keys[TIERS] = {"app_rollup_1m_ms", "app_rollup_1h_ms"};
static const char *const app_tables[TIERS] = {"app_1m", "app_1h"};

typedef struct {
  int64_t name_id, series_id;
  int type;
  char *key;
} series_entry;

struct app_store {
  sqlite3_stmt *find_name, *insert_name, *find_series, *insert_series, *insert_raw;
  sqlite3_stmt *upsert[TIERS];
  series_entry *cache;
  size_t n_cache;
  bool loaded; /* watermarks read from meta */
  int64_t watermark_ms[TIERS];
};

/* ---- statements ---- */

static int prep(store *s, const char *sql, sqlite3_stmt **stmt) {
  return sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL);
}

hiro_err store_app_prepare(store *s) {
  app_store *a = xcalloc(1, sizeof *a);
  s->app = a;
  static const char upsert[] =
      "INSERT OR REPLACE INTO %s(bucket, series_id, n, seconds, count, value_avg, value_min, "
      "value_max, value_last, distinct_members, sum, min, max, p50, p90, p99, sketch) "
      "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)";
  char sql[2][400];
  for (int t = 0; t < TIERS; t++) snprintf(sql[t], sizeof sql[t], upsert, app_tables[t]);
  if (prep(s, "SELECT id FROM process_name WHERE kind=?1 AND name=?2", &a->find_name) ||
      prep(s, "INSERT INTO process_name(kind, name) VALUES(?1, ?2)", &a->insert_name) ||
      prep(s, "SELECT id FROM app_series WHERE name_id=?1 AND key=?2 AND type=?3",
           &a->find_series) ||
      prep(s, "INSERT INTO app_series(name_id, key, name, tags, type) VALUES(?1,?2,?3,?4,?5)",
           &a->insert_series) ||
      prep(s,
           "INSERT OR REPLACE INTO raw_app(ts_ms, series_id, interval_ms, count, value, sum, "
           "min, max, p50, p90, p99, sketch) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
           &a->insert_raw) ||
      prep(s, sql[0], &a->upsert[0]) || prep(s, sql[1], &a->upsert[1]))
    return HIRO_EIO;
  return HIRO_OK;
}

static void cache_clear(app_store *a) {
  for (size_t i = 0; i < a->n_cache; i++) free(a->cache[i].key);
  a->n_cache = 0;
}

void store_app_finalize(store *s) {
  app_store *a = s->app;
  if (!a) return;
  sqlite3_stmt *all[] = {a->find_name,  a->insert_name, a->find_series, a->insert_series,
                         a->insert_raw, a->upsert[0],   a->upsert[1]};
  for (size_t i = 0; i < HIRO_ARRAY_LEN(all); i++) sqlite3_finalize(all[i]);
  cache_clear(a);
  free(a->cache);
  free(a);
  s->app = NULL;
}

void store_app_rollback(store *s) {
  if (!s->app) return;
  cache_clear(s->app); /* ids inserted by the failed transaction are gone */
  s->app->loaded = false;
}

/* ---- small SQL helpers ---- */

static void bind_number(sqlite3_stmt *stmt, int i, double v) {
  if (isfinite(v))
    sqlite3_bind_double(stmt, i, v);
  else
    sqlite3_bind_null(stmt, i);
}

static double column_number(sqlite3_stmt *stmt, int i) {
  return sqlite3_column_type(stmt, i) == SQLITE_NULL ? NAN : sqlite3_column_double(stmt, i);
}

static bool load_watermarks(store *s) {
  app_store *a = s->app;
  if (a->loaded) return true;
  for (int t = 0; t < TIERS; t++) {
    sqlite3_stmt *stmt = NULL;
    a->watermark_ms[t] = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key=?1", -1, &stmt, NULL) !=
        SQLITE_OK)
      return false;
    sqlite3_bind_text(stmt, 1, app_meta_keys[t], -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) a->watermark_ms[t] = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return false;
  }
  a->loaded = true;
  return true;
}

static hiro_err set_watermark(store *s, int t, int64_t ms) {
  sqlite3_stmt *stmt = s->stmt.set_meta;
  sqlite3_bind_text(stmt, 1, app_meta_keys[t], -1, SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 2, ms);
  if (txn_step(s, stmt, "writing the app rollup watermark") != HIRO_OK) return HIRO_EIO;
  if (ms > s->app->watermark_ms[t]) s->app->watermark_ms[t] = ms;
  return HIRO_OK;
}

/* ---- raw rows ---- */

/* id of (kind, name) in process_name, inserting it; -1 on error. */
static int64_t name_id(store *s, bool server, const char *plugin) {
  app_store *a = s->app;
  const char *name = server ? "server" : plugin;
  for (int pass = 0; pass < 2; pass++) {
    sqlite3_stmt *stmt = pass ? a->insert_name : a->find_name;
    sqlite3_bind_int(stmt, 1, server ? 0 : 1);
    sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    int64_t id =
        rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : sqlite3_last_insert_rowid(s->db);
    sqlite3_reset(stmt);
    if ((pass == 0 && rc == SQLITE_ROW) || (pass == 1 && rc == SQLITE_DONE)) return id;
    if (rc != SQLITE_DONE) break;
  }
  txn_set_error(s, "looking up an app publisher");
  return -1;
}

static int64_t series_id(store *s, int64_t nid, const app_point *p) {
  app_store *a = s->app;
  for (size_t i = 0; i < a->n_cache; i++) {
    series_entry *e = &a->cache[i];
    if (e->name_id == nid && e->type == (int)p->type && strcmp(e->key, p->key) == 0)
      return e->series_id;
  }
  int64_t id = -1;
  sqlite3_stmt *stmt = a->find_series;
  sqlite3_bind_int64(stmt, 1, nid);
  sqlite3_bind_text(stmt, 2, p->key, -1, SQLITE_STATIC);
  sqlite3_bind_int(stmt, 3, (int)p->type);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) id = sqlite3_column_int64(stmt, 0);
  sqlite3_reset(stmt);
  if (rc == SQLITE_DONE) {
    stmt = a->insert_series;
    sqlite3_bind_int64(stmt, 1, nid);
    sqlite3_bind_text(stmt, 2, p->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, p->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, p->tags, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 5, (int)p->type);
    if (txn_step(s, stmt, "inserting an app series") != HIRO_OK) return -1;
    id = sqlite3_last_insert_rowid(s->db);
  } else if (rc != SQLITE_ROW) {
    txn_set_error(s, "looking up an app series");
    return -1;
  }
  if (a->n_cache == SERIES_CACHE) cache_clear(a); /* rare: start over */
  if (!a->cache) a->cache = xcalloc(SERIES_CACHE, sizeof *a->cache);
  a->cache[a->n_cache++] = (series_entry){nid, id, (int)p->type, xstrdup(p->key)};
  return id;
}

static hiro_err insert_point(store *s, int64_t ts_ms, int64_t sid, int64_t interval_ms,
                             const app_point *p) {
  sqlite3_stmt *stmt = s->app->insert_raw;
  sqlite3_bind_int64(stmt, 1, ts_ms);
  sqlite3_bind_int64(stmt, 2, sid);
  sqlite3_bind_int64(stmt, 3, interval_ms);
  bool counter = p->type == STATSD_COUNTER, summary = app_type_is_summary(p->type);
  bind_number(stmt, 4, counter || summary ? p->count : NAN);
  bind_number(stmt, 5, counter ? p->total : summary ? NAN : p->value);
  bind_number(stmt, 6, summary ? p->sum : NAN);
  bind_number(stmt, 7, p->min);
  bind_number(stmt, 8, p->max);
  bind_number(stmt, 9, p->p50);
  bind_number(stmt, 10, p->p90);
  bind_number(stmt, 11, p->p99);
  if (p->blob_len)
    sqlite3_bind_blob(stmt, 12, p->blob, (int)p->blob_len, SQLITE_STATIC);
  else
    sqlite3_bind_null(stmt, 12);
  return txn_step(s, stmt, "inserting app rows");
}

static hiro_err roll_after_write(store *s, int64_t ts_ms);

hiro_err store_app_write(store *s, int64_t ts_ms, const app_frame *f) {
  if (!f || !f->n_points) return HIRO_OK;
  if (!load_watermarks(s)) {
    txn_set_error(s, "reading the app rollup watermarks");
    return HIRO_EIO;
  }
  int64_t interval_ms =
      f->interval > 0 && f->interval < 1e9 ? (int64_t)(f->interval * 1000 + 0.5) : 0;
  if (interval_ms < 1) interval_ms = 1;
  for (size_t g = 0; g < f->n_groups; g++) {
    const app_group *grp = &f->groups[g];
    int64_t nid = name_id(s, grp->server, grp->plugin);
    if (nid < 0) return HIRO_EIO;
    for (size_t i = grp->first; i < grp->first + grp->count; i++) {
      int64_t sid = series_id(s, nid, &f->points[i]);
      if (sid < 0 || insert_point(s, ts_ms, sid, interval_ms, &f->points[i]) != HIRO_OK)
        return HIRO_EIO;
    }
  }
  return roll_after_write(s, ts_ms);
}

/* ---- rollups ---- */

/* One series' bucket being merged. */
typedef struct {
  int64_t series_id, bucket;
  int type;
  int64_t n;
  double seconds, count, value_weighted, value_min, value_max, value_last, sum, min, max;
  sketch *sk;
  distinct *set;
} bucket_acc;

static void acc_reset(bucket_acc *acc, int64_t sid, int64_t bucket, int type) {
  sketch_free(acc->sk);
  distinct_free(acc->set);
  *acc = (bucket_acc){.series_id = sid,
                      .bucket = bucket,
                      .type = type,
                      .value_min = NAN,
                      .value_max = NAN,
                      .value_last = NAN,
                      .min = NAN,
                      .max = NAN};
}

static void min_into(double *m, double v) {
  if (isfinite(v) && (isnan(*m) || v < *m)) *m = v;
}
static void max_into(double *m, double v) {
  if (isfinite(v) && (isnan(*m) || v > *m)) *m = v;
}

/* Merge one source row into acc: n rows it stands for, seconds, count, the
 * value (average over those rows), its extremes and last, sum, extremes, blob. */
static void acc_add(bucket_acc *acc, int64_t n, double seconds, double count, double value_avg,
                    double value_min, double value_max, double value_last, double sum, double min,
                    double max, const void *blob, int blob_len) {
  acc->n += n;
  acc->seconds += seconds;
  if (isfinite(count)) acc->count += count;
  if (isfinite(value_avg)) acc->value_weighted += value_avg * (double)n;
  min_into(&acc->value_min, value_min);
  max_into(&acc->value_max, value_max);
  if (isfinite(value_last)) acc->value_last = value_last;
  if (isfinite(sum)) acc->sum += sum;
  min_into(&acc->min, min);
  max_into(&acc->max, max);
  if (!blob || blob_len <= 0) return;
  if (acc->type == STATSD_SET) {
    distinct *d = distinct_new();
    if (distinct_decode(d, blob, (size_t)blob_len) == HIRO_OK) {
      if (!acc->set) acc->set = distinct_new();
      distinct_merge(acc->set, d);
    }
    distinct_free(d);
  } else if (app_type_is_summary((statsd_type)acc->type)) {
    sketch *k = sketch_new();
    if (sketch_decode(k, blob, (size_t)blob_len, sum, min, max) == HIRO_OK) {
      if (!acc->sk) acc->sk = sketch_new();
      sketch_merge(acc->sk, k);
    }
    sketch_free(k);
  }
}

static hiro_err acc_write(store *s, int t, bucket_acc *acc) {
  if (acc->n == 0) return HIRO_OK;
  sqlite3_stmt *stmt = s->app->upsert[t];
  bool summary = app_type_is_summary((statsd_type)acc->type), set = acc->type == STATSD_SET;
  bool valued = !summary;
  sqlite3_bind_int64(stmt, 1, acc->bucket);
  sqlite3_bind_int64(stmt, 2, acc->series_id);
  sqlite3_bind_int64(stmt, 3, acc->n);
  sqlite3_bind_double(stmt, 4, acc->seconds);
  bind_number(stmt, 5, acc->type == STATSD_COUNTER || summary ? acc->count : NAN);
  bind_number(stmt, 6, valued ? acc->value_weighted / (double)acc->n : NAN);
  bind_number(stmt, 7, valued ? acc->value_min : NAN);
  bind_number(stmt, 8, valued ? acc->value_max : NAN);
  bind_number(stmt, 9, valued ? acc->value_last : NAN);
  bind_number(stmt, 10, set ? (acc->set ? (double)distinct_count(acc->set) : 0.0) : NAN);
  bind_number(stmt, 11, summary ? acc->sum : NAN);
  bind_number(stmt, 12, acc->min);
  bind_number(stmt, 13, acc->max);
  bool has_sketch = acc->sk && sketch_count(acc->sk);
  bind_number(stmt, 14, has_sketch ? sketch_quantile(acc->sk, 0.5) : NAN);
  bind_number(stmt, 15, has_sketch ? sketch_quantile(acc->sk, 0.9) : NAN);
  bind_number(stmt, 16, has_sketch ? sketch_quantile(acc->sk, 0.99) : NAN);
  strbuf blob = {0};
  if (has_sketch)
    sketch_encode(acc->sk, &blob);
  else if (acc->set)
    distinct_encode(acc->set, &blob);
  if (blob.len)
    sqlite3_bind_blob(stmt, 17, blob.data, (int)blob.len, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null(stmt, 17);
  hiro_err rc = txn_step(s, stmt, "writing app rollups");
  sb_free(&blob);
  return rc;
}

/* Recompute tier t's buckets starting in [from_s, to_s) from their source
 * rows (raw rows for minutes, minute rows for hours). */
static hiro_err roll_range(store *s, int t, int64_t from_s, int64_t to_s) {
  static const char *const source[TIERS] = {
      "SELECT r.series_id, r.ts_ms / 1000 / 60 * 60, a.type, 1, r.interval_ms / 1000.0, r.count, "
      "r.value, r.value, r.value, r.value, r.sum, r.min, r.max, r.sketch FROM raw_app r "
      "JOIN app_series a ON a.id = r.series_id WHERE r.ts_ms >= ?1 * 1000 AND r.ts_ms < ?2 * 1000 "
      "ORDER BY r.series_id, r.ts_ms",
      "SELECT r.series_id, r.bucket / 3600 * 3600, a.type, r.n, r.seconds, r.count, "
      "coalesce(r.value_avg, r.distinct_members), coalesce(r.value_min, r.distinct_members), "
      "coalesce(r.value_max, r.distinct_members), coalesce(r.value_last, r.distinct_members), "
      "r.sum, r.min, r.max, r.sketch FROM app_1m r JOIN app_series a ON a.id = r.series_id "
      "WHERE r.bucket >= ?1 AND r.bucket < ?2 ORDER BY r.series_id, r.bucket"};
  sqlite3_stmt *stmt = NULL;
  if (sqlite3_prepare_v2(s->db, source[t], -1, &stmt, NULL) != SQLITE_OK) {
    txn_set_error(s, "reading app rows for rollups");
    return HIRO_EIO;
  }
  sqlite3_bind_int64(stmt, 1, from_s);
  sqlite3_bind_int64(stmt, 2, to_s);
  bucket_acc acc = {0};
  hiro_err rc = HIRO_OK;
  int step;
  while (rc == HIRO_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
    int64_t sid = sqlite3_column_int64(stmt, 0), bucket = sqlite3_column_int64(stmt, 1);
    if (acc.n && (sid != acc.series_id || bucket != acc.bucket)) rc = acc_write(s, t, &acc);
    if (!acc.n || sid != acc.series_id || bucket != acc.bucket)
      acc_reset(&acc, sid, bucket, sqlite3_column_int(stmt, 2));
    acc_add(&acc, sqlite3_column_int64(stmt, 3), sqlite3_column_double(stmt, 4),
            column_number(stmt, 5), column_number(stmt, 6), column_number(stmt, 7),
            column_number(stmt, 8), column_number(stmt, 9), column_number(stmt, 10),
            column_number(stmt, 11), column_number(stmt, 12), sqlite3_column_blob(stmt, 13),
            sqlite3_column_bytes(stmt, 13));
  }
  if (rc == HIRO_OK && step != SQLITE_DONE) {
    txn_set_error(s, "reading app rows for rollups");
    rc = HIRO_EIO;
  }
  if (rc == HIRO_OK) rc = acc_write(s, t, &acc);
  acc_reset(&acc, 0, 0, 0);
  sqlite3_finalize(stmt);
  return rc;
}

/* Complete every bucket of tier t that ends at or before upto_s, and move
 * the watermark there. With open (shutdown, idle), the bucket holding upto_s
 * is computed too but the watermark stays at its start: later rows in it
 * make it be computed again. Inside a transaction. */
static hiro_err roll_until(store *s, int t, int64_t upto_s, bool open) {
  int64_t width = store_tier_seconds[t];
  int64_t done_s = s->app->watermark_ms[t] / 1000;
  int64_t end = upto_s / width * width; /* start of the bucket holding upto_s */
  if (end > done_s) {
    if (roll_range(s, t, done_s, end) != HIRO_OK || set_watermark(s, t, end * 1000) != HIRO_OK)
      return HIRO_EIO;
  }
  if (open && roll_range(s, t, end, end + width) != HIRO_OK) return HIRO_EIO;
  return HIRO_OK;
}

static hiro_err roll_after_write(store *s, int64_t ts_ms) {
  app_store *a = s->app;
  int64_t ts_s = ts_ms / 1000, minute_mark = a->watermark_ms[0];
  for (int t = 0; t < TIERS; t++) {
    int64_t width = store_tier_seconds[t];
    int64_t bucket = ts_s / width * width;
    if (bucket * 1000 < a->watermark_ms[t]) {
      /* The wall clock stepped back into a completed bucket: compute it again. */
      if (roll_range(s, t, bucket, bucket + width) != HIRO_OK) return HIRO_EIO;
      continue;
    }
    /* Minutes close as the rows of the next one arrive. Each time one does,
     * the hour holding it is computed again (open), so the hour tier is at
     * most a minute behind. */
    if (t == 0 && roll_until(s, 0, ts_s, false) != HIRO_OK) return HIRO_EIO;
    if (t == 1 && a->watermark_ms[0] != minute_mark &&
        roll_until(s, 1, a->watermark_ms[0] / 1000 - 1, true) != HIRO_OK)
      return HIRO_EIO;
  }
  return HIRO_OK;
}

hiro_err store_app_roll(store *s, int64_t now_s) {
  if (!s->app || !load_watermarks(s)) return HIRO_EIO;
  bool all = now_s == INT64_MAX;
  if (all) { /* up to the newest raw row, its bucket included */
    sqlite3_stmt *stmt = NULL;
    now_s = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT max(ts_ms) FROM raw_app", -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
      now_s = sqlite3_column_int64(stmt, 0) / 1000;
    sqlite3_finalize(stmt);
    if (now_s == 0) return HIRO_OK;
  }
  if (roll_until(s, 0, now_s, all) != HIRO_OK) return HIRO_EIO;
  return roll_until(s, 1, all ? now_s : s->app->watermark_ms[0] / 1000, all);
}

hiro_err store_app_retention(store *s, int64_t raw_cut_ms, const int64_t cut_s[TIERS]) {
  static const char *const sql[] = {
      /* Raw app rows stay while raw system rows of their time remain. */
      ("DELETE FROM raw_app WHERE ts_ms < "
       "min(?1, coalesce((SELECT min(ts_ms) FROM raw_system), ?1))"),
      "DELETE FROM app_1m WHERE bucket < ?1", "DELETE FROM app_1h WHERE bucket < ?1"};
  int64_t bound[] = {raw_cut_ms, cut_s[0], cut_s[1]};
  for (int i = 0; i < 3; i++) {
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql[i], -1, &stmt, NULL);
    if (rc == SQLITE_OK) {
      sqlite3_bind_int64(stmt, 1, bound[i]);
      rc = sqlite3_step(stmt) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_OK) {
      txn_set_error(s, "enforcing app retention");
      return HIRO_EIO;
    }
  }
  return HIRO_OK;
}
