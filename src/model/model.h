/* model.h - the MetricsSnapshot data model (field names from the design doc).
 * A leaf module: it depends on nothing but common/, and collector, store,
 * http and export all depend on it. What each figure means, how it is stored
 * and how it is exposed is described once, in model/columns.h. */
#ifndef HIRO_MODEL_H
#define HIRO_MODEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hiro.h"

typedef struct {
  double percent; /* system-wide busy %, 0-100 */
  int count;      /* logical CPUs */
} cpu_metrics;

typedef struct {
  uint64_t total_bytes;
  uint64_t available_bytes;
  double percent; /* (total - available) / total * 100 */
} memory_metrics;

/* What the plugin manager knows about a plugin's life (plugins only; not
 * stored with the snapshot: the events table keeps the history). */
typedef struct {
  bool known;             /* false in snapshots read back from the database */
  unsigned restarts;      /* starts after the first */
  double started_at;      /* wall-clock Unix seconds of the last start; 0 = never started */
  bool has_exit;          /* the exit_* fields describe its last exit */
  int exit_code;          /* exit status; -1 when a signal ended it */
  int exit_signal;        /* the signal that ended it; 0 when it exited */
  double exit_time;       /* wall-clock Unix seconds */
  bool restart;           /* configured with restart: true */
  double next_restart_at; /* wall-clock Unix seconds of the pending restart; 0 = none */
} plugin_lifecycle;

/* A plugin's whole process tree: the plugin and every descendant. */
typedef struct {
  double cpu_percent; /* over the last interval, exited descendants included */
  uint64_t rss_bytes; /* sum over the live processes */
  int num_threads;    /* sum over the live processes */
  int processes;      /* live processes */
  double cpu_seconds; /* counter: CPU of every process that ran in the tree */
} process_tree;

/* One process: the server itself (snapshot.process) or a plugin
 * (snapshot.children, the design document's ChildProcessMetrics). The same
 * shape for both, so one column table describes both.
 *
 * Nothing is a false zero: a figure that was not measured has its presence
 * group unset (model/columns.h) and is null in JSON, NULL in SQLite, empty in
 * CSV and absent from Prometheus. A plugin that is down has only alive,
 * down_seconds and its last pid (0 when it never started: null). */
typedef struct {
  char name[HIRO_NAME_MAX]; /* plugin name; empty for the server process */
  int pid;                  /* 0 = never started */
  bool alive;               /* the server process is always alive */
  bool has_cpu;             /* cpu_percent, cpu_seconds measured */
  bool has_memory;          /* rss, vms, threads measured */
  bool has_tree_cpu;        /* tree.cpu_percent, tree.cpu_seconds measured */
  bool has_tree;            /* tree rss, threads, processes measured */
  bool has_io;              /* io_* measured (/proc/PID/io readable) */
  bool has_fds;             /* open_fds measured (Linux >= 6.2) */
  double cpu_percent;       /* 0-100 x cores */
  uint64_t rss_bytes;
  uint64_t vms_bytes;
  int num_threads;
  double cpu_seconds;            /* user + system CPU time so far (a counter) */
  double down_seconds;           /* time not running in the interval this snapshot closes */
  double io_read_bytes_per_sec;  /* storage reads the process caused */
  double io_write_bytes_per_sec; /* storage writes the process caused */
  int open_fds;
  uint64_t io_read_bytes, io_write_bytes; /* the counters behind the rates (Prometheus) */
  process_tree tree;                      /* plugins only */
  plugin_lifecycle life;                  /* plugins only */
} process_metrics;

/* The design document's name for a plugin's entry. */
typedef process_metrics child_process_metrics;

typedef struct {
  uint64_t total_bytes;
  uint64_t used_bytes;
  uint64_t free_bytes;
  double percent;
  double read_bytes_per_sec;
  double write_bytes_per_sec;
} disk_metrics;

typedef struct {
  double bytes_sent_per_sec;
  double bytes_recv_per_sec;
  double packets_sent_per_sec;
  double packets_recv_per_sec;
} network_metrics;

/* Run-queue load (/proc/loadavg). */
typedef struct {
  double load1, load5, load15;
  int runnable; /* tasks runnable now */
  int tasks;    /* all tasks (threads) */
} load_metrics;

/* Swap space and paging to it (percent = used / total; 0 without swap). */
typedef struct {
  uint64_t total_bytes;
  uint64_t used_bytes;
  double percent;
  double in_bytes_per_sec, out_bytes_per_sec;
} swap_metrics;

/* Pressure stall information: avg10 is the kernel's 10-second average of the
 * share of time some (or all, "full") non-idle tasks stalled on the
 * resource, in percent; *_stall_percent is the same share measured over this
 * snapshot's interval from the kernel's stall-time counters (stalled
 * microseconds per second / 10^4). */
typedef struct {
  double cpu_some_avg10, cpu_full_avg10;
  double memory_some_avg10, memory_full_avg10;
  double io_some_avg10, io_full_avg10;
  double cpu_some_stall_percent, cpu_full_stall_percent;
  double memory_some_stall_percent, memory_full_stall_percent;
  double io_some_stall_percent, io_full_stall_percent;
} pressure_metrics;

