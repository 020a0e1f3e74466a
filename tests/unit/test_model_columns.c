/* test_model_columns.c - the column tables of model/columns.h agree with
 * everything built on them: every figure round-trips through the store, every
 * v_* view exposes it under its flat name with the right unscaling (raw and
 * rollups), and the JSON encoder writes it under its object and key. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "history/history.h"
#include "http/snapshot_json.h"
#include "model/columns.h"
#include "test_store_util.h"

enum { SNAPS = 30, KIDS = 2 };
static const double T0 = 1764290400.0; /* a minute boundary */

static metrics_snapshot snaps[SNAPS];

static store *write_snapshots(void) {
  uint64_t rng = 42;
  for (int i = 0; i < SNAPS; i++) {
    tsu_snapshot(&snaps[i], T0 + i, KIDS, &rng, true, true);
    for (int k = 0; k < KIDS; k++) snaps[i].children[k].alive = true;
  }
  store *s = NULL;
  char err[256];
  assert_int_equal(store_open(tsu_dbpath, &tsu_keep_all, &s, err, sizeof err), HIRO_OK);
  assert_int_equal(store_write_batch(s, snaps, SNAPS), HIRO_OK);
  return s;
}

static void free_snapshots(void) {
  for (int i = 0; i < SNAPS; i++) snapshot_free(&snaps[i]);
}

