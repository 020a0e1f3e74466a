/* query.c - reads on read-only connections (a small pool, never the
 * writer's): read sessions for the history path (extent, counts, raw and
 * rollup points streamed oldest first), the recent-rows reload, and opening a
 * database for reading only. What to read is decided in src/history/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "store/store_internal.h"

enum { POOL = STORE_READERS };
/* Aggregates a rollup tier keeps per column (store_agg order). */
enum { AGGS = 3 };
/* Each pooled reader's page cache (KiB): up to four of them live as long as
 * the server, and SQLite's default (2 MB) left megabytes of cached pages in
 * the server's RSS after a burst of history reads. */
enum { READER_CACHE_KIB = 512 };
/* A reader waits this long for a lock (a checkpoint) before failing. */
enum { READER_BUSY_TIMEOUT_MS = 1000 };
/* First allocations of the growing arrays of a read. */
enum { IDENTS_INITIAL = 64, POINT_PROCS_INITIAL = 16, SNAPS_INITIAL = 256 };
/* store_open_readonly waits this long for a lock on a file being written. */
enum { READONLY_BUSY_TIMEOUT_MS = 2000 };

struct store_reader {
  unsigned gen; /* s->reader_gen when opened: older ones read a replaced file */
  sqlite3 *db;
  sqlite3_stmt *count_raw, *raw_oldest, *raw_newest, *nth_newest, *rolled_up;
  sqlite3_stmt *tier_oldest[TIERS], *tier_newest[TIERS];
  sqlite3_stmt *processes, *names;
  sqlite3_stmt *raw_sys, *raw_proc;
  sqlite3_stmt *tier_sys[TIERS][AGGS], *tier_proc[TIERS][AGGS]; /* [tier][agg] */
};

static const char *const agg_suffix[AGGS] = {"avg", "min", "max"};

static void reader_free(store_reader *r) {
  if (!r) return;
  sqlite3_stmt **flat[] = {
      &r->count_raw,      &r->raw_oldest,     &r->raw_newest,     &r->nth_newest,     &r->rolled_up,
      &r->tier_oldest[0], &r->tier_oldest[1], &r->tier_newest[0], &r->tier_newest[1], &r->processes,
      &r->names,          &r->raw_sys,        &r->raw_proc};
  for (size_t i = 0; i < HIRO_ARRAY_LEN(flat); i++) sqlite3_finalize(*flat[i]);
  for (int t = 0; t < TIERS; t++)
    for (int a = 0; a < AGGS; a++) {
      sqlite3_finalize(r->tier_sys[t][a]);
      sqlite3_finalize(r->tier_proc[t][a]);
    }
  sqlite3_close(r->db);
  free(r);
}

static int prep(store_reader *r, const char *sql, sqlite3_stmt **stmt) {
  return sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL);
}

/* Prepare "SELECT <lead>,<column>[_<suffix>]... FROM <from>". Returns an
 * SQLite error code (0 on success). */
static int prep_columns(store_reader *r, sqlite3_stmt **stmt, const char *lead,
                        const model_column *cols, int n, const char *suffix, const char *from) {
  strbuf sql;
  sb_init(&sql, 2048);
  sb_printf(&sql, "SELECT %s", lead);
  for (int i = 0; i < n; i++) sb_printf(&sql, ",%s%s%s", cols[i].db, *suffix ? "_" : "", suffix);
  sb_printf(&sql, " FROM %s", from);
  int rc = prep(r, sql.data, stmt);
  sb_free(&sql);
  return rc;
}

/* The rollup statements of tier t: system rows (bucket, the group counts,
 * then the agg column of every figure) and process rows (bucket, name_id,
 * pid, the group counts, figures). */
