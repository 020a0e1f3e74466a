/* test_store_migrations.c - schema creation and upgrades: migrations produce
 * schema/schema.sql, older files upgrade with data intact, newer, foreign
 * and non-SQLite files and symlinks are refused and left untouched. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "test_store_util.h"



static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  buf[n] = '\0';
  fclose(f);
  if (len) *len = (size_t)n;
  return buf;
}

/* All sqlite_master entries, one line each, sorted. Caller frees. */
static char *master_dump(sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, coalesce(sql,'') FROM "
                                          "sqlite_master ORDER BY type, name", -1, &st, NULL),
                   SQLITE_OK);
  size_t cap = 1 << 16, len = 0;
  char *out = calloc(1, cap);
  while (sqlite3_step(st) == SQLITE_ROW) {
    for (int i = 0; i < 4; i++) {
      const char *t = (const char *)sqlite3_column_text(st, i);
      size_t n = strlen(t);
      while (len + n + 2 >= cap) out = realloc(out, cap *= 2);
      memcpy(out + len, t, n);
      len += n;
      out[len++] = i == 3 ? '\n' : '|';
    }
  }
  out[len] = '\0';
  sqlite3_finalize(st);
  return out;
}

static void test_fresh_equals_schema(void **state) {
  store *s = tsu_open(tsu_dbpath, NULL);
  store_close(s);
  sqlite3 *db = tsu_db(tsu_dbpath);
  assert_int_equal(tsu_int(db, "PRAGMA user_version"), store_schema_version());
  assert_true(store_schema_version() >= 2);
  assert_int_equal(tsu_int(db, "PRAGMA auto_vacuum"), 2); /* incremental */
  sqlite3_stmt *st;
  assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
  sqlite3_finalize(st);
  char *from_migrations = master_dump(db);
  sqlite3_close(db);

  char ref[512];
  snprintf(ref, sizeof ref, "%s/schema.db", tsu_dir);
  char *schema = read_file(HIRO_SCHEMA_DIR "/schema.sql", NULL);
  db = tsu_db(ref);
  tsu_exec(db, schema);
  char *from_schema = master_dump(db);
  sqlite3_close(db);
  assert_string_equal(from_migrations, from_schema);
  assert_non_null(strstr(from_schema, "v_process_1h"));
  free(schema);
  free(from_migrations);
  free(from_schema);
}

static void test_upgrade_keeps_data(void **state) {
  /* A database as version 1 left it, with data. */
  sqlite3 *db = tsu_db(tsu_dbpath);
  char *m1 = read_file(HIRO_MIGRATIONS_DIR "/0001_initial.sql", NULL);
  tsu_exec(db, "PRAGMA auto_vacuum=INCREMENTAL; PRAGMA journal_mode=WAL");
  tsu_exec(db, m1);
  tsu_exec(db, "PRAGMA user_version=1");
  tsu_exec(db, "INSERT INTO process_name(id, kind, name) VALUES(1, 1, 'devices');"
               "INSERT INTO process(id, name_id, pid) VALUES(1, 1, 4242);"
               "INSERT INTO raw_system(ts_ms, cpu_pct_x100, cpu_count, mem_total, mem_available,"
               " mem_pct_x100) VALUES(1700000000000, 1234, 2, 8589934592, 4294967296, 5000);"
               "INSERT INTO raw_process VALUES(1700000000000, 1, 1, 250, 2048, 10240, 3);");
  sqlite3_close(db);
  free(m1);

  store *s = tsu_open(tsu_dbpath, &tsu_keep_all);
  metrics_snapshot *snaps = NULL;
  size_t n = store_load_recent(s, 10, &snaps);
  assert_int_equal(n, 1);
  assert_true(fabs(snaps[0].timestamp - 1700000000.0) < 1e-6);
  assert_true(fabs(snaps[0].cpu.percent - 12.34) < 1e-9);
  assert_false(snaps[0].has_disk);
  assert_int_equal(snaps[0].n_children, 1);
  assert_string_equal(snaps[0].children[0].name, "devices");
  assert_int_equal(snaps[0].children[0].pid, 4242);
  assert_int_equal(snaps[0].children[0].rss_bytes, 2048 * 1024);
  tsu_free_all(snaps, n);
  store_close(s);

  db = tsu_db(tsu_dbpath);
  assert_int_equal(tsu_int(db, "PRAGMA user_version"), store_schema_version());
  assert_int_equal(tsu_int(db, "PRAGMA application_id"), 0x4869726F);
  /* 0002's views work on the old rows; the catch-up rolled them up. */
  assert_int_equal(tsu_int(db, "SELECT rss_bytes FROM v_process_raw WHERE name='devices'"),
                   2048 * 1024);
  assert_int_equal(tsu_int(db, "SELECT count(*) FROM v_system_raw "
                               "WHERE time = '2023-11-14T22:13:20Z'"), 1);
  assert_int_equal(tsu_int(db, "SELECT samples FROM v_system_1m"), 1);
  assert_int_equal(tsu_int(db, "SELECT rss_bytes_max FROM v_process_1h"), 2048 * 1024);
  sqlite3_close(db);
}

