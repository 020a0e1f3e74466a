/* columns.c - the column tables of columns.h and the conversions between a
 * model field and its stored scaled integer. */
#include "model/columns.h"

#include <limits.h>
#include <math.h>
#include <string.h>

/* The field's C type, derived from its declaration so a row cannot misread it. */
#define CTYPE_OF(expr)                                                                             \
  _Generic((expr), double : MODEL_F64, uint64_t : MODEL_U64, int : MODEL_INT, bool : MODEL_BOOL)
#define KEY_LIT(field) "\"" #field "\":"

/* Designated initializers: a field added to model_column cannot shift the
 * others (clang checks missing fields, gcc does not for array rows). */
#define SYS_ROW(id, obj, field, grp, sc, db_, nm, dec, unit_, prom_, help_)                        \
  [MODEL_SYS_##id] = {.db = db_,                                                                   \
                      .name = nm,                                                                  \
                      .object = #obj,                                                              \
                      .json_key = KEY_LIT(field),                                                  \
                      .json_key_len = sizeof KEY_LIT(field) - 1,                                   \
                      .offset = offsetof(metrics_snapshot, obj.field),                             \
                      .ctype = CTYPE_OF(((metrics_snapshot *)0)->obj.field),                       \
                      .scale = MODEL_##sc,                                                         \
                      .group = MODEL_GROUP_##grp,                                                  \
                      .decimals = dec,                                                             \
                      .unit = unit_,                                                               \
                      .prom = prom_,                                                               \
                      .help = help_,                                                               \
                      .role = MODEL_MEASURE,                                                       \
                      .status = false},
const model_column model_sys_columns[MODEL_SYS_COLUMNS] = {MODEL_SYSTEM_COLUMNS(SYS_ROW)};

