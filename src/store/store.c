/* store.c - store_open and store_close (the parts in dependency order: the
 * writer connection, then the writer thread), and the status snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "store/migrations.h"
#include "store/store_internal.h"

int store_schema_version(void) {
  int last = 0;
  for (const struct store_migration *m = store_migrations; m->sql; m++) last = m->version;
  return last;
}

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;
/* Before SQLite initializes: no global allocation statistics (a mutex on
 * every malloc). Harmless (SQLITE_MISUSE) if SQLite is already initialized. */
static void configure_sqlite(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

hiro_err store_open(const char *path, const store_retention *retention, store **out, char *err,
                    size_t errlen) {
  *out = NULL;
  if (err && errlen) err[0] = '\0';
  store *s = xcalloc(1, sizeof *s);
  hiro_err rc = HIRO_EIO;
  pthread_mutex_init(&s->lock, NULL);
  pthread_mutex_init(&s->pool_lock, NULL);
  pthread_mutex_init(&s->db_lock, NULL);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&s->work, &attr);
  pthread_cond_init(&s->done, &attr);
  pthread_condattr_destroy(&attr);
  s->oldest_raw_ms = INT64_MAX;
  if (!hiro_strlcpy(s->path, path, sizeof s->path)) {
    snprintf(err, errlen, "database path too long");
    rc = HIRO_EINVAL;
    goto fail;
  }
  s->retention = retention ? *retention : (store_retention){48, 30, 400};
  pthread_once(&sqlite_once, configure_sqlite);
  if ((rc = db_open(s, err, errlen)) != HIRO_OK) goto fail;
  if ((rc = writer_start(s)) != HIRO_OK) {
    snprintf(err, errlen, "cannot start the writer thread");
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
  if (s->thread_started) writer_stop(s);
  store_readers_close(s);
  db_close(s);
  rollup_free(s->tier);
  free(s->cache);
  queue_free(&s->queue);
  pthread_mutex_destroy(&s->lock);
  pthread_mutex_destroy(&s->pool_lock);
  pthread_mutex_destroy(&s->db_lock);
  pthread_cond_destroy(&s->work);
  pthread_cond_destroy(&s->done);
  free(s);
}

static uint64_t file_size(const char *path, const char *suffix) {
  char name[sizeof((store *)0)->path + 8];
  snprintf(name, sizeof name, "%s%s", path, suffix);
  struct stat info;
  return stat(name, &info) == 0 ? (uint64_t)info.st_size : 0;
}

size_t store_queue_depth(store *s) {
  pthread_mutex_lock(&s->lock);
  size_t depth = queue_depth(&s->queue);
  pthread_mutex_unlock(&s->lock);
  return depth;
}

void store_get_status(store *s, store_status *out) {
  memset(out, 0, sizeof *out);
  hiro_strlcpy(out->path, s->path, sizeof out->path);
  out->size_bytes = file_size(s->path, "") + file_size(s->path, "-wal");
  double now = clock_mono();
  pthread_mutex_lock(&s->lock);
  const record_queue *q = &s->queue;
  out->rows_raw = s->rows_raw;
  out->rows_minute = s->rows_tier[0];
  out->rows_hour = s->rows_tier[1];
  out->oldest_timestamp = s->oldest_raw_ms == INT64_MAX ? 0 : (double)s->oldest_raw_ms / 1000.0;
  out->queue_depth = queue_depth(q);
  out->dropped_snapshots = q->dropped[REC_SNAPSHOT];
  out->written_snapshots = q->written[REC_SNAPSHOT];
  out->dropped_events = q->dropped[REC_EVENT];
  out->written_events = q->written[REC_EVENT];
  const store_record *oldest =
      q->batch_count > q->batch_doomed ? &q->batch[q->batch_doomed] : queue_oldest(q);
  out->commit_age = oldest ? now - oldest->queued_at : 0;
  out->has_error = s->has_error;
  hiro_strlcpy(out->last_error, s->last_error, sizeof out->last_error);
  pthread_mutex_unlock(&s->lock);
}
