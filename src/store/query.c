/* query.c - history reads on read-only connections (a small pool, never the
 * writer's): tier choice, raw and rollup snapshots, the recent-rows reload. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "store/store_internal.h"

enum { POOL = 4 };

struct store_reader {
  unsigned gen; /* s->reader_gen when opened: older ones read a replaced file */
  sqlite3 *db;
  sqlite3_stmt *count_raw, *oldest[3], *nth_newest, *processes, *names;
  sqlite3_stmt *raw_sys, *raw_proc;
  sqlite3_stmt *tier_sys[TIERS][3], *tier_proc[TIERS][3]; /* [tier][agg] */
};

static const char *const agg_suffix[3] = {"avg", "min", "max"};

static void reader_free(store_reader *r) {
  if (!r) return;
  sqlite3_stmt **flat[] = {&r->count_raw, &r->oldest[0], &r->oldest[1], &r->oldest[2],
                           &r->nth_newest, &r->processes, &r->names, &r->raw_sys, &r->raw_proc};
  for (size_t i = 0; i < HIRO_ARRAY_LEN(flat); i++) sqlite3_finalize(*flat[i]);
  for (int t = 0; t < TIERS; t++)
    for (int a = 0; a < 3; a++) {
      sqlite3_finalize(r->tier_sys[t][a]);
      sqlite3_finalize(r->tier_proc[t][a]);
    }
  sqlite3_close(r->db);
  free(r);
}

static int prep(store_reader *r, const char *sql, sqlite3_stmt **st) {
  return sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
}

/* Prepare "SELECT <lead>,<column>[_<suffix>]... FROM <from>". Returns an
 * SQLite error code (0 on success). */
static int prep_columns(store_reader *r, sqlite3_stmt **st, const char *lead,
                        const model_column *cols, int n, const char *suffix, const char *from) {
  strbuf sql;
  sb_init(&sql, 2048);
  sb_printf(&sql, "SELECT %s", lead);
  for (int i = 0; i < n; i++) sb_printf(&sql, ",%s%s%s", cols[i].db, *suffix ? "_" : "", suffix);
  sb_printf(&sql, " FROM %s", from);
  int rc = prep(r, sql.data, st);
  sb_free(&sql);
  return rc;
}

static store_reader *reader_open(store *s) {
  store_reader *r = xcalloc(1, sizeof *r);
  if (sqlite3_open_v2(s->path, &r->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
                      NULL) !=
      SQLITE_OK)
    goto fail;
  sqlite3_busy_timeout(r->db, 1000);
  /* Up to four pooled readers live as long as the server: a small page cache
   * each (SQLite's default is 2 MB) keeps a burst of history reads from
   * leaving megabytes of cached pages in the server's RSS. */
  sqlite3_exec(r->db, "PRAGMA cache_size=-512", NULL, NULL, NULL);
  if (prep(r, "SELECT count(*) FROM (SELECT 1 FROM raw_system WHERE ts_ms BETWEEN ?1 AND ?2 "
              "LIMIT ?3)", &r->count_raw) ||
      prep(r, "SELECT min(ts_ms) FROM raw_system", &r->oldest[0]) ||
      prep(r, "SELECT min(bucket) * 1000 FROM system_1m", &r->oldest[1]) ||
      prep(r, "SELECT min(bucket) * 1000 FROM system_1h", &r->oldest[2]) ||
      prep(r, "SELECT ts_ms FROM raw_system ORDER BY ts_ms DESC LIMIT 1 OFFSET ?1",
           &r->nth_newest) ||
      prep(r, "SELECT p.id, n.kind, n.name, p.pid FROM process p "
              "JOIN process_name n ON n.id = p.name_id", &r->processes) ||
      prep(r, "SELECT id, kind, name FROM process_name", &r->names) ||
      prep_columns(r, &r->raw_proc, "ts_ms,process_id", model_proc_columns, PROC_FIELDS, "",
                   "raw_process WHERE ts_ms BETWEEN ?1 AND ?2 ORDER BY ts_ms, process_id") ||
      prep_columns(r, &r->raw_sys, "ts_ms", model_sys_columns, SYS_FIELDS, "",
                   "raw_system WHERE ts_ms BETWEEN ?1 AND ?2 ORDER BY ts_ms"))
    goto fail;
  for (int t = 0; t < TIERS; t++)
    for (int a = 0; a < 3; a++) {
      char from[128], counts[64] = "bucket";
      for (int g = 0; g < MODEL_SYS_GROUPS; g++) {
        size_t len = strlen(counts);
        snprintf(counts + len, sizeof counts - len, ",%s", model_sys_groups[g].count_column);
      }
      snprintf(from, sizeof from, "system_%s WHERE bucket BETWEEN ?1 AND ?2 ORDER BY bucket",
               store_tier_suffix[t]);
      if (prep_columns(r, &r->tier_sys[t][a], counts, model_sys_columns, SYS_FIELDS,
                       agg_suffix[a], from))
        goto fail;
      snprintf(from, sizeof from,
               "process_%s WHERE bucket BETWEEN ?1 AND ?2 ORDER BY bucket, name_id",
               store_tier_suffix[t]);
      if (prep_columns(r, &r->tier_proc[t][a], "bucket,name_id,pid", model_proc_columns,
                       PROC_FIELDS, agg_suffix[a], from))
        goto fail;
    }
  return r;
fail:
  log_warn("store: read-only connection to %s: %s", s->path,
           r->db ? sqlite3_errmsg(r->db) : "out of memory");
  reader_free(r);
  return NULL;
}