static double view_value(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
    fail_msg("%s: %s", sql, sqlite3_errmsg(db));
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  double v = sqlite3_column_double(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* The precision a stored figure keeps: hundredths for x100, KiB for bytes. */
static double tolerance(const model_column *c) { return c->scale == MODEL_X100 ? 0.006 : 0.5; }

static void test_system_views(void **state) {
  store *s = write_snapshots();
  store_close(s); /* closes the open rollup buckets */
  sqlite3 *db = tsu_db(tsu_dbpath);
  char sql[512];
  for (int i = 0; i < MODEL_SYS_COLUMNS; i++) {
    const model_column *c = &model_sys_columns[i];
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < SNAPS; k++) {
      double v = model_value(&snaps[k], c);
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    snprintf(sql, sizeof sql, "SELECT %s FROM v_system_raw WHERE ts = %.3f", c->name, T0 + 7);
    assert_float_equal(view_value(db, sql), model_value(&snaps[7], c), tolerance(c));
    for (int tier = 0; tier < 2; tier++) {
      const char *view = tier ? "v_system_1h" : "v_system_1m";
      snprintf(sql, sizeof sql, "SELECT %s_min FROM %s", c->name, view);
      assert_float_equal(view_value(db, sql), lo, tolerance(c));
      snprintf(sql, sizeof sql, "SELECT %s_max FROM %s", c->name, view);
      assert_float_equal(view_value(db, sql), hi, tolerance(c));
      snprintf(sql, sizeof sql, "SELECT %s_avg BETWEEN %.6f AND %.6f FROM %s", c->name,
               lo - tolerance(c), hi + tolerance(c), view);
      assert_true(view_value(db, sql) == 1);
    }
  }
  /* The amounts behind the rates: a row covers the sum of its samples'
   * intervals, and moved the sum of rate x interval (exact, whatever the
   * intervals were: they vary here from 1 to 2 s). */
  double seconds = 0, written = 0;
  for (int k = 0; k < SNAPS; k++) {
    seconds += snaps[k].sampling.interval_seconds;
    written += snaps[k].disk.write_bytes_per_sec * snaps[k].sampling.interval_seconds;
  }
  for (int tier = 0; tier < 2; tier++) {
    const char *view = tier ? "v_system_1h" : "v_system_1m";
    snprintf(sql, sizeof sql, "SELECT seconds FROM %s", view);
    assert_float_equal(view_value(db, sql), seconds, 1e-6);
    snprintf(sql, sizeof sql, "SELECT disk_write_bytes FROM %s", view);
    assert_float_equal(view_value(db, sql), written, 1e-3);
  }
  assert_float_equal(view_value(db, "SELECT sum(disk_write_bytes) FROM v_system_raw"), written,
                     1e-3);
  assert_float_equal(view_value(db, "SELECT sum(interval_seconds) FROM v_system_raw"), seconds,
                     1e-6);
  sqlite3_close(db);
  free_snapshots();
}

static void test_process_views(void **state) {
  store *s = write_snapshots();
  store_close(s);
  sqlite3 *db = tsu_db(tsu_dbpath);
  char sql[512];
  for (int i = 0; i < MODEL_PROC_COLUMNS; i++) {
    const model_column *c = &model_proc_columns[i];
    const process_metrics *p = &snaps[11].children[1];
    snprintf(sql, sizeof sql, "SELECT %s FROM v_process_raw WHERE ts = %.3f AND name = '%s'",
             c->name, T0 + 11, p->name);
    assert_float_equal(view_value(db, sql), model_value(p, c), tolerance(c));
    snprintf(sql, sizeof sql, "SELECT %s FROM v_process_raw WHERE ts = %.3f AND name = 'server'",
             c->name, T0 + 11);
    process_metrics server = snaps[11].process;
    server.alive = true;
    assert_float_equal(view_value(db, sql), model_value(&server, c), tolerance(c));
    for (int tier = 0; tier < 2; tier++) {
      const char *view = tier ? "v_process_1h" : "v_process_1m";
      double hi = -INFINITY;
      for (int k = 0; k < SNAPS; k++) {
        double v = model_value(&snaps[k].children[0], c);
        hi = v > hi ? v : hi;
      }
      snprintf(sql, sizeof sql, "SELECT %s_max FROM %s WHERE name = '%s'", c->name, view,
               snaps[0].children[0].name);
      assert_float_equal(view_value(db, sql), hi, tolerance(c));
    }
  }
  sqlite3_close(db);
  free_snapshots();
}

/* Two entries in every list of snapshot i, with values stored exactly. */
static void fill_lists(metrics_snapshot *snap, int i) {
  static const char *const names[MODEL_LISTS][2] = {
      {"/", "/srv/data"}, {"vda", "nvme0n1"}, {"eth0", "wlan0"}};
  for (int l = 0; l < MODEL_LISTS; l++) {
    const model_list *ml = &model_lists[l];
    snapshot_set_list(snap, l, 2);
    for (int k = 0; k < 2; k++) {
      void *item = (void *)model_list_item(snap, l, (size_t)k);
      *(const char **)((char *)item + ml->name_offset) = model_intern(names[l][k]);
      for (int c = 0; c < ml->n_columns; c++) {
        const model_column *col = &ml->columns[c];
        double v = col->ctype == MODEL_BOOL ? (k == 0) : (double)((i * 7 + c * 13 + k) % 97);
        if (col->scale == MODEL_KIB) v *= 1024;
        model_set_stored(item, col, col->scale == MODEL_X100 ? v * 100 : col->scale == MODEL_KIB ? v / 1024 : v);
      }
    }
  }
}

/* Filesystems are recorded once a minute: of the snapshots here (one
 * minute from T0) only the first. */
static bool recorded(int l, int i) { return l != MODEL_LIST_FILESYSTEMS || i == 0; }

/* Every list figure is stored under its flat name in v_<table>_raw, and the
 * 1-minute and 1-hour views hold the true min and max of the rows recorded. */
static void test_list_views(void **state) {
  uint64_t rng = 9;
  for (int i = 0; i < SNAPS; i++) {
    tsu_snapshot(&snaps[i], T0 + i, 0, &rng, true, true);
    fill_lists(&snaps[i], i);
  }
  store *s = NULL;
  char err[256], sql[512];
  assert_int_equal(store_open(tsu_dbpath, &tsu_keep_all, &s, err, sizeof err), HIRO_OK);
  assert_int_equal(store_write_batch(s, snaps, SNAPS), HIRO_OK);
  store_close(s); /* closes the open buckets */
  sqlite3 *db = tsu_db(tsu_dbpath);
  for (int l = 0; l < MODEL_LISTS; l++) {
    const model_list *ml = &model_lists[l];
    for (int c = 0; c < ml->n_columns; c++) {
      const model_column *col = &ml->columns[c];
      int at = recorded(l, 11) ? 11 : 0;
      const void *item = model_list_item(&snaps[at], l, 1);
      snprintf(sql, sizeof sql, "SELECT %s FROM v_%s_raw WHERE ts = %.3f AND %s = '%s'",
               col->name, ml->table, T0 + at, ml->label, model_list_name(ml, item));
      assert_float_equal(view_value(db, sql), model_value(item, col), tolerance(col));
      double hi = -INFINITY, lo = INFINITY;
      for (int k = 0; k < SNAPS; k++) {
        if (!recorded(l, k)) continue;
        double v = model_value(model_list_item(&snaps[k], l, 0), col);
        hi = v > hi ? v : hi;
        lo = v < lo ? v : lo;
      }
      for (int tier = 0; tier < 2; tier++) {
        snprintf(sql, sizeof sql, "SELECT %s_max FROM v_%s_%s WHERE %s = '%s'", col->name,
                 ml->table, tier ? "1h" : "1m", ml->label,
                 model_list_name(ml, model_list_item(&snaps[0], l, 0)));
        assert_float_equal(view_value(db, sql), hi, tolerance(col));
        snprintf(sql, sizeof sql, "SELECT %s_min FROM v_%s_%s WHERE %s = '%s'", col->name,
                 ml->table, tier ? "1h" : "1m", ml->label,
                 model_list_name(ml, model_list_item(&snaps[0], l, 0)));
        assert_float_equal(view_value(db, sql), lo, tolerance(col));
      }
    }
    snprintf(sql, sizeof sql, "SELECT sum(samples) FROM v_%s_1m", ml->table);
    assert_float_equal(view_value(db, sql), l == MODEL_LIST_FILESYSTEMS ? 2 : 2 * SNAPS, 0);
  }
  sqlite3_close(db);
  free_snapshots();
}

static void test_history_round_trip(void **state) {
  store *s = write_snapshots();
  history_request req = {.from = T0, .to = T0 + SNAPS, .max_points = 1000, .agg = STORE_AGG_AVG};
  history_answer ans;
  char err[256];
  assert_int_equal(history_query(NULL, s, &req, &ans, err, sizeof err), HIRO_OK);
  const metrics_snapshot *out = ans.points;
  assert_int_equal(ans.n, SNAPS);
  assert_int_equal(ans.resolution, 0);
  for (int i = 0; i < MODEL_SYS_COLUMNS; i++)
    assert_float_equal(model_value(&out[5], &model_sys_columns[i]),
                       model_value(&snaps[5], &model_sys_columns[i]),
                       tolerance(&model_sys_columns[i]));
  assert_int_equal(out[5].n_children, KIDS);
  for (int i = 0; i < MODEL_PROC_COLUMNS; i++)
    assert_float_equal(model_value(&out[5].children[1], &model_proc_columns[i]),
                       model_value(&snaps[5].children[1], &model_proc_columns[i]),
                       tolerance(&model_proc_columns[i]));
  history_answer_free(&ans);
  store_close(s);
  free_snapshots();
}

static void test_json_has_every_column(void **state) {
  uint64_t rng = 7;
  metrics_snapshot snap;
  tsu_snapshot(&snap, T0, 1, &rng, true, true);
  char *text = snapshot_to_json_string(&snap);
  cJSON *root = cJSON_Parse(text);
  assert_non_null(root);
  for (int i = 0; i < MODEL_SYS_COLUMNS; i++) {
    const model_column *c = &model_sys_columns[i];
    char key[64];
    /* json_key is "\"key\":" */
    snprintf(key, sizeof key, "%.*s", (int)c->json_key_len - 3, c->json_key + 1);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, c->object), key);
    if (!cJSON_IsNumber(v)) fail_msg("%s.%s missing from the JSON", c->object, key);
    assert_float_equal(v->valuedouble, model_value(&snap, c), 0.01);
  }
  const cJSON *kid = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "children"), 0);
  const cJSON *server = cJSON_GetObjectItem(root, "process");
  for (int i = 0; i < MODEL_PROC_COLUMNS; i++) {
    const model_column *c = &model_proc_columns[i];
    char key[64];
    snprintf(key, sizeof key, "%.*s", (int)c->json_key_len - 3, c->json_key + 1);
    /* Measurements and states in the process object, tree figures in the
     * plugin's "tree" object, stored-only figures nowhere. */
    const cJSON *where = c->role == MODEL_TREE ? cJSON_GetObjectItem(kid, "tree") : kid;
    bool found = cJSON_GetObjectItemCaseSensitive(where, key) != NULL;
    if (found != (c->role != MODEL_STORED)) fail_msg("children[].%s: wrong presence", key);
    if (c->role == MODEL_MEASURE && !cJSON_IsNumber(cJSON_GetObjectItem(server, key)))
      fail_msg("process.%s missing", key);
  }
  assert_null(cJSON_GetObjectItem(server, "tree")); /* trees are the plugins' */
  cJSON_Delete(root);
  free(text);
  snapshot_free(&snap);
}

