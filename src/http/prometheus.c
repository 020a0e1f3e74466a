/* prometheus.c - Prometheus text exposition (format 0.0.4) of the latest
 * snapshot. Two tables describe every metric family: one for the per-process
 * families (a sample per process), one for scalars read by offset from the
 * snapshot, the collector status or the store status. Each family is written
 * whole (HELP, TYPE, then all its samples) so samples stay contiguous. */
#include "http/prometheus.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/hiro.h"
#include "model/columns.h"

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
typedef enum { AS_U64, AS_INT, AS_BOOL, AS_DOUBLE, AS_MICROS } value_kind;
#define KIND_OF(expr)                                                                              \
  _Generic((expr), uint64_t : AS_U64, int : AS_INT, bool : AS_BOOL, double : AS_DOUBLE)

static void put_field(strbuf *b, const void *base, size_t offset, value_kind kind) {
  const char *p = (const char *)base + offset;
  switch (kind) {
  case AS_U64: sb_u64(b, *(const uint64_t *)p); break;
  case AS_INT: sb_i64(b, *(const int *)p); break;
  case AS_BOOL: sb_putc(b, *(const bool *)p ? '1' : '0'); break;
  case AS_DOUBLE: put_double(b, *(const double *)p); break;
  case AS_MICROS: put_double(b, (double)*(const uint64_t *)p / 1e6); break;
  }
}

/* ---- per-process families: label set {process, pid} ---- */

/* A figure of the column table in Prometheus units: percentages as ratios. */
static void put_column(strbuf *b, const void *base, const model_column *c) {
  double v = model_value(base, c);
  if (strcmp(c->unit, "percent") == 0) v /= 100.0;
  if (c->ctype == MODEL_U64)
    sb_u64(b, *(const uint64_t *)((const char *)base + c->offset)); /* exact above 2^53 */
  else
    put_double(b, v);
}

static void process_sample(strbuf *b, const char *family_name, const char *process,
                           const process_metrics *p, bool with_pid) {
  sb_puts(b, family_name);
  sb_puts(b, "{process=\"");
  prometheus_escape_label(b, process);
  if (with_pid && p->pid > 0)
    sb_printf(b, "\",pid=\"%d\"} ", p->pid);
  else
    sb_puts(b, "\"} ");
}

/* What a per-process family shows for one process, and whether it has it. */
typedef enum {
  PF_COLUMN,
  PF_CPU_SECONDS,
  PF_TREE_CPU_SECONDS,
  PF_READ_BYTES,
  PF_WRITTEN_BYTES,
  PF_RESTARTS,
  PF_LAST_EXIT
} pf_kind;

static bool family_has(const process_metrics *p, bool plugin, pf_kind kind,
                       const model_column *col) {
  switch (kind) {
  case PF_COLUMN: return model_proc_has(p, col);
  case PF_CPU_SECONDS: return p->has_cpu;
  case PF_TREE_CPU_SECONDS: return plugin && p->has_tree_cpu;
  case PF_READ_BYTES:
  case PF_WRITTEN_BYTES: return p->has_io;
  case PF_RESTARTS: return plugin && p->life.known;
  case PF_LAST_EXIT: return plugin && p->life.known && p->life.has_exit;
  }
  return false;
}

static void put_family_value(strbuf *b, const process_metrics *p, pf_kind kind,
                             const model_column *col) {
  switch (kind) {
  case PF_COLUMN: put_column(b, p, col); break;
  case PF_CPU_SECONDS: put_double(b, p->cpu_seconds); break;
  case PF_TREE_CPU_SECONDS: put_double(b, p->tree.cpu_seconds); break;
  case PF_READ_BYTES: sb_u64(b, p->io_read_bytes); break;
  case PF_WRITTEN_BYTES: sb_u64(b, p->io_write_bytes); break;
  case PF_RESTARTS: sb_u64(b, p->life.restarts); break;
  /* A shell's convention: 128 + the signal when a signal ended it. */
  case PF_LAST_EXIT:
    sb_i64(b, p->life.exit_signal ? 128 + p->life.exit_signal : p->life.exit_code);
    break;
  }
}

/* One family over the server and every plugin. Nothing is a false zero: a
 * figure is shown only when it was measured (its presence group), so a
 * plugin that is down appears only in hiro_process_alive (and its restart
 * and exit families) and its other series go stale. Families counted across
 * a plugin's lives (restarts, tree CPU) are labelled by process alone. */
static void process_family(strbuf *b, const metrics_snapshot *s, const char *name, const char *type,
                           const char *help, pf_kind kind, const model_column *col) {
  bool with_pid = kind == PF_COLUMN || kind == PF_CPU_SECONDS || kind == PF_READ_BYTES ||
                  kind == PF_WRITTEN_BYTES;
  bool header = false;
  size_t n = s->n_children + 1;
  for (size_t r = 0; r < n; r++) {
    const process_metrics *p = r == 0 ? &s->process : &s->children[r - 1];
    if (r == 0 && !s->has_process) continue;
    if (!family_has(p, r > 0, kind, col)) continue;
    if (!header) family(b, name, type, help);
    header = true;
    process_sample(b, name, r == 0 ? "server" : p->name, p, with_pid);
    put_family_value(b, p, kind, col);
    sb_putc(b, '\n');
  }
}