/* A reader from the pool (or a temporary one when all are busy); NULL when
 * the database cannot be opened. Give it back with reader_put. */
static store_reader *reader_get(store *s, int *slot) {
  pthread_mutex_lock(&s->pool_lock);
  for (int i = 0; i < POOL; i++)
    if (!s->reader_busy[i]) {
      s->reader_busy[i] = true;
      store_reader *r = s->readers[i];
      if (r && r->gen != s->reader_gen) { /* the database was reopened */
        reader_free(r);
        r = s->readers[i] = NULL;
      }
      unsigned gen = s->reader_gen;
      pthread_mutex_unlock(&s->pool_lock);
      if (!r) {
        r = s->readers[i] = reader_open(s);
        if (r) r->gen = gen;
      }
      if (!r) {
        pthread_mutex_lock(&s->pool_lock);
        s->reader_busy[i] = false;
        pthread_mutex_unlock(&s->pool_lock);
        return NULL;
      }
      *slot = i;
      return r;
    }
  pthread_mutex_unlock(&s->pool_lock);
  *slot = -1;
  return reader_open(s); /* temporary: freed by reader_put */
}

static void reader_put(store *s, store_reader *r, int slot) {
  if (slot < 0) {
    reader_free(r);
    return;
  }
  pthread_mutex_lock(&s->pool_lock);
  s->reader_busy[slot] = false;
  if (r->gen != s->reader_gen) { /* reopened while in use */
    reader_free(r);
    s->readers[slot] = NULL;
  }
  pthread_mutex_unlock(&s->pool_lock);
}

void store_readers_close(store *s) {
  for (int i = 0; i < POOL; i++) {
    reader_free(s->readers[i]);
    s->readers[i] = NULL;
  }
}

void store_readers_invalidate(store *s) {
  pthread_mutex_lock(&s->pool_lock);
  s->reader_gen++;
  for (int i = 0; i < POOL; i++)
    if (!s->reader_busy[i]) { /* busy ones are freed when given back */
      reader_free(s->readers[i]);
      s->readers[i] = NULL;
    }
  pthread_mutex_unlock(&s->pool_lock);
}

/* ---- building snapshots ---- */

typedef struct {
  metrics_snapshot *v;
  int64_t *key; /* ts_ms (raw) or bucket (rollups), ascending */
  size_t n, cap;
} snapvec;

static metrics_snapshot *snapvec_push(snapvec *sv, int64_t key) {
  if (sv->n == sv->cap) {
    sv->cap = sv->cap ? 2 * sv->cap : 256;
    sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
    sv->key = xrealloc(sv->key, sv->cap * sizeof *sv->key);
  }
  metrics_snapshot *snap = &sv->v[sv->n];
  memset(snap, 0, sizeof *snap);
  sv->key[sv->n++] = key;
  return snap;
}

