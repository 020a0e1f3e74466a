/* prometheus.c - Prometheus text exposition of the latest snapshot. */
#include "http/prometheus.h"

#include <stdio.h>

void prometheus_escape_label(strbuf *b, const char *value) {
  for (const char *p = value; *p; p++) {
    if (*p == '\\')
      sb_append(b, "\\\\", 2);
    else if (*p == '"')
      sb_append(b, "\\\"", 2);
    else if (*p == '\n')
      sb_append(b, "\\n", 2);
    else
      sb_putc(b, *p);
  }
}

static void header(strbuf *b, const char *name, const char *type, const char *help) {
  sb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void sample(strbuf *b, const char *name, double value) {
  sb_puts(b, name);
  sb_putc(b, ' ');
  sb_double(b, value, 6);
  sb_putc(b, '\n');
}

static void sample_u64(strbuf *b, const char *name, uint64_t value) {
  sb_puts(b, name);
  sb_putc(b, ' ');
  sb_u64(b, value);
  sb_putc(b, '\n');
}

/* One process line: name{process="...",pid="..."} value */
static void proc_line(strbuf *b, const char *metric, const char *process, int pid,
                        double value, int decimals) {
  sb_puts(b, metric);
  sb_puts(b, "{process=\"");
  prometheus_escape_label(b, process);
  sb_printf(b, "\",pid=\"%d\"} ", pid);
  if (decimals == 0 && value >= 0)
    sb_u64(b, (uint64_t)value);
  else
    sb_double(b, value, decimals);
  sb_putc(b, '\n');
}

typedef enum { P_CPU_SECONDS, P_RSS, P_VMS, P_THREADS, P_ALIVE } proc_field;

static const struct {
  const char *name, *type, *help;
  int decimals;
} proc_metrics[] = {
    [P_CPU_SECONDS] = {"hiro_process_cpu_seconds_total", "counter",
                       "User plus system CPU time of the process, in seconds.", 2},
    [P_RSS] = {"hiro_process_resident_memory_bytes", "gauge", "Resident set size in bytes.", 0},
    [P_VMS] = {"hiro_process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", 0},
    [P_THREADS] = {"hiro_process_threads", "gauge", "Number of threads.", 0},
    [P_ALIVE] = {"hiro_process_alive", "gauge",
                 "1 while the process runs, 0 after a channel plugin exited.", 0},
};

static double server_value(const metrics_snapshot *s, proc_field f) {
  switch (f) {
  case P_CPU_SECONDS: return s->counters.server_cpu_seconds;
  case P_RSS: return (double)s->process.rss_bytes;
  case P_VMS: return (double)s->process.vms_bytes;
  case P_THREADS: return s->process.num_threads;
  case P_ALIVE: return 1;
  }
  return 0;
}

static double child_value(const metrics_snapshot *s, size_t i, proc_field f) {
  const child_process_metrics *c = &s->children[i];
  switch (f) {
  case P_CPU_SECONDS: return s->children_cpu_seconds ? s->children_cpu_seconds[i] : 0;
  case P_RSS: return (double)c->rss_bytes;
  case P_VMS: return (double)c->vms_bytes;
  case P_THREADS: return c->num_threads;
  case P_ALIVE: return c->alive;
  }
  return 0;
}

static void render_processes(strbuf *b, const metrics_snapshot *s) {
  for (size_t f = 0; f < sizeof proc_metrics / sizeof proc_metrics[0]; f++) {
    header(b, proc_metrics[f].name, proc_metrics[f].type, proc_metrics[f].help);
    if (s->has_process)
      proc_line(b, proc_metrics[f].name, "server", s->process.pid, server_value(s, f),
                  proc_metrics[f].decimals);
    for (size_t i = 0; i < s->n_children; i++) {
      /* A dead plugin's counters are meaningless: expose only alive=0. */
      if (!s->children[i].alive && f != P_ALIVE) continue;
      proc_line(b, proc_metrics[f].name, s->children[i].name, s->children[i].pid,
                  child_value(s, i, f), proc_metrics[f].decimals);
    }
  }
}

static void render_system(strbuf *b, const metrics_snapshot *s) {
  header(b, "hiro_system_cpu_usage_ratio", "gauge", "System-wide CPU busy fraction (0-1).");
  sample(b, "hiro_system_cpu_usage_ratio", s->cpu.percent / 100.0);
  header(b, "hiro_system_cpus", "gauge", "Logical CPUs.");
  sample_u64(b, "hiro_system_cpus", (uint64_t)s->cpu.count);
  header(b, "hiro_system_memory_total_bytes", "gauge", "Total physical memory.");
  sample_u64(b, "hiro_system_memory_total_bytes", s->memory.total_bytes);
  header(b, "hiro_system_memory_available_bytes", "gauge", "Memory available (MemAvailable).");
  sample_u64(b, "hiro_system_memory_available_bytes", s->memory.available_bytes);
  if (s->has_disk) {
    header(b, "hiro_disk_total_bytes", "gauge", "Root filesystem size.");
    sample_u64(b, "hiro_disk_total_bytes", s->disk.total_bytes);
    header(b, "hiro_disk_used_bytes", "gauge", "Root filesystem bytes in use.");
    sample_u64(b, "hiro_disk_used_bytes", s->disk.used_bytes);
    header(b, "hiro_disk_free_bytes", "gauge", "Root filesystem bytes available to users.");
    sample_u64(b, "hiro_disk_free_bytes", s->disk.free_bytes);
    header(b, "hiro_disk_read_bytes_total", "counter", "Bytes read from physical disks since boot.");
    sample_u64(b, "hiro_disk_read_bytes_total", s->counters.disk_read_bytes);
    header(b, "hiro_disk_written_bytes_total", "counter", "Bytes written to physical disks since boot.");
    sample_u64(b, "hiro_disk_written_bytes_total", s->counters.disk_write_bytes);
  }
  if (s->has_network) {
    header(b, "hiro_network_sent_bytes_total", "counter", "Bytes sent on non-loopback interfaces.");
    sample_u64(b, "hiro_network_sent_bytes_total", s->counters.net_bytes_sent);
    header(b, "hiro_network_received_bytes_total", "counter", "Bytes received on non-loopback interfaces.");
    sample_u64(b, "hiro_network_received_bytes_total", s->counters.net_bytes_recv);
    header(b, "hiro_network_sent_packets_total", "counter", "Packets sent on non-loopback interfaces.");
    sample_u64(b, "hiro_network_sent_packets_total", s->counters.net_packets_sent);
    header(b, "hiro_network_received_packets_total", "counter", "Packets received on non-loopback interfaces.");
    sample_u64(b, "hiro_network_received_packets_total", s->counters.net_packets_recv);
  }
}

static void render_self(strbuf *b, collector *c, store *st) {
  collector_status cs;
  collector_get_status(c, &cs);
  header(b, "hiro_collector_ticks_total", "counter", "Snapshots taken by the collector.");
  sample_u64(b, "hiro_collector_ticks_total", cs.ticks);
  header(b, "hiro_collector_tick_cpu_seconds", "gauge", "CPU time the last collector tick took.");
  sample(b, "hiro_collector_tick_cpu_seconds", cs.last_tick_seconds);
  header(b, "hiro_collector_interval_seconds", "gauge", "Collection interval.");
  sample(b, "hiro_collector_interval_seconds", cs.interval);
  header(b, "hiro_collector_history_snapshots", "gauge", "Snapshots held in the in-memory ring.");
  sample_u64(b, "hiro_collector_history_snapshots", cs.history_count);
  if (!st) return;
  store_status ss;
  store_get_status(st, &ss);
  header(b, "hiro_store_queue_depth", "gauge", "Snapshots waiting for the database writer.");
  sample_u64(b, "hiro_store_queue_depth", ss.queue_depth);
  header(b, "hiro_store_dropped_snapshots_total", "counter", "Snapshots dropped because the writer fell behind.");
  sample_u64(b, "hiro_store_dropped_snapshots_total", ss.dropped_snapshots);
  header(b, "hiro_store_written_snapshots_total", "counter", "Snapshots committed to the database.");
  sample_u64(b, "hiro_store_written_snapshots_total", ss.written_snapshots);
  header(b, "hiro_store_write_error", "gauge", "1 while the last database write failed.");
  sample_u64(b, "hiro_store_write_error", ss.has_error);
  header(b, "hiro_store_size_bytes", "gauge", "Database file plus WAL size.");
  sample_u64(b, "hiro_store_size_bytes", ss.size_bytes);
}

char *prometheus_render(collector *c, store *st) {
  metrics_snapshot s = {0};
  if (!collector_latest(c, &s)) return NULL;
  strbuf b;
  sb_init(&b, 8192);
  render_processes(&b, &s);
  render_system(&b, &s);
  render_self(&b, c, st);
  snapshot_free(&s);
  return sb_steal(&b);
}
