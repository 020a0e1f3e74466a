/* columns.h - every figure of a snapshot that is stored or exposed, described
 * once: where it lives in the model, the scaled integer column that stores
 * it, its flat name (v_* views, CSV header), its JSON key, unit and
 * Prometheus family. The store's codec, rollup SQL and history reads, the CSV
 * exporter, the JSON encoder and the Prometheus exposition all read these
 * tables, and the schema test checks the views against them.
 *
 * Adding a figure: a field in model.h, one X(...) row below, and a migration
 * that adds the column to the raw and rollup tables and to the views
 * (schema/schema.sql follows from the migrations; test_model_columns checks
 * every row against the tables and views). */
#ifndef HIRO_MODEL_COLUMNS_H
#define HIRO_MODEL_COLUMNS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

/* How a figure is stored: an integer column holding value x 100, bytes / 1024
 * (RSS and VMS are page multiples, so exact), seconds x 1000, or the value
 * rounded. */
typedef enum { MODEL_AS_IS, MODEL_X100, MODEL_KIB, MODEL_MS } model_scale;
/* The C type of the model field (derived from the field, never written by hand). */
typedef enum { MODEL_F64, MODEL_U64, MODEL_INT, MODEL_BOOL } model_ctype;

/* Presence groups of system figures: figures read together and absent
 * together (JSON null, SQL NULL). A rollup row counts the samples of each
 * group in its own column, and averages a figure over its group's count. */
#define MODEL_SYSTEM_GROUPS(X)                                                                     \
  /* X(id, rollup count column, offset of the snapshot's flag or -1) */                            \
  X(ALWAYS, "n", -1)                                                                               \
  X(DISK, "n_disk", (ptrdiff_t)offsetof(metrics_snapshot, has_disk))                               \
  X(NETWORK, "n_net", (ptrdiff_t)offsetof(metrics_snapshot, has_network))                          \
  X(LOAD, "n_load", (ptrdiff_t)offsetof(metrics_snapshot, has_load))                               \
  X(SWAP, "n_swap", (ptrdiff_t)offsetof(metrics_snapshot, has_swap))                               \
  X(PRESSURE, "n_psi", (ptrdiff_t)offsetof(metrics_snapshot, has_pressure))

/* System-wide figures, in storage and JSON order within each object.
 * X(id, JSON object, field, group, scale, stored column, flat name,
 *   JSON decimals, unit, Prometheus gauge or NULL, help) */