static int prep_tier(store_reader *r, int t) {
  for (int a = 0; a < AGGS; a++) {
    strbuf lead;
    sb_init(&lead, 256);
    sb_puts(&lead, "bucket*1000");
    for (int g = 0; g < MODEL_SYS_GROUPS; g++)
      sb_printf(&lead, ",%s", model_sys_groups[g].count_column);
    char from[160];
    snprintf(from, sizeof from,
             "system_%s WHERE bucket BETWEEN ?1/1000 AND ?2/1000 ORDER BY bucket",
             store_tiers[t].suffix);
    int rc = prep_columns(r, &r->tier_sys[t][a], lead.data, model_sys_columns, SYS_FIELDS,
                          agg_suffix[a], from);
    sb_free(&lead);
    if (rc) return rc;
    snprintf(from, sizeof from,
             "process_%s WHERE bucket BETWEEN ?1/1000 AND ?2/1000 ORDER BY bucket, name_id",
             store_tiers[t].suffix);
    sb_init(&lead, 256);
    sb_puts(&lead, "bucket*1000,name_id,pid");
    for (int g = 0; g < MODEL_PROC_GROUPS; g++)
      sb_printf(&lead, ",%s", model_proc_groups[g].count_column);
    rc = prep_columns(r, &r->tier_proc[t][a], lead.data, model_proc_columns, PROC_FIELDS,
                      agg_suffix[a], from);
    sb_free(&lead);
    if (rc) return rc;
  }
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT min(bucket)*1000 FROM system_%s", store_tiers[t].suffix);
  if (prep(r, sql, &r->tier_oldest[t])) return 1;
  snprintf(sql, sizeof sql, "SELECT max(bucket)*1000 FROM system_%s", store_tiers[t].suffix);
  return prep(r, sql, &r->tier_newest[t]);
}

static store_reader *reader_open(store *s) {
  store_reader *r = xcalloc(1, sizeof *r);
  if (sqlite3_open_v2(s->path, &r->db,
                      SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
                      NULL) != SQLITE_OK)
    goto fail;
  sqlite3_busy_timeout(r->db, READER_BUSY_TIMEOUT_MS);
  char pragma[64];
  snprintf(pragma, sizeof pragma, "PRAGMA cache_size=-%d", READER_CACHE_KIB);
  sqlite3_exec(r->db, pragma, NULL, NULL, NULL);
  if (prep(r,
           "SELECT count(*) FROM (SELECT 1 FROM raw_system WHERE ts_ms BETWEEN ?1 AND ?2 "
           "LIMIT ?3)",
           &r->count_raw) ||
      prep(r, "SELECT min(ts_ms) FROM raw_system", &r->raw_oldest) ||
      prep(r, "SELECT max(ts_ms) FROM raw_system", &r->raw_newest) ||
      prep(r, "SELECT value FROM meta WHERE key = ?1", &r->rolled_up) ||
      prep(r, "SELECT ts_ms FROM raw_system ORDER BY ts_ms DESC LIMIT 1 OFFSET ?1",
           &r->nth_newest) ||
      prep(r,
           "SELECT p.id, n.kind, n.name, p.pid FROM process p "
           "JOIN process_name n ON n.id = p.name_id ORDER BY p.id",
           &r->processes) ||
      prep(r, "SELECT id, kind, name FROM process_name ORDER BY id", &r->names) ||
      prep_columns(r, &r->raw_proc, "ts_ms,process_id", model_proc_columns, PROC_FIELDS, "",
                   "raw_process WHERE ts_ms BETWEEN ?1 AND ?2 ORDER BY ts_ms, process_id") ||
      prep_columns(r, &r->raw_sys, "ts_ms", model_sys_columns, SYS_FIELDS, "",
                   "raw_system WHERE ts_ms BETWEEN ?1 AND ?2 ORDER BY ts_ms"))
    goto fail;
  for (int t = 0; t < TIERS; t++)
    if (prep_tier(r, t)) goto fail;
  return r;
fail:
  log_warn("store: read-only connection to %s: %s", s->path,
           r->db ? sqlite3_errmsg(r->db) : "out of memory");
  reader_free(r);
  return NULL;
}

store_reader *reader_acquire(store *s, int *slot) {
  /* Until the writer has switched to a file that replaced ours, the path
   * pairs it with our -wal: reading it would read garbage. */
  if (db_file_gone(s)) {
    writer_request_reopen(s);
    return NULL;
  }
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
  return reader_open(s); /* temporary: freed by reader_release */
}

sqlite3 *reader_db(store_reader *r) { return r->db; }