static void render_processes(strbuf *b, const metrics_snapshot *s) {
  process_family(b, s, "hiro_process_cpu_seconds_total", "counter",
                 "User plus system CPU time of the process, in seconds.", PF_CPU_SECONDS, NULL);
  process_family(b, s, "hiro_plugin_tree_cpu_seconds_total", "counter",
                 "CPU time of every process that ran in the plugin's tree since the server "
                 "started, in seconds.",
                 PF_TREE_CPU_SECONDS, NULL);
  process_family(b, s, "hiro_process_read_bytes_total", "counter",
                 "Bytes the process caused to be read from storage (/proc/PID/io read_bytes).",
                 PF_READ_BYTES, NULL);
  process_family(b, s, "hiro_process_written_bytes_total", "counter",
                 "Bytes the process caused to be written to storage (write_bytes).",
                 PF_WRITTEN_BYTES, NULL);
  /* Measurements first, states last. */
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < MODEL_PROC_COLUMNS; i++) {
      const model_column *c = &model_proc_columns[i];
      if (c->prom && c->status == (pass == 1))
        process_family(b, s, c->prom, "gauge", c->help, PF_COLUMN, c);
    }
  process_family(b, s, "hiro_process_restarts_total", "counter",
                 "Restarts of the channel plugin since the server started.", PF_RESTARTS, NULL);
  process_family(b, s, "hiro_process_last_exit_code", "gauge",
                 "Exit status of the plugin's last exit (128 + signal when a signal ended it).",
                 PF_LAST_EXIT, NULL);
}

/* ---- scalar families: one unlabelled sample each ---- */

/* Where a scalar is read from; absent sources skip the family entirely. */
typedef enum {
  SRC_SNAPSHOT,
  SRC_DISK,
  SRC_NETWORK,
  SRC_SWAP,
  SRC_PRESSURE,
  SRC_COLLECTOR,
  SRC_STORE
} source;

#define SNAP(f) offsetof(metrics_snapshot, f), KIND_OF(((metrics_snapshot *)0)->f)
#define COLL(f) SRC_COLLECTOR, offsetof(collector_status, f), KIND_OF(((collector_status *)0)->f)
#define STORE(f) SRC_STORE, offsetof(store_status, f), KIND_OF(((store_status *)0)->f)
/* PSI stall counters are microseconds: exposed as seconds (AS_MICROS). */
#define PSI(r, k) offsetof(metrics_snapshot, counters.pressure_us[r][k]), AS_MICROS
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
    {"hiro_swap_in_bytes_total", C, "Bytes swapped in since boot.", SRC_SWAP,
     SNAP(counters.swap_in_bytes)},
    {"hiro_swap_out_bytes_total", C, "Bytes swapped out since boot.", SRC_SWAP,
     SNAP(counters.swap_out_bytes)},
    {"hiro_pressure_cpu_waiting_seconds_total", C,
     "Time some tasks stalled waiting for CPU (PSI some), seconds.", SRC_PRESSURE, PSI(0, 0)},
    {"hiro_pressure_memory_waiting_seconds_total", C,
     "Time some tasks stalled waiting for memory (PSI some), seconds.", SRC_PRESSURE, PSI(1, 0)},
    {"hiro_pressure_memory_stalled_seconds_total", C,
     "Time all non-idle tasks stalled on memory (PSI full), seconds.", SRC_PRESSURE, PSI(1, 1)},
    {"hiro_pressure_io_waiting_seconds_total", C,
     "Time some tasks stalled waiting for I/O (PSI some), seconds.", SRC_PRESSURE, PSI(2, 0)},
    {"hiro_pressure_io_stalled_seconds_total", C,
     "Time all non-idle tasks stalled on I/O (PSI full), seconds.", SRC_PRESSURE, PSI(2, 1)},
    {"hiro_collector_ticks_total", C, "Snapshots taken by the collector.", COLL(ticks)},
    {"hiro_collector_last_tick_cpu_seconds", G,
     "CPU time the last collector tick took, in seconds.", COLL(last_tick_seconds)},
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

/* The column table's system figures that have a Prometheus gauge. */
static void render_system_gauges(strbuf *b, const metrics_snapshot *s) {
  for (int i = 0; i < MODEL_SYS_COLUMNS; i++) {
    const model_column *c = &model_sys_columns[i];
    if (!c->prom || !model_group_present(s, c->group)) continue;
    family(b, c->prom, "gauge", c->help);
    sb_puts(b, c->prom);
    sb_putc(b, ' ');
    put_column(b, s, c);
    sb_putc(b, '\n');
  }
}

