/* db.c - the writer connection: refuse what is not ours before writing a
 * byte, migrate, prepare the statements, load the counters and watermarks;
 * and reopen when the file was deleted or replaced while open. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "store/migrations.h"
#include "store/store_internal.h"

/* Migrations before 0009 did not set application_id: a file with a
 * user_version up to STORE_LAST_UNMARKED_VERSION and all of these tables is
 * an older hirocli database. */
static const char *const unmarked_tables[] = {"meta",       "process_name", "process",
                                              "raw_system", "raw_process",  "system_1m",
                                              "system_1h",  "process_1m",   "process_1h"};
/* The writer waits this long for a lock before failing: the only other
 * writer would be a stray process, and the writer thread retries with
 * backoff rather than sleeping inside SQLite. */
enum { WRITER_BUSY_TIMEOUT_MS = 250 };
/* The WAL is truncated back to this after a checkpoint that found it larger
 * (a backfill), instead of keeping its high-water mark on disk. */
enum { WAL_SIZE_LIMIT_BYTES = 8 << 20 };
/* "SQLite format 3\0": the first bytes of every database file. */
static const char sqlite_magic[16] = "SQLite format 3";

/* Device and inode of path+suffix (0, 0 when it does not exist). */
static file_id file_of(const char *path, const char *suffix) {
  char name[sizeof((store *)0)->path + 8];
  snprintf(name, sizeof name, "%s%s", path, suffix);
  struct stat info;
  if (stat(name, &info) != 0) return (file_id){0, 0};
  return (file_id){info.st_dev, info.st_ino};
}

/* Refuse what must never be opened for writing: a symlink (we would write
 * wherever it points), something that is not a regular file, or a file that
 * does not start with the SQLite header (opening it would not overwrite it,
 * but refusing early gives a clear message). A missing or empty file is fine. */
static hiro_err check_path(const char *path, char *err, size_t errlen) {
  struct stat info;
  if (lstat(path, &info) != 0) {
    if (errno == ENOENT) return HIRO_OK;
    hiro_set_err(err, errlen, "%s: %s", path, strerror(errno));
    return HIRO_EIO;
  }
  if (S_ISLNK(info.st_mode)) {
    hiro_set_err(err, errlen, "%s: is a symbolic link; refusing to open it as the database", path);
    return HIRO_EINVAL;
  }
  if (!S_ISREG(info.st_mode)) {
    hiro_set_err(err, errlen, "%s: not a regular file", path);
    return HIRO_EINVAL;
  }
  if (info.st_size == 0) return HIRO_OK;
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    hiro_set_err(err, errlen, "%s: %s", path, strerror(errno));
    return HIRO_EIO;
  }
  char header[sizeof sqlite_magic] = {0};
  ssize_t got = pread(fd, header, sizeof header, 0);
  close(fd);
  if (got != (ssize_t)sizeof header || memcmp(header, sqlite_magic, sizeof header) != 0) {
    hiro_set_err(err, errlen, "%s: not an SQLite database (left untouched)", path);
    return HIRO_EIO;
  }
  return HIRO_OK;
}

static hiro_err exec(sqlite3 *db, const char *sql, char *err, size_t errlen) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return HIRO_OK;
  hiro_set_err(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
  sqlite3_free(msg);
  return HIRO_EIO;
}

/* First column of the first row of sql (with ?1 bound to text when given);
 * INT64_MAX for no row or NULL. */
static hiro_err query_int(sqlite3 *db, const char *sql, const char *text, int64_t *out, char *err,
                          size_t errlen) {
  sqlite3_stmt *stmt = NULL;
  hiro_err rc = HIRO_EIO;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) goto out;
  if (text) sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
  int step = sqlite3_step(stmt);
  if (step == SQLITE_ROW) {
    *out = sqlite3_column_type(stmt, 0) == SQLITE_NULL ? INT64_MAX : sqlite3_column_int64(stmt, 0);
    rc = HIRO_OK;
  } else if (step == SQLITE_DONE) {
    *out = INT64_MAX;
    rc = HIRO_OK;
  }
out:
  if (rc != HIRO_OK) hiro_set_err(err, errlen, "%s", sqlite3_errmsg(db));
  sqlite3_finalize(stmt);
  return rc;
}

/* Whether the file holds every table of an older (pre-application_id)
 * hirocli database. */
static bool has_unmarked_tables(sqlite3 *db) {
  int found = 0;
  for (size_t i = 0; i < HIRO_ARRAY_LEN(unmarked_tables); i++) {
    int64_t n = 0;
    if (query_int(db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?1",
                  unmarked_tables[i], &n, NULL, 0) == HIRO_OK &&
        n == 1)
      found++;
  }
  return found == (int)HIRO_ARRAY_LEN(unmarked_tables);
}

