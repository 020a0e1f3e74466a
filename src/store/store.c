/* store.c - opening the database (safety checks, pragmas, migrations), closing
 * it, and the status snapshot. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "store/migrations.h"
#include "store/store_internal.h"

enum { QUEUE_CAPACITY = 4096 };

int store_schema_version(void) {
  int last = 0;
  for (const struct store_migration *m = store_migrations; m->sql; m++) last = m->version;
  return last;
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || !errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* Refuse what must never be opened for writing: a symlink (we would write
 * wherever it points), something that is not a regular file, or a file that
 * does not start with the SQLite header (opening it would not overwrite it,
 * but refusing early gives a clear message). A missing or empty file is fine. */
static hiro_err check_path(const char *path, char *err, size_t errlen) {
  struct stat st;
  if (lstat(path, &st) != 0) {
    if (errno == ENOENT) return HIRO_OK;
    set_err(err, errlen, "%s: %s", path, strerror(errno));
    return HIRO_EIO;
  }
  if (S_ISLNK(st.st_mode)) {
    set_err(err, errlen, "%s: is a symbolic link; refusing to open it as the database", path);
    return HIRO_EINVAL;
  }
  if (!S_ISREG(st.st_mode)) {
    set_err(err, errlen, "%s: not a regular file", path);
    return HIRO_EINVAL;
  }
  if (st.st_size == 0) return HIRO_OK;
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    set_err(err, errlen, "%s: %s", path, strerror(errno));
    return HIRO_EIO;
  }
  char header[16] = {0};
  ssize_t got = pread(fd, header, sizeof header, 0);
  close(fd);
  if (got != (ssize_t)sizeof header || memcmp(header, "SQLite format 3", 16) != 0) {
    set_err(err, errlen, "%s: not an SQLite database (left untouched)", path);
    return HIRO_EIO;
  }
  return HIRO_OK;
}

static hiro_err exec(sqlite3 *db, const char *sql, char *err, size_t errlen) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return HIRO_OK;
  set_err(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
  sqlite3_free(msg);
  return HIRO_EIO;
}

static hiro_err query_int(sqlite3 *db, const char *sql, int64_t *out, char *err, size_t errlen) {
  sqlite3_stmt *st = NULL;
  hiro_err rc = HIRO_EIO;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) goto out;
  int step = sqlite3_step(st);
  if (step == SQLITE_ROW) {
    *out = sqlite3_column_type(st, 0) == SQLITE_NULL ? INT64_MAX : sqlite3_column_int64(st, 0);
    rc = HIRO_OK;
  } else if (step == SQLITE_DONE) {
    *out = INT64_MAX;
    rc = HIRO_OK;
  }
out:
  if (rc != HIRO_OK) set_err(err, errlen, "%s", sqlite3_errmsg(db));
  sqlite3_finalize(st);
  return rc;
}

/* Apply migrations newer than the file's user_version, each in its own
 * transaction together with the user_version bump. */
static hiro_err migrate(store *s, char *err, size_t errlen) {
  int64_t version = 0, tables = 0;
  /* The first read of the file: a corrupt or foreign file fails here, before
   * anything has been written. */
  if (query_int(s->db, "PRAGMA user_version", &version, err, errlen) != HIRO_OK ||
      query_int(s->db, "SELECT count(*) FROM sqlite_master", &tables, err, errlen) != HIRO_OK) {
    char detail[200];
    hiro_strlcpy(detail, err, sizeof detail);
    set_err(err, errlen, "%s: cannot read database: %s (left untouched)", s->path, detail);
    return HIRO_EIO;
  }
  int latest = store_schema_version();
  if (version > latest) {
    set_err(err, errlen,
            "%s: schema version %lld is newer than this binary knows (%d); "
            "upgrade hirocli (database left untouched)",
            s->path, (long long)version, latest);
    return HIRO_ESCHEMA;
  }
  if (version == 0 && tables > 0) {
    set_err(err, errlen, "%s: an SQLite database that is not a hirocli metrics database "
            "(left untouched)", s->path);
    return HIRO_ESCHEMA;
  }
  if (version == 0) {
    /* Only possible before the first table exists; lets retention shrink the
     * file with PRAGMA incremental_vacuum. */
    if (exec(s->db, "PRAGMA auto_vacuum=INCREMENTAL", err, errlen) != HIRO_OK) return HIRO_EIO;
  }
  if (exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                  "PRAGMA journal_size_limit=8388608", err, errlen) != HIRO_OK)
    return HIRO_EIO;
  for (const struct store_migration *m = store_migrations; m->sql; m++) {
    if (m->version <= version) continue;
    char bump[64];
    snprintf(bump, sizeof bump, "PRAGMA user_version=%d", m->version);
    char detail[200] = "";
    if (exec(s->db, "BEGIN IMMEDIATE", detail, sizeof detail) != HIRO_OK ||
        exec(s->db, m->sql, detail, sizeof detail) != HIRO_OK ||
        exec(s->db, bump, detail, sizeof detail) != HIRO_OK ||
        exec(s->db, "COMMIT", detail, sizeof detail) != HIRO_OK) {
      if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
      set_err(err, errlen, "%s: migration %s failed: %s", s->path, m->name, detail);
      return HIRO_EIO;
    }
    log_info("store: applied migration %s to %s", m->name, s->path);
  }
  return HIRO_OK;
}

