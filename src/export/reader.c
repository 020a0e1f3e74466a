/* reader.c - the exporter's database side: open read-only, check the schema,
 * choose the tier, and stream one SELECT into CSV rows.
 *
 * This file includes sqlite3.h although STYLE.md keeps SQLite inside
 * src/store/: it is the documented exception. CONTRACT §1 and §9 have
 * hiro-metrics-export read the database directly, as an independent
 * read-only client that works while a server writes (a WAL reader), without
 * the store's writer thread, migrations or retention. It reads the tables of
 * schema/schema.sql and nothing else.
 *
 * Memory stays constant however long the range: one prepared statement is
 * stepped and every row is written out at once; the ORDER BY of each query
 * follows a primary key so that SQLite never sorts (CROSS JOIN fixes the
 * loop order with the time-ordered table outermost). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/export.h"
#include "model/columns.h"
#include "history/plan.h"
#include "store/store.h"

/* The first schema version with every column read here (0008_process_facts:
 * nullable process figures and the tree columns). */
enum { EXPORT_MIN_SCHEMA = 8 };

/* The columns and their CSV names come from model/columns.h (the same names
 * as the v_* views). */
/* The widest row: the ids, then at most 49 bytes a cell. */
enum {
  MAX_CELLS = (int)MODEL_SYS_COLUMNS > (int)MODEL_PROC_COLUMNS ? (int)MODEL_SYS_COLUMNS
                                                               : (int)MODEL_PROC_COLUMNS,
  LINE_MAX_BYTES = 160 + 50 * MAX_CELLS
};

static const char *const agg_suffix[] = {"avg", "min", "max"};

/* --- opening and checking --- */

/* Open path read-only and check that it is a metrics database this binary
 * can read. On error *out is NULL and err says why. */
static hiro_err open_db(const char *path, sqlite3 **out, char *err, size_t errlen) {
  *out = NULL;
  struct stat st;
  if (stat(path, &st) != 0) {
    hiro_set_err(err, errlen, "%s: %s", path,
                 errno == ENOENT ? "no such database file" : strerror(errno));
    return errno == ENOENT ? HIRO_ENOENT : HIRO_EIO;
  }
  if (S_ISDIR(st.st_mode)) {
    hiro_set_err(err, errlen, "%s: is a directory, not a database file", path);
    return HIRO_EIO;
  }
  /* SQLite's own message for this is a vague "unable to open database file". */
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    hiro_set_err(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    return HIRO_EIO;
  }
  close(fd);

  sqlite3 *db = NULL;
  hiro_err rc = HIRO_EIO;
  sqlite3_stmt *st_version = NULL, *st_tables = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    hiro_set_err(err, errlen, "%s: cannot open: %s", path,
                 db ? sqlite3_errmsg(db) : "out of memory");
    goto out;
  }
  /* A WAL reader waits only while a writer resets the WAL or recovers it. */
  sqlite3_busy_timeout(db, 5000);
  /* Preparing reads the schema: a file that is not a database fails here. */
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st_version, NULL) != SQLITE_OK ||
      sqlite3_step(st_version) != SQLITE_ROW) {
    int code = sqlite3_errcode(db);
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
      hiro_set_err(err, errlen, "%s: not an SQLite database (or a damaged one)", path);
    else
      hiro_set_err(err, errlen, "%s: cannot read: %s", path, sqlite3_errmsg(db));
    goto out;
  }
  int64_t version = sqlite3_column_int64(st_version, 0);
  int latest = store_schema_version();
  rc = HIRO_ESCHEMA;
  if (version > latest) {
    hiro_set_err(err, errlen,
                 "%s: schema version %" PRId64 " is too new: this exporter reads versions %d to %d "
                 "(upgrade hirocli)",
                 path, version, EXPORT_MIN_SCHEMA, latest);
    goto out;
  }
  static const char *const needed[] = {"raw_system", "raw_process", "process",    "process_name",
                                       "system_1m",  "system_1h",   "process_1m", "process_1h"};
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'", -1,
                         &st_tables, NULL) != SQLITE_OK ||
      sqlite3_step(st_tables) != SQLITE_ROW) {
    hiro_set_err(err, errlen, "%s: cannot read the schema: %s", path, sqlite3_errmsg(db));
    rc = HIRO_EIO;
    goto out;
  }
  int64_t tables = sqlite3_column_int64(st_tables, 0);
  if (version == 0 && tables > 0) {
    hiro_set_err(err, errlen, "%s: an SQLite database that is not a hirocli metrics database",
                 path);
    goto out;
  }
  if (version < EXPORT_MIN_SCHEMA) {
    hiro_set_err(err, errlen,
                 "%s: schema version %" PRId64 " is too old (an empty or uninitialised "
                 "database; the exporter needs version %d to %d)",
                 path, version, EXPORT_MIN_SCHEMA, latest);
    goto out;
  }
  sqlite3_finalize(st_tables);
  st_tables = NULL;
  if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", -1,
                         &st_tables, NULL) != SQLITE_OK) {
    hiro_set_err(err, errlen, "%s: cannot read the schema: %s", path, sqlite3_errmsg(db));
    rc = HIRO_EIO;
    goto out;
  }
  for (size_t i = 0; i < HIRO_ARRAY_LEN(needed); i++) {
    sqlite3_reset(st_tables);
    sqlite3_bind_text(st_tables, 1, needed[i], -1, SQLITE_STATIC);
    if (sqlite3_step(st_tables) != SQLITE_ROW) {
      hiro_set_err(err, errlen,
                   "%s: schema version %" PRId64 " has no table %s: too old or damaged", path,
                   version, needed[i]);
      goto out;
    }
  }
  rc = HIRO_OK;
