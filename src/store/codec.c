/* codec.c - snapshot <-> stored row conversion: the scaled integers of the
 * schema (percent x 100, KiB, whole bytes per second). */
#include <math.h>
#include <stdint.h>

#include "store/store_internal.h"

const char *const store_sys_columns[SYS_FIELDS] = {
    "cpu_pct_x100", "cpu_count",     "mem_total",      "mem_available",
    "mem_pct_x100", "disk_total",    "disk_used",      "disk_free",
    "disk_pct_x100", "disk_read_bps", "disk_write_bps", "net_sent_bps",
    "net_recv_bps", "net_sent_pps_x100", "net_recv_pps_x100"};
const char *const store_proc_columns[PROC_FIELDS] = {"alive", "cpu_pct_x100", "rss_kib",
                                                     "vms_kib", "threads"};
const int64_t store_tier_seconds[TIERS] = {60, 3600};
const char *const store_tier_suffix[TIERS] = {"1m", "1h"};

int store_sys_group(int field) {
  return field >= SYS_NET_FIRST ? 2 : field >= SYS_DISK_FIRST ? 1 : 0;
}

/* Rounded, clamped to what an int64 holds: NaN and negative rates become 0. */
static int64_t scaled(double v, double scale) {
  double x = v * scale;
  if (!(x > 0)) return x < 0 && x > -9.2e18 ? (int64_t)llround(x) : 0;
  if (x >= 9.2e18) return INT64_MAX;
  return (int64_t)llround(x);
}
static int64_t clamp_u64(uint64_t v) { return v > INT64_MAX ? INT64_MAX : (int64_t)v; }
/* RSS and VMS are page multiples, so KiB is exact; round anything else. */
static int64_t kib(uint64_t bytes) { return clamp_u64(bytes / 1024 + (bytes % 1024 >= 512)); }

void store_encode_system(const metrics_snapshot *snap, sys_row *row) {
  int64_t *v = row->v;
  v[0] = scaled(snap->cpu.percent, 100);
  v[1] = snap->cpu.count;
  v[2] = clamp_u64(snap->memory.total_bytes);
  v[3] = clamp_u64(snap->memory.available_bytes);
  v[4] = scaled(snap->memory.percent, 100);
  row->has_disk = snap->has_disk;
  const disk_metrics *d = &snap->disk;
  v[5] = clamp_u64(d->total_bytes);
  v[6] = clamp_u64(d->used_bytes);
  v[7] = clamp_u64(d->free_bytes);
  v[8] = scaled(d->percent, 100);
  v[9] = scaled(d->read_bytes_per_sec, 1);
  v[10] = scaled(d->write_bytes_per_sec, 1);
  row->has_net = snap->has_network;
  const network_metrics *nm = &snap->network;
  v[11] = scaled(nm->bytes_sent_per_sec, 1);
  v[12] = scaled(nm->bytes_recv_per_sec, 1);
  v[13] = scaled(nm->packets_sent_per_sec, 100);
  v[14] = scaled(nm->packets_recv_per_sec, 100);
}

void store_encode_process(const process_metrics *p, proc_row *row) {
  row->v[0] = 1;
  row->v[1] = scaled(p->cpu_percent, 100);
  row->v[2] = kib(p->rss_bytes);
  row->v[3] = kib(p->vms_bytes);
  row->v[4] = p->num_threads;
}

void store_encode_child(const child_process_metrics *c, proc_row *row) {
  row->v[0] = c->alive ? 1 : 0;
  row->v[1] = scaled(c->cpu_percent, 100);
  row->v[2] = kib(c->rss_bytes);
  row->v[3] = kib(c->vms_bytes);
  row->v[4] = c->num_threads;
}

static uint64_t to_u64(double v) { return v > 0 ? (uint64_t)llround(v) : 0; }

void store_decode_system(const double v[SYS_FIELDS], const bool present[3],
                         metrics_snapshot *snap) {
  snap->cpu.percent = v[0] / 100;
  snap->cpu.count = (int)lround(v[1]);
  snap->memory.total_bytes = to_u64(v[2]);
  snap->memory.available_bytes = to_u64(v[3]);
  snap->memory.percent = v[4] / 100;
  snap->has_disk = present[1];
  if (present[1]) {
    snap->disk.total_bytes = to_u64(v[5]);
    snap->disk.used_bytes = to_u64(v[6]);
    snap->disk.free_bytes = to_u64(v[7]);
    snap->disk.percent = v[8] / 100;
    snap->disk.read_bytes_per_sec = v[9];
    snap->disk.write_bytes_per_sec = v[10];
  }
  snap->has_network = present[2];
  if (present[2]) {
    snap->network.bytes_sent_per_sec = v[11];
    snap->network.bytes_recv_per_sec = v[12];
    snap->network.packets_sent_per_sec = v[13] / 100;
    snap->network.packets_recv_per_sec = v[14] / 100;
  }
}

void store_decode_process(const double v[PROC_FIELDS], int pid, process_metrics *p) {
  p->pid = pid;
  p->cpu_percent = v[1] / 100;
  p->rss_bytes = to_u64(v[2] * 1024);
  p->vms_bytes = to_u64(v[3] * 1024);
  p->num_threads = (int)lround(v[4]);
}

void store_decode_child(const double v[PROC_FIELDS], int pid, child_process_metrics *c) {
  c->pid = pid;
  /* For a rollup "alive" is the fraction of samples alive: alive when at
   * least half were (agg=max: alive at some point; agg=min: alive throughout). */
  c->alive = v[0] >= 0.5;
  c->cpu_percent = v[1] / 100;
  c->rss_bytes = to_u64(v[2] * 1024);
  c->vms_bytes = to_u64(v[3] * 1024);
  c->num_threads = (int)lround(v[4]);
}
