/* snapshot_json.c - MetricsSnapshot to JSON, driven by the column tables of
 * model/columns.h: each system figure goes into its JSON object ("cpu",
 * "disk", ...), null when its presence group was not read; the server and
 * each plugin get the process figures.
 *
 * Written with a direct string builder rather than a cJSON tree: the history
 * endpoint encodes up to 1800 snapshots (~100 values each) per request within
 * a 15 ms budget, and building then printing a cJSON tree costs several times
 * more. Keys come precomputed from the table ("\"percent\":"), so writing a
 * key is one memcpy. */
#include "http/snapshot_json.h"

#include <string.h>

#include "common/strbuf.h"
#include "http/app_json.h"
#include "model/columns.h"

#define KEY_LIT(name) "\"" name "\":"
#define key(b, name) sb_append((b), KEY_LIT(name), sizeof KEY_LIT(name) - 1)

static void put_value(strbuf *b, const void *base, const model_column *c) {
  sb_append(b, c->json_key, c->json_key_len);
  const char *p = (const char *)base + c->offset;
  switch (c->ctype) {
  case MODEL_F64: sb_double(b, *(const double *)p, c->decimals); break;
  case MODEL_U64: sb_u64(b, *(const uint64_t *)p); break;
  case MODEL_INT: sb_i64(b, *(const int *)p); break;
  case MODEL_BOOL: sb_puts(b, *(const bool *)p ? "true" : "false"); break;
  }
  sb_putc(b, ',');
}

/* Replace the trailing comma of an object body with the closing brace. */
static void close_object(strbuf *b) {
  if (b->len && b->data[b->len - 1] == ',') b->len--;
  sb_putc(b, '}');
}

/* The system objects whose group is (or is not) always present, in table
 * order: "cpu":{...},"memory":{...}, then after the processes "disk":..., so
 * the field order stays the design document's. Each ends with a comma. */
static void encode_system(strbuf *b, const metrics_snapshot *s, bool always) {
  for (int i = 0; i < MODEL_SYS_COLUMNS;) {
    const model_column *c = &model_sys_columns[i];
    int end = i + 1;
    while (end < MODEL_SYS_COLUMNS && strcmp(model_sys_columns[end].object, c->object) == 0) end++;
    if ((c->group == MODEL_GROUP_ALWAYS) == always) {
      sb_putc(b, '"');
      sb_puts(b, c->object);
      sb_append(b, "\":", 2);
      if (model_group_present(s, c->group)) {
        sb_putc(b, '{');
        for (int k = i; k < end; k++) put_value(b, s, &model_sys_columns[k]);
        close_object(b);
      } else {
        sb_puts(b, "null");
      }
      sb_putc(b, ',');
    }
    i = end;
  }
}

/* A process figure, or null when its presence group was not measured. */
static void put_process_value(strbuf *b, const process_metrics *p, const model_column *c) {
  if (model_proc_has(p, c)) {
    put_value(b, p, c);
    return;
  }
  sb_append(b, c->json_key, c->json_key_len);
  sb_append(b, "null,", 5);
}

static void put_time_or_null(strbuf *b, double t) {
  if (t > 0)
    sb_double(b, t, 3);
  else
    sb_puts(b, "null");
}

/* What the plugin manager knows: restarts, the last exit, the restart plan. */
void snapshot_json_lifecycle(strbuf *b, const plugin_lifecycle *life) {
  sb_printf(b, "\"restarts\":%u,", life->restarts);
  key(b, "started_at");
  put_time_or_null(b, life->started_at);
  sb_putc(b, ',');
  key(b, "last_exit");
  if (life->has_exit) {
    sb_puts(b, "{\"code\":");
    if (life->exit_signal)
      sb_puts(b, "null");
    else
      sb_i64(b, life->exit_code);
    sb_puts(b, ",\"signal\":");
    if (life->exit_signal)
      sb_i64(b, life->exit_signal);
    else
      sb_puts(b, "null");
    sb_puts(b, ",\"time\":");
    put_time_or_null(b, life->exit_time);
    sb_putc(b, '}');
  } else {
    sb_puts(b, "null");
  }
  sb_printf(b, ",\"restart\":%s,", life->restart ? "true" : "false");
  key(b, "next_restart_at");
  put_time_or_null(b, life->next_restart_at);
  sb_putc(b, ',');
}

/* One process object. Plugins also carry their name, their whole tree, their
 * state and lifecycle, and any process that published application metrics
 * its "app" object. Nothing is a false zero: a figure that was not
 * measured is null, and so is the pid of a plugin that never started. */