out:
  sqlite3_finalize(st_version);
  sqlite3_finalize(st_tables);
  if (rc != HIRO_OK) {
    sqlite3_close(db);
    return rc;
  }
  *out = db;
  return HIRO_OK;
}

/* --- the range and the tier --- */

/* Round x to an integer when it is within float noise of one, else apply
 * f (ceil or floor): 1795824902.123 * 1000 must stay ...123. */
static int64_t to_int(double x, double (*f)(double)) {
  if (x <= -9e15) return INT64_MIN / 2;
  if (x >= 9e15) return INT64_MAX / 2;
  double r = round(x);
  return (int64_t)(fabs(x - r) < 1e-4 ? r : f(x));
}

/* --resolution auto: history/plan.c decides, as for REST history (there
 * with max_points, here with no limit and only whole tiers): the range is
 * clamped to the data stored, then the finest tier whose data reaches back
 * to its start. Read through a read-only store handle; an empty database
 * gives raw. */
static hiro_err choose_tier(const export_options *o, int *out, char *err, size_t errlen) {
  store *s = NULL;
  hiro_err rc = store_open_readonly(o->db_path, &s, err, errlen);
  if (rc != HIRO_OK) return rc;
  history_facts f = {.has_store = true};
  store_read *rd = store_read_begin(s);
  if (!rd || store_read_extent(rd, &f.ext) != HIRO_OK) {
    hiro_set_err(err, errlen, "%s: cannot read the tiers' extent", o->db_path);
    rc = HIRO_EIO;
  } else {
    history_span sp;
    history_clamp(&f, o->has_from ? to_int(o->from * 1000, ceil) : INT64_MIN / 2,
                  o->has_to ? to_int(o->to * 1000, floor) : INT64_MAX / 2, &sp);
    history_counts c = {.max_points = 0, .tiers_only = true};
    history_plan plan;
    history_choose(&f, &sp, &c, &plan);
    *out = (int)plan.resolution;
  }
  store_read_end(rd);
  store_close(s);
  return rc;
}

/* --- the query --- */

/* Build the SELECT for table/tier/agg: columns ts_ms, samples, [kind, name,
 * pid,] then the value columns. Identifiers come from the tables above;
 * every value is bound (?1 low, ?2 high, ?3 process name or NULL). */