static void assert_refused_untouched(const char *path, hiro_err want, const char *needle) {
  size_t before_len, after_len;
  char *before = read_file(path, &before_len);
  store *s = (store *)0x1;
  char err[512] = "";
  assert_int_equal(store_open(path, NULL, &s, err, sizeof err), want);
  assert_null(s);
  assert_non_null(strstr(err, needle));
  char *after = read_file(path, &after_len);
  assert_int_equal(before_len, after_len);
  assert_memory_equal(before, after, before_len);
  free(before);
  free(after);
  /* Nothing beside it either: no WAL, no shared-memory file. */
  char side[600];
  snprintf(side, sizeof side, "%s-wal", path);
  assert_int_not_equal(access(side, F_OK), 0);
  snprintf(side, sizeof side, "%s-shm", path);
  assert_int_not_equal(access(side, F_OK), 0);
}

static void test_newer_refused(void **state) {
  sqlite3 *db = tsu_db(tsu_dbpath);
  /* A later hirocli's file: our application_id, a higher user_version. */
  tsu_exec(db, "CREATE TABLE future(x); INSERT INTO future VALUES(1); PRAGMA user_version=99;"
               "PRAGMA application_id=1214870127");
  sqlite3_close(db);
  assert_refused_untouched(tsu_dbpath, HIRO_ESCHEMA, "newer");
}

/* Issue 13.2: another program's database with a user_version of its own
 * (here 1, like ours once was) used to be switched to WAL, given our views
 * and user_version 2 by a start that then failed. */
static void test_foreign_with_user_version_refused(void **state) {
  sqlite3 *db = tsu_db(tsu_dbpath);
  tsu_exec(db, "CREATE TABLE users(id); PRAGMA user_version=1");
  sqlite3_close(db);
  assert_refused_untouched(tsu_dbpath, HIRO_ESCHEMA, "not a hirocli");
  /* Also with some of our table names but not all of them, and with
   * another program's application_id on a file that has all of them. */
  db = tsu_db(tsu_dbpath);
  tsu_exec(db, "CREATE TABLE raw_system(ts_ms INTEGER PRIMARY KEY); CREATE TABLE meta(k)");
  sqlite3_close(db);
  assert_refused_untouched(tsu_dbpath, HIRO_ESCHEMA, "not a hirocli");
  char *m1 = read_file(HIRO_MIGRATIONS_DIR "/0001_initial.sql", NULL);
  char other[600];
  snprintf(other, sizeof other, "%s/other.db", tsu_dir);
  db = tsu_db(other);
  tsu_exec(db, m1);
  tsu_exec(db, "PRAGMA user_version=1; PRAGMA application_id=42");
  sqlite3_close(db);
  free(m1);
  assert_refused_untouched(other, HIRO_ESCHEMA, "application_id 42");
}

/* A file of ours is marked, and a file from before the mark (user_version 1
 * or 2, our tables) is recognised and marked when upgraded. */
static void test_application_id(void **state) {
  store *s = tsu_open(tsu_dbpath, NULL);
  store_close(s);
  sqlite3 *db = tsu_db(tsu_dbpath);
  assert_int_equal(tsu_int(db, "PRAGMA application_id"), 0x4869726F);
  sqlite3_close(db);
}

static void test_foreign_sqlite_refused(void **state) {
  sqlite3 *db = tsu_db(tsu_dbpath);
  tsu_exec(db, "CREATE TABLE someone_elses(x); INSERT INTO someone_elses VALUES(1)");
  sqlite3_close(db);
  assert_refused_untouched(tsu_dbpath, HIRO_ESCHEMA, "not a hirocli");
}

static void test_not_sqlite_refused(void **state) {
  FILE *f = fopen(tsu_dbpath, "wb");
  for (int i = 0; i < 1000; i++) fprintf(f, "this is not a database %d\n", i);
  fclose(f);
  assert_refused_untouched(tsu_dbpath, HIRO_EIO, "not an SQLite database");

  /* The right header with garbage behind it: corrupt. */
  f = fopen(tsu_dbpath, "wb");
  fwrite("SQLite format 3", 1, 16, f);
  uint64_t rng = 42;
  for (int i = 0; i < 8192; i++) fputc((int)(tsu_rand(&rng) & 0xff), f);
  fclose(f);
  assert_refused_untouched(tsu_dbpath, HIRO_EIO, "untouched");
}

static void test_symlink_refused(void **state) {
  char target[512];
  snprintf(target, sizeof target, "%s/real.db", tsu_dir);
  store *s = tsu_open(target, NULL);
  store_close(s);
  assert_int_equal(symlink(target, tsu_dbpath), 0);
  char err[512] = "";
  assert_int_equal(store_open(tsu_dbpath, NULL, &s, err, sizeof err), HIRO_EINVAL);
  assert_non_null(strstr(err, "symbolic link"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_fresh_equals_schema, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_upgrade_keeps_data, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_newer_refused, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_foreign_sqlite_refused, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_foreign_with_user_version_refused, tsu_setup,
                                      tsu_teardown),
      cmocka_unit_test_setup_teardown(test_application_id, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_not_sqlite_refused, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_symlink_refused, tsu_setup, tsu_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