/* Counters of the disks and interfaces (the list tables hold their rates):
 * what rate() in PromQL wants. */
#define DISK_C(f) MODEL_LIST_DISKS, offsetof(disk_device_metrics, f), false
#define NETIF_C(f) MODEL_LIST_INTERFACES, offsetof(interface_metrics, f), false
static const struct {
  const char *name, *help;
  int list;
  size_t offset;
  bool millis; /* a u64 of milliseconds, exposed in seconds */
} list_counters[] = {
    {"hiro_disk_device_read_bytes_total", "Bytes read from the disk since boot.",
     DISK_C(read_bytes)},
    {"hiro_disk_device_written_bytes_total", "Bytes written to the disk since boot.",
     DISK_C(write_bytes)},
    {"hiro_disk_device_reads_completed_total", "Read requests completed since boot.",
     DISK_C(reads)},
    {"hiro_disk_device_writes_completed_total", "Write requests completed since boot.",
     DISK_C(writes)},
    {"hiro_disk_device_io_time_seconds_total", "Time the disk had requests in flight (io_ticks).",
     MODEL_LIST_DISKS, offsetof(disk_device_metrics, busy_ms), true},
    {"hiro_network_interface_sent_bytes_total", "Bytes sent on the interface since boot.",
     NETIF_C(bytes_sent)},
    {"hiro_network_interface_received_bytes_total", "Bytes received on the interface since boot.",
     NETIF_C(bytes_recv)},
    {"hiro_network_interface_sent_packets_total", "Packets sent on the interface since boot.",
     NETIF_C(packets_sent)},
    {"hiro_network_interface_received_packets_total", "Packets received since boot.",
     NETIF_C(packets_recv)},
    {"hiro_network_interface_errors_total", "Receive and transmit errors since boot.",
     NETIF_C(errors)},
    {"hiro_network_interface_dropped_packets_total", "Packets dropped (in and out) since boot.",
     NETIF_C(drops)},
};

static void render_list_counters(strbuf *b, const metrics_snapshot *s) {
  for (size_t f = 0; f < HIRO_ARRAY_LEN(list_counters); f++) {
    const model_list *ml = &model_lists[list_counters[f].list];
    size_t n = model_list_count(s, list_counters[f].list);
    if (!n) continue;
    family(b, list_counters[f].name, "counter", list_counters[f].help);
    for (size_t i = 0; i < n; i++) {
      const void *item = model_list_item(s, list_counters[f].list, i);
      uint64_t v = *(const uint64_t *)((const char *)item + list_counters[f].offset);
      sb_printf(b, "%s{%s=\"", list_counters[f].name, ml->label);
      prometheus_escape_label(b, model_list_name(ml, item));
      sb_puts(b, "\"} ");
      if (list_counters[f].millis)
        put_double(b, (double)v / 1000.0);
      else
        sb_u64(b, v);
      sb_putc(b, '\n');
    }
  }
}

/* Gauges of every list entry, labelled by its name: hiro_filesystem_*{mount}. */
static void render_list_gauges(strbuf *b, const metrics_snapshot *s) {
  for (int l = 0; l < MODEL_LISTS; l++) {
    const model_list *ml = &model_lists[l];
    size_t n = model_list_count(s, l);
    for (int c = 0; c < ml->n_columns && n; c++) {
      const model_column *col = &ml->columns[c];
      if (!col->prom) continue;
      family(b, col->prom, "gauge", col->help);
      for (size_t i = 0; i < n; i++) {
        const void *item = model_list_item(s, l, i);
        sb_printf(b, "%s{%s=\"", col->prom, ml->label);
        prometheus_escape_label(b, model_list_name(ml, item));
        sb_puts(b, "\"} ");
        put_column(b, item, col);
        sb_putc(b, '\n');
      }
    }
  }
}

char *prometheus_render(collector *c, store *db) {
  metrics_snapshot s = {0};
  if (!collector_latest(c, &s)) return NULL;
  collector_status cs;
  collector_get_status(c, &cs);
  store_status ss;
  if (db) store_get_status(db, &ss);
  const void *base[] = {
      [SRC_SNAPSHOT] = &s,
      [SRC_DISK] = s.has_disk ? &s : NULL,
      [SRC_NETWORK] = s.has_network ? &s : NULL,
      [SRC_SWAP] = s.has_swap ? &s : NULL,
      [SRC_PRESSURE] = s.has_pressure ? &s : NULL,
      [SRC_COLLECTOR] = &cs,
      [SRC_STORE] = db ? &ss : NULL,
  };
  strbuf b;
  sb_init(&b, 8192);
  render_processes(&b, &s);
  for (size_t i = 0; i < HIRO_ARRAY_LEN(scalars); i++) {
    if (i == 1) { /* right after the timestamp */
      render_system_gauges(&b, &s);
      render_list_gauges(&b, &s);
      render_list_counters(&b, &s);
    }
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