static void build_sql(export_table table, int res, export_agg agg, char *sql, size_t n) {
  size_t len = 0;
#define ADD(...) len += (size_t)snprintf(sql + len, len < n ? n - len : 0, __VA_ARGS__)
  const model_column *cols = table == EXPORT_TABLE_SYSTEM ? model_sys_columns : model_proc_columns;
  size_t ncols = table == EXPORT_TABLE_SYSTEM ? MODEL_SYS_COLUMNS : MODEL_PROC_COLUMNS;
  const char *tier = res == EXPORT_RES_1M ? "1m" : "1h";
  if (res == EXPORT_RES_RAW) {
    if (table == EXPORT_TABLE_SYSTEM)
      ADD("SELECT r.ts_ms, 1, r.%s", model_sys_columns[MODEL_SYS_INTERVAL].db);
    else
      ADD("SELECT r.ts_ms, 1, n.kind, n.name, p.pid");
    for (size_t i = 0; i < ncols; i++) ADD(", r.%s", cols[i].db);
    if (table == EXPORT_TABLE_SYSTEM)
      ADD(" FROM raw_system r WHERE r.ts_ms BETWEEN ?1 AND ?2 ORDER BY r.ts_ms");
    else
      ADD(" FROM raw_process r CROSS JOIN process p CROSS JOIN process_name n"
          " WHERE p.id = r.process_id AND n.id = p.name_id AND r.ts_ms BETWEEN ?1 AND ?2"
          " AND (?3 IS NULL OR n.name = ?3) ORDER BY r.ts_ms, r.process_id");
  } else {
    if (table == EXPORT_TABLE_SYSTEM)
      ADD("SELECT r.bucket * 1000, r.n, r.%s_avg * r.n", model_sys_columns[MODEL_SYS_INTERVAL].db);
    else
      ADD("SELECT r.bucket * 1000, r.n_measured, n.kind, n.name, r.pid");
    for (size_t i = 0; i < ncols; i++) ADD(", r.%s_%s", cols[i].db, agg_suffix[agg]);
    if (table == EXPORT_TABLE_SYSTEM)
      ADD(" FROM system_%s r WHERE r.bucket BETWEEN ?1 AND ?2 ORDER BY r.bucket", tier);
    else
      ADD(" FROM process_%s r CROSS JOIN process_name n WHERE n.id = r.name_id"
          " AND r.bucket BETWEEN ?1 AND ?2 AND (?3 IS NULL OR n.name = ?3)"
          " ORDER BY r.bucket, r.name_id",
          tier);
  }
#undef ADD
}

/* The model_lists index of a list table, or -1. */
static int list_of(export_table table) {
  return table >= EXPORT_TABLE_FILESYSTEMS && table <= EXPORT_TABLE_INTERFACES
             ? (int)(table - EXPORT_TABLE_FILESYSTEMS)
             : -1;
}

/* The SELECT of a list table: ts_ms, samples, name, then its columns; ?3
 * (the process filter) does not apply to lists. */
static void build_list_sql(int l, int res, export_agg agg, char *sql, size_t n) {
  const model_list *ml = &model_lists[l];
  size_t len = 0;
#define ADD(...) len += (size_t)snprintf(sql + len, len < n ? n - len : 0, __VA_ARGS__)
  ADD(res == EXPORT_RES_RAW ? "SELECT r.ts_ms, 1, n.name" : "SELECT r.bucket * 1000, r.n, n.name");
  for (int c = 0; c < ml->n_columns; c++) {
    if (res == EXPORT_RES_RAW)
      ADD(", r.%s", ml->columns[c].db);
    else
      ADD(", r.%s_%s", ml->columns[c].db, agg_suffix[agg]);
  }
  if (res == EXPORT_RES_RAW)
    ADD(" FROM raw_%s r CROSS JOIN list_name n WHERE n.id = r.name_id AND r.ts_ms BETWEEN ?1"
        " AND ?2 AND ?3 IS NULL ORDER BY r.ts_ms, r.name_id",
        ml->table);
  else
    ADD(" FROM %s_%s r CROSS JOIN list_name n WHERE n.id = r.name_id AND r.bucket BETWEEN ?1"
        " AND ?2 AND ?3 IS NULL ORDER BY r.bucket, r.name_id",
        ml->table, res == EXPORT_RES_1M ? "1m" : "1h");
#undef ADD
}

static bool write_list_header(FILE *f, int l) {
  const model_list *ml = &model_lists[l];
  fprintf(f, "time,timestamp,samples,%s", ml->label);
  for (int c = 0; c < ml->n_columns; c++) fprintf(f, ",%s", ml->columns[c].name);
  return fputs(CSV_EOL, f) != EOF;
}

