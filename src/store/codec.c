/* codec.c - snapshot <-> stored row conversion, driven by the column tables of
 * model/columns.h (scaled integers: percent x 100, KiB, whole bytes per
 * second). */
#include "store/store_internal.h"

const int64_t store_tier_seconds[TIERS] = {60, 3600};
const store_tier store_tiers[TIERS] = {
    {"1m", "rollup_1m_ms"},
    {"1h", "rollup_1h_ms"},
};

void store_encode_system(const metrics_snapshot *snap, sys_row *row) {
  for (int g = 0; g < MODEL_SYS_GROUPS; g++) row->present[g] = model_group_present(snap, g);
  for (int i = 0; i < SYS_FIELDS; i++) row->v[i] = model_stored(snap, &model_sys_columns[i]);
}

void store_encode_process(const process_metrics *p, proc_row *row) {
  for (int g = 0; g < MODEL_PROC_GROUPS; g++) row->present[g] = model_proc_group_present(p, g);
  for (int i = 0; i < PROC_FIELDS; i++) row->v[i] = model_stored(p, &model_proc_columns[i]);
}

void store_decode_system(const double v[SYS_FIELDS], const bool present[MODEL_SYS_GROUPS],
                         metrics_snapshot *snap) {
  for (int g = 0; g < MODEL_SYS_GROUPS; g++) model_group_set_present(snap, g, present[g]);
  for (int i = 0; i < SYS_FIELDS; i++) {
    const model_column *c = &model_sys_columns[i];
    if (present[c->group]) model_set_stored(snap, c, v[i]);
  }
}

void store_decode_process(const double v[PROC_FIELDS], const bool present[MODEL_PROC_GROUPS],
                          int pid, process_metrics *p) {
  p->pid = pid;
  for (int g = 0; g < MODEL_PROC_GROUPS; g++) model_proc_group_set_present(p, g, present[g]);
  for (int i = 0; i < PROC_FIELDS; i++) {
    const model_column *c = &model_proc_columns[i];
    if (present[c->group]) model_set_stored(p, c, v[i]);
  }
}
