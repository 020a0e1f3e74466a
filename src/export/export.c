/* export.c - hiro-metrics-export's command line: options, help, the output
 * file (written under a temporary name and renamed on success) and the exit
 * codes. The database side is reader.c. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build_info.h"
#include "common/opts.h"
#include "export/export.h"

/* --- options: described once, in the table the shared parser reads --- */

enum {
  O_DB,
  O_FROM,
  O_TO,
  O_LAST,
  O_RES,
  O_TABLE,
  O_PROCESS,
  O_AGG,
  O_OUTPUT,
  O_VERBOSE,
  O_VERSION,
  O_COUNT
};

static const opt_spec options[O_COUNT] = {
    [O_DB] = {.name = "--db",
              .kind = OPT_STRING,
              .metavar = "PATH",
              .help = "the metrics database (a workspace's metrics.db)",
              .required = true},
    [O_FROM] = {.name = "--from",
                .kind = OPT_STRING,
                .metavar = "T",
                .help = "start of the range, inclusive (default: the oldest data)"},
    [O_TO] = {.name = "--to",
              .kind = OPT_STRING,
              .metavar = "T",
              .help = "end of the range, inclusive (default: the newest data)"},
    [O_LAST] = {.name = "--last",
                .kind = OPT_STRING,
                .metavar = "DURATION",
                .help = "the DURATION up to --to (default now); not with --from"},
    [O_RES] = {.name = "--resolution",
               .kind = OPT_CHOICE,
               .metavar = "raw|1m|1h|auto",
               .help = "raw: every snapshot; 1m, 1h: rollup buckets; auto (default):\n"
                       "the range is cut to the data stored, then the finest tier\n"
                       "whose data reaches back to its start (the rule of\n"
                       "/metrics/history). A bucket is included when it overlaps\n"
                       "the range.",
               .choices = "raw|1m|1h|auto"},
    [O_TABLE] = {.name = "--table",
                 .kind = OPT_CHOICE,
                 .metavar = "system|processes|app|filesystems|disks|interfaces|events",
                 .help = "system (default): one row per timestamp; processes: one row\n"
                         "per timestamp and process; app: one row per timestamp and\n"
                         "application series (StatsD metrics of the plugins);\n"
                         "filesystems, disks, interfaces: one row per timestamp and\n"
                         "mounted filesystem, physical disk or network interface;\n"
                         "events: one row per lifecycle event (plugin started,\n"
                         "exited, restart scheduled, ...), never rolled up",
                 .choices = "system|processes|app|filesystems|disks|interfaces|events"},
    [O_PROCESS] = {.name = "--process",
                   .kind = OPT_STRING,
                   .metavar = "NAME",
                   .help = "only the process NAME ('server' or a plugin's name); with\n"
                           "--table processes or app"},
    [O_AGG] = {.name = "--agg",
               .kind = OPT_CHOICE,
               .metavar = "avg|min|max",
               .help = "avg (default), min or max of each rollup bucket. Raw rows are\n"
                       "exact values, so --agg does not change them (a warning is\n"
                       "printed when it is given with --resolution raw)",
               .choices = "avg|min|max"},
    [O_OUTPUT] = {.name = "--output",
                  .kind = OPT_STRING,
                  .metavar = "FILE",
                  .help = "write FILE, through a temporary file in the same directory\n"
                          "renamed on success: FILE is never left half written\n"
                          "(default: standard output). Refused (exit 2) when FILE\n"
                          "is the database, its -wal/-shm/-journal/.lock, or any\n"
                          "existing SQLite database",
                  .short_name = "-o"},
    [O_VERBOSE] = {.name = "--verbose",
                   .kind = OPT_FLAG,
                   .help = "print the row count and the tier read on standard error",
                   .short_name = "-v"},
    [O_VERSION] = {.name = "--version", .kind = OPT_FLAG, .help = "print the version"},
};

/* In the order of the choices in the table above. */
static const export_resolution res_values[] = {EXPORT_RES_RAW, EXPORT_RES_1M, EXPORT_RES_1H,
                                               EXPORT_RES_AUTO};
