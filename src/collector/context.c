/* context.c - the system beside the processes for each snapshot (see
 * context.h): disks and network (totals and each device), filesystems, load,
 * swap and pressure.
 * Cost per tick (measured in docs/performance.md): one pread each of
 * /proc/loadavg, /proc/vmstat and the three /proc/pressure files; swap space
 * comes from the meminfo read the memory figures already make. */
#include "collector/context.h"

#include <stdlib.h>
#include <string.h>

#include "collector/rate.h"
#include "common/clock.h"
#include "model/columns.h"

/* How often the list of mounted filesystems is read again (mounts change
 * rarely; statvfs of each listed one runs every tick). */
#define MOUNTS_REFRESH_SECONDS 60.0
/* More real filesystems than this are not listed (the first ones in mount
 * order are). */
#define MAX_FILESYSTEMS 64

typedef struct {
  const char *mount; /* interned */
  bool workspace;
} fs_entry;

/* A disk or interface as last read, to turn its counters into rates. */
typedef struct {
  const char *name; /* interned */
  disk_dev_io disk;
  net_if_io net;
} device_prev;

struct context_sampler {
  platform *plat;
  uint64_t workspace_dev;
  bool has_workspace;
  fs_entry fs[MAX_FILESYSTEMS];
  size_t n_fs;
  double fs_listed_at;  /* clock_mono of the last listing; 0 = never */
  bool swap_ok, psi_ok; /* the previous read succeeded: rates are real */
  bool disk_ok, net_ok;
  disk_io disk_prev;
  net_io net_prev;
  /* Scratch for one read, and each device's previous counters. */
  disk_dev_io disks[PLATFORM_MAX_DEVICES];
  net_if_io ifs[PLATFORM_MAX_DEVICES];
  device_prev prev_disks[PLATFORM_MAX_DEVICES], prev_ifs[PLATFORM_MAX_DEVICES];
  size_t n_prev_disks, n_prev_ifs;
  uint64_t swap_in, swap_out;
  psi_stats psi[PLATFORM_PSI_COUNT];
};

context_sampler *context_new(platform *p) {
  context_sampler *cs = xcalloc(1, sizeof *cs);
  cs->plat = p;
  return cs;
}

void context_free(context_sampler *cs) { free(cs); }

static void take_load(context_sampler *cs, metrics_snapshot *out) {
  load_avg la;
  out->has_load = platform_read_load(cs->plat, &la) == HIRO_OK;
  if (!out->has_load) return;
  out->load.load1 = la.load1;
  out->load.load5 = la.load5;
  out->load.load15 = la.load15;
  out->load.runnable = la.runnable > INT32_MAX ? INT32_MAX : (int)la.runnable;
  out->load.tasks = la.tasks > INT32_MAX ? INT32_MAX : (int)la.tasks;
}

/* Swap space: meminfo is read by the memory step; pass its figures in. */
static void take_swap(context_sampler *cs, double elapsed, const mem_info *mi,
                      metrics_snapshot *out) {
  uint64_t in = cs->swap_in, outb = cs->swap_out;
  /* /proc/vmstat is the costliest file of the tick (~30 us: the kernel
   * formats ~170 counters). Without swap space nothing can be swapped: the
   * counters stand still and are not read. */
  bool ok =
      mi && (mi->swap_total_bytes == 0 || platform_read_swap_io(cs->plat, &in, &outb) == HIRO_OK);
  out->has_swap = ok && cs->swap_ok && elapsed > 0;
  if (ok) {
    swap_metrics *sw = &out->swap;
    sw->total_bytes = mi->swap_total_bytes;
    sw->used_bytes = mi->swap_total_bytes - mi->swap_free_bytes;
    sw->percent = sw->total_bytes ? (double)sw->used_bytes / (double)sw->total_bytes * 100 : 0;
    sw->in_bytes_per_sec = rate_per_sec(cs->swap_in, in, elapsed);
    sw->out_bytes_per_sec = rate_per_sec(cs->swap_out, outb, elapsed);
    out->counters.swap_in_bytes = in;
    out->counters.swap_out_bytes = outb;
    cs->swap_in = in;
    cs->swap_out = outb;
  }
  cs->swap_ok = ok;
}