/* Decide, by reading only, whether the file is ours: a new (empty) database,
 * one of ours, or an older one of ours from before application_id. Anything
 * else is refused before a byte is written (not even the journal mode).
 * *version gets the file's user_version. */
static hiro_err identify(store *s, int64_t *version, char *err, size_t errlen) {
  int64_t app_id = 0, tables = 0;
  /* The first reads of the file: a corrupt file fails here. */
  if (query_int(s->db, "PRAGMA application_id", NULL, &app_id, err, errlen) != HIRO_OK ||
      query_int(s->db, "PRAGMA user_version", NULL, version, err, errlen) != HIRO_OK ||
      query_int(s->db, "SELECT count(*) FROM sqlite_master", NULL, &tables, err, errlen) !=
          HIRO_OK) {
    char detail[200];
    hiro_strlcpy(detail, err, sizeof detail);
    hiro_set_err(err, errlen, "%s: cannot read database: %s (left untouched)", s->path, detail);
    return HIRO_EIO;
  }
  int latest = store_schema_version();
  bool new_db = app_id == 0 && *version == 0 && tables == 0;
  bool older = app_id == 0 && *version >= 1 && *version <= STORE_LAST_UNMARKED_VERSION &&
               has_unmarked_tables(s->db);
  if (app_id != STORE_APPLICATION_ID && !new_db && !older) {
    hiro_set_err(err, errlen,
                 "%s: an SQLite database that is not a hirocli metrics database "
                 "(application_id %lld, user_version %lld; left untouched)",
                 s->path, (long long)app_id, (long long)*version);
    return HIRO_ESCHEMA;
  }
  if (*version > latest) {
    hiro_set_err(err, errlen,
                 "%s: schema version %lld is newer than this binary knows (%d); "
                 "upgrade hirocli (database left untouched)",
                 s->path, (long long)*version, latest);
    return HIRO_ESCHEMA;
  }
  return HIRO_OK;
}

/* Apply migrations newer than version, each in its own transaction together
 * with the user_version bump. */
static hiro_err migrate(store *s, int64_t version, char *err, size_t errlen) {
  if (version == 0) {
    /* Only possible before the first table exists; lets retention shrink the
     * file with PRAGMA incremental_vacuum. */
    if (exec(s->db, "PRAGMA auto_vacuum=INCREMENTAL", err, errlen) != HIRO_OK) return HIRO_EIO;
  }
  char pragmas[160];
  snprintf(pragmas, sizeof pragmas,
           "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA journal_size_limit=%d",
           WAL_SIZE_LIMIT_BYTES);
  if (exec(s->db, pragmas, err, errlen) != HIRO_OK) return HIRO_EIO;
  for (const struct store_migration *m = store_migrations; m->sql; m++) {
    if (m->version <= version) continue;
    char bump[64];
    snprintf(bump, sizeof bump, "PRAGMA user_version=%d", m->version);
    char detail[200] = "";
    if (exec(s->db, "BEGIN IMMEDIATE", detail, sizeof detail) != HIRO_OK ||
        exec(s->db, m->sql, detail, sizeof detail) != HIRO_OK ||
        exec(s->db, bump, detail, sizeof detail) != HIRO_OK ||
        exec(s->db, "COMMIT", detail, sizeof detail) != HIRO_OK) {
      /* No prepared statements yet: txn.c's rollback is not available. */
      if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
      hiro_set_err(err, errlen, "%s: migration %s failed: %s", s->path, m->name, detail);
      return HIRO_EIO;
    }
    log_info("store: applied migration %s to %s", m->name, s->path);
  }
  return HIRO_OK;
}

static hiro_err load_state(store *s, char *err, size_t errlen) {
  for (int t = 0; t < TIERS; t++) {
    if (query_int(s->db, "SELECT value FROM meta WHERE key=?1", store_tiers[t].meta_key,
                  &s->watermark_ms[t], err, errlen) != HIRO_OK)
      return HIRO_EIO;
    if (s->watermark_ms[t] == INT64_MAX) s->watermark_ms[t] = INT64_MIN;
  }
  if (rollup_catch_up(s, err, errlen) != HIRO_OK) return HIRO_EIO;
  /* Counted once here, then kept up to date in memory: status is polled. */
  int64_t rows_raw, rows_tier[TIERS], oldest;
  if (query_int(s->db, "SELECT count(*) FROM raw_system", NULL, &rows_raw, err, errlen) ||
      query_int(s->db, "SELECT count(*) FROM system_1m", NULL, &rows_tier[0], err, errlen) ||
      query_int(s->db, "SELECT count(*) FROM system_1h", NULL, &rows_tier[1], err, errlen) ||
      query_int(s->db, "SELECT min(ts_ms) FROM raw_system", NULL, &oldest, err, errlen))
    return HIRO_EIO;
  pthread_mutex_lock(&s->lock);
  s->rows_raw = rows_raw;
  for (int t = 0; t < TIERS; t++) s->rows_tier[t] = rows_tier[t];
  s->oldest_raw_ms = oldest;
  pthread_mutex_unlock(&s->lock);
  return HIRO_OK;
}