static const char *const table_names[] = {"system", "processes",  "app",   "filesystems",
                                          "disks",  "interfaces", "events"};
static const char *const agg_names[] = {"avg", "min", "max"};

/* Index of word among the '|'-separated choices. */
static int pick(const char *choices, const char *word) {
  int i = 0;
  for (const char *p = choices; *p; i++) {
    size_t len = strcspn(p, "|");
    if (len == strlen(word) && strncmp(p, word, len) == 0) return i;
    p += len + (p[len] == '|');
  }
  return -1;
}

static hiro_err parse_range(const opt_value *val, double now, export_options *o, char *err,
                            size_t errlen) {
  static const char time_forms[] = "Unix seconds, 2026-11-27, 2026-11-27T10:00:00Z or now";
  if (val[O_FROM].set) {
    if (!export_parse_time(val[O_FROM].str, now, &o->from))
      return hiro_set_err(err, errlen, "--from: cannot read '%s' as a time (%s)", val[O_FROM].str,
                          time_forms),
             HIRO_EINVAL;
    o->has_from = true;
  }
  if (val[O_TO].set) {
    if (!export_parse_time(val[O_TO].str, now, &o->to))
      return hiro_set_err(err, errlen, "--to: cannot read '%s' as a time (%s)", val[O_TO].str,
                          time_forms),
             HIRO_EINVAL;
    o->has_to = true;
  }
  if (val[O_LAST].set) {
    double span;
    if (o->has_from)
      return hiro_set_err(err, errlen, "--last cannot be combined with --from"), HIRO_EINVAL;
    if (!export_parse_duration(val[O_LAST].str, &span))
      return hiro_set_err(err, errlen,
                          "--last: cannot read '%s' as a duration (e.g. 90s, 15m, "
                          "36h, 7d, 2w, 1h30m)",
                          val[O_LAST].str),
             HIRO_EINVAL;
    if (!o->has_to) {
      o->to = now;
      o->has_to = true;
    }
    o->from = o->to - span;
    o->has_from = true;
  }
  if (o->has_from && o->has_to && o->from > o->to)
    return hiro_set_err(err, errlen, "--from (%s) is after --to (%s)",
                        val[O_FROM].set ? val[O_FROM].str : "",
                        val[O_TO].set ? val[O_TO].str : "now"),
           HIRO_EINVAL;
  return HIRO_OK;
}

hiro_err export_parse_args(int argc, char **argv, double now, export_options *o, bool *help,
                           char *err, size_t errlen) {
  memset(o, 0, sizeof *o);
  o->resolution = EXPORT_RES_AUTO;
  *help = false;
  opt_value val[O_COUNT] = {{0}};
  opts_result parsed = opts_parse(options, O_COUNT, argc - 1, argv + 1, val, err, errlen);
  opts_free(val, O_COUNT);
  if (parsed == OPTS_ERROR && !val[O_VERSION].set) return HIRO_EINVAL; /* --version needs no --db */
  if (parsed == OPTS_HELP || val[O_VERSION].set) {
    *help = true;
    o->version = parsed != OPTS_HELP;
    return HIRO_OK;
  }
  o->db_path = val[O_DB].str;
  o->out_path = val[O_OUTPUT].str;
  o->verbose = val[O_VERBOSE].set;
  if (val[O_RES].set) o->resolution = res_values[pick(options[O_RES].choices, val[O_RES].str)];
  if (val[O_TABLE].set) o->table = (export_table)pick(options[O_TABLE].choices, val[O_TABLE].str);
  if (val[O_AGG].set) {
    o->agg = (export_agg)pick(options[O_AGG].choices, val[O_AGG].str);
    o->agg_set = true;
  }
  if (o->table == EXPORT_TABLE_EVENTS) {
    if (o->resolution == EXPORT_RES_1M || o->resolution == EXPORT_RES_1H)
      return hiro_set_err(err, errlen,
                          "events are not rolled up: --table events takes "
                          "--resolution raw or auto"),
             HIRO_EINVAL;
    o->resolution = EXPORT_RES_RAW;
  }
  if (val[O_PROCESS].set) {
    if (o->table != EXPORT_TABLE_PROCESSES && o->table != EXPORT_TABLE_APP &&
        o->table != EXPORT_TABLE_EVENTS)
      return hiro_set_err(err, errlen, "--process needs --table processes, app or events"),
             HIRO_EINVAL;
    o->process = val[O_PROCESS].str;
  }
  return parse_range(val, now, o, err, errlen);
}