/* How the snapshot was taken. */
typedef struct {
  double interval_seconds; /* seconds its rates (CPU %, disk, network) were measured
                              over: the time since the previous tick of the same run */
} sampling_metrics;

/* One mounted real filesystem (block-device or ZFS backed; see the docs for
 * the rule), as df shows it. */
typedef struct {
  const char *mount; /* mount point, interned (model_intern): never freed */
  bool workspace;    /* holds the workspace (where metrics.db grows) */
  uint64_t total_bytes, used_bytes, free_bytes;
  double percent;                     /* used / (used + free) * 100, as df */
  uint64_t inodes_total, inodes_used; /* 0 and 0: no inode limit (btrfs) */
} filesystem_metrics;

/* One whole physical disk (the disks counted in disk.read/write_bytes_per_sec). */
typedef struct {
  const char *name; /* "vda", interned */
  double read_bytes_per_sec, write_bytes_per_sec;
  double reads_per_sec, writes_per_sec; /* completed I/O requests (IOPS) */
  double util_percent;                  /* busy time share, from io_ticks */
  /* Counters since boot behind the rates (Prometheus). */
  uint64_t read_bytes, write_bytes, reads, writes, busy_ms;
} disk_device_metrics;

/* One network interface (loopback excluded, as in the network totals). */
typedef struct {
  const char *name; /* "eth0", interned */
  double bytes_sent_per_sec, bytes_recv_per_sec;
  double packets_sent_per_sec, packets_recv_per_sec;
  double errors_per_sec, drops_per_sec; /* in + out */
  /* Counters since boot behind the rates (Prometheus). */
  uint64_t bytes_sent, bytes_recv, packets_sent, packets_recv, errors, drops;
} interface_metrics;

/* What a point of a history answer stands for; zero in a live snapshot.
 * Encoded as "samples", "partial" and "gap_before" (history points only). */
typedef struct {
  uint32_t samples; /* raw snapshots the point aggregates: 1 for a raw point */
  bool partial;     /* covers only part of its bucket: the range starts or ends
                       inside it, or it is still filling */
  bool gap_before;  /* nothing was measured between the previous point and this
                       one (server down, collector disabled): no line between */
} point_info;

/* Raw counters behind the system rates, kept for Prometheus (counters, not
 * rates). Not part of the JSON model. */
typedef struct {
  uint64_t disk_read_bytes, disk_write_bytes;
  uint64_t net_bytes_sent, net_bytes_recv;
  uint64_t net_packets_sent, net_packets_recv;
  uint64_t swap_in_bytes, swap_out_bytes;
  /* Stalled microseconds since boot: cpu, memory, io x some, full. */
  uint64_t pressure_us[3][2];
  double tick_seconds; /* CPU time the tick that made this took */
} snapshot_counters;

/* Data a snapshot carries by reference, shared between its copies and
 * released with the last one: the application-metrics frame of the
 * snapshot's interval (appmetrics/app_frame.h), which has dynamic names and
 * so is no part of this model. The model only counts references. */
typedef struct snapshot_extra {
  int refs; /* atomic */
  void (*destroy)(struct snapshot_extra *extra);
} snapshot_extra;

/* One collector tick. children is heap memory owned by the snapshot: use
 * snapshot_copy/snapshot_free, never struct assignment, to keep ownership clear. */
typedef struct {
  double timestamp; /* wall-clock Unix seconds */
  cpu_metrics cpu;
  memory_metrics memory;
  bool has_process, has_disk, has_network; /* false -> JSON null */
  bool has_load, has_swap, has_pressure;
  process_metrics process;
  disk_metrics disk;
  network_metrics network;
  load_metrics load;
  swap_metrics swap;
  pressure_metrics pressure; /* absent on kernels without PSI */
  sampling_metrics sampling;
  point_info point;
  size_t n_children;
  process_metrics *children;
  /* Lists of the system context (model/columns.h describes them): heap arrays
   * owned by the snapshot like children. */
  size_t n_filesystems, n_disks, n_interfaces;
  filesystem_metrics *filesystems;
  disk_device_metrics *disks;
  interface_metrics *interfaces;
  snapshot_counters counters;
  /* The application metrics recorded with this snapshot (the store's copy
   * carries them; the collector's ring does not); NULL when none. */
  snapshot_extra *extra;
} metrics_snapshot;

/* Deep-copy src into dst (dst's previous contents are freed first unless dst
 * is zeroed). Never fails (allocation aborts). */
void snapshot_copy(metrics_snapshot *dst, const metrics_snapshot *src);
/* Release what the snapshot owns and zero it. Safe on a zeroed snapshot. */
void snapshot_free(metrics_snapshot *s);
/* Make room for n children (zeroed), replacing any existing ones (an array
 * of the same count is reused, so a steady tick allocates nothing). */
void snapshot_set_children(metrics_snapshot *s, size_t n);
/* Make room for n entries (zeroed) of list `list` (a MODEL_LIST_* index of
 * model/columns.h), replacing any existing ones (reused as above). */
void snapshot_set_list(metrics_snapshot *s, int list, size_t n);

/* The one copy of s, kept for the life of the process: names of mounts,
 * disks and interfaces are shared by every snapshot that mentions them.
 * Thread-safe; the set of distinct names is small and bounded by the
 * machine's devices. Never returns NULL. */
const char *model_intern(const char *s);

#endif