#define MODEL_SYSTEM_COLUMNS(X)                                                                    \
  X(CPU_PERCENT, cpu, percent, ALWAYS, X100, "cpu_pct_x100", "cpu_percent", 2, "percent",          \
    "hiro_system_cpu_usage_ratio", "System-wide CPU busy fraction (0-1) over the last interval.")  \
  X(CPU_COUNT, cpu, count, ALWAYS, AS_IS, "cpu_count", "cpu_count", 0, "count",                    \
    "hiro_system_cpus", "Logical CPUs.")                                                           \
  X(MEM_TOTAL, memory, total_bytes, ALWAYS, AS_IS, "mem_total", "memory_total_bytes", 0, "bytes",  \
    "hiro_system_memory_total_bytes", "Total physical memory.")                                    \
  X(MEM_AVAILABLE, memory, available_bytes, ALWAYS, AS_IS, "mem_available",                        \
    "memory_available_bytes", 0, "bytes", "hiro_system_memory_available_bytes",                    \
    "Memory available (MemAvailable).")                                                            \
  X(MEM_PERCENT, memory, percent, ALWAYS, X100, "mem_pct_x100", "memory_percent", 2, "percent",    \
    NULL, "Memory in use, percent of total.")                                                      \
  X(DISK_TOTAL, disk, total_bytes, DISK, AS_IS, "disk_total", "disk_total_bytes", 0, "bytes",      \
    "hiro_disk_total_bytes", "Root filesystem size.")                                              \
  X(DISK_USED, disk, used_bytes, DISK, AS_IS, "disk_used", "disk_used_bytes", 0, "bytes",          \
    "hiro_disk_used_bytes", "Root filesystem bytes in use.")                                       \
  X(DISK_FREE, disk, free_bytes, DISK, AS_IS, "disk_free", "disk_free_bytes", 0, "bytes",          \
    "hiro_disk_free_bytes", "Root filesystem bytes available to users.")                           \
  X(DISK_PERCENT, disk, percent, DISK, X100, "disk_pct_x100", "disk_percent", 2, "percent", NULL,  \
    "Root filesystem used percent, used / (used + free) as df shows.")                             \
  X(DISK_READ, disk, read_bytes_per_sec, DISK, AS_IS, "disk_read_bps", "disk_read_bytes_per_sec",  \
    1, "bytes/s", NULL, "Bytes read per second from physical disks.")                              \
  X(DISK_WRITE, disk, write_bytes_per_sec, DISK, AS_IS, "disk_write_bps",                          \
    "disk_write_bytes_per_sec", 1, "bytes/s", NULL, "Bytes written per second to physical disks.") \
  X(NET_SENT, network, bytes_sent_per_sec, NETWORK, AS_IS, "net_sent_bps",                         \
    "net_bytes_sent_per_sec", 1, "bytes/s", NULL, "Bytes sent per second, loopback excluded.")     \
  X(NET_RECV, network, bytes_recv_per_sec, NETWORK, AS_IS, "net_recv_bps",                         \
    "net_bytes_recv_per_sec", 1, "bytes/s", NULL, "Bytes received per second, loopback excluded.") \
  X(NET_SENT_PPS, network, packets_sent_per_sec, NETWORK, X100, "net_sent_pps_x100",               \
    "net_packets_sent_per_sec", 2, "packets/s", NULL, "Packets sent per second.")                  \
  X(NET_RECV_PPS, network, packets_recv_per_sec, NETWORK, X100, "net_recv_pps_x100",               \
    "net_packets_recv_per_sec", 2, "packets/s", NULL, "Packets received per second.")              \
  X(LOAD1, load, load1, LOAD, X100, "load1_x100", "load1", 2, "count", "hiro_system_load1",        \
    "1-minute load average.")                                                                      \
  X(LOAD5, load, load5, LOAD, X100, "load5_x100", "load5", 2, "count", "hiro_system_load5",        \
    "5-minute load average.")                                                                      \
  X(LOAD15, load, load15, LOAD, X100, "load15_x100", "load15", 2, "count", "hiro_system_load15",   \
    "15-minute load average.")                                                                     \
  X(RUNNABLE, load, runnable, LOAD, AS_IS, "tasks_runnable", "tasks_runnable", 0, "count",         \
    "hiro_system_tasks_runnable", "Tasks runnable now.")                                           \
  X(TASKS, load, tasks, LOAD, AS_IS, "tasks_total", "tasks_total", 0, "count",                     \
    "hiro_system_tasks", "Tasks (threads) in the system.")                                         \
  X(SWAP_TOTAL, swap, total_bytes, SWAP, AS_IS, "swap_total", "swap_total_bytes", 0, "bytes",      \
    "hiro_swap_total_bytes", "Swap space.")                                                        \
  X(SWAP_USED, swap, used_bytes, SWAP, AS_IS, "swap_used", "swap_used_bytes", 0, "bytes",          \
    "hiro_swap_used_bytes", "Swap space in use.")                                                  \
  X(SWAP_PERCENT, swap, percent, SWAP, X100, "swap_pct_x100", "swap_percent", 2, "percent", NULL,  \
    "Swap in use, percent of the swap space.")                                                     \
  X(SWAP_IN, swap, in_bytes_per_sec, SWAP, AS_IS, "swap_in_bps", "swap_in_bytes_per_sec", 1,       \
    "bytes/s", NULL, "Bytes swapped in per second.")                                               \
  X(SWAP_OUT, swap, out_bytes_per_sec, SWAP, AS_IS, "swap_out_bps", "swap_out_bytes_per_sec", 1,   \
    "bytes/s", NULL, "Bytes swapped out per second.")                                              \
  X(PSI_CPU_SOME, pressure, cpu_some_avg10, PRESSURE, X100, "psi_cpu_some_x100",                   \
    "pressure_cpu_some_avg10", 2, "percent", NULL,                                                 \
    "cpu pressure, some: kernel's 10 s average, percent of time stalled.")                         \
  X(PSI_CPU_FULL, pressure, cpu_full_avg10, PRESSURE, X100, "psi_cpu_full_x100",                   \
    "pressure_cpu_full_avg10", 2, "percent", NULL,                                                 \
    "cpu pressure, full: kernel's 10 s average, percent of time stalled.")                         \
  X(PSI_MEM_SOME, pressure, memory_some_avg10, PRESSURE, X100, "psi_mem_some_x100",                \
    "pressure_memory_some_avg10", 2, "percent", NULL,                                              \
    "memory pressure, some: kernel's 10 s average, percent of time stalled.")                      \
  X(PSI_MEM_FULL, pressure, memory_full_avg10, PRESSURE, X100, "psi_mem_full_x100",                \
    "pressure_memory_full_avg10", 2, "percent", NULL,                                              \
    "memory pressure, full: kernel's 10 s average, percent of time stalled.")                      \
  X(PSI_IO_SOME, pressure, io_some_avg10, PRESSURE, X100, "psi_io_some_x100",                      \
    "pressure_io_some_avg10", 2, "percent", NULL,                                                  \
    "io pressure, some: kernel's 10 s average, percent of time stalled.")                          \
  X(PSI_IO_FULL, pressure, io_full_avg10, PRESSURE, X100, "psi_io_full_x100",                      \
    "pressure_io_full_avg10", 2, "percent", NULL,                                                  \
    "io pressure, full: kernel's 10 s average, percent of time stalled.")                          \
  X(PSI_CPU_SOME_STALL, pressure, cpu_some_stall_percent, PRESSURE, X100,                          \
    "psi_cpu_some_stall_x100", "pressure_cpu_some_stall_percent", 2, "percent", NULL,              \
    "cpu pressure, some: percent of the interval stalled.")                                        \
  X(PSI_CPU_FULL_STALL, pressure, cpu_full_stall_percent, PRESSURE, X100,                          \
    "psi_cpu_full_stall_x100", "pressure_cpu_full_stall_percent", 2, "percent", NULL,              \
    "cpu pressure, full: percent of the interval stalled.")                                        \
  X(PSI_MEM_SOME_STALL, pressure, memory_some_stall_percent, PRESSURE, X100,                       \
    "psi_mem_some_stall_x100", "pressure_memory_some_stall_percent", 2, "percent", NULL,           \
    "memory pressure, some: percent of the interval stalled.")                                     \
  X(PSI_MEM_FULL_STALL, pressure, memory_full_stall_percent, PRESSURE, X100,                       \
    "psi_mem_full_stall_x100", "pressure_memory_full_stall_percent", 2, "percent", NULL,           \
    "memory pressure, full: percent of the interval stalled.")                                     \
  X(PSI_IO_SOME_STALL, pressure, io_some_stall_percent, PRESSURE, X100, "psi_io_some_stall_x100",  \
    "pressure_io_some_stall_percent", 2, "percent", NULL,                                          \
    "io pressure, some: percent of the interval stalled.")                                         \
  X(PSI_IO_FULL_STALL, pressure, io_full_stall_percent, PRESSURE, X100, "psi_io_full_stall_x100",  \
    "pressure_io_full_stall_percent", 2, "percent", NULL,                                          \
    "io pressure, full: percent of the interval stalled.")                                         \
  X(INTERVAL, sampling, interval_seconds, ALWAYS, X100, "interval_x100", "interval_seconds", 2,    \
    "seconds", NULL, "Seconds the snapshot's rates were measured over (since the previous tick).")

