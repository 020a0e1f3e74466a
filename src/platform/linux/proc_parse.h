/* proc_parse.h - pure parsers over the bytes of /proc files (private to
 * platform/linux; the unit tests call them directly).
 *
 * Every parser takes (buf, len), never reads outside it, needs no NUL
 * terminator, allocates nothing and has no side effect besides *out. Content
 * that is truncated, malformed or holds a number that does not fit in 64 bits
 * gives HIRO_EPARSE and leaves *out unspecified. A /proc file always ends with
 * a newline, so content that does not is treated as truncated. */
#ifndef HIRO_PROC_PARSE_H
#define HIRO_PROC_PARSE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/hiro.h"
#include "platform/platform.h"

/* The fields of /proc/PID/stat the collector needs. */
typedef struct {
  char state;              /* field 3: R, S, D, Z, X, ... */
  int ppid;                /* field 4 */
  uint64_t majflt;         /* field 12: major page faults */
  uint64_t utime, stime;   /* fields 14, 15: clock ticks */
  uint64_t cutime, cstime; /* fields 16, 17: reaped descendants, clock ticks */
  int num_threads;         /* field 20 */
  uint64_t start_ticks;    /* field 22: clock ticks after boot */
} proc_stat_fields;

/* Parse /proc/PID/stat. Fields are counted after the LAST ')' because the
 * comm (field 2) may itself contain spaces, parentheses and newlines. */
hiro_err proc_parse_pid_stat(const char *buf, size_t len, proc_stat_fields *out) HIRO_MUST_USE;

/* read_bytes and write_bytes of /proc/PID/io (storage I/O the process
 * caused). HIRO_EPARSE when either is missing or malformed. Defined in
 * proctree_linux.c. */
hiro_err proc_parse_pid_io(const char *buf, size_t len, uint64_t *read_bytes,
                           uint64_t *write_bytes) HIRO_MUST_USE;

/* Parse /proc/PID/statm: field 1 (size) and field 2 (resident), in pages. */
hiro_err proc_parse_pid_statm(const char *buf, size_t len, uint64_t *vms_pages,
                              uint64_t *rss_pages) HIRO_MUST_USE;

/* Parse the first ("cpu ") line of /proc/stat into busy and total jiffies. */
hiro_err proc_parse_stat_cpu(const char *buf, size_t len, cpu_times *out) HIRO_MUST_USE;

/* Count the "cpuN" lines of /proc/stat (the online logical CPUs). Returns 0
 * when there are none or the content is malformed. Never fails. */
int proc_parse_cpu_count(const char *buf, size_t len);

/* Parse /proc/meminfo: MemTotal and MemAvailable, in bytes. Kernels older
 * than 3.14 lack MemAvailable; then MemFree + Buffers + Cached stands in. */
hiro_err proc_parse_meminfo(const char *buf, size_t len, mem_info *out) HIRO_MUST_USE;

/* Parse the first number of /proc/uptime (seconds since boot). */
hiro_err proc_parse_uptime(const char *buf, size_t len, double *seconds) HIRO_MUST_USE;

/* Parse /proc/net/dev and sum every interface except "lo". */
hiro_err proc_parse_net_dev(const char *buf, size_t len, net_io *out) HIRO_MUST_USE;

/* One line of /proc/diskstats (without its newline). *name points into line
 * and is name_len bytes long (not NUL-terminated). */
hiro_err proc_parse_diskstats_line(const char *line, size_t len, const char **name,
                                   size_t *name_len, uint64_t *sectors_read,
                                   uint64_t *sectors_written) HIRO_MUST_USE;

/* Step through the lines of buf. *pos starts at buf; each call sets *line and
 * *line_len (newline excluded) and returns true, or returns false at the end.
 * A final line without a newline is returned too; callers that must reject
 * truncated content check buf[len - 1] == '\n' first. */
bool proc_next_line(const char **pos, const char *end, const char **line, size_t *line_len);

/* <sys>/block/NAME/stat: read sectors (field 3) and written sectors (field
 * 7), in 512-byte units. HIRO_EPARSE on fewer than 7 fields or garbage. */
hiro_err proc_parse_block_stat(const char *buf, size_t len, uint64_t *sectors_read,
                               uint64_t *sectors_written) HIRO_MUST_USE;

/* /proc/loadavg ("0.52 0.58 0.59 3/945 12345"). */
hiro_err proc_parse_loadavg(const char *buf, size_t len, load_avg *out) HIRO_MUST_USE;
/* pswpin and pswpout of /proc/vmstat, in pages (0 when absent). */
hiro_err proc_parse_vmstat_swap(const char *buf, size_t len, uint64_t *pages_in,
                                uint64_t *pages_out) HIRO_MUST_USE;
/* /proc/pressure/NAME: the "some" line (required) and "full" line (absent
 * for cpu before Linux 5.13: zeros). */
hiro_err proc_parse_pressure(const char *buf, size_t len, psi_stats *out) HIRO_MUST_USE;

/* The I/O fields that follow the device name in /proc/diskstats and make up
 * <sys>/block/NAME/stat: at least 10 numbers (reads, merged, sectors read,
 * ms, writes, merged, sectors written, ms, in flight, io_ticks). Sectors are
 * 512 bytes whatever the device's sector size. */
hiro_err proc_parse_disk_fields(const char *p, const char *end, disk_dev_io *out) HIRO_MUST_USE;
/* Each interface of /proc/net/dev except "lo", in file order, into ifs (at
 * most max; *n gets how many). */
hiro_err proc_parse_net_dev_each(const char *buf, size_t len, net_if_io *ifs, size_t max,
                                 size_t *n) HIRO_MUST_USE;

/* One line of /proc/self/mountinfo (newline excluded). */
typedef struct {
  unsigned major, minor;
  bool root_is_slash;             /* mounts the filesystem's root, not a bind of a subdirectory */
  char mount[PLATFORM_MOUNT_MAX]; /* mount point, octal escapes undone */
  char fstype[32];
  char source[PLATFORM_MOUNT_MAX];
} mount_entry;
hiro_err proc_parse_mountinfo_line(const char *line, size_t len, mount_entry *out) HIRO_MUST_USE;
/* The rule for "real filesystems" (docs/README): backed by a block device
 * ("/dev/..." source) or ZFS; read-only images (squashfs, iso9660, udf,
 * erofs, cramfs) are not. Pseudo filesystems (proc, tmpfs, overlay, cgroup,
 * devtmpfs, ...) have no /dev source and are not. */
bool proc_mount_is_real(const mount_entry *m);

/* Number of newline characters in buf. */
size_t proc_count_lines(const char *buf, size_t len);

/* Skip blanks at *pos, then parse a decimal unsigned integer that must end at
 * end or at a blank. Advances *pos past it. Returns false (and leaves *pos
 * alone) when there is no digit, the number overflows 64 bits or is followed
 * by something else. */
bool proc_parse_u64(const char **pos, const char *end, uint64_t *out);

#endif
