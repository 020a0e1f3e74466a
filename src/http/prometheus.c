/* prometheus.c - Prometheus text exposition (format 0.0.4) of the latest
 * snapshot. Two tables describe every metric family: one for the per-process
 * families (a sample per process), one for scalars read by offset from the
 * snapshot, the collector status or the store status. Each family is written
 * whole (HELP, TYPE, then all its samples) so samples stay contiguous. */
#include "http/prometheus.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "common/hiro.h"

/* Escape per the format: backslash and newline always, double quote only in
 * label values (HELP text keeps quotes). Invalid UTF-8 becomes U+FFFD, because
 * Prometheus rejects the whole scrape over one bad byte in a label value. */
static void escape(strbuf *b, const char *text, bool in_label) {
  for (const unsigned char *p = (const unsigned char *)text; *p;) {
    size_t n = sb_utf8_len((const char *)p);
    if (*p == '\\')
      sb_append(b, "\\\\", 2);
    else if (*p == '\n')
      sb_append(b, "\\n", 2);
    else if (*p == '"' && in_label)
      sb_append(b, "\\\"", 2);
    else if (n == 0)
      sb_append(b, "\xEF\xBF\xBD", 3);
    else
      sb_append(b, (const char *)p, n);
    p += n ? n : 1;
  }
}

void prometheus_escape_label(strbuf *b, const char *value) { escape(b, value, true); }

static void family(strbuf *b, const char *name, const char *type, const char *help) {
  sb_printf(b, "# HELP %s ", name);
  escape(b, help, false);
  sb_printf(b, "\n# TYPE %s %s\n", name, type);
}

/* Integral values print as integers ("4096", not "4096.0"); others with up to
 * six decimals. NaN and infinities cannot occur in a snapshot (sb_double
 * would print them as 0.0). */
static void put_double(strbuf *b, double v) {
  if (v == floor(v) && fabs(v) < 9007199254740992.0) /* 2^53: exact as int */
    sb_i64(b, (int64_t)v);
  else
    sb_double(b, v, 6);
}

/* How to read a field found by offset. The kind is derived from the field's
 * declared type by KIND_OF, so a table row cannot misread its field (size_t is
 * uint64_t on the LP64 targets we build for; elsewhere this fails to compile). */
typedef enum { AS_U64, AS_INT, AS_BOOL, AS_DOUBLE, AS_PERCENT } value_kind;
#define KIND_OF(expr) _Generic((expr), uint64_t: AS_U64, int: AS_INT, bool: AS_BOOL, double: AS_DOUBLE)

static void put_field(strbuf *b, const void *base, size_t offset, value_kind kind) {
  const char *p = (const char *)base + offset;
  switch (kind) {
  case AS_U64: sb_u64(b, *(const uint64_t *)p); break;
  case AS_INT: sb_i64(b, *(const int *)p); break;
  case AS_BOOL: sb_putc(b, *(const bool *)p ? '1' : '0'); break;
  case AS_DOUBLE: put_double(b, *(const double *)p); break;
  case AS_PERCENT: put_double(b, *(const double *)p / 100.0); break; /* 0-100 -> ratio */
  }
}

/* ---- per-process families: label set {process, pid} ---- */

/* The server and each plugin, in one shape so one table serves both. */
typedef struct {
  const char *name;
  int pid;
  bool alive;
  double cpu_seconds;
  uint64_t rss_bytes, vms_bytes;
  int num_threads;
} proc_row;

#define PROC(f) offsetof(proc_row, f), KIND_OF(((proc_row *)0)->f)

static const struct {
  const char *name, *type, *help;
  size_t offset;
  value_kind kind;
} proc_families[] = {
    {"hiro_process_cpu_seconds_total", "counter",
     "User plus system CPU time of the process, in seconds.", PROC(cpu_seconds)},
    {"hiro_process_resident_memory_bytes", "gauge", "Resident set size in bytes.", PROC(rss_bytes)},
    {"hiro_process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", PROC(vms_bytes)},
    {"hiro_process_threads", "gauge", "Number of threads.", PROC(num_threads)},
    /* Last, and the only family a dead plugin appears in. */
    {"hiro_process_alive", "gauge", "1 while the process runs, 0 after a channel plugin exited.",
     PROC(alive)},
};
#define ALIVE_FAMILY (HIRO_ARRAY_LEN(proc_families) - 1)

/* Rows for the server (when read) and every plugin; returns how many. out has
 * room for n_children + 1. Rows borrow names from s. */
static size_t proc_rows(const metrics_snapshot *s, proc_row *out) {
  size_t n = 0;
  if (s->has_process)
    out[n++] = (proc_row){"server", s->process.pid, true, s->counters.server_cpu_seconds,
                          s->process.rss_bytes, s->process.vms_bytes, s->process.num_threads};
  for (size_t i = 0; i < s->n_children; i++) {
    const child_process_metrics *c = &s->children[i];
    out[n++] = (proc_row){c->name, c->pid, c->alive,
                          s->children_cpu_seconds ? s->children_cpu_seconds[i] : 0,
                          c->rss_bytes, c->vms_bytes, c->num_threads};
  }
  return n;
}

static void render_processes(strbuf *b, const metrics_snapshot *s) {
  proc_row *rows = xcalloc(s->n_children + 1, sizeof *rows);
  size_t n = proc_rows(s, rows);
  for (size_t f = 0; f < HIRO_ARRAY_LEN(proc_families); f++) {
    family(b, proc_families[f].name, proc_families[f].type, proc_families[f].help);
    for (size_t r = 0; r < n; r++) {
      /* A dead plugin has no RSS, threads or CPU: zeros would be false gauges
       * and a counter falling to 0. Absent, its series go stale instead. */
      if (!rows[r].alive && f != ALIVE_FAMILY) continue;
      sb_puts(b, proc_families[f].name);
      sb_puts(b, "{process=\"");
      prometheus_escape_label(b, rows[r].name);
      sb_printf(b, "\",pid=\"%d\"} ", rows[r].pid);
      put_field(b, &rows[r], proc_families[f].offset, proc_families[f].kind);
      sb_putc(b, '\n');
    }
  }
  free(rows);
}