static void snapvec_free(snapvec *sv) {
  for (size_t i = 0; i < sv->n; i++) snapshot_free(&sv->v[i]);
  free(sv->v);
  free(sv->key);
  memset(sv, 0, sizeof *sv);
}

/* Process identity by id (process.id for raw, process_name.id for rollups). */
typedef struct {
  bool known;
  int kind;
  int pid;
  char name[HIRO_NAME_MAX];
} ident;
typedef struct {
  ident *v;
  size_t n;
} ident_map;

static bool load_idents(sqlite3_stmt *st, bool with_pid, ident_map *m) {
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t id = sqlite3_column_int64(st, 0);
    if (id < 0 || id > 10000000) continue;
    if ((size_t)id >= m->n) {
      size_t n = (size_t)id + 64;
      m->v = xrealloc(m->v, n * sizeof *m->v);
      memset(m->v + m->n, 0, (n - m->n) * sizeof *m->v);
      m->n = n;
    }
    ident *e = &m->v[id];
    e->known = true;
    e->kind = sqlite3_column_int(st, 1);
    const unsigned char *name = sqlite3_column_text(st, 2);
    hiro_strlcpy(e->name, name ? (const char *)name : "", sizeof e->name);
    e->pid = with_pid ? sqlite3_column_int(st, 3) : 0;
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE;
}

/* One process row read from disk, before it is attached to its snapshot. */
typedef struct {
  size_t snap;
  const ident *who;
  int pid;
  double v[PROC_FIELDS];
} proc_item;

/* Attach the n items of one snapshot as its children / server process. */
static void attach_one(metrics_snapshot *snap, const proc_item *items, size_t n) {
  size_t kids = 0;
  for (size_t i = 0; i < n; i++) kids += items[i].who->kind != 0;
  if (kids) snap->children = xcalloc(kids, sizeof *snap->children);
  for (size_t i = 0; i < n; i++) {
    if (items[i].who->kind == 0) {
      snap->has_process = true;
      store_decode_process(items[i].v, items[i].pid, &snap->process);
    } else {
      process_metrics *c = &snap->children[snap->n_children++];
      hiro_strlcpy(c->name, items[i].who->name, sizeof c->name);
      store_decode_process(items[i].v, items[i].pid, c);
    }
  }
}

/* Attach the items (sorted by snapshot) as children / server process. */
static void attach(snapvec *sv, proc_item *items, size_t n_items) {
  size_t i = 0;
  while (i < n_items) {
    size_t j = i;
    while (j < n_items && items[j].snap == items[i].snap) j++;
    attach_one(&sv->v[items[i].snap], items + i, j - i);
    i = j;
  }
}

static void push_item(proc_item **items, size_t *n, size_t *cap, proc_item it) {
  if (*n == *cap) {
    *cap = *cap ? 2 * *cap : 1024;
    *items = xrealloc(*items, *cap * sizeof **items);
  }
  (*items)[(*n)++] = it;
}

/* Join process rows (key, id, [pid,] values...) onto the snapshots in sv by
 * key, then attach them. pid_col < 0 takes the pid from the identity map (raw
 * rows); values start at first_value_col. Orphan rows (no snapshot, unknown
 * id) are skipped. Returns the final sqlite3_step code. */
static int join_process_rows(sqlite3_stmt *st, int64_t lo, int64_t hi, const ident_map *ids,
                             int pid_col, int first_value_col, snapvec *sv) {
  proc_item *items = NULL;
  size_t n_items = 0, cap_items = 0, j = 0;
  sqlite3_bind_int64(st, 1, lo);
  sqlite3_bind_int64(st, 2, hi);
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t key = sqlite3_column_int64(st, 0), id = sqlite3_column_int64(st, 1);
    while (j < sv->n && sv->key[j] < key) j++;
    if (j == sv->n || sv->key[j] != key || id < 0 || (size_t)id >= ids->n || !ids->v[id].known)
      continue;
    int pid = pid_col < 0 ? ids->v[id].pid : sqlite3_column_int(st, pid_col);
    proc_item it = {.snap = j, .who = &ids->v[id], .pid = pid};
    for (int i = 0; i < PROC_FIELDS; i++) it.v[i] = sqlite3_column_double(st, i + first_value_col);
    push_item(&items, &n_items, &cap_items, it);
  }
  sqlite3_reset(st);
  if (step == SQLITE_DONE) attach(sv, items, n_items);
  free(items);
  return step;
}