static void print_help(FILE *f, const char *prog) {
  int col = fprintf(f, "Usage: %s", prog);
  opts_print_usage(f, options, O_COUNT - 1, &col, col); /* --version: listed below only */
  fprintf(f, "\n\n"
             "Write the metrics history of a hirocli database as CSV. The database is opened\n"
             "read-only and may be in use by a running server; it is never modified.\n"
             "\n"
             "Options:\n");
  static const opt_spec help_option = {
      .name = "--help", .kind = OPT_FLAG, .help = "print this help", .short_name = "-h"};
  opts_print_help(f, options, O_COUNT);
  opts_print_help(f, &help_option, 1);
  fputs("\n"
        "Times T: Unix seconds (1795824902, 1795824902.5), 'now', or ISO-8601:\n"
        "2026-11-27, 2026-11-27T10:00, 2026-11-27T10:00:00Z, 2026-11-27 10:00:00.250+01:00\n"
        "(no zone means UTC). DURATION: number-unit pairs, units s m h d w (90s, 15m,\n"
        "36h, 7d, 2w, 1h30m).\n"
        "\n"
        "Output: RFC 4180 CSV in UTF-8 with a header row; every line ends with CRLF\n"
        "(\\r\\n). A field holding a comma, a double quote, CR or LF is put in double\n"
        "quotes with its quotes doubled. An empty field means no data (e.g. no disk).\n"
        "Columns, in this order:\n"
        "  time          ISO-8601 UTC: 2026-11-28T00:15:02.123Z for raw rows, the bucket\n"
        "                start 2026-11-28T00:15:00Z for 1m/1h rows\n"
        "  timestamp     the same instant in Unix seconds (with milliseconds for raw)\n"
        "  samples       snapshots in the row: 1 for raw, the bucket's count for rollups\n"
        "  --table system, then:\n"
        "    seconds: the seconds the row covers (raw: the interval its rates were\n"
        "    measured over; rollups: the sum of their intervals), then\n"
        "    cpu_percent, cpu_count, memory_total_bytes, memory_available_bytes,\n"
        "    memory_percent, disk_total_bytes, disk_used_bytes, disk_free_bytes,\n"
        "    disk_percent, disk_read_bytes_per_sec, disk_write_bytes_per_sec,\n"
        "    net_bytes_sent_per_sec, net_bytes_recv_per_sec, net_packets_sent_per_sec,\n"
        "    net_packets_recv_per_sec, ... (every figure of the v_system_* views),\n"
        "    interval_seconds\n"
        "  --table processes, then:\n"
        "    kind (server or channel), name, pid, alive (1 or 0; avg: fraction alive),\n"
        "    cpu_percent (100 = one core), rss_bytes, vms_bytes, num_threads\n"
        "    Rollup rows are per process name; pid is the last pid seen in the bucket.\n"
        "  --table app, then:\n"
        "    process (server or the plugin), series (name#tags), name, tags, type\n"
        "    (counter, gauge, timer, histogram, distribution, set), then per type:\n"
        "    rate, count, total (counters); value (gauges: the bucket's --agg);\n"
        "    distinct (sets: members in the row's interval or bucket); count, sum,\n"
        "    min, max, p50, p90, p99 (timers in ms, histograms, distributions;\n"
        "    rollup quantiles come from the merged sketches, within 1 %).\n"
        "Percentages are 0-100, rates per second. Stored precision: percentages and\n"
        "packet rates 0.01, byte rates 1 B/s, rss/vms 1 KiB. Rollup values are the\n"
        "bucket's --agg; averages have at most 4 decimals.\n"
        "\n"
        "Exit status: 0 CSV written; 1 runtime error (database missing, unreadable, not\n"
        "a hirocli metrics database, schema too old or too new, read or write error);\n"
        "2 usage error (bad option or value, --from after --to, -o naming a database).\n"
        "A --process that matches no row is written as a header only, with a warning.\n",
        f);
}