/* A plugin that is down: alive false, its last pid, and null for every
 * measured figure (its tree too), never zero; one that never started has a
 * null pid. */
static void test_json_null_convention(void **state) {
  uint64_t rng = 9;
  metrics_snapshot snap;
  tsu_snapshot(&snap, T0, 2, &rng, true, true);
  process_metrics *down = &snap.children[0], *never = &snap.children[1];
  memset(down, 0, sizeof *down);
  strcpy(down->name, "down");
  down->pid = 4321;
  memset(never, 0, sizeof *never);
  strcpy(never->name, "never");
  char *text = snapshot_to_json_string(&snap);
  cJSON *root = cJSON_Parse(text);
  assert_non_null(root);
  const cJSON *kids = cJSON_GetObjectItem(root, "children");
  const cJSON *d = cJSON_GetArrayItem(kids, 0), *nv = cJSON_GetArrayItem(kids, 1);
  assert_int_equal(cJSON_GetObjectItem(d, "pid")->valueint, 4321);
  assert_true(cJSON_IsNull(cJSON_GetObjectItem(nv, "pid")));
  assert_true(cJSON_IsFalse(cJSON_GetObjectItem(d, "alive")));
  for (int i = 0; i < MODEL_PROC_COLUMNS; i++) {
    const model_column *c = &model_proc_columns[i];
    if (c->role != MODEL_MEASURE) continue;
    char key[64];
    snprintf(key, sizeof key, "%.*s", (int)c->json_key_len - 3, c->json_key + 1);
    if (!cJSON_IsNull(cJSON_GetObjectItem(d, key))) fail_msg("%s of a dead plugin is not null", key);
  }
  assert_true(cJSON_IsNull(cJSON_GetObjectItem(d, "tree")));
  cJSON_Delete(root);
  free(text);
  snapshot_free(&snap);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_system_views, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_process_views, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_history_round_trip, tsu_setup, tsu_teardown),
      cmocka_unit_test_setup_teardown(test_list_views, tsu_setup, tsu_teardown),
      cmocka_unit_test(test_json_has_every_column),
      cmocka_unit_test(test_json_null_convention),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
