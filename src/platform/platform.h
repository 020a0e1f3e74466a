/* platform.h - the only interface between the collector and the operating
 * system. The Linux implementation (platform/linux/) reads /proc and statvfs;
 * nothing outside platform/ may include Linux headers or read /proc. */
#ifndef HIRO_PLATFORM_H
#define HIRO_PLATFORM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hiro.h"

typedef struct platform platform; /* system-wide readers, open files */

/* Longest time an idle process's memory figures are reused (see
 * platform_proc_read). */
#define PLATFORM_PROC_REFRESH 10.0
typedef struct platform_proc platform_proc; /* one process, bound to its identity */

/* Per-process sample. cpu_ns = user + system CPU time of all its threads. */
typedef struct {
  uint64_t cpu_ns;
  uint64_t rss_bytes;
  uint64_t vms_bytes;
  int num_threads;
  uint64_t start_ticks; /* start time, clock ticks after boot: identity check */
} proc_sample;

typedef struct {
  uint64_t busy;  /* jiffies: total - idle - iowait */
  uint64_t total; /* jiffies: sum of fields - guest - guest_nice */
} cpu_times;

typedef struct {
  uint64_t total_bytes;
  uint64_t available_bytes;
  uint64_t swap_total_bytes, swap_free_bytes; /* 0 when there is no swap */
} mem_info;

/* /proc/loadavg: run-queue averages and task counts. */
typedef struct {
  double load1, load5, load15;
  uint64_t runnable; /* runnable tasks now (the reader included) */
  uint64_t tasks;    /* all tasks (threads) */
} load_avg;

/* Pressure stall information of one resource (/proc/pressure/NAME):
 * avg10 in percent, totals in microseconds stalled since boot. */
typedef struct {
  double some_avg10, full_avg10;
  uint64_t some_total_us, full_total_us;
} psi_stats;
enum { PLATFORM_PSI_CPU, PLATFORM_PSI_MEMORY, PLATFORM_PSI_IO, PLATFORM_PSI_COUNT };

/* Longest mount point reported (longer ones are skipped). */
#define PLATFORM_MOUNT_MAX 256

typedef struct {
  uint64_t total_bytes, used_bytes, free_bytes;
  double percent;                     /* used / (used + free) * 100, as df shows */
  uint64_t inodes_total, inodes_free; /* 0 when the filesystem has no inode limit */
} fs_usage;

typedef struct {
  uint64_t read_bytes, write_bytes;
} disk_io;

typedef struct {
  uint64_t bytes_sent, bytes_recv, packets_sent, packets_recv;
} net_io;

/* Most disks or interfaces reported one by one (the totals count them all). */
#define PLATFORM_MAX_DEVICES 64

/* One whole physical disk: counters since boot. */
typedef struct {
  char name[33]; /* kernel names are at most 32 bytes */
  uint64_t read_bytes, write_bytes;
  uint64_t reads, writes; /* completed requests */
  uint64_t busy_ms;       /* io_ticks: time with requests in flight */
} disk_dev_io;

/* One network interface: counters since boot. */
typedef struct {
  char name[16]; /* IFNAMSIZ */
  uint64_t bytes_sent, bytes_recv, packets_sent, packets_recv;
  uint64_t errors, drops; /* receive + transmit */
} net_if_io;

/* Where the kernel's files are on a real system (tests pass fixture trees). */
#define PLATFORM_PROC_ROOT "/proc"
#define PLATFORM_SYS_ROOT "/sys"

/* Open the system readers. proc_root is normally "/proc" and sys_root "/sys";
 * tests pass fixture trees. Returns NULL (and logs why) when proc_root is
 * unusable. The result is used by one thread at a time. */
platform *platform_open(const char *proc_root, const char *sys_root);
void platform_close(platform *p);

/* Online logical CPUs. Counted at open and again about once a minute from
 * the CPU-time reads (hotplug, a resized VM), never more often. */
int platform_cpu_count(platform *p);
double platform_clock_ticks_per_sec(platform *p);
/* Seconds since boot, from <proc>/uptime. */
hiro_err platform_uptime(platform *p, double *seconds) HIRO_MUST_USE;
/* PID of the calling process. */
int platform_self_pid(void);

hiro_err platform_read_cpu(platform *p, cpu_times *out) HIRO_MUST_USE;
hiro_err platform_read_memory(platform *p, mem_info *out) HIRO_MUST_USE;
/* Usage of the filesystem holding path (normally "/"). */
hiro_err platform_read_fs_usage(platform *p, const char *path, fs_usage *out) HIRO_MUST_USE;
/* Cumulative bytes read/written by whole physical disks since boot. */
hiro_err platform_read_disk_io(platform *p, disk_io *out) HIRO_MUST_USE;
/* Cumulative bytes/packets over all interfaces except loopback. */
hiro_err platform_read_net_io(platform *p, net_io *out) HIRO_MUST_USE;
/* The same totals, and each counted disk / interface (at most max, in the
 * kernel's order) into devs / ifs with their count in *n. */