static hiro_err load_state(store *s, char *err, size_t errlen) {
  static const char *const meta_keys[TIERS] = {"rollup_1m_ms", "rollup_1h_ms"};
  for (int t = 0; t < TIERS; t++) {
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT value FROM meta WHERE key='%s'", meta_keys[t]);
    if (query_int(s->db, sql, &s->watermark_ms[t], err, errlen) != HIRO_OK) return HIRO_EIO;
    if (s->watermark_ms[t] == INT64_MAX) s->watermark_ms[t] = INT64_MIN;
  }
  if (store_rollup_catch_up(s, err, errlen) != HIRO_OK) return HIRO_EIO;
  /* Counted once here, then kept up to date in memory: status is polled. */
  if (query_int(s->db, "SELECT count(*) FROM raw_system", &s->rows_raw, err, errlen) ||
      query_int(s->db, "SELECT count(*) FROM system_1m", &s->rows_tier[0], err, errlen) ||
      query_int(s->db, "SELECT count(*) FROM system_1h", &s->rows_tier[1], err, errlen) ||
      query_int(s->db, "SELECT min(ts_ms) FROM raw_system", &s->oldest_raw_ms, err, errlen))
    return HIRO_EIO;
  return HIRO_OK;
}

/* Open the writer connection at s->path, migrate, and load the counters. */
static hiro_err open_writer(store *s, char *err, size_t errlen) {
  /* NOMUTEX: db_lock already serializes every use of this connection, and
   * SQLite's own per-call mutex costs ~8 % of batch ingest. */
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW |
              SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(s->path, &s->db, flags, NULL) != SQLITE_OK) {
    set_err(err, errlen, "%s: cannot open: %s", s->path,
            s->db ? sqlite3_errmsg(s->db) : "out of memory");
    return HIRO_EIO;
  }
  sqlite3_extended_result_codes(s->db, 1);
  /* Short: the only other writer would be a stray process; the writer thread
   * retries with backoff rather than sleeping inside SQLite. */
  sqlite3_busy_timeout(s->db, 250);
  hiro_err rc = migrate(s, err, errlen);
  if (rc != HIRO_OK) return rc;
  struct stat st;
  if (stat(s->path, &st) == 0) {
    s->dev = st.st_dev;
    s->ino = st.st_ino;
  }
  if (store_prepare_write(s, err, errlen) != HIRO_OK) return HIRO_EIO;
  return load_state(s, err, errlen) != HIRO_OK ? HIRO_EIO : HIRO_OK;
}

static void close_writer(store *s) {
  store_finalize_write(s);
  if (s->db && sqlite3_close(s->db) != SQLITE_OK)
    log_warn("store: closing %s: %s", s->path, sqlite3_errmsg(s->db));
  s->db = NULL;
}

/* Remove path+suffix when it is a regular file (never through a symlink). */
static void remove_stale(const char *path, const char *suffix) {
  char name[4200];
  snprintf(name, sizeof name, "%s%s", path, suffix);
  struct stat st;
  if (lstat(name, &st) == 0 && S_ISREG(st.st_mode)) unlink(name);
}