/* Share of the interval stalled, percent: microseconds per second / 10^4. */
static double stall_percent(uint64_t prev_us, uint64_t cur_us, double elapsed) {
  double pct = rate_per_sec(prev_us, cur_us, elapsed) / 1e4;
  return pct > 100 ? 100 : pct;
}

static void take_pressure(context_sampler *cs, double elapsed, metrics_snapshot *out) {
  psi_stats now[PLATFORM_PSI_COUNT];
  bool ok = platform_read_pressure(cs->plat, now) == HIRO_OK;
  out->has_pressure = ok && cs->psi_ok && elapsed > 0;
  if (ok) {
    pressure_metrics *pm = &out->pressure;
    double *avg[PLATFORM_PSI_COUNT][2] = {{&pm->cpu_some_avg10, &pm->cpu_full_avg10},
                                          {&pm->memory_some_avg10, &pm->memory_full_avg10},
                                          {&pm->io_some_avg10, &pm->io_full_avg10}};
    double *stall[PLATFORM_PSI_COUNT][2] = {
        {&pm->cpu_some_stall_percent, &pm->cpu_full_stall_percent},
        {&pm->memory_some_stall_percent, &pm->memory_full_stall_percent},
        {&pm->io_some_stall_percent, &pm->io_full_stall_percent}};
    for (int r = 0; r < PLATFORM_PSI_COUNT; r++) {
      *avg[r][0] = now[r].some_avg10;
      *avg[r][1] = now[r].full_avg10;
      *stall[r][0] = stall_percent(cs->psi[r].some_total_us, now[r].some_total_us, elapsed);
      *stall[r][1] = stall_percent(cs->psi[r].full_total_us, now[r].full_total_us, elapsed);
      out->counters.pressure_us[r][0] = now[r].some_total_us;
      out->counters.pressure_us[r][1] = now[r].full_total_us;
    }
    memcpy(cs->psi, now, sizeof now);
  }
  cs->psi_ok = ok;
}

/* The previous counters of the device named name, or NULL (a new device). */
static const device_prev *find_prev(const device_prev *prev, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(prev[i].name, name) == 0) return &prev[i];
  return NULL;
}

/* The interned name of a device: reused from the previous read when known. */
static const char *device_name(const device_prev *prev, size_t n, const char *name) {
  const device_prev *p = find_prev(prev, n, name);
  return p ? p->name : model_intern(name);
}

/* Step 4: root filesystem usage (root: this tick's, NULL when unreadable),
 * disk I/O of the whole physical disks, and each of them. A disk seen for the
 * first time is listed from its second read on, so that none of its rates is
 * a placeholder. */