hiro_err platform_read_disks(platform *p, disk_io *total, disk_dev_io *devs, size_t max,
                             size_t *n) HIRO_MUST_USE;
hiro_err platform_read_interfaces(platform *p, net_io *total, net_if_io *ifs, size_t max,
                                  size_t *n) HIRO_MUST_USE;

/* Load averages and task counts. */
hiro_err platform_read_load(platform *p, load_avg *out) HIRO_MUST_USE;
/* Pages swapped in and out since boot, in bytes (/proc/vmstat). While the
 * last platform_read_memory showed no swap space the previous counters are
 * answered without reading the file (they cannot move). HIRO_EAGAIN (not
 * logged) when they moved unseen meanwhile (a swapoff): no rate should span
 * that; the next read answers normally. */
hiro_err platform_read_swap_io(platform *p, uint64_t *in_bytes, uint64_t *out_bytes) HIRO_MUST_USE;
/* Pressure of cpu, memory and io (out has PLATFORM_PSI_COUNT entries).
 * HIRO_ENOENT when the kernel has no PSI (before 4.20, or psi=0): logged
 * once, and the caller reports pressure as absent. */
hiro_err platform_read_pressure(platform *p, psi_stats *out) HIRO_MUST_USE;
/* The mount points of real filesystems (see proc_mount_is_real: block-device
 * or ZFS backed, not read-only images), one per source device (bind mounts
 * and subvolumes of one device count once), in mount order. Fills at most
 * max entries of mounts; returns how many. Reads /proc/self/mountinfo: call
 * it on a slow clock, not every tick. */
size_t platform_list_filesystems(platform *p, char (*mounts)[PLATFORM_MOUNT_MAX], size_t max);
/* Device number of the filesystem holding path (to spot the workspace's own
 * filesystem among the listed ones). */
hiro_err platform_path_device(const char *path, uint64_t *dev) HIRO_MUST_USE;

/* True while pid exists and has not exited (a zombie waiting to be reaped
 * has exited). */
bool platform_pid_running(int pid);

/* Open a handle on process pid. The handle stays bound to that process: once
 * it exits, reads return HIRO_ENOENT even if the PID is reused. Returns NULL
 * when the process does not exist. */
platform_proc *platform_proc_open(platform *p, int pid);
/* HIRO_ENOENT when the process has exited (or is a zombie). A process that
 * has not run since the previous read (its CPU time did not move) cannot
 * have changed its threads or mappings: it is answered with one system call
 * and the previous memory figures, re-read at least every
 * PLATFORM_PROC_REFRESH seconds (resident memory can still change without
 * the process running: reclaim, khugepaged, another process writing into
 * it). */
hiro_err platform_proc_read(platform_proc *h, proc_sample *out) HIRO_MUST_USE;
int platform_proc_pid(const platform_proc *h);
/* Whether the last successful platform_proc_read read the process afresh.
 * False when it answered the previous figures because the process had not
 * run since (see above): then nothing about it can have changed, its other
 * per-process figures (I/O, descriptors) included. */
bool platform_proc_fresh(const platform_proc *h);
void platform_proc_close(platform_proc *h);

/* Start time of pid in clock ticks after boot, for callers that must later
 * recognise the same process (the plugin manager records it at spawn).
 * HIRO_ENOENT when pid does not exist. */
hiro_err platform_proc_start_ticks(platform *p, int pid, uint64_t *start_ticks) HIRO_MUST_USE;

/* Parent pid of pid (0 for the init process). HIRO_ENOENT when pid does not
 * exist. Reads only immutable parts of p: safe from any thread. */
hiro_err platform_pid_parent(platform *p, int pid, int *ppid) HIRO_MUST_USE;
/* The process holding the UDP socket bound to local port (loopback or any
 * address): the sender of a loopback datagram from that port. Scans /proc:
 * milliseconds, so callers cache it. HIRO_ENOENT when no process holds it.
 * Thread-safe like platform_pid_parent. */
hiro_err platform_udp_port_owner(platform *p, int port, int *pid) HIRO_MUST_USE;

/* ---- process trees (proctree_linux.c) ---- */

typedef struct platform_member platform_member; /* one process of a plugin's tree */