/* Presence groups of process figures: a figure is stored, served and
 * aggregated only when its group was measured for that process and tick.
 * CPU: a live process, or the accounting of the last interval of one that
 * just exited (exact, from the zombie and wait4). MEMORY: a live process.
 * TREE_CPU and TREE: the same for a plugin's whole tree (never the server's).
 * IO and FDS: a live process whose /proc/PID/io is readable, and a kernel
 * that reports the descriptor count (Linux 6.2).
 * A rollup row counts each group's samples: samples = n_measured. */
#define MODEL_PROCESS_GROUPS(X)                                                                    \
  /* X(id, rollup count column, offset of the process's flag or -1) */                             \
  X(P_ALWAYS, "n", -1)                                                                             \
  X(P_CPU, "n_cpu", (ptrdiff_t)offsetof(process_metrics, has_cpu))                                 \
  X(P_MEMORY, "n_measured", (ptrdiff_t)offsetof(process_metrics, has_memory))                      \
  X(P_TREE_CPU, "n_tree_cpu", (ptrdiff_t)offsetof(process_metrics, has_tree_cpu))                  \
  X(P_TREE, "n_tree", (ptrdiff_t)offsetof(process_metrics, has_tree))                              \
  X(P_IO, "n_io", (ptrdiff_t)offsetof(process_metrics, has_io))                                    \
  X(P_FDS, "n_fds", (ptrdiff_t)offsetof(process_metrics, has_fds))