void reader_release(store *s, store_reader *r, int slot) {
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

/* ---- read sessions ---- */

/* Process identity by id (process.id for raw rows, process_name.id for
 * rollups). */
typedef struct {
  int64_t id;
  int kind;
  int pid;
  char name[HIRO_NAME_MAX];
} ident;
/* Sorted by id (the statements read in id order): any id, however large,
 * is found by binary search. */
typedef struct {
  ident *v;
  size_t n, cap;
  bool loaded;
} ident_map;

struct store_read {
  store *s;
  store_reader *r;
  int slot;
  ident_map procs, names;
  store_proc_point *pp; /* the current point's processes */
  size_t cap_pp;
};

store_read *store_read_begin(store *s) {
  /* A replaced file is switched to first (never read with the old -wal).
   * Snapshots still queued for a group commit are not waited for: the
   * history path takes them from the ring, which holds every snapshot newer
   * than the newest raw row. */
  writer_sync_for_read(s, -INFINITY);
  int slot;
  store_reader *r = reader_acquire(s, &slot);
  if (!r) return NULL;
  /* One read transaction: every read of the session sees one state. */
  if (sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
    log_warn("store: reading %s: %s", s->path, sqlite3_errmsg(r->db));
    reader_release(s, r, slot);
    return NULL;
  }
  store_read *rd = xcalloc(1, sizeof *rd);
  rd->s = s;
  rd->r = r;
  rd->slot = slot;
  return rd;
}

void store_read_end(store_read *rd) {
  if (!rd) return;
  sqlite3_exec(rd->r->db, "COMMIT", NULL, NULL, NULL);
  reader_release(rd->s, rd->r, rd->slot);
  free(rd->procs.v);
  free(rd->names.v);
  free(rd->pp);
  free(rd);
}

/* Step a one-value statement: 1 with *out set, 0 for NULL or no row, -1 on
 * an error. */
static int single_int(sqlite3_stmt *stmt, int64_t *out) {
  int rc = sqlite3_step(stmt), found = 0;
  if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
    *out = sqlite3_column_int64(stmt, 0);
    found = 1;
  } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    found = -1;
  }
  sqlite3_reset(stmt);
  return found;
}

hiro_err store_read_extent(store_read *rd, store_extent *out) {
  store_reader *r = rd->r;
  memset(out, 0, sizeof *out);
  int got = single_int(r->raw_oldest, &out->raw_oldest_ms), failed = got < 0;
  out->has_raw = got > 0;
  out->raw_newest_ms = out->raw_oldest_ms;
  failed |= single_int(r->raw_newest, &out->raw_newest_ms) < 0;
  for (int t = 0; t < TIERS; t++) {
    got = single_int(r->tier_oldest[t], &out->tier_oldest_ms[t]);
    failed |= got < 0;
    out->has_tier[t] = got > 0;
    out->tier_newest_ms[t] = out->tier_oldest_ms[t];
    failed |= single_int(r->tier_newest[t], &out->tier_newest_ms[t]) < 0;
    sqlite3_bind_text(r->rolled_up, 1, store_tiers[t].meta_key, -1, SQLITE_STATIC);
    got = single_int(r->rolled_up, &out->rolled_up_ms[t]);
    failed |= got < 0;
    if (got <= 0) out->rolled_up_ms[t] = INT64_MIN;
  }
  if (failed) log_warn("store: reading %s: %s", rd->s->path, sqlite3_errmsg(r->db));
  return failed ? HIRO_EIO : HIRO_OK;
}

int64_t store_read_count_raw(store_read *rd, int64_t from_ms, int64_t to_ms, int64_t limit) {
  sqlite3_stmt *stmt = rd->r->count_raw;
  sqlite3_bind_int64(stmt, 1, from_ms);
  sqlite3_bind_int64(stmt, 2, to_ms);
  sqlite3_bind_int64(stmt, 3, limit);
  int64_t n = 0;
  single_int(stmt, &n);
  return n;
}

/* Load (once per session) the ids of process (with_pid) or process_name. */
static bool load_idents(sqlite3_stmt *stmt, bool with_pid, ident_map *m) {
  if (m->loaded) return true;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (m->n == m->cap) {
      m->cap = m->cap ? 2 * m->cap : IDENTS_INITIAL;
      m->v = xrealloc(m->v, m->cap * sizeof *m->v);
    }
    ident *e = &m->v[m->n++];
    e->id = sqlite3_column_int64(stmt, 0);
    e->kind = sqlite3_column_int(stmt, 1);
    const unsigned char *name = sqlite3_column_text(stmt, 2);
    hiro_strlcpy(e->name, name ? (const char *)name : "", sizeof e->name);
    e->pid = with_pid ? sqlite3_column_int(stmt, 3) : 0;
  }
  sqlite3_reset(stmt);
  m->loaded = rc == SQLITE_DONE;
  return m->loaded;
}