/* The system part of a raw_system row (ts_ms, columns...) into snap. */
static void decode_raw_system(sqlite3_stmt *st, metrics_snapshot *snap) {
  snap->timestamp = (double)sqlite3_column_int64(st, 0) / 1000.0;
  double v[SYS_FIELDS];
  for (int i = 0; i < SYS_FIELDS; i++) v[i] = sqlite3_column_double(st, i + 1);
  /* A group is present when its first column is not NULL. */
  bool present[MODEL_SYS_GROUPS] = {0};
  for (int i = SYS_FIELDS - 1; i >= 0; i--)
    present[model_sys_columns[i].group] = sqlite3_column_type(st, i + 1) != SQLITE_NULL;
  store_decode_system(v, present, snap);
}

/* A raw_process row (ts_ms, process_id, values...) as an item, or false for
 * an orphan (unknown process id). */
static bool raw_process_item(sqlite3_stmt *st, const ident_map *ids, proc_item *it) {
  int64_t id = sqlite3_column_int64(st, 1);
  if (id < 0 || (size_t)id >= ids->n || !ids->v[id].known) return false;
  *it = (proc_item){.who = &ids->v[id], .pid = ids->v[id].pid};
  for (int i = 0; i < PROC_FIELDS; i++) it->v[i] = sqlite3_column_double(st, i + 2);
  return true;
}

static hiro_err read_raw(store_reader *r, int64_t from_ms, int64_t to_ms, snapvec *sv) {
  ident_map procs = {0};
  hiro_err rc = HIRO_EIO;
  if (!load_idents(r->processes, true, &procs)) goto out;
  sqlite3_stmt *st = r->raw_sys;
  sqlite3_bind_int64(st, 1, from_ms);
  sqlite3_bind_int64(st, 2, to_ms);
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW)
    decode_raw_system(st, snapvec_push(sv, sqlite3_column_int64(st, 0)));
  sqlite3_reset(st);
  if (step != SQLITE_DONE) goto out;
  /* raw_proc: ts_ms, process_id, values... (the pid is the process row's) */
  if (join_process_rows(r->raw_proc, from_ms, to_ms, &procs, -1, 2, sv) == SQLITE_DONE) rc = HIRO_OK;
out:
  free(procs.v);
  return rc;
}