/* --- the output file --- */

/* The temporary file of a running export, removed if a signal stops us. */
static char cleanup_path[PATH_MAX + 32];
static volatile sig_atomic_t cleanup_armed;

static void on_signal(int sig) {
  if (cleanup_armed) unlink(cleanup_path);
  signal(sig, SIG_DFL);
  raise(sig);
}

static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP};

typedef struct {
  FILE *f;
  bool is_tmp;         /* f is cleanup_path, renamed to final at the end */
  bool refused;        /* FILE is the database or a database: exit 2 */
  const char *db_path; /* --db, never to be written over */
  char final[PATH_MAX];
  struct sigaction saved[3]; /* handlers before ours */
} output;

/* --- what -o must never replace --- */

/* The files of the database being read that -o must not name. ".lock" is the
 * server's lock beside it: replacing it would let a second server in. */
static const char *const db_siblings[] = {"", "-wal", "-shm", "-journal", ".lock"};

/* path made absolute through its directory's realpath (the file itself may
 * not exist yet). False when the directory cannot be resolved. */
static bool resolve_dir(const char *path, char *out, size_t n) {
  char dir[PATH_MAX], real[PATH_MAX];
  const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
  if (!slash)
    hiro_strlcpy(dir, ".", sizeof dir);
  else if (slash == path)
    hiro_strlcpy(dir, "/", sizeof dir);
  else if ((size_t)(slash - path) >= sizeof dir)
    return false;
  else
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  if (!realpath(dir, real)) return false;
  return (size_t)snprintf(out, n, "%s/%s", strcmp(real, "/") ? real : "", base) < n;
}

/* The first bytes of an SQLite database, or of its write-ahead log. */
static bool looks_like_sqlite(const char *path) {
  unsigned char head[16];
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) return false;
  ssize_t n = read(fd, head, sizeof head);
  close(fd);
  if (n == 16 && memcmp(head, "SQLite format 3", 16) == 0) return true;
  return n >= 4 && head[0] == 0x37 && head[1] == 0x7f && head[2] == 0x06 &&
         (head[3] == 0x82 || head[3] == 0x83);
}

/* May the CSV go to path? Refused (false, reason in err) when path is the
 * database, its -wal/-shm/-journal/.lock -- compared by device and inode for
 * files that exist (a symlink, a hard link or another spelling of the name is
 * the same file) and by resolved name for those that do not yet -- or any
 * existing SQLite database or WAL. Only reads. */
static bool output_allowed(const char *path, const char *db_path, char *err, size_t errlen) {
  struct stat out_st;
  bool exists = stat(path, &out_st) == 0;
  char out_abs[PATH_MAX], name[PATH_MAX + 16], db_abs[PATH_MAX];
  bool out_named = resolve_dir(path, out_abs, sizeof out_abs);
  bool db_named = db_path && resolve_dir(db_path, db_abs, sizeof db_abs);
  for (size_t i = 0; db_path && i < HIRO_ARRAY_LEN(db_siblings); i++) {
    snprintf(name, sizeof name, "%s%s", db_path, db_siblings[i]);
    struct stat st;
    bool same =
        exists && stat(name, &st) == 0 && st.st_dev == out_st.st_dev && st.st_ino == out_st.st_ino;
    if (!same && out_named && db_named) {
      snprintf(name, sizeof name, "%s%s", db_abs, db_siblings[i]);
      same = strcmp(name, out_abs) == 0;
    }
    if (same) {
      hiro_set_err(err, errlen, "refusing to write the CSV to %s: it is %s%s%s", path,
                   *db_siblings[i] ? "the " : "the database being exported (", db_siblings[i],
                   *db_siblings[i] ? " file of the database being exported" : ")");
      return false;
    }
  }
  if (exists && S_ISREG(out_st.st_mode) && looks_like_sqlite(path)) {
    hiro_set_err(err, errlen, "refusing to write the CSV to %s: it is an SQLite database", path);
    return false;
  }
  return true;
}