/* Per-process figures (the server and every plugin), in storage order.
 * role: MEASURE (JSON in the process object), TREE (JSON in the plugin's
 * "tree" object), STATUS (a state, not a measurement: JSON writes it after
 * the measurements, plugins only; Prometheus keeps it for a dead plugin),
 * STORED (stored and exported only).
 * X(id, field, group, role, scale, stored column, flat name, JSON key,
 *   JSON decimals, unit, Prometheus gauge or NULL, help) */
#define MODEL_PROCESS_COLUMNS(X)                                                                   \
  X(ALIVE, alive, P_ALWAYS, STATUS, AS_IS, "alive", "alive", "alive", 0, "bool",                   \
    "hiro_process_alive", "1 while the process runs, 0 after a channel plugin exited.")            \
  X(DOWN, down_seconds, P_ALWAYS, STORED, MS, "down_ms", "down_seconds", "down_seconds", 3,        \
    "seconds", NULL, "Time the plugin was not running in the interval the row closes.")            \
  X(CPU_PERCENT, cpu_percent, P_CPU, MEASURE, X100, "cpu_pct_x100", "cpu_percent", "cpu_percent",  \
    2, "percent", NULL, "CPU use over the last interval, percent of one core.")                    \
  X(RSS, rss_bytes, P_MEMORY, MEASURE, KIB, "rss_kib", "rss_bytes", "rss_bytes", 0, "bytes",       \
    "hiro_process_resident_memory_bytes", "Resident set size in bytes.")                           \
  X(VMS, vms_bytes, P_MEMORY, MEASURE, KIB, "vms_kib", "vms_bytes", "vms_bytes", 0, "bytes",       \
    "hiro_process_virtual_memory_bytes", "Virtual memory size in bytes.")                          \
  X(THREADS, num_threads, P_MEMORY, MEASURE, AS_IS, "threads", "num_threads", "num_threads", 0,    \
    "count", "hiro_process_threads", "Number of threads.")                                         \
  X(TREE_CPU_PERCENT, tree.cpu_percent, P_TREE_CPU, TREE, X100, "tree_cpu_pct_x100",               \
    "tree_cpu_percent", "cpu_percent", 2, "percent", NULL,                                         \
    "CPU use of the plugin's whole process tree, exited descendants included.")                    \
  X(TREE_RSS, tree.rss_bytes, P_TREE, TREE, KIB, "tree_rss_kib", "tree_rss_bytes", "rss_bytes", 0, \
    "bytes", "hiro_plugin_tree_resident_memory_bytes",                                             \
    "Resident set size summed over the plugin's process tree.")                                    \
  X(TREE_THREADS, tree.num_threads, P_TREE, TREE, AS_IS, "tree_threads", "tree_num_threads",       \
    "num_threads", 0, "count", "hiro_plugin_tree_threads",                                         \
    "Threads summed over the plugin's process tree.")                                              \
  X(TREE_PROCESSES, tree.processes, P_TREE, TREE, AS_IS, "tree_processes", "tree_processes",       \
    "processes", 0, "count", "hiro_plugin_tree_processes",                                         \
    "Processes in the plugin's tree, the plugin included.")                                        \
  X(IO_READ, io_read_bytes_per_sec, P_IO, MEASURE, AS_IS, "io_read_bps", "io_read_bytes_per_sec",  \
    "io_read_bytes_per_sec", 1, "bytes/s", NULL,                                                   \
    "Bytes per second the process caused to be read from storage (/proc/PID/io read_bytes).")      \
  X(IO_WRITE, io_write_bytes_per_sec, P_IO, MEASURE, AS_IS, "io_write_bps",                        \
    "io_write_bytes_per_sec", "io_write_bytes_per_sec", 1, "bytes/s", NULL,                        \
    "Bytes per second the process caused to be written to storage (write_bytes).")                 \
  X(FDS, open_fds, P_FDS, MEASURE, AS_IS, "open_fds", "open_fds", "open_fds", 0, "count",          \
    "hiro_process_open_fds", "Open file descriptors.")