static hiro_err read_tier(store_reader *r, int tier, store_agg agg, int64_t from_s, int64_t to_s,
                          snapvec *sv) {
  ident_map names = {0};
  hiro_err rc = HIRO_EIO;
  int a = agg == STORE_AGG_MIN ? 1 : agg == STORE_AGG_MAX ? 2 : 0;
  if (!load_idents(r->names, false, &names)) goto out;
  int64_t w = store_tier_seconds[tier];
  int64_t first = from_s >= 0 ? from_s / w * w : -((-from_s + w - 1) / w) * w;
  sqlite3_stmt *st = r->tier_sys[tier][a];
  sqlite3_bind_int64(st, 1, first);
  sqlite3_bind_int64(st, 2, to_s);
  int step;
  while ((step = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t bucket = sqlite3_column_int64(st, 0);
    metrics_snapshot *snap = snapvec_push(sv, bucket);
    snap->timestamp = (double)bucket;
    double v[SYS_FIELDS];
    bool present[MODEL_SYS_GROUPS];
    for (int g = 0; g < MODEL_SYS_GROUPS; g++) present[g] = sqlite3_column_int64(st, 1 + g) > 0;
    for (int i = 0; i < SYS_FIELDS; i++)
      v[i] = sqlite3_column_double(st, i + 1 + MODEL_SYS_GROUPS);
    store_decode_system(v, present, snap);
  }
  sqlite3_reset(st);
  if (step != SQLITE_DONE) goto out;
  /* process tier rows: bucket, name_id, pid (last seen), values... */
  if (join_process_rows(r->tier_proc[tier][a], first, to_s, &names, 2, 3, sv) == SQLITE_DONE)
    rc = HIRO_OK;
out:
  free(names.v);
  return rc;
}

static int64_t single_int(sqlite3_stmt *st, int64_t if_null) {
  int64_t v = if_null;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
    v = sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  return v;
}

/* Bound of the times a query converts to integers: far beyond any data, far
 * inside int64 even in milliseconds. A double outside it (to=1e19 reached
 * the cast once) is clamped before the conversion, which would be undefined. */
#define QUERY_TIME_LIMIT 9e12

static int64_t to_ms(double seconds) {
  if (isnan(seconds)) return 0;
  if (seconds > QUERY_TIME_LIMIT) return INT64_MAX / 2;
  if (seconds < -QUERY_TIME_LIMIT) return INT64_MIN / 2;
  return (int64_t)floor(seconds * 1000.0);
}

static int64_t to_whole_seconds(double seconds) {
  if (isnan(seconds)) return 0;
  if (seconds > QUERY_TIME_LIMIT) return (int64_t)QUERY_TIME_LIMIT;
  if (seconds < -QUERY_TIME_LIMIT) return -(int64_t)QUERY_TIME_LIMIT;
  return (int64_t)floor(seconds);
}

/* Finest tier whose point count fits max_points and whose data reaches back
 * to `from` (a finer tier that retention already trimmed loses to a coarser
 * one that still covers the start). Returns 0 raw, 1 minute, 2 hour. */
static int choose_tier(store_reader *r, int64_t from_ms, int64_t to_ms_, size_t max_points) {
  sqlite3_bind_int64(r->count_raw, 1, from_ms);
  sqlite3_bind_int64(r->count_raw, 2, to_ms_);
  sqlite3_bind_int64(r->count_raw, 3, (sqlite3_int64)max_points + 1);
  int64_t raw_points = single_int(r->count_raw, 0);
  double span_s = ((double)to_ms_ - (double)from_ms) / 1000.0;
  bool fits[3] = {raw_points <= (int64_t)max_points, span_s / 60.0 <= (double)max_points, true};
  int64_t oldest[3];
  for (int t = 0; t < 3; t++) oldest[t] = single_int(r->oldest[t], INT64_MAX);
  static const int64_t slack_ms[3] = {60000, 3600000, 0};
  for (int t = 0; t < 2; t++) {
    if (!fits[t]) continue;
    bool covers = oldest[t] != INT64_MAX && oldest[t] <= from_ms + slack_ms[t];
    bool coarser_older = false;
    for (int c = t + 1; c < 3; c++)
      if (fits[c] && oldest[c] != INT64_MAX && oldest[c] + slack_ms[t] < oldest[t] &&
          oldest[t] > from_ms)
        coarser_older = true;
    if (covers || !coarser_older) return t;
  }
  return 2;
}

static hiro_err finish(snapvec *sv, metrics_snapshot **out, size_t *n) {
  free(sv->key);
  *out = sv->v;
  *n = sv->n;
  return HIRO_OK;
}

hiro_err store_query(store *s, double from, double to, size_t max_points, store_agg agg,
                     metrics_snapshot **out, size_t *n, int *resolution) {
  *out = NULL;
  *n = 0;
  if (resolution) *resolution = STORE_RES_RAW;
  if (!s || isnan(from) || isnan(to) || to < from) return HIRO_EINVAL;
  if (max_points == 0) max_points = 1;
  int slot;
  store_reader *r = reader_get(s, &slot);
  if (!r) return HIRO_EIO;
  snapvec sv = {0};
  hiro_err rc = HIRO_EIO;
  /* One read transaction: system and process rows from the same snapshot. */
  if (sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) goto out;
  int64_t from_ms = to_ms(from), to_ms_ = to_ms(to);
  int tier = choose_tier(r, from_ms, to_ms_, max_points);
  if (tier == 0) {
    rc = read_raw(r, from_ms, to_ms_, &sv);
  } else {
    rc = read_tier(r, tier - 1, agg, to_whole_seconds(from), to_whole_seconds(to), &sv);
  }
  if (resolution) *resolution = tier == 0 ? STORE_RES_RAW : (int)store_tier_seconds[tier - 1];
out:
  if (rc != HIRO_OK) log_warn("store: history query on %s: %s", s->path, sqlite3_errmsg(r->db));
  sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
  reader_put(s, r, slot);
  if (rc != HIRO_OK) {
    snapvec_free(&sv);
    return rc;
  }
  return finish(&sv, out, n);
}

/* Raw snapshots from from_ms on, handed to fn one at a time: raw_system and
 * raw_process (both ordered by ts_ms) are stepped side by side, so memory
 * holds one snapshot and its process rows however many rows there are
 * (materialising a 1,000,000-row restore first took ~0.9 GB at peak). */
static hiro_err stream_raw(store_reader *r, int64_t from_ms, store_snapshot_fn fn, void *ctx,
                           size_t *count) {
  ident_map procs = {0};
  proc_item *items = NULL;
  size_t n_items = 0, cap_items = 0;
  metrics_snapshot snap = {0};
  sqlite3_stmt *sys = r->raw_sys, *proc = r->raw_proc;
  hiro_err rc = HIRO_EIO;
  if (!load_idents(r->processes, true, &procs)) goto out;
  sqlite3_bind_int64(sys, 1, from_ms);
  sqlite3_bind_int64(sys, 2, INT64_MAX);
  sqlite3_bind_int64(proc, 1, from_ms);
  sqlite3_bind_int64(proc, 2, INT64_MAX);
  int step, proc_step = sqlite3_step(proc);
  while ((step = sqlite3_step(sys)) == SQLITE_ROW) {
    int64_t ts = sqlite3_column_int64(sys, 0);
    decode_raw_system(sys, &snap);
    n_items = 0;
    for (; proc_step == SQLITE_ROW; proc_step = sqlite3_step(proc)) {
      int64_t key = sqlite3_column_int64(proc, 0);
      if (key > ts) break;
      proc_item it;
      if (key == ts && raw_process_item(proc, &procs, &it)) /* else an orphan row */
        push_item(&items, &n_items, &cap_items, it);
    }
    if (proc_step != SQLITE_ROW && proc_step != SQLITE_DONE) break;
    attach_one(&snap, items, n_items);
    fn(ctx, &snap);
    snapshot_free(&snap);
    (*count)++;
  }
  if (step == SQLITE_DONE && (proc_step == SQLITE_ROW || proc_step == SQLITE_DONE)) rc = HIRO_OK;
out:
  sqlite3_reset(sys);
  sqlite3_reset(proc);
  snapshot_free(&snap);
  free(items);
  free(procs.v);
  return rc;
}

size_t store_load_recent_each(store *s, size_t max, store_snapshot_fn fn, void *ctx) {
  if (!s || max == 0) return 0;
  int slot;
  store_reader *r = reader_get(s, &slot);
  if (!r) return 0;
  size_t n = 0;
  if (sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(r->nth_newest, 1, (sqlite3_int64)(max - 1));
    int64_t from_ms = single_int(r->nth_newest, INT64_MIN);
    if (stream_raw(r, from_ms, fn, ctx, &n) != HIRO_OK)
      log_warn("store: reading recent history from %s stopped after %zu snapshots: %s", s->path,
               n, sqlite3_errmsg(r->db));
    sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
  }
  reader_put(s, r, slot);
  return n;
}

/* store_load_recent's collector: a deep copy of each streamed snapshot. */
static void collect_copy(void *ctx, const metrics_snapshot *snap) {
  snapvec *sv = ctx;
  snapshot_copy(snapvec_push(sv, 0), snap);
}

size_t store_load_recent(store *s, size_t max, metrics_snapshot **out) {
  snapvec sv = {0};
  size_t n = store_load_recent_each(s, max, collect_copy, &sv);
  finish(&sv, out, &n);
  return n;
}