/* ---- scalar families: one unlabelled sample each ---- */

/* Where a scalar is read from; absent sources skip the family entirely. */
typedef enum { SRC_SNAPSHOT, SRC_DISK, SRC_NETWORK, SRC_COLLECTOR, SRC_STORE } source;

#define SNAP(f) offsetof(metrics_snapshot, f), KIND_OF(((metrics_snapshot *)0)->f)
#define COLL(f) SRC_COLLECTOR, offsetof(collector_status, f), KIND_OF(((collector_status *)0)->f)
#define STORE(f) SRC_STORE, offsetof(store_status, f), KIND_OF(((store_status *)0)->f)
#define G "gauge"
#define C "counter"

static const struct {
  const char *name, *type, *help;
  source from;
  size_t offset;
  value_kind kind;
} scalars[] = {
    {"hiro_snapshot_timestamp_seconds", G, "Unix time the exposed snapshot was taken.",
     SRC_SNAPSHOT, SNAP(timestamp)},
    {"hiro_system_cpu_usage_ratio", G, "System-wide CPU busy fraction (0-1) over the last interval.",
     SRC_SNAPSHOT, offsetof(metrics_snapshot, cpu.percent), AS_PERCENT},
    {"hiro_system_cpus", G, "Logical CPUs.", SRC_SNAPSHOT, SNAP(cpu.count)},
    {"hiro_system_memory_total_bytes", G, "Total physical memory.", SRC_SNAPSHOT,
     SNAP(memory.total_bytes)},
    {"hiro_system_memory_available_bytes", G, "Memory available (MemAvailable).", SRC_SNAPSHOT,
     SNAP(memory.available_bytes)},
    {"hiro_disk_total_bytes", G, "Root filesystem size.", SRC_DISK, SNAP(disk.total_bytes)},
    {"hiro_disk_used_bytes", G, "Root filesystem bytes in use.", SRC_DISK, SNAP(disk.used_bytes)},
    {"hiro_disk_free_bytes", G, "Root filesystem bytes available to users.", SRC_DISK,
     SNAP(disk.free_bytes)},
    {"hiro_disk_read_bytes_total", C, "Bytes read from physical disks since boot.", SRC_DISK,
     SNAP(counters.disk_read_bytes)},
    {"hiro_disk_written_bytes_total", C, "Bytes written to physical disks since boot.", SRC_DISK,
     SNAP(counters.disk_write_bytes)},
    {"hiro_network_sent_bytes_total", C, "Bytes sent on non-loopback interfaces.", SRC_NETWORK,
     SNAP(counters.net_bytes_sent)},
    {"hiro_network_received_bytes_total", C, "Bytes received on non-loopback interfaces.",
     SRC_NETWORK, SNAP(counters.net_bytes_recv)},
    {"hiro_network_sent_packets_total", C, "Packets sent on non-loopback interfaces.", SRC_NETWORK,
     SNAP(counters.net_packets_sent)},
    {"hiro_network_received_packets_total", C, "Packets received on non-loopback interfaces.",
     SRC_NETWORK, SNAP(counters.net_packets_recv)},
    {"hiro_collector_ticks_total", C, "Snapshots taken by the collector.", COLL(ticks)},
    {"hiro_collector_last_tick_cpu_seconds", G, "CPU time the last collector tick took, in seconds.",
     COLL(last_tick_seconds)},
    {"hiro_collector_interval_seconds", G, "Collection interval.", COLL(interval)},
    {"hiro_collector_history_snapshots", G, "Snapshots held in the in-memory ring.",
     COLL(history_count)},
    {"hiro_store_queue_depth", G, "Snapshots waiting for the database writer.", STORE(queue_depth)},
    {"hiro_store_dropped_snapshots_total", C, "Snapshots dropped because the writer fell behind.",
     STORE(dropped_snapshots)},
    {"hiro_store_written_snapshots_total", C, "Snapshots committed to the database.",
     STORE(written_snapshots)},
    {"hiro_store_write_error", G, "1 while the last database write failed.", STORE(has_error)},
    {"hiro_store_size_bytes", G, "Database file plus WAL size.", STORE(size_bytes)},
};
#undef G
#undef C

char *prometheus_render(collector *c, store *st) {
  metrics_snapshot s = {0};
  if (!collector_latest(c, &s)) return NULL;
  collector_status cs;
  collector_get_status(c, &cs);
  store_status ss;
  if (st) store_get_status(st, &ss);
  const void *base[] = {
      [SRC_SNAPSHOT] = &s,
      [SRC_DISK] = s.has_disk ? &s : NULL,
      [SRC_NETWORK] = s.has_network ? &s : NULL,
      [SRC_COLLECTOR] = &cs,
      [SRC_STORE] = st ? &ss : NULL,
  };
  strbuf b;
  sb_init(&b, 8192);
  render_processes(&b, &s);
  for (size_t i = 0; i < HIRO_ARRAY_LEN(scalars); i++) {
    if (!base[scalars[i].from]) continue;
    family(&b, scalars[i].name, scalars[i].type, scalars[i].help);
    sb_puts(&b, scalars[i].name);
    sb_putc(&b, ' ');
    put_field(&b, base[scalars[i].from], scalars[i].offset, scalars[i].kind);
    sb_putc(&b, '\n');
  }
  snapshot_free(&s);
  return sb_steal(&b);
}
