/* model.h - the MetricsSnapshot data model (field names from the design doc). */
#ifndef HIRO_MODEL_H
#define HIRO_MODEL_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define HIRO_NAME_MAX 64 /* channel plugin names: at most 63 bytes */

typedef struct {
  double percent; /* system-wide busy %, 0-100 */
  int count;      /* logical CPUs */
} cpu_metrics;

typedef struct {
  uint64_t total_bytes;
  uint64_t available_bytes;
  double percent; /* (total - available) / total * 100 */
} memory_metrics;

typedef struct {
  int pid;
  double cpu_percent; /* 0-100 x cores */
  uint64_t rss_bytes;
  uint64_t vms_bytes;
  int num_threads;
} process_metrics;

typedef struct {
  char name[HIRO_NAME_MAX];
  int pid;
  bool alive;
  double cpu_percent;
  uint64_t rss_bytes;
  uint64_t vms_bytes;
  int num_threads;
} child_process_metrics;

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

/* Raw counters behind the rates, kept for Prometheus (counters, not rates).
 * Not part of the JSON model. */
typedef struct {
  double server_cpu_seconds;         /* server process user+system seconds */
  uint64_t disk_read_bytes, disk_write_bytes;
  uint64_t net_bytes_sent, net_bytes_recv;
  uint64_t net_packets_sent, net_packets_recv;
  double tick_seconds;               /* CPU time the tick that made this took */
} snapshot_counters;

/* One collector tick. children is heap memory owned by the snapshot: use
 * snapshot_copy/snapshot_free, never struct assignment, to keep ownership clear. */
typedef struct {
  double timestamp; /* wall-clock Unix seconds */
  cpu_metrics cpu;
  memory_metrics memory;
  bool has_process, has_disk, has_network; /* false -> JSON null */
  process_metrics process;
  disk_metrics disk;
  network_metrics network;
  size_t n_children;
  child_process_metrics *children;
  snapshot_counters counters;
  /* Child CPU seconds (same order as children), for Prometheus; may be NULL. */
  double *children_cpu_seconds;
} metrics_snapshot;

/* Deep-copy src into dst (dst's previous contents are freed first unless dst
 * is zeroed). Never fails (allocation aborts). */
void snapshot_copy(metrics_snapshot *dst, const metrics_snapshot *src);
/* Release what the snapshot owns and zero it. Safe on a zeroed snapshot. */
void snapshot_free(metrics_snapshot *s);
/* Make room for n children (zeroed), replacing any existing ones. */
void snapshot_set_children(metrics_snapshot *s, size_t n);

#endif