/* How the columns of a system and a process statement are laid out. */
typedef struct {
  bool rollup;     /* the counts come from columns, not presence */
  int first_value; /* system: first figure column */
  int proc_first;  /* process: first figure column */
} row_layout;

/* Fill p's system part from the current row of stmt. */
static void system_point(sqlite3_stmt *stmt, const row_layout *l, store_point *p) {
  p->ts_ms = sqlite3_column_int64(stmt, 0);
  for (int i = 0; i < SYS_FIELDS; i++) {
    int col = l->first_value + i;
    p->v[i] = sqlite3_column_type(stmt, col) == SQLITE_NULL ? 0 : sqlite3_column_double(stmt, col);
  }
  if (l->rollup) {
    for (int g = 0; g < MODEL_SYS_GROUPS; g++) p->n[g] = sqlite3_column_int64(stmt, 1 + g);
    return;
  }
  /* A raw row's group is present when its first column is not NULL. */
  for (int i = SYS_FIELDS - 1; i >= 0; i--)
    p->n[model_sys_columns[i].group] = sqlite3_column_type(stmt, l->first_value + i) != SQLITE_NULL;
}

static const ident *ident_find(const ident_map *m, int64_t id) {
  size_t lo = 0, hi = m->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (m->v[mid].id < id)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < m->n && m->v[lo].id == id ? &m->v[lo] : NULL;
}

/* Append the process row at stmt to the session's buffer; false when its id
 * is unknown (skipped). */
static bool process_point(store_read *rd, sqlite3_stmt *stmt, const row_layout *l, size_t k) {
  const ident_map *ids = l->rollup ? &rd->names : &rd->procs;
  const ident *who = ident_find(ids, sqlite3_column_int64(stmt, 1));
  if (!who) return false;
  if (k == rd->cap_pp) {
    rd->cap_pp = rd->cap_pp ? 2 * rd->cap_pp : POINT_PROCS_INITIAL;
    rd->pp = xrealloc(rd->pp, rd->cap_pp * sizeof *rd->pp);
  }
  store_proc_point *pp = &rd->pp[k];
  pp->kind = who->kind;
  pp->name = who->name;
  pp->pid = l->rollup ? sqlite3_column_int(stmt, 2) : who->pid;
  for (int i = 0; i < PROC_FIELDS; i++) pp->v[i] = sqlite3_column_double(stmt, l->proc_first + i);
  if (l->rollup) {
    for (int g = 0; g < MODEL_PROC_GROUPS; g++) pp->n[g] = sqlite3_column_int64(stmt, 3 + g);
    return true;
  }
  /* A raw row's group is present when its first column is not NULL (a
   * figure that was not measured is stored as NULL, never 0). */
  for (int i = PROC_FIELDS - 1; i >= 0; i--)
    pp->n[model_proc_columns[i].group] =
        sqlite3_column_type(stmt, l->proc_first + i) != SQLITE_NULL;
  return true;
}

/* Step the system and the process statement together (both ordered by
 * time), handing one point per system row to fn. Process rows without a
 * system row are skipped. */
static hiro_err stream(store_read *rd, sqlite3_stmt *sys, sqlite3_stmt *proc, const row_layout *l,
                       int64_t from_ms, int64_t to_ms, store_point_fn fn, void *ctx) {
  sqlite3_bind_int64(sys, 1, from_ms);
  sqlite3_bind_int64(sys, 2, to_ms);
  sqlite3_bind_int64(proc, 1, from_ms);
  sqlite3_bind_int64(proc, 2, to_ms);
  int pstep = sqlite3_step(proc), step;
  store_point p;
  while ((step = sqlite3_step(sys)) == SQLITE_ROW) {
    memset(&p, 0, sizeof p);
    system_point(sys, l, &p);
    size_t k = 0;
    while (pstep == SQLITE_ROW && sqlite3_column_int64(proc, 0) < p.ts_ms)
      pstep = sqlite3_step(proc);
    for (; pstep == SQLITE_ROW && sqlite3_column_int64(proc, 0) == p.ts_ms;
         pstep = sqlite3_step(proc))
      k += process_point(rd, proc, l, k);
    p.procs = rd->pp;
    p.n_procs = k;
    if (!fn(ctx, &p)) {
      step = SQLITE_DONE;
      break;
    }
  }
  bool ok = step == SQLITE_DONE && (pstep == SQLITE_ROW || pstep == SQLITE_DONE);
  if (!ok) log_warn("store: reading %s: %s", rd->s->path, sqlite3_errmsg(rd->r->db));
  sqlite3_reset(sys);
  sqlite3_reset(proc);
  return ok ? HIRO_OK : HIRO_EIO;
}