hiro_err store_reopen(store *s, char *err, size_t errlen) {
  store_readers_invalidate(s);
  close_writer(s);
  s->n_cache = 0; /* process ids belong to the old file */
  if ((check_path(s->path, err, errlen)) != HIRO_OK) return HIRO_EIO;
  struct stat st;
  if (lstat(s->path, &st) != 0) {
    /* The file is gone but its -wal/-shm may remain (a reader still held the
     * old file open): SQLite would replay that foreign WAL into the new file. */
    remove_stale(s->path, "-wal");
    remove_stale(s->path, "-shm");
  }
  hiro_err rc = open_writer(s, err, errlen);
  if (rc != HIRO_OK) {
    close_writer(s);
    return rc;
  }
  log_info("store: %s reopened; writing continues in the new file", s->path);
  return HIRO_OK;
}

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;
/* Before SQLite initializes: no global allocation statistics (a mutex on
 * every malloc). Harmless (SQLITE_MISUSE) if SQLite is already initialized. */
static void configure_sqlite(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

hiro_err store_open(const char *path, const store_retention *retention, store **out,
                    char *err, size_t errlen) {
  *out = NULL;
  if (err && errlen) err[0] = '\0';
  store *s = xcalloc(1, sizeof *s);
  hiro_err rc = HIRO_EIO;
  if (!hiro_strlcpy(s->path, path, sizeof s->path)) {
    set_err(err, errlen, "database path too long");
    rc = HIRO_EINVAL;
    goto fail;
  }
  s->retention = retention ? *retention : (store_retention){48, 30, 400};
  pthread_mutex_init(&s->lock, NULL);
  pthread_mutex_init(&s->pool_lock, NULL);
  pthread_mutex_init(&s->db_lock, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&s->work, &ca);
  pthread_cond_init(&s->done, &ca);
  pthread_condattr_destroy(&ca);
  s->queue_cap = QUEUE_CAPACITY;
  s->queue = xcalloc(s->queue_cap, sizeof *s->queue);
  s->queue_seq = xcalloc(s->queue_cap, sizeof *s->queue_seq);
  s->held = xcalloc(s->queue_cap, sizeof *s->held);
  s->held_seq = xcalloc(s->queue_cap, sizeof *s->held_seq);
  s->oldest_raw_ms = INT64_MAX;

  if ((rc = check_path(path, err, errlen)) != HIRO_OK) goto fail;
  pthread_once(&sqlite_once, configure_sqlite);
  if ((rc = open_writer(s, err, errlen)) != HIRO_OK) goto fail;
  if (store_writer_start(s) != HIRO_OK) {
    set_err(err, errlen, "cannot start the writer thread");
    goto fail;
  }
  *out = s;
  return HIRO_OK;
fail:
  store_close(s);
  return rc;
}

void store_close(store *s) {
  if (!s) return;
  if (s->thread_started) store_writer_stop(s);
  store_readers_close(s);
  close_writer(s);
  store_rollup_free(s->tier);
  free(s->cache);
  for (size_t i = 0; i < s->queue_count; i++)
    snapshot_free(&s->queue[(s->queue_head + i) % s->queue_cap]);
  for (size_t i = 0; i < s->held_count; i++) snapshot_free(&s->held[i]);
  free(s->queue);
  free(s->queue_seq);
  free(s->held);
  free(s->held_seq);
  pthread_mutex_destroy(&s->lock);
  pthread_mutex_destroy(&s->pool_lock);
  pthread_mutex_destroy(&s->db_lock);
  pthread_cond_destroy(&s->work);
  pthread_cond_destroy(&s->done);
  free(s);
}

static uint64_t file_size(const char *path, const char *suffix) {
  char name[4200];
  snprintf(name, sizeof name, "%s%s", path, suffix);
  struct stat st;
  return stat(name, &st) == 0 ? (uint64_t)st.st_size : 0;
}

void store_get_status(store *s, store_status *out) {
  memset(out, 0, sizeof *out);
  hiro_strlcpy(out->path, s->path, sizeof out->path);
  out->size_bytes = file_size(s->path, "") + file_size(s->path, "-wal");
  pthread_mutex_lock(&s->lock);
  out->rows_raw = s->rows_raw;
  out->rows_minute = s->rows_tier[0];
  out->rows_hour = s->rows_tier[1];
  out->oldest_timestamp = s->oldest_raw_ms == INT64_MAX ? 0 : (double)s->oldest_raw_ms / 1000.0;
  out->queue_depth = s->queue_count + s->held_count;
  out->dropped_snapshots = s->dropped;
  out->written_snapshots = s->written;
  out->has_error = s->has_error;
  hiro_strlcpy(out->last_error, s->last_error, sizeof out->last_error);
  pthread_mutex_unlock(&s->lock);
}