static void take_disks(context_sampler *cs, double elapsed, const fs_usage *root,
                       metrics_snapshot *out) {
  disk_io io;
  size_t n = 0;
  hiro_err io_err = platform_read_disks(cs->plat, &io, cs->disks, PLATFORM_MAX_DEVICES, &n);
  out->has_disk = root && io_err == HIRO_OK && cs->disk_ok;
  if (root) {
    out->disk.total_bytes = root->total_bytes;
    out->disk.used_bytes = root->used_bytes;
    out->disk.free_bytes = root->free_bytes;
    out->disk.percent = root->percent;
  }
  snapshot_set_list(out, MODEL_LIST_DISKS, n);
  size_t listed = 0;
  device_prev next[PLATFORM_MAX_DEVICES];
  for (size_t i = 0; i < n && io_err == HIRO_OK; i++) {
    const disk_dev_io *c = &cs->disks[i];
    const device_prev *p = find_prev(cs->prev_disks, cs->n_prev_disks, c->name);
    next[i] =
        (device_prev){.name = device_name(cs->prev_disks, cs->n_prev_disks, c->name), .disk = *c};
    if (!p || !out->has_disk) continue;
    disk_device_metrics *d = &out->disks[listed++];
    d->name = next[i].name;
    d->read_bytes_per_sec = rate_per_sec(p->disk.read_bytes, c->read_bytes, elapsed);
    d->write_bytes_per_sec = rate_per_sec(p->disk.write_bytes, c->write_bytes, elapsed);
    d->reads_per_sec = rate_per_sec(p->disk.reads, c->reads, elapsed);
    d->writes_per_sec = rate_per_sec(p->disk.writes, c->writes, elapsed);
    d->util_percent = rate_per_sec(p->disk.busy_ms, c->busy_ms, elapsed) / 10.0; /* ms/s -> % */
    if (d->util_percent > 100) d->util_percent = 100;
    d->read_bytes = c->read_bytes;
    d->write_bytes = c->write_bytes;
    d->reads = c->reads;
    d->writes = c->writes;
    d->busy_ms = c->busy_ms;
  }
  out->n_disks = listed;
  if (io_err == HIRO_OK) {
    out->disk.read_bytes_per_sec = rate_per_sec(cs->disk_prev.read_bytes, io.read_bytes, elapsed);
    out->disk.write_bytes_per_sec =
        rate_per_sec(cs->disk_prev.write_bytes, io.write_bytes, elapsed);
    out->counters.disk_read_bytes = io.read_bytes;
    out->counters.disk_write_bytes = io.write_bytes;
    cs->disk_prev = io;
    memcpy(cs->prev_disks, next, n * sizeof *next);
    cs->n_prev_disks = n;
  }
  cs->disk_ok = io_err == HIRO_OK;
}

/* Step 5: network rates over every interface but loopback, and each. */
static void take_network(context_sampler *cs, double elapsed, metrics_snapshot *out) {
  net_io io;
  size_t n = 0;
  hiro_err err = platform_read_interfaces(cs->plat, &io, cs->ifs, PLATFORM_MAX_DEVICES, &n);
  out->has_network = err == HIRO_OK && cs->net_ok;
  cs->net_ok = err == HIRO_OK;
  snapshot_set_list(out, MODEL_LIST_INTERFACES, err == HIRO_OK ? n : 0);
  out->n_interfaces = 0;
  if (err != HIRO_OK) return;
  network_metrics *nm = &out->network;
  nm->bytes_sent_per_sec = rate_per_sec(cs->net_prev.bytes_sent, io.bytes_sent, elapsed);
  nm->bytes_recv_per_sec = rate_per_sec(cs->net_prev.bytes_recv, io.bytes_recv, elapsed);
  nm->packets_sent_per_sec = rate_per_sec(cs->net_prev.packets_sent, io.packets_sent, elapsed);
  nm->packets_recv_per_sec = rate_per_sec(cs->net_prev.packets_recv, io.packets_recv, elapsed);
  out->counters.net_bytes_sent = io.bytes_sent;
  out->counters.net_bytes_recv = io.bytes_recv;
  out->counters.net_packets_sent = io.packets_sent;
  out->counters.net_packets_recv = io.packets_recv;
  cs->net_prev = io;
  device_prev next[PLATFORM_MAX_DEVICES];
  for (size_t i = 0; i < n; i++) {
    const net_if_io *c = &cs->ifs[i];
    const device_prev *p = find_prev(cs->prev_ifs, cs->n_prev_ifs, c->name);
    next[i] = (device_prev){.name = device_name(cs->prev_ifs, cs->n_prev_ifs, c->name), .net = *c};
    if (!p || !out->has_network) continue;
    interface_metrics *it = &out->interfaces[out->n_interfaces++];
    it->name = next[i].name;
    it->bytes_sent_per_sec = rate_per_sec(p->net.bytes_sent, c->bytes_sent, elapsed);
    it->bytes_recv_per_sec = rate_per_sec(p->net.bytes_recv, c->bytes_recv, elapsed);
    it->packets_sent_per_sec = rate_per_sec(p->net.packets_sent, c->packets_sent, elapsed);
    it->packets_recv_per_sec = rate_per_sec(p->net.packets_recv, c->packets_recv, elapsed);
    it->errors_per_sec = rate_per_sec(p->net.errors, c->errors, elapsed);
    it->drops_per_sec = rate_per_sec(p->net.drops, c->drops, elapsed);
    it->bytes_sent = c->bytes_sent;
    it->bytes_recv = c->bytes_recv;
    it->packets_sent = c->packets_sent;
    it->packets_recv = c->packets_recv;
    it->errors = c->errors;
    it->drops = c->drops;
  }
  memcpy(cs->prev_ifs, next, n * sizeof *next);
  cs->n_prev_ifs = n;
}