/* Events: every column of the events table, oldest first. */
static const char events_sql[] =
    "SELECT ts_ms, kind, process, pid, detail, exit_code, signal, errno, cpu_seconds,"
    " lifetime_seconds, delay_seconds FROM events WHERE ts_ms BETWEEN ?1 AND ?2"
    " AND (?3 IS NULL OR process = ?3) ORDER BY ts_ms, id";
static const char events_header[] = "time,timestamp,kind,process,pid,detail,exit_code,signal,"
                                    "errno,cpu_seconds,lifetime_seconds,delay_seconds";

/* One event: the times, then each column as stored (text quoted as needed,
 * NULL as an empty cell). */
static void write_event_row(FILE *f, sqlite3_stmt *stmt) {
  char cell[64];
  int64_t ms = (int64_t)sqlite3_column_int64(stmt, 0);
  csv_format_iso(ms, true, cell, sizeof cell);
  fputs(cell, f);
  fprintf(f, ",%lld.%03d", (long long)(ms / 1000), (int)(ms % 1000)); /* all three decimals */
  for (int i = 1; i < sqlite3_column_count(stmt); i++) {
    fputc(',', f);
    switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_NULL: break;
    case SQLITE_INTEGER:
      *csv_put_int(cell, (int64_t)sqlite3_column_int64(stmt, i)) = '\0';
      fputs(cell, f);
      break;
    case SQLITE_FLOAT:
      csv_format_real(sqlite3_column_double(stmt, i), cell, sizeof cell);
      fputs(cell, f);
      break;
    default: {
      const char *text = (const char *)sqlite3_column_text(stmt, i);
      csv_write_field(f, text ? text : "", text ? strlen(text) : 0);
    }
    }
  }
  fputs(CSV_EOL, f);
}

static bool write_header(FILE *f, export_table table) {
  if (table == EXPORT_TABLE_EVENTS) return fprintf(f, "%s" CSV_EOL, events_header) > 0;
  if (list_of(table) >= 0) return write_list_header(f, list_of(table));
  const model_column *cols = table == EXPORT_TABLE_SYSTEM ? model_sys_columns : model_proc_columns;
  size_t ncols = table == EXPORT_TABLE_SYSTEM ? MODEL_SYS_COLUMNS : MODEL_PROC_COLUMNS;
  fputs("time,timestamp,samples", f);
  /* seconds: what the row covers (raw: its interval), for exact amounts. */
  fputs(table == EXPORT_TABLE_PROCESSES ? ",kind,name,pid" : ",seconds", f);
  for (size_t i = 0; i < ncols; i++) fprintf(f, ",%s", cols[i].name);
  return fputs(CSV_EOL, f) != EOF;
}

/* One value cell at p: nothing for NULL, exact text for stored integers,
 * at most 4 decimals for averages. Writes at most 48 bytes; returns the end. */
static char *put_value(char *p, sqlite3_stmt *stmt, int i, model_scale kind) {
  switch (sqlite3_column_type(stmt, i)) {
  case SQLITE_NULL: return p;
  case SQLITE_INTEGER: {
    int64_t v = (int64_t)sqlite3_column_int64(stmt, i);
    if (kind == MODEL_X100) return csv_put_scaled(p, v, 2);
    if (kind == MODEL_MS) return csv_put_scaled(p, v, 3);
    if (kind != MODEL_KIB) return csv_put_int(p, v);
    if (v <= INT64_MAX / 1024 && v >= INT64_MIN / 1024) return csv_put_int(p, v * 1024);
    csv_format_real((double)v * 1024, p, 48);
    return p + strlen(p);
  }
  default: {
    double v = sqlite3_column_double(stmt, i);
    csv_format_real(kind == MODEL_X100  ? v / 100
                    : kind == MODEL_KIB ? v * 1024
                    : kind == MODEL_MS  ? v / 1000
                                        : v,
                    p, 48);
    return p + strlen(p);
  }
  }
}

/* "time,timestamp," of the last row, reused while rows share a time (the
 * processes of one snapshot). */
typedef struct {
  int64_t ms;
  bool valid;
  size_t len;
  char text[80];
} time_cache;