typedef enum { MODEL_MEASURE, MODEL_TREE, MODEL_STATUS, MODEL_STORED } model_role;

/* Lists of the system context: one entry per real filesystem, physical disk
 * and network interface, named by mount point / device / interface. Same row
 * shape as the process columns (status = a state, written last in JSON). */
#define MODEL_FILESYSTEM_COLUMNS(X)                                                                \
  X(TOTAL, total_bytes, AS_IS, "total", "total_bytes", 0, "bytes", "hiro_filesystem_size_bytes",   \
    "Filesystem size, as df shows.", false)                                                        \
  X(USED, used_bytes, AS_IS, "used", "used_bytes", 0, "bytes", "hiro_filesystem_used_bytes",       \
    "Bytes in use.", false)                                                                        \
  X(FREE, free_bytes, AS_IS, "free", "free_bytes", 0, "bytes", "hiro_filesystem_free_bytes",       \
    "Bytes available to unprivileged users.", false)                                               \
  X(PERCENT, percent, X100, "pct_x100", "percent", 2, "percent", NULL,                             \
    "Used percent, used / (used + free) as df shows.", false)                                      \
  X(INODES_TOTAL, inodes_total, AS_IS, "inodes_total", "inodes_total", 0, "count",                 \
    "hiro_filesystem_inodes", "Inodes (0: no fixed limit).", false)                                \
  X(INODES_USED, inodes_used, AS_IS, "inodes_used", "inodes_used", 0, "count",                     \
    "hiro_filesystem_inodes_used", "Inodes in use.", false)                                        \
  X(WORKSPACE, workspace, AS_IS, "workspace", "workspace", 0, "bool", NULL,                        \
    "1 for the filesystem holding the workspace (and its database).", true)