static void encode_process(strbuf *b, const process_metrics *p, bool plugin, const app_frame *app) {
  sb_putc(b, '{');
  if (plugin) {
    key(b, "name");
    sb_json_string(b, p->name);
    sb_putc(b, ',');
  }
  key(b, "pid");
  if (p->pid > 0)
    sb_i64(b, p->pid);
  else
    sb_puts(b, "null");
  sb_putc(b, ',');
  for (int i = 0; i < MODEL_PROC_COLUMNS; i++)
    if (model_proc_columns[i].role == MODEL_MEASURE)
      put_process_value(b, p, &model_proc_columns[i]);
  if (plugin) {
    key(b, "tree");
    if (p->has_tree || p->has_tree_cpu) {
      sb_putc(b, '{');
      for (int i = 0; i < MODEL_PROC_COLUMNS; i++)
        if (model_proc_columns[i].role == MODEL_TREE)
          put_process_value(b, p, &model_proc_columns[i]);
      close_object(b);
    } else {
      sb_puts(b, "null");
    }
    sb_putc(b, ',');
    for (int i = 0; i < MODEL_PROC_COLUMNS; i++)
      if (model_proc_columns[i].role == MODEL_STATUS) put_value(b, p, &model_proc_columns[i]);
    if (p->life.known) snapshot_json_lifecycle(b, &p->life);
  }
  const app_group *g = app_frame_find(app, p->name, !plugin);
  if (g) {
    key(b, "app");
    app_json_group(b, app, g);
  }
  close_object(b);
}

/* "filesystems":[{"mount":"/",...}], ... : every list of model_lists, each
 * entry its name, its measurements, then its states. Ends with a comma. */
static void encode_lists(strbuf *b, const metrics_snapshot *s) {
  for (int l = 0; l < MODEL_LISTS; l++) {
    const model_list *ml = &model_lists[l];
    sb_putc(b, '"');
    sb_puts(b, ml->json);
    sb_append(b, "\":[", 3);
    for (size_t i = 0; i < model_list_count(s, l); i++) {
      const void *item = model_list_item(s, l, i);
      if (i) sb_putc(b, ',');
      sb_append(b, "{\"", 2);
      sb_puts(b, ml->label);
      sb_append(b, "\":", 2);
      sb_json_string(b, model_list_name(ml, item));
      sb_putc(b, ',');
      for (int pass = 0; pass < 2; pass++)
        for (int c = 0; c < ml->n_columns; c++)
          if (ml->columns[c].status == (pass == 1)) put_value(b, item, &ml->columns[c]);
      close_object(b);
    }
    sb_append(b, "],", 2);
  }
}

static void encode_snapshot(strbuf *b, const metrics_snapshot *s, const app_frame *app) {
  sb_putc(b, '{');
  key(b, "timestamp");
  sb_double(b, s->timestamp, 3);
  sb_putc(b, ',');
  encode_system(b, s, true);

  key(b, "process");
  if (s->has_process)
    encode_process(b, &s->process, false, app);
  else
    sb_puts(b, "null");
  sb_putc(b, ',');

  key(b, "children");
  sb_putc(b, '[');
  for (size_t i = 0; i < s->n_children; i++) {
    if (i) sb_putc(b, ',');
    encode_process(b, &s->children[i], true, app);
  }
  sb_append(b, "],", 2);
  encode_system(b, s, false);
  encode_lists(b, s);
  /* A history point says what it stands for (model.h, point_info). */
  if (s->point.samples) {
    key(b, "samples");
    sb_i64(b, s->point.samples);
    sb_putc(b, ',');
    if (s->point.partial) sb_puts(b, KEY_LIT("partial") "true,");
    if (s->point.gap_before) sb_puts(b, KEY_LIT("gap_before") "true,");
  }
  close_object(b);
}

char *snapshot_to_json_string(const metrics_snapshot *s) {
  return snapshot_app_to_json_string(s, NULL);
}

char *snapshot_app_to_json_string(const metrics_snapshot *s, const app_frame *app) {
  strbuf b;
  sb_init(&b, 1024 + s->n_children * 160 + (app ? app->n_points * 160 : 0));
  encode_snapshot(&b, s, app);
  return sb_steal(&b);
}

char *snapshots_to_json_string(const metrics_snapshot *snaps, size_t n) {
  strbuf b;
  size_t kids = n ? snaps[0].n_children : 0;
  sb_init(&b, 64 + n * (700 + kids * 160));
  sb_putc(&b, '[');
  for (size_t i = 0; i < n; i++) {
    if (i) sb_putc(&b, ',');
    encode_snapshot(&b, &snaps[i], NULL);
  }
  sb_putc(&b, ']');
  return sb_steal(&b);
}