/* Open a device or FIFO (/dev/null, a pipe) for writing, never truncating:
 * opened without O_TRUNC or O_CREAT, then checked. Returns 1 when it is open
 * in out->f, 0 when path is (by now) a regular file or missing and must go
 * through a temporary file, -1 on error. */
static int output_open_special(const char *path, output *out, char *err, size_t errlen) {
  int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
  struct stat st;
  if (fd < 0) {
    if (errno == ENOENT) return 0;
    hiro_set_err(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  if (fstat(fd, &st) != 0 || S_ISREG(st.st_mode) || !(out->f = fdopen(fd, "w"))) {
    close(fd); /* replaced by a regular file meanwhile: the checked path */
    return 0;
  }
  return 1;
}

/* Open where the CSV goes: stdout; a device or FIFO as is; otherwise a new
 * temporary file beside FILE (mode of the existing FILE, else 0666 less the
 * umask), renamed over FILE only at the end. Replacing by rename, not writing
 * in place, is what keeps a mistaken -o harmless to anyone holding the old
 * file open, and FILE whole if the export fails; output_allowed is checked
 * before the temporary file exists and again just before the rename. */
static hiro_err output_open(const char *path, const char *db_path, output *out, char *err,
                            size_t errlen) {
  memset(out, 0, sizeof *out);
  out->db_path = db_path;
  if (!path || strcmp(path, "-") == 0) {
    out->f = stdout;
    return HIRO_OK;
  }
  if (!output_allowed(path, db_path, err, errlen)) {
    out->refused = true;
    return HIRO_EINVAL;
  }
  struct stat st;
  bool exists = stat(path, &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) {
    hiro_set_err(err, errlen, "%s: is a directory", path);
    return HIRO_EIO;
  }
  if (exists && !S_ISREG(st.st_mode)) { /* /dev/null, a FIFO: nothing to rename */
    int opened = output_open_special(path, out, err, errlen);
    if (opened != 0) return opened > 0 ? HIRO_OK : HIRO_EIO;
    if (!output_allowed(path, db_path, err, errlen)) {
      out->refused = true;
      return HIRO_EINVAL;
    }
    exists = stat(path, &st) == 0;
  }
  /* Through a symlink, replace the file it points to, not the link. */
  if (!(exists && realpath(path, out->final)) &&
      !hiro_strlcpy(out->final, path, sizeof out->final)) {
    hiro_set_err(err, errlen, "%s: path too long", path);
    return HIRO_EIO;
  }
  mode_t mask = umask(0);
  umask(mask);
  mode_t mode = exists ? (st.st_mode & 07777) : (0666 & ~mask);
  snprintf(cleanup_path, sizeof cleanup_path, "%s.tmp-XXXXXX", out->final);
  int fd = mkstemp(cleanup_path);
  if (fd < 0) {
    hiro_set_err(err, errlen, "cannot create %s: %s", path, strerror(errno));
    return HIRO_EIO;
  }
  cleanup_armed = 1;
  out->is_tmp = true;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < HIRO_ARRAY_LEN(cleanup_signals); i++)
    sigaction(cleanup_signals[i], &sa, &out->saved[i]);
  if (fchmod(fd, mode) != 0 || !(out->f = fdopen(fd, "w"))) {
    hiro_set_err(err, errlen, "cannot create %s: %s", path, strerror(errno));
    close(fd);
    return HIRO_EIO;
  }
  static char buf[1 << 16];
  setvbuf(out->f, buf, _IOFBF, sizeof buf);
  return HIRO_OK;
}

/* Finish the output: on success flush and (for a temporary file) fsync and
 * rename it over FILE; on failure, or if that fails, remove the temporary
 * file. Returns HIRO_OK only when the whole CSV is where it belongs. */
static hiro_err output_close(output *out, bool ok, char *err, size_t errlen) {
  hiro_err rc = HIRO_OK;
  if (ok && (fflush(out->f) != 0 || ferror(out->f))) {
    hiro_set_err(err, errlen, "write error%s%s: %s", out->is_tmp ? " on " : "",
                 out->is_tmp ? out->final : "", strerror(errno));
    rc = HIRO_EIO;
  }
  if (out->f && out->f != stdout) {
    if (ok && rc == HIRO_OK && out->is_tmp && fsync(fileno(out->f)) != 0) {
      hiro_set_err(err, errlen, "write error on %s: %s", out->final, strerror(errno));
      rc = HIRO_EIO;
    }
    if (fclose(out->f) != 0 && ok && rc == HIRO_OK) {
      hiro_set_err(err, errlen, "write error on %s: %s", out->final, strerror(errno));
      rc = HIRO_EIO;
    }
  }
  if (out->is_tmp) {
    /* FILE may have changed since output_open (a server created its
     * database there): check again right before replacing it. */
    if (ok && rc == HIRO_OK && !output_allowed(out->final, out->db_path, err, errlen)) {
      out->refused = true;
      rc = HIRO_EINVAL;
    }
    if (ok && rc == HIRO_OK && rename(cleanup_path, out->final) != 0) {
      hiro_set_err(err, errlen, "cannot rename %s to %s: %s", cleanup_path, out->final,
                   strerror(errno));
      rc = HIRO_EIO;
    }
    if (!ok || rc != HIRO_OK) unlink(cleanup_path);
    cleanup_armed = 0;
    for (size_t i = 0; i < HIRO_ARRAY_LEN(cleanup_signals); i++)
      sigaction(cleanup_signals[i], &out->saved[i], NULL);
  }
  return rc;
}

/* --- the program --- */

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int export_main(int argc, char **argv) {
  const char *prog = argc > 0 && argv[0] && *argv[0] ? argv[0] : "hiro-metrics-export";
  const char *slash = strrchr(prog, '/');
  if (slash && slash[1]) prog = slash + 1;
  export_options o;
  bool help;
  char err[1024] = "";
  if (export_parse_args(argc, argv, wall_now(), &o, &help, err, sizeof err) != HIRO_OK) {
    fprintf(stderr, "%s: %s (see %s --help)\n", prog, err, prog);
    return EXPORT_EXIT_USAGE;
  }
  if (help) {
    if (o.version)
      printf("%s %s\n", prog, HIRO_VERSION);
    else
      print_help(stdout, prog);
    return fflush(stdout) == 0 ? EXPORT_EXIT_OK : EXPORT_EXIT_FAIL;
  }
  if (o.agg_set && o.resolution == EXPORT_RES_RAW)
    fprintf(stderr, "%s: warning: --agg %s has no effect on raw rows\n", prog, agg_names[o.agg]);

  output out;
  if (output_open(o.out_path, o.db_path, &out, err, sizeof err) != HIRO_OK) {
    output_close(&out, false, err, 0);
    fprintf(stderr, "%s: %s\n", prog, err);
    return out.refused ? EXPORT_EXIT_USAGE : EXPORT_EXIT_FAIL;
  }
  export_stats stats;
  hiro_err rc = export_run(&o, out.f, &stats, err, sizeof err);
  if (output_close(&out, rc == HIRO_OK, err, sizeof err) != HIRO_OK) rc = HIRO_EIO;
  if (rc != HIRO_OK) {
    fprintf(stderr, "%s: %s\n", prog, err);
    return out.refused ? EXPORT_EXIT_USAGE : EXPORT_EXIT_FAIL;
  }
  if (o.process && stats.rows == 0)
    fprintf(stderr,
            "%s: warning: no rows for --process %s in that range (the names are "
            "'server' and the channel names of the workspace)\n",
            prog, o.process);
  if (o.verbose)
    fprintf(stderr, "%s: %" PRIu64 " rows, table %s, resolution %s%s%s%s\n", prog, stats.rows,
            table_names[o.table],
            stats.resolution == EXPORT_RES_RAW  ? "raw"
            : stats.resolution == EXPORT_RES_1M ? "1m"
                                                : "1h",
            o.resolution == EXPORT_RES_AUTO ? " (auto)" : "",
            stats.resolution == EXPORT_RES_RAW ? "" : ", agg ",
            stats.resolution == EXPORT_RES_RAW ? "" : agg_names[o.agg]);
  return EXPORT_EXIT_OK;
}