hiro_err store_read_raw(store_read *rd, int64_t from_ms, int64_t to_ms, store_point_fn fn,
                        void *ctx) {
  if (!load_idents(rd->r->processes, true, &rd->procs)) return HIRO_EIO;
  /* raw_sys: ts_ms, figures; raw_proc: ts_ms, process_id, figures */
  const row_layout l = {false, 1, 2};
  return stream(rd, rd->r->raw_sys, rd->r->raw_proc, &l, from_ms, to_ms, fn, ctx);
}

hiro_err store_read_tier(store_read *rd, int tier, store_agg agg, int64_t from_ms, int64_t to_ms,
                         store_point_fn fn, void *ctx) {
  if (tier < 0 || tier >= TIERS) return HIRO_EINVAL;
  if (!load_idents(rd->r->names, false, &rd->names)) return HIRO_EIO;
  int a = agg == STORE_AGG_MIN ? 1 : agg == STORE_AGG_MAX ? 2 : 0;
  /* tier_sys: bucket, counts, figures; tier_proc: bucket, name_id, pid,
   * counts, figures */
  const row_layout l = {true, 1 + MODEL_SYS_GROUPS, 3 + MODEL_PROC_GROUPS};
  /* Bucket bounds are whole seconds: round the range outwards. */
  int64_t lo = from_ms >= 0 ? from_ms / 1000 * 1000 : -((-from_ms + 999) / 1000) * 1000;
  return stream(rd, rd->r->tier_sys[tier][a], rd->r->tier_proc[tier][a], &l, lo, to_ms, fn, ctx);
}

/* ---- the recent-rows reload ---- */

void store_point_to_snapshot(const store_point *p, metrics_snapshot *snap) {
  snapshot_free(snap);
  snap->timestamp = (double)p->ts_ms / 1000.0;
  bool present[MODEL_SYS_GROUPS];
  for (int g = 0; g < MODEL_SYS_GROUPS; g++) present[g] = p->n[g] > 0;
  store_decode_system(p->v, present, snap);
  size_t kids = 0;
  for (size_t i = 0; i < p->n_procs; i++) kids += p->procs[i].kind != 0;
  if (kids) snap->children = xcalloc(kids, sizeof *snap->children);
  for (size_t i = 0; i < p->n_procs; i++) {
    const store_proc_point *pp = &p->procs[i];
    bool groups[MODEL_PROC_GROUPS];
    for (int g = 0; g < MODEL_PROC_GROUPS; g++) groups[g] = pp->n[g] > 0;
    if (pp->kind == 0) {
      snap->has_process = true;
      store_decode_process(pp->v, groups, pp->pid, &snap->process);
    } else {
      process_metrics *c = &snap->children[snap->n_children++];
      hiro_strlcpy(c->name, pp->name, sizeof c->name);
      store_decode_process(pp->v, groups, pp->pid, c);
    }
  }
}

typedef struct {
  store_snapshot_fn fn;
  void *ctx;
  metrics_snapshot snap;
  size_t count;
} recent_stream;

static bool hand_over(void *ctx, const store_point *p) {
  recent_stream *rs = ctx;
  store_point_to_snapshot(p, &rs->snap);
  rs->fn(rs->ctx, &rs->snap);
  rs->count++;
  return true;
}

/* The points are streamed (raw_system and raw_process stepped side by
 * side): memory holds one snapshot however many rows there are. */