hiro_err db_open(store *s, char *err, size_t errlen) {
  hiro_err rc = check_path(s->path, err, errlen);
  if (rc != HIRO_OK) return rc;
  /* NOMUTEX: db_lock already serializes every use of this connection, and
   * SQLite's own per-call mutex costs ~8 % of batch ingest. */
  int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(s->path, &s->db, flags, NULL) != SQLITE_OK) {
    hiro_set_err(err, errlen, "%s: cannot open: %s", s->path,
                 s->db ? sqlite3_errmsg(s->db) : "out of memory");
    rc = HIRO_EIO;
    goto fail;
  }
  sqlite3_extended_result_codes(s->db, 1);
  sqlite3_busy_timeout(s->db, WRITER_BUSY_TIMEOUT_MS);
  int64_t version = 0;
  if ((rc = identify(s, &version, err, errlen)) != HIRO_OK) goto fail;
  if ((rc = migrate(s, version, err, errlen)) != HIRO_OK) goto fail;
  file_id opened = file_of(s->path, "");
  pthread_mutex_lock(&s->lock);
  s->file = opened;
  pthread_mutex_unlock(&s->lock);
  s->wal = file_of(s->path, "-wal");
  rc = HIRO_EIO;
  if (write_prepare(s) != HIRO_OK) {
    hiro_set_err(err, errlen, "%s: %s", s->path, s->werr);
    goto fail;
  }
  if (load_state(s, err, errlen) != HIRO_OK) goto fail;
  return HIRO_OK;
fail:
  db_close(s);
  return rc;
}

void db_close(store *s) {
  write_finalize(s);
  if (s->db && sqlite3_close(s->db) != SQLITE_OK)
    log_warn("store: closing %s: %s", s->path, sqlite3_errmsg(s->db));
  s->db = NULL;
}

bool db_file_gone(store *s) {
  pthread_mutex_lock(&s->lock);
  file_id opened = s->file;
  pthread_mutex_unlock(&s->lock);
  struct stat info;
  if (stat(s->path, &info) != 0) return errno == ENOENT;
  return opened.ino && (info.st_ino != opened.ino || info.st_dev != opened.dev);
}

/* Remove path+suffix when it is a regular file (never through a symlink). */
static void remove_stale(const char *path, const char *suffix) {
  char name[sizeof((store *)0)->path + 8];
  snprintf(name, sizeof name, "%s%s", path, suffix);
  struct stat info;
  if (lstat(name, &info) == 0 && S_ISREG(info.st_mode)) unlink(name);
}

hiro_err db_reopen(store *s, char *err, size_t errlen) {
  store_readers_invalidate(s);
  /* The -wal and -shm beside the path are the old file's: put what the WAL
   * holds into the old file (wherever it went) while we still have it open,
   * so that nothing is lost with them and nothing of them can be replayed
   * into the file now at the path. */
  if (s->db) sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
  db_close(s);
  /* Everything below belongs to the old file: the open buckets hold its
   * samples and its process_name ids, the cache its row ids. Written into
   * another file they would mix two histories (a plugin with another's
   * figures, ids with no name). The new file's catch-up rolls up its own
   * raw rows. */
  rollup_free(s->tier);
  s->n_cache = 0;
  pthread_mutex_lock(&s->lock);
  s->file = (file_id){0, 0};
  pthread_mutex_unlock(&s->lock);
  /* A -wal that is still the one we used (another connection, e.g. a busy
   * reader, kept SQLite from removing it at close) or any -wal beside a
   * vanished file: SQLite would replay it into the file opened next. */
  file_id wal = file_of(s->path, "-wal");
  bool ours = s->wal.ino && wal.ino == s->wal.ino && wal.dev == s->wal.dev;
  struct stat info;
  if (ours || lstat(s->path, &info) != 0) {
    remove_stale(s->path, "-wal");
    remove_stale(s->path, "-shm");
  }
  s->wal = (file_id){0, 0};
  hiro_err rc = db_open(s, err, errlen);
  if (rc == HIRO_OK) log_info("store: %s reopened; writing continues in the new file", s->path);
  return rc;
}