void context_set_workspace(context_sampler *cs, const char *path) {
  cs->has_workspace = path && platform_path_device(path, &cs->workspace_dev) == HIRO_OK;
  cs->fs_listed_at = 0; /* mark it at the next listing */
}

static void list_filesystems(context_sampler *cs) {
  char(*mounts)[PLATFORM_MOUNT_MAX] = xmalloc(MAX_FILESYSTEMS * sizeof *mounts);
  cs->n_fs = platform_list_filesystems(cs->plat, mounts, MAX_FILESYSTEMS);
  for (size_t i = 0; i < cs->n_fs; i++) {
    uint64_t dev;
    cs->fs[i].mount = model_intern(mounts[i]);
    cs->fs[i].workspace = cs->has_workspace && platform_path_device(mounts[i], &dev) == HIRO_OK &&
                          dev == cs->workspace_dev;
  }
  free(mounts);
  cs->fs_listed_at = clock_mono();
}

/* root: the tick's usage of "/" (read once for the disk figures), or NULL. */
static void take_filesystems(context_sampler *cs, const fs_usage *root, metrics_snapshot *out) {
  if (cs->fs_listed_at == 0 || clock_mono() - cs->fs_listed_at >= MOUNTS_REFRESH_SECONDS)
    list_filesystems(cs);
  snapshot_set_list(out, MODEL_LIST_FILESYSTEMS, cs->n_fs);
  size_t n = 0;
  for (size_t i = 0; i < cs->n_fs; i++) {
    fs_usage fu;
    /* Unmounted since the listing, or unreadable: left out this tick. */
    if (root && strcmp(cs->fs[i].mount, "/") == 0)
      fu = *root;
    else if (platform_read_fs_usage(cs->plat, cs->fs[i].mount, &fu) != HIRO_OK)
      continue;
    filesystem_metrics *f = &out->filesystems[n++];
    f->mount = cs->fs[i].mount;
    f->workspace = cs->fs[i].workspace;
    f->total_bytes = fu.total_bytes;
    f->used_bytes = fu.used_bytes;
    f->free_bytes = fu.free_bytes;
    f->percent = fu.percent;
    f->inodes_total = fu.inodes_total;
    f->inodes_used = fu.inodes_total - fu.inodes_free;
  }
  out->n_filesystems = n;
}

void context_take(context_sampler *cs, double elapsed, const mem_info *mi, metrics_snapshot *out) {
  if (elapsed <= 0) cs->disk_ok = cs->net_ok = false; /* a prime: the last reads are stale */
  fs_usage root;
  bool root_ok = platform_read_fs_usage(cs->plat, "/", &root) == HIRO_OK;
  take_disks(cs, elapsed, root_ok ? &root : NULL, out);
  take_network(cs, elapsed, out);
  take_filesystems(cs, root_ok ? &root : NULL, out);
  take_load(cs, out);
  take_swap(cs, elapsed, mi, out);
  take_pressure(cs, elapsed, out);
}