#define MODEL_DISK_COLUMNS(X)                                                                      \
  X(READ, read_bytes_per_sec, AS_IS, "read_bps", "read_bytes_per_sec", 1, "bytes/s", NULL,         \
    "Bytes read per second.", false)                                                               \
  X(WRITE, write_bytes_per_sec, AS_IS, "write_bps", "write_bytes_per_sec", 1, "bytes/s", NULL,     \
    "Bytes written per second.", false)                                                            \
  X(READS, reads_per_sec, X100, "reads_x100", "reads_per_sec", 2, "ops/s", NULL,                   \
    "Read requests completed per second.", false)                                                  \
  X(WRITES, writes_per_sec, X100, "writes_x100", "writes_per_sec", 2, "ops/s", NULL,               \
    "Write requests completed per second.", false)                                                 \
  X(UTIL, util_percent, X100, "util_x100", "util_percent", 2, "percent", NULL,                     \
    "Share of the interval the disk was busy (io_ticks).", false)

#define MODEL_INTERFACE_COLUMNS(X)                                                                 \
  X(SENT, bytes_sent_per_sec, AS_IS, "sent_bps", "bytes_sent_per_sec", 1, "bytes/s", NULL,         \
    "Bytes sent per second.", false)                                                               \
  X(RECV, bytes_recv_per_sec, AS_IS, "recv_bps", "bytes_recv_per_sec", 1, "bytes/s", NULL,         \
    "Bytes received per second.", false)                                                           \
  X(SENT_PPS, packets_sent_per_sec, X100, "sent_pps_x100", "packets_sent_per_sec", 2, "packets/s", \
    NULL, "Packets sent per second.", false)                                                       \
  X(RECV_PPS, packets_recv_per_sec, X100, "recv_pps_x100", "packets_recv_per_sec", 2, "packets/s", \
    NULL, "Packets received per second.", false)                                                   \
  X(ERRORS, errors_per_sec, X100, "errs_x100", "errors_per_sec", 2, "packets/s", NULL,             \
    "Receive and transmit errors per second.", false)                                              \
  X(DROPS, drops_per_sec, X100, "drops_x100", "drops_per_sec", 2, "packets/s", NULL,               \
    "Received and transmitted packets dropped per second.", false)

#define MODEL_ENUM_GROUP(id, count, flag) MODEL_GROUP_##id,
typedef enum { MODEL_SYSTEM_GROUPS(MODEL_ENUM_GROUP) MODEL_SYS_GROUPS } model_sys_group;
#undef MODEL_ENUM_GROUP
#define MODEL_ENUM_SYS(id, ...) MODEL_SYS_##id,
enum { MODEL_SYSTEM_COLUMNS(MODEL_ENUM_SYS) MODEL_SYS_COLUMNS };
#undef MODEL_ENUM_SYS
#define MODEL_ENUM_PROC(id, ...) MODEL_PROC_##id,
enum { MODEL_PROCESS_COLUMNS(MODEL_ENUM_PROC) MODEL_PROC_COLUMNS };
#undef MODEL_ENUM_PROC
#define MODEL_ENUM_PGROUP(id, count, flag) MODEL_GROUP_##id,
typedef enum { MODEL_PROCESS_GROUPS(MODEL_ENUM_PGROUP) MODEL_PROC_GROUPS } model_proc_group;
#undef MODEL_ENUM_PGROUP

typedef struct {
  const char *db;       /* stored column; rollup tables have db_avg/_min/_max */
  const char *name;     /* flat name: views, CSV header */
  const char *object;   /* JSON object of a system figure ("cpu"); NULL for processes */
  const char *json_key; /* "\"percent\":" ready to append */
  size_t json_key_len;
  size_t offset; /* in metrics_snapshot (system) or process_metrics */
  model_ctype ctype;
  model_scale scale;
  int group;        /* model_sys_group or model_proc_group */
  int decimals;     /* JSON decimals of a double */
  const char *unit; /* "percent", "bytes", "bytes/s", "count", ... */
  const char *prom; /* Prometheus gauge family, or NULL */
  const char *help;
  model_role role; /* process figures: where JSON puts it (MODEL_MEASURE for system) */
  bool status;     /* role == MODEL_STATUS */
} model_column;