/* Write one row: built in a buffer and written with one fwrite, except the
 * process name, which csv_write_field quotes as needed. */
static void write_row(FILE *f, sqlite3_stmt *stmt, export_table table, bool raw, time_cache *tc) {
  char line[LINE_MAX_BYTES], *p = line;
  int64_t ms = (int64_t)sqlite3_column_int64(stmt, 0);
  if (!tc->valid || tc->ms != ms) {
    char *t = tc->text;
    csv_format_iso(ms, raw, t, 40);
    t += strlen(t);
    *t++ = ',';
    t = csv_put_scaled(t, ms, 3);
    /* Raw times keep all three decimals (.760, .700, .000), like the ISO
     * column; csv_put_scaled trimmed the trailing zeros. */
    if (raw && ms % 1000 == 0) {
      memcpy(t, ".000", 4);
      t += 4;
    } else if (raw) {
      for (int64_t r = ms % 1000; r % 10 == 0; r /= 10) *t++ = '0';
    }
    *t++ = ',';
    tc->len = (size_t)(t - tc->text);
    tc->ms = ms;
    tc->valid = true;
  }
  memcpy(p, tc->text, tc->len);
  p += tc->len;
  p = csv_put_int(p, (int64_t)sqlite3_column_int64(stmt, 1));
  int col = 3;
  if (list_of(table) >= 0) {
    const model_list *ml = &model_lists[list_of(table)];
    *p++ = ',';
    fwrite(line, 1, (size_t)(p - line), f);
    p = line;
    const char *name = (const char *)sqlite3_column_text(stmt, 2);
    csv_write_field(f, name ? name : "", name ? strlen(name) : 0);
    for (int i = 0; i < ml->n_columns; i++) {
      *p++ = ',';
      p = put_value(p, stmt, 3 + i, ml->columns[i].scale);
    }
    memcpy(p, CSV_EOL, sizeof CSV_EOL - 1);
    p += sizeof CSV_EOL - 1;
    fwrite(line, 1, (size_t)(p - line), f);
    return;
  }
  if (table == EXPORT_TABLE_SYSTEM) {
    *p++ = ',';
    p = put_value(p, stmt, 2, MODEL_X100);
  }
  const model_column *cols = model_sys_columns;
  size_t ncols = MODEL_SYS_COLUMNS;
  if (table == EXPORT_TABLE_PROCESSES) {
    const char *kind = sqlite3_column_int64(stmt, 2) == 0 ? ",server," : ",channel,";
    size_t klen = strlen(kind);
    memcpy(p, kind, klen);
    p += klen;
    fwrite(line, 1, (size_t)(p - line), f);
    p = line;
    const char *name = (const char *)sqlite3_column_text(stmt, 3);
    /* Up to a NUL, as the server reads names (C strings) for its JSON. */
    csv_write_field(f, name ? name : "", name ? strlen(name) : 0);
    *p++ = ',';
    /* pid 0: a plugin that never started has no pid (an empty cell). */
    int64_t pid = (int64_t)sqlite3_column_int64(stmt, 4);
    if (pid > 0) p = csv_put_int(p, pid);
    col = 5;
    cols = model_proc_columns;
    ncols = MODEL_PROC_COLUMNS;
  }
  /* Every cell is at most 49 bytes: the line fits LINE_MAX_BYTES. */
  for (size_t i = 0; i < ncols; i++) {
    *p++ = ',';
    p = put_value(p, stmt, col + (int)i, cols[i].scale);
  }
  memcpy(p, CSV_EOL, sizeof CSV_EOL - 1);
  p += sizeof CSV_EOL - 1;
  fwrite(line, 1, (size_t)(p - line), f);
}

/* --- application series (--table app) --- */

/* Columns per row: ts (ms), samples, seconds, process, series, name, tags,
 * type, then the figures of app_csv_header after "type". Rollups pick the
 * gauge value of --agg. Ordered by the primary keys: no sort, constant memory. */