size_t store_load_recent_each(store *s, size_t max, store_snapshot_fn fn, void *ctx) {
  if (!s || max == 0) return 0;
  store_read *rd = store_read_begin(s);
  if (!rd) return 0;
  recent_stream rs = {.fn = fn, .ctx = ctx};
  int64_t from_ms = INT64_MIN;
  sqlite3_bind_int64(rd->r->nth_newest, 1, (sqlite3_int64)(max - 1));
  single_int(rd->r->nth_newest, &from_ms);
  if (store_read_raw(rd, from_ms, INT64_MAX, hand_over, &rs) != HIRO_OK)
    log_warn("store: reading recent history from %s stopped after %zu snapshots", s->path,
             rs.count);
  snapshot_free(&rs.snap);
  store_read_end(rd);
  return rs.count;
}

typedef struct {
  metrics_snapshot *v;
  size_t n, cap;
} snapvec;

/* store_load_recent's collector: a deep copy of each streamed snapshot. */
static void collect_copy(void *ctx, const metrics_snapshot *snap) {
  snapvec *sv = ctx;
  if (sv->n == sv->cap) {
    sv->cap = sv->cap ? 2 * sv->cap : SNAPS_INITIAL;
    sv->v = xrealloc(sv->v, sv->cap * sizeof *sv->v);
  }
  memset(&sv->v[sv->n], 0, sizeof sv->v[sv->n]);
  snapshot_copy(&sv->v[sv->n++], snap);
}

size_t store_load_recent(store *s, size_t max, metrics_snapshot **out) {
  snapvec sv = {0};
  store_load_recent_each(s, max, collect_copy, &sv);
  *out = sv.v;
  return sv.n;
}

/* ---- opening for reading only ---- */

/* The schema version of the file at path (read-only), or -1 after setting
 * err; *app_id gets its application_id. */
static int file_schema_version(const char *path, int64_t *app_id, char *err, size_t errlen) {
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int version = -1;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK) {
    hiro_set_err(err, errlen, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "no memory");
    goto out;
  }
  sqlite3_busy_timeout(db, READONLY_BUSY_TIMEOUT_MS);
  if (sqlite3_prepare_v2(db,
                         "SELECT user_version, application_id FROM pragma_user_version, "
                         "pragma_application_id",
                         -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step(stmt) != SQLITE_ROW) {
    hiro_set_err(err, errlen, "%s: not an SQLite database (or a damaged one): %s", path,
                 sqlite3_errmsg(db));
    goto out;
  }
  version = sqlite3_column_int(stmt, 0);
  *app_id = sqlite3_column_int64(stmt, 1);
out:
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return version;
}

hiro_err store_open_readonly(const char *path, store **out, char *err, size_t errlen) {
  *out = NULL;
  struct stat st;
  if (stat(path, &st) != 0) {
    hiro_set_err(err, errlen, "%s: no such database file", path);
    return HIRO_ENOENT;
  }
  int64_t app_id = 0;
  int version = file_schema_version(path, &app_id, err, errlen);
  if (version < 0) return HIRO_EIO;
  int latest = store_schema_version();
  /* Files of ours carry our application_id from migration 0009 on. */
  if (version == 0 || (app_id != STORE_APPLICATION_ID && version > STORE_LAST_UNMARKED_VERSION)) {
    hiro_set_err(err, errlen, "%s: not a hirocli metrics database", path);
    return HIRO_ESCHEMA;
  }
  if (version != latest) {
    hiro_set_err(err, errlen, "%s: schema version %d, this hirocli reads version %d (%s)", path,
                 version, latest,
                 version > latest ? "upgrade hirocli" : "start the server once to upgrade it");
    return HIRO_ESCHEMA;
  }
  store *s = xcalloc(1, sizeof *s);
  hiro_strlcpy(s->path, path, sizeof s->path);
  pthread_mutex_init(&s->lock, NULL);
  pthread_mutex_init(&s->pool_lock, NULL);
  pthread_mutex_init(&s->db_lock, NULL);
  pthread_cond_init(&s->work, NULL);
  pthread_cond_init(&s->done, NULL);
  s->oldest_raw_ms = INT64_MAX;
  /* Opening one reader now checks that every statement prepares. */
  store_read *rd = store_read_begin(s);
  if (!rd) {
    hiro_set_err(err, errlen, "%s: cannot read the metrics tables (see the log)", path);
    store_close(s);
    return HIRO_EIO;
  }
  store_read_end(rd);
  *out = s;
  return HIRO_OK;
}