#define MODEL_ENUM_FS(id, ...) MODEL_FS_##id,
enum { MODEL_FILESYSTEM_COLUMNS(MODEL_ENUM_FS) MODEL_FS_COLUMNS };
#undef MODEL_ENUM_FS
#define MODEL_ENUM_DISK(id, ...) MODEL_DISK_##id,
enum { MODEL_DISK_COLUMNS(MODEL_ENUM_DISK) MODEL_DISK_COLUMNS_N };
#undef MODEL_ENUM_DISK
#define MODEL_ENUM_IF(id, ...) MODEL_IF_##id,
enum { MODEL_INTERFACE_COLUMNS(MODEL_ENUM_IF) MODEL_IF_COLUMNS };
#undef MODEL_ENUM_IF

/* The lists of a snapshot, in JSON order. */
enum { MODEL_LIST_FILESYSTEMS, MODEL_LIST_DISKS, MODEL_LIST_INTERFACES, MODEL_LISTS };

typedef struct {
  const char *json;  /* the snapshot's key: "filesystems" */
  const char *label; /* the entry's name key in JSON, Prometheus label: "mount" */
  const char *table; /* stored as <table>_name, raw_<table>, <table>_1m, <table>_1h */
  size_t count_offset, items_offset; /* size_t and pointer in metrics_snapshot */
  size_t item_size;
  size_t name_offset; /* const char * in the entry */
  const model_column *columns;
  int n_columns;
} model_list;

typedef struct {
  const char *count_column; /* rollup column counting the group's samples */
  ptrdiff_t flag_offset;    /* bool in metrics_snapshot / process_metrics; -1 = always */
} model_group;

extern const model_column model_sys_columns[MODEL_SYS_COLUMNS];
extern const model_column model_proc_columns[MODEL_PROC_COLUMNS];
extern const model_group model_sys_groups[MODEL_SYS_GROUPS];
extern const model_column model_fs_columns[MODEL_FS_COLUMNS];
extern const model_column model_disk_columns[MODEL_DISK_COLUMNS_N];
extern const model_column model_if_columns[MODEL_IF_COLUMNS];
extern const model_list model_lists[MODEL_LISTS];

/* Entry i of list l in s, and the list's length. */
const void *model_list_item(const metrics_snapshot *s, int l, size_t i);
size_t model_list_count(const metrics_snapshot *s, int l);
const char *model_list_name(const model_list *l, const void *item);
extern const model_group model_proc_groups[MODEL_PROC_GROUPS];

/* Whether group g's figures were read for snapshot s; and set it. */
bool model_group_present(const metrics_snapshot *s, int g);
void model_group_set_present(metrics_snapshot *s, int g, bool present);
/* The same for process group g of process p. */
bool model_proc_group_present(const process_metrics *p, int g);
void model_proc_group_set_present(process_metrics *p, int g, bool present);
/* Whether process column c was measured for p (its group is present). */
bool model_proc_has(const process_metrics *p, const model_column *c);

/* The figure as a double, in model units (base = the snapshot for system
 * figures, the process_metrics for process figures). */
double model_value(const void *base, const model_column *c);
/* The scaled integer stored for the figure: rounded, clamped to int64, NaN
 * and negative rates as 0. */
int64_t model_stored(const void *base, const model_column *c);
/* Set the figure from a stored value (a rollup average may be fractional):
 * the inverse of model_stored, rounding to the field's type. */
void model_set_stored(void *base, const model_column *c, double stored);
/* Whether the figure is a rate (its unit ends in "/s"): rate x interval is an
 * amount (bytes, packets), which rollups also keep summed (<db>_total). */
bool model_is_rate(const model_column *c);
/* A stored value in model units (x100 -> percent, KiB -> bytes). */
double model_unscale(const model_column *c, double stored);

#endif