static void build_app_sql(int res, export_agg agg, char *sql, size_t n) {
  static const char *const types =
      "CASE a.type WHEN 0 THEN 'counter' WHEN 1 THEN 'gauge' WHEN 2 THEN 'timer' WHEN 3 THEN "
      "'histogram' WHEN 4 THEN 'distribution' ELSE 'set' END";
  static const char *const who = "CASE n.kind WHEN 0 THEN 'server' ELSE n.name END";
  if (res == EXPORT_RES_RAW) {
    snprintf(sql, n,
             "SELECT r.ts_ms, 1, r.interval_ms / 1000.0, %s, a.key, a.name, a.tags, %s,"
             " CASE a.type WHEN 0 THEN r.count * 1000.0 / r.interval_ms END,"
             " CASE WHEN a.type IN (0, 2, 3, 4) THEN r.count END,"
             " CASE a.type WHEN 0 THEN r.value END, CASE a.type WHEN 1 THEN r.value END,"
             " CASE a.type WHEN 5 THEN r.value END, r.sum, r.min, r.max, r.p50, r.p90, r.p99"
             " FROM raw_app r CROSS JOIN app_series a CROSS JOIN process_name n"
             " WHERE a.id = r.series_id AND n.id = a.name_id AND r.ts_ms BETWEEN ?1 AND ?2"
             " AND (?3 IS NULL OR %s = ?3) ORDER BY r.ts_ms, r.series_id",
             who, types, who);
  } else {
    snprintf(sql, n,
             "SELECT r.bucket * 1000, r.n, r.seconds, %s, a.key, a.name, a.tags, %s,"
             " CASE a.type WHEN 0 THEN r.count / r.seconds END,"
             " CASE WHEN a.type IN (0, 2, 3, 4) THEN r.count END,"
             " CASE a.type WHEN 0 THEN r.value_last END, CASE a.type WHEN 1 THEN r.value_%s END,"
             " CASE a.type WHEN 5 THEN r.distinct_members END, r.sum, r.min, r.max, r.p50,"
             " r.p90, r.p99 FROM app_%s r CROSS JOIN app_series a CROSS JOIN process_name n"
             " WHERE a.id = r.series_id AND n.id = a.name_id AND r.bucket BETWEEN ?1 AND ?2"
             " AND (?3 IS NULL OR %s = ?3) ORDER BY r.bucket, r.series_id",
             who, types, agg_suffix[agg], res == EXPORT_RES_1M ? "1m" : "1h", who);
  }
}

static const char app_csv_header[] =
    "time,timestamp,samples,seconds,process,series,name,tags,type,rate,count,total,value,"
    "distinct,sum,min,max,p50,p90,p99";

static void write_app_row(FILE *f, sqlite3_stmt *stmt, bool raw) {
  char cell[64];
  int64_t ms = (int64_t)sqlite3_column_int64(stmt, 0);
  csv_format_iso(ms, raw, cell, sizeof cell);
  fputs(cell, f);
  csv_format_scaled(ms, 3, cell, sizeof cell);
  fprintf(f, ",%s,%" PRId64 ",", cell, (int64_t)sqlite3_column_int64(stmt, 1));
  csv_format_real(sqlite3_column_double(stmt, 2), cell, sizeof cell);
  fputs(cell, f);
  for (int i = 3; i < 8; i++) {
    const char *text = (const char *)sqlite3_column_text(stmt, i);
    fputc(',', f);
    csv_write_field(f, text ? text : "", text ? strlen(text) : 0);
  }
  for (int i = 8; i < 19; i++) {
    fputc(',', f);
    if (sqlite3_column_type(stmt, i) == SQLITE_NULL) continue;
    csv_format_real(sqlite3_column_double(stmt, i), cell, sizeof cell);
    fputs(cell, f);
  }
  fputs(CSV_EOL, f);
}

/* True when the database has the application tables (a file written by a
 * binary older than them has not). */
static bool has_table(sqlite3 *db, const char *name) {
  sqlite3_stmt *stmt = NULL;
  bool found = sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE name = ?1", -1, &stmt,
                                  NULL) == SQLITE_OK &&
               sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC) == SQLITE_OK &&
               sqlite3_step(stmt) == SQLITE_ROW;
  sqlite3_finalize(stmt);
  return found;
}