#define PROC_ROW(id, field, grp, role_, sc, db_, nm, key, dec, unit_, prom_, help_)                \
  [MODEL_PROC_##id] = {.db = db_,                                                                  \
                       .name = nm,                                                                 \
                       .object = NULL,                                                             \
                       .json_key = "\"" key "\":",                                                 \
                       .json_key_len = sizeof("\"" key "\":") - 1,                                 \
                       .offset = offsetof(process_metrics, field),                                 \
                       .ctype = CTYPE_OF(((process_metrics *)0)->field),                           \
                       .scale = MODEL_##sc,                                                        \
                       .group = MODEL_GROUP_##grp,                                                 \
                       .decimals = dec,                                                            \
                       .unit = unit_,                                                              \
                       .prom = prom_,                                                              \
                       .help = help_,                                                              \
                       .role = MODEL_##role_,                                                      \
                       .status = MODEL_##role_ == MODEL_STATUS},
const model_column model_proc_columns[MODEL_PROC_COLUMNS] = {MODEL_PROCESS_COLUMNS(PROC_ROW)};

#define ITEM_ROW(type, prefix, id, field, sc, db_, nm, dec, unit_, prom_, help_, status_)          \
  [prefix##id] = {.db = db_,                                                                       \
                  .name = nm,                                                                      \
                  .object = NULL,                                                                  \
                  .json_key = KEY_LIT(field),                                                      \
                  .json_key_len = sizeof KEY_LIT(field) - 1,                                       \
                  .offset = offsetof(type, field),                                                 \
                  .ctype = CTYPE_OF(((type *)0)->field),                                           \
                  .scale = MODEL_##sc,                                                             \
                  .group = 0,                                                                      \
                  .decimals = dec,                                                                 \
                  .unit = unit_,                                                                   \
                  .prom = prom_,                                                                   \
                  .help = help_,                                                                   \
                  .role = (status_) ? MODEL_STATUS : MODEL_MEASURE,                                \
                  .status = status_},
#define FS_ROW(...) ITEM_ROW(filesystem_metrics, MODEL_FS_, __VA_ARGS__)
#define DISK_ROW(...) ITEM_ROW(disk_device_metrics, MODEL_DISK_, __VA_ARGS__)
#define IF_ROW(...) ITEM_ROW(interface_metrics, MODEL_IF_, __VA_ARGS__)
const model_column model_fs_columns[MODEL_FS_COLUMNS] = {MODEL_FILESYSTEM_COLUMNS(FS_ROW)};
const model_column model_disk_columns[MODEL_DISK_COLUMNS_N] = {MODEL_DISK_COLUMNS(DISK_ROW)};
const model_column model_if_columns[MODEL_IF_COLUMNS] = {MODEL_INTERFACE_COLUMNS(IF_ROW)};

#define LIST(key, label_, table_, field, count, type, name, cols, ncols)                           \
  {                                                                                                \
    .json = key, .label = label_, .table = table_,                                                 \
    .count_offset = offsetof(metrics_snapshot, count),                                             \
    .items_offset = offsetof(metrics_snapshot, field), .item_size = sizeof(type),                  \
    .name_offset = offsetof(type, name), .columns = cols, .n_columns = ncols                       \
  }
const model_list model_lists[MODEL_LISTS] = {
    [MODEL_LIST_FILESYSTEMS] = LIST("filesystems", "mount", "fs", filesystems, n_filesystems,
                                    filesystem_metrics, mount, model_fs_columns, MODEL_FS_COLUMNS),
    [MODEL_LIST_DISKS] = LIST("disks", "device", "disk", disks, n_disks, disk_device_metrics, name,
                              model_disk_columns, MODEL_DISK_COLUMNS_N),
    [MODEL_LIST_INTERFACES] = LIST("interfaces", "interface", "netif", interfaces, n_interfaces,
                                   interface_metrics, name, model_if_columns, MODEL_IF_COLUMNS),
};

const void *model_list_item(const metrics_snapshot *s, int l, size_t i) {
  const char *items = *(char *const *)((const char *)s + model_lists[l].items_offset);
  return items + i * model_lists[l].item_size;
}

size_t model_list_count(const metrics_snapshot *s, int l) {
  return *(const size_t *)((const char *)s + model_lists[l].count_offset);
}

const char *model_list_name(const model_list *l, const void *item) {
  const char *name = *(const char *const *)((const char *)item + l->name_offset);
  return name ? name : "";
}

#define GROUP_ROW(id, count, flag)                                                                 \
  [MODEL_GROUP_##id] = {.count_column = count, .flag_offset = flag},
const model_group model_sys_groups[MODEL_SYS_GROUPS] = {MODEL_SYSTEM_GROUPS(GROUP_ROW)};
const model_group model_proc_groups[MODEL_PROC_GROUPS] = {MODEL_PROCESS_GROUPS(GROUP_ROW)};

bool model_group_present(const metrics_snapshot *s, int g) {
  ptrdiff_t off = model_sys_groups[g].flag_offset;
  return off < 0 || *(const bool *)((const char *)s + off);
}

void model_group_set_present(metrics_snapshot *s, int g, bool present) {
  ptrdiff_t off = model_sys_groups[g].flag_offset;
  if (off >= 0) *(bool *)((char *)s + off) = present;
}

bool model_proc_group_present(const process_metrics *p, int g) {
  ptrdiff_t off = model_proc_groups[g].flag_offset;
  return off < 0 || *(const bool *)((const char *)p + off);
}

void model_proc_group_set_present(process_metrics *p, int g, bool present) {
  ptrdiff_t off = model_proc_groups[g].flag_offset;
  if (off >= 0) *(bool *)((char *)p + off) = present;
}

bool model_proc_has(const process_metrics *p, const model_column *c) {
  return model_proc_group_present(p, c->group);
}

double model_value(const void *base, const model_column *c) {
  const char *p = (const char *)base + c->offset;
  switch (c->ctype) {
  case MODEL_F64: return *(const double *)p;
  case MODEL_U64: return (double)*(const uint64_t *)p;
  case MODEL_INT: return *(const int *)p;
  case MODEL_BOOL: return *(const bool *)p ? 1 : 0;
  }
  return 0;
}

/* Rounded, clamped to what an int64 holds: NaN and negative rates become 0. */
static int64_t scaled(double v, double scale) {
  double x = v * scale;
  if (!(x > 0)) return x < 0 && x > -9.2e18 ? (int64_t)llround(x) : 0;
  if (x >= 9.2e18) return INT64_MAX;
  return (int64_t)llround(x);
}

static int64_t clamp_u64(uint64_t v) { return v > INT64_MAX ? INT64_MAX : (int64_t)v; }

static double scale_factor(model_scale sc) {
  return sc == MODEL_X100 ? 100.0 : sc == MODEL_KIB ? 1.0 / 1024.0 : sc == MODEL_MS ? 1000.0 : 1.0;
}

int64_t model_stored(const void *base, const model_column *c) {
  const char *p = (const char *)base + c->offset;
  switch (c->ctype) {
  case MODEL_U64: {
    uint64_t v = *(const uint64_t *)p;
    /* Exact integer arithmetic: bytes exceed a double's 2^53 long before int64. */
    if (c->scale == MODEL_KIB) return clamp_u64(v / 1024 + (v % 1024 >= 512));
    return clamp_u64(c->scale == MODEL_X100 && v <= INT64_MAX / 100 ? v * 100 : v);
  }
  case MODEL_INT: return scaled(*(const int *)p, scale_factor(c->scale));
  case MODEL_BOOL: return *(const bool *)p ? 1 : 0;
  case MODEL_F64: return scaled(*(const double *)p, scale_factor(c->scale));
  }
  return 0;
}

bool model_is_rate(const model_column *c) {
  size_t n = strlen(c->unit);
  return n >= 2 && strcmp(c->unit + n - 2, "/s") == 0;
}

double model_unscale(const model_column *c, double stored) {
  return stored / scale_factor(c->scale);
}

void model_set_stored(void *base, const model_column *c, double stored) {
  char *p = (char *)base + c->offset;
  double v = model_unscale(c, stored);
  switch (c->ctype) {
  case MODEL_F64: *(double *)p = v; break;
  /* Clamped before converting: a hostile or corrupt file may hold anything. */
  case MODEL_U64:
    *(uint64_t *)p = !(v > 0) ? 0 : v >= 9.2e18 ? (uint64_t)INT64_MAX : (uint64_t)llround(v);
    break;
  case MODEL_INT:
    *(int *)p = isnan(v) ? 0 : v <= INT_MIN ? INT_MIN : v >= INT_MAX ? INT_MAX : (int)lround(v);
    break;
  /* For a rollup the fraction of samples that were true: true when at least
   * half were (agg=max: true at some point; agg=min: true throughout). */
  case MODEL_BOOL: *(bool *)p = v >= 0.5; break;
  }
}