typedef struct {
  int ppid;
  bool zombie; /* exited, not yet reaped: CPU counts, memory is gone */
  uint64_t start_ticks;
  uint64_t cpu_ns;          /* own user + system CPU (clock-tick resolution) */
  uint64_t children_cpu_ns; /* CPU of the descendants it reaped (cutime + cstime) */
  uint64_t rss_bytes;
  int num_threads;
} member_sample;

/* Open a handle bound to process pid (as platform_proc_open). NULL when it
 * does not exist. */
platform_member *platform_member_open(platform *p, int pid);
void platform_member_close(platform_member *m);
int platform_member_pid(const platform_member *m);
uint64_t platform_member_start_ticks(const platform_member *m);
/* What platform_member_read reads: CPU, ppid and threads from stat (the walk
 * mode), RSS from statm, or both. */
enum { MEMBER_READ_CPU = 1, MEMBER_READ_MEMORY = 2, MEMBER_READ_ALL = 3 };
/* Read the member (what: MEMBER_READ_*). Without MEMBER_READ_CPU the threads
 * come from the task directory's link count (the cgroup mode counts CPU per
 * group). HIRO_ENOENT once the process is gone or reaped. */
hiro_err platform_member_read(platform_member *m, int what, member_sample *out) HIRO_MUST_USE;
/* Direct children of every thread of the member (threads: its thread count,
 * from the last read), up to max, into out; *n gets how many. */
hiro_err platform_member_children(platform_member *m, int threads, int *out, size_t max,
                                  size_t *n) HIRO_MUST_USE;
/* Direct children of every thread of pid, by path; 0 when none or gone. */
size_t platform_pid_children(platform *p, int pid, int *out, size_t max);
/* Parent and start time of pid. HIRO_ENOENT when gone or a zombie. */
hiro_err platform_pid_identity(platform *p, int pid, int *ppid,
                               uint64_t *start_ticks) HIRO_MUST_USE;
/* The value of environment variable name in process pid, into value (size
 * n). false when the process, its environment or the variable is missing. */
bool platform_proc_getenv(platform *p, int pid, const char *name, char *value, size_t n);

/* More facts of one process (proctree_linux.c): storage I/O and open file
 * descriptors, each flagged when it could be read. */
typedef struct platform_facts platform_facts;
typedef struct {
  bool has_io; /* /proc/PID/io was readable */
  uint64_t read_bytes,
      write_bytes; /* bytes the process caused to be read from / written to storage */
  bool has_fds;    /* the kernel reports the count (Linux >= 6.2) */
  int open_fds;
} proc_facts;
/* Open descriptors on pid's io file and fd directory. NULL when pid is gone. */
platform_facts *platform_facts_open(platform *p, int pid);
/* Read them. HIRO_ENOENT once the process is gone. */
hiro_err platform_facts_read(platform_facts *f, proc_facts *out) HIRO_MUST_USE;
void platform_facts_close(platform_facts *f);

/* ---- cgroup v2 groups per plugin (cgroup_linux.c) ---- */

typedef struct platform_cgroup platform_cgroup; /* reader of one group */

/* The directory (the cgroup2 mount plus this process's own group) in which
 * groups may be created, into dir. false, with the reason in why, when
 * cgroup v2 is not mounted or that directory is not writable. */
bool platform_cgroup_base(char *dir, size_t n, char *why, size_t whylen);
hiro_err platform_cgroup_create(const char *dir) HIRO_MUST_USE; /* mkdir; existing is fine */
hiro_err platform_cgroup_remove(const char *dir);               /* rmdir; HIRO_EBUSY if in use */
/* A write descriptor on dir/cgroup.procs (a child writes "0" to join), or -1. */
int platform_cgroup_open_procs(const char *dir);
/* The pids in the group, up to max. */
size_t platform_cgroup_pids(const char *dir, int *out, size_t max);
bool platform_cgroup_empty(const char *dir);
void platform_cgroup_signal(const char *dir, int sig);
/* SIGKILL every member (cgroup.kill, or a signal per pid on old kernels). */
void platform_cgroup_kill(const char *dir);
platform_cgroup *platform_cgroup_open(const char *dir);
void platform_cgroup_close(platform_cgroup *g);
/* CPU of every process that ran in the group (usage_usec, ns) and its pids.
 * The pid list is re-read only when that CPU time moved or
 * PLATFORM_PROC_REFRESH seconds passed (joining and leaving take CPU time
 * in the group; a process moved in from outside shows within that period). */
hiro_err platform_cgroup_read(platform_cgroup *g, uint64_t *cpu_ns, int *pids, size_t max,
                              size_t *n) HIRO_MUST_USE;

#endif