hiro_err export_run(const export_options *o, FILE *out, export_stats *stats, char *err,
                    size_t errlen) {
  if (stats) *stats = (export_stats){0, o->resolution};
  sqlite3 *db = NULL;
  hiro_err rc = open_db(o->db_path, &db, err, errlen);
  if (rc != HIRO_OK) return rc;
  sqlite3_stmt *stmt = NULL;
  uint64_t n = 0;
  int res = o->resolution;
  rc = HIRO_EIO;
  /* One read transaction: the tier choice and the rows see one snapshot of
   * the file, and the server's writer is never blocked by it (WAL). */
  if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
    hiro_set_err(err, errlen, "%s: %s", o->db_path, sqlite3_errmsg(db));
    goto out;
  }
  if (res == EXPORT_RES_AUTO && (rc = choose_tier(o, &res, err, errlen)) != HIRO_OK) goto out;
  rc = HIRO_EIO;
  if ((o->table == EXPORT_TABLE_APP && !has_table(db, "raw_app")) ||
      (list_of(o->table) >= 0 && !has_table(db, "list_name")) ||
      (o->table == EXPORT_TABLE_EVENTS && !has_table(db, "events"))) {
    hiro_set_err(err, errlen,
                 "%s: no %s tables (schema too old: start a newer hirocli server on "
                 "it once)",
                 o->db_path,
                 o->table == EXPORT_TABLE_APP      ? "application metrics"
                 : o->table == EXPORT_TABLE_EVENTS ? "lifecycle event"
                                                   : "filesystem, disk and interface");
    rc = HIRO_ESCHEMA;
    goto out;
  }
  char sql[8192];
  if (o->table == EXPORT_TABLE_APP)
    build_app_sql(res, o->agg, sql, sizeof sql);
  else if (o->table == EXPORT_TABLE_EVENTS)
    snprintf(sql, sizeof sql, "%s", events_sql);
  else if (list_of(o->table) >= 0)
    build_list_sql(list_of(o->table), res, o->agg, sql, sizeof sql);
  else
    build_sql(o->table, res, o->agg, sql, sizeof sql);
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
    hiro_set_err(err, errlen, "%s: cannot query: %s", o->db_path, sqlite3_errmsg(db));
    goto out;
  }
  double from = o->has_from ? o->from : -1e16, to = o->has_to ? o->to : 1e16;
  if (res == EXPORT_RES_RAW) {
    sqlite3_bind_int64(stmt, 1, to_int(from * 1000, ceil));
    sqlite3_bind_int64(stmt, 2, to_int(to * 1000, floor));
  } else {
    /* Buckets that overlap [from, to]: bucket + width > from, bucket <= to. */
    sqlite3_bind_int64(stmt, 1, to_int(from, floor) - res + 1);
    sqlite3_bind_int64(stmt, 2, to_int(to, floor));
  }
  if (o->process)
    sqlite3_bind_text(stmt, 3, o->process, -1, SQLITE_STATIC);
  else
    sqlite3_bind_null(stmt, 3);

  if (o->table == EXPORT_TABLE_APP ? fprintf(out, "%s" CSV_EOL, app_csv_header) < 0
                                   : !write_header(out, o->table)) {
    hiro_set_err(err, errlen, "write error: %s", strerror(errno));
    goto out;
  }
  int step;
  time_cache tc = {0};
  while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (o->table == EXPORT_TABLE_APP)
      write_app_row(out, stmt, res == EXPORT_RES_RAW);
    else if (o->table == EXPORT_TABLE_EVENTS)
      write_event_row(out, stmt);
    else
      write_row(out, stmt, o->table, res == EXPORT_RES_RAW, &tc);
    /* stdio keeps the error flag: checking now and then is enough. */
    if ((++n & 4095) == 0 && ferror(out)) break;
  }
  if (ferror(out)) {
    hiro_set_err(err, errlen, "write error: %s", strerror(errno));
    goto out;
  }
  if (step != SQLITE_DONE) {
    hiro_set_err(err, errlen, "%s: reading failed after %" PRIu64 " rows: %s", o->db_path, n,
                 sqlite3_errmsg(db));
    goto out;
  }
  rc = HIRO_OK;
out:
  if (stats) {
    stats->rows = n;
    stats->resolution = (export_resolution)res;
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db); /* ends the read transaction; nothing was written */
  return rc;
}
