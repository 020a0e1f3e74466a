/* metrics_print.c - readable tables for the REST API's JSON: collector status,
 * the latest snapshot and the plugin list. Missing or null fields print as "-", so a
 * partial snapshot never stops the output. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/table.h"

/* A number field, or NAN when absent or not a number. */
static double num(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static const char *yes_no(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsBool(v) ? (cJSON_IsTrue(v) ? "yes" : "no") : "-";
}

/* printf-like helpers that print "-" for NAN. */
static char *fmt_num(double v, const char *fmt, char *buf, size_t n) {
  if (isnan(v))
    snprintf(buf, n, "-");
  else
    snprintf(buf, n, fmt, v);
  return buf;
}

static char *fmt_bytes_or_dash(double v, char *buf, size_t n) {
  return isnan(v) ? fmt_num(v, "", buf, n) : fmt_bytes(v, buf, n);
}

static char *fmt_rate_or_dash(double v, char *buf, size_t n) {
  return isnan(v) ? fmt_num(v, "", buf, n) : fmt_rate(v, buf, n);
}

void metrics_print_status_line(const cJSON *status) {
  const cJSON *enabled = cJSON_GetObjectItemCaseSensitive(status, "enabled");
  char a[32], b[32], c[32];
  printf("metrics: %s, every %s s, %s of %s snapshots in memory\n",
         cJSON_IsTrue(enabled) ? "enabled" : "disabled",
         fmt_num(num(status, "interval"), "%.1f", a, sizeof a),
         fmt_num(num(status, "history_count"), "%.0f", b, sizeof b),
         fmt_num(num(status, "history_size"), "%.0f", c, sizeof c));
}

/* One value of the persistence object (or any other unknown field), shown
 * by what its name says it is. */
static void format_value(const char *key, const cJSON *v, char *buf, size_t n) {
  if (cJSON_IsNull(v)) {
    snprintf(buf, n, "none");
  } else if (cJSON_IsBool(v)) {
    snprintf(buf, n, "%s", cJSON_IsTrue(v) ? "yes" : "no");
  } else if (cJSON_IsString(v)) {
    snprintf(buf, n, "%s", v->valuestring);
  } else if (cJSON_IsNumber(v) && strstr(key, "bytes")) {
    char h[32];
    snprintf(buf, n, "%s (%.0f bytes)", fmt_bytes(v->valuedouble, h, sizeof h), v->valuedouble);
  } else if (cJSON_IsNumber(v) && (strstr(key, "timestamp") || strstr(key, "oldest")) &&
             v->valuedouble > 0) {
    char t[64];
    snprintf(buf, n, "%s (local time)", fmt_local_time(v->valuedouble, t, sizeof t));
  } else if (cJSON_IsNumber(v)) {
    snprintf(buf, n, "%.15g", v->valuedouble);
  } else if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
    size_t len = 0;
    buf[0] = '\0';
    for (const cJSON *c = v->child; c && len + 1 < n; c = c->next) {
      char inner[128];
      format_value(c->string ? c->string : "", c, inner, sizeof inner);
      len += (size_t)snprintf(buf + len, n - len, "%s%s%s%s", len ? ", " : "",
                              c->string ? c->string : "", c->string ? "=" : "", inner);
    }
  } else {
    snprintf(buf, n, "?");
  }
}

static void add_field(table *t, const char *label, const char *value) {
  table_row(t);
  table_cell(t, "%s", label);
  table_cell(t, "%s", value);
}

void metrics_print_status(const cJSON *status) {
  static const char *const known[] = {"enabled",       "interval",       "history_size",
                                      "history_count", "uptime_seconds", "persistence"};
  table *t = table_new(2, NULL);
  char a[64], b[64], line[256];
  add_field(t, "enabled", yes_no(status, "enabled"));
  snprintf(line, sizeof line, "%s s", fmt_num(num(status, "interval"), "%.1f", a, sizeof a));
  add_field(t, "interval", line);
  snprintf(line, sizeof line, "%s of %s snapshots in memory",
           fmt_num(num(status, "history_count"), "%.0f", a, sizeof a),
           fmt_num(num(status, "history_size"), "%.0f", b, sizeof b));
  add_field(t, "history", line);
  snprintf(line, sizeof line, "%s s", fmt_num(num(status, "uptime_seconds"), "%.1f", a, sizeof a));
  add_field(t, "uptime", line);
  for (const cJSON *f = status->child; f; f = f->next) {
    bool is_known = false;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
      is_known |= f->string && strcmp(f->string, known[i]) == 0;
    if (!is_known && f->string) {
      format_value(f->string, f, line, sizeof line);
      add_field(t, f->string, line);
    }
  }
  const cJSON *persistence = cJSON_GetObjectItemCaseSensitive(status, "persistence");
  if (cJSON_IsObject(persistence)) {
    add_field(t, "persistence", "");
    for (const cJSON *f = persistence->child; f; f = f->next) {
      char label[128], value[512];
      snprintf(label, sizeof label, "  %s", f->string ? f->string : "?");
      format_value(label, f, value, sizeof value);
      add_field(t, label, value);
    }
  }
  table_print(t, stdout);
  table_free(t);
}

/* One row of the process table. */
static void process_row(table *t, const char *name, const cJSON *p, const char *alive) {
  char cpu[32], rss[32], vms[32], pid[32], threads[32];
  table_row(t);
  table_cell(t, "%s", name);
  table_cell(t, "%s", fmt_num(num(p, "pid"), "%.0f", pid, sizeof pid));
  table_cell(t, "%s", alive);
  table_cell(t, "%s", fmt_num(num(p, "cpu_percent"), "%.1f", cpu, sizeof cpu));
  table_cell(t, "%s", fmt_bytes_or_dash(num(p, "rss_bytes"), rss, sizeof rss));
  table_cell(t, "%s", fmt_bytes_or_dash(num(p, "vms_bytes"), vms, sizeof vms));
  table_cell(t, "%s", fmt_num(num(p, "num_threads"), "%.0f", threads, sizeof threads));
}

static void print_processes(const cJSON *snap) {
  static const char *const headers[] = {"PROCESS", ">PID", "ALIVE",   ">CPU %",
                                        ">RSS",    ">VMS", ">THREADS"};
  table *t = table_new(7, headers);
  const cJSON *process = cJSON_GetObjectItemCaseSensitive(snap, "process");
  process_row(t, "server", cJSON_IsObject(process) ? process : NULL, "yes");
  const cJSON *children = cJSON_GetObjectItemCaseSensitive(snap, "children");
  double cpu = 0, rss = 0, vms = 0, threads = 0;
  int n = 0;
  for (const cJSON *c = cJSON_IsArray(children) ? children->child : NULL; c; c = c->next, n++) {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
    process_row(t, cJSON_IsString(name) ? name->valuestring : "?", c, yes_no(c, "alive"));
    cpu += isnan(num(c, "cpu_percent")) ? 0 : num(c, "cpu_percent");
    rss += isnan(num(c, "rss_bytes")) ? 0 : num(c, "rss_bytes");
    vms += isnan(num(c, "vms_bytes")) ? 0 : num(c, "vms_bytes");
    threads += isnan(num(c, "num_threads")) ? 0 : num(c, "num_threads");
  }
  if (n > 0) {
    char a[32], b[32];
    table_row(t);
    table_cell(t, "plugins total (%d)", n);
    table_cell(t, "%s", "");
    table_cell(t, "%s", "");
    table_cell(t, "%.1f", cpu);
    table_cell(t, "%s", fmt_bytes(rss, a, sizeof a));
    table_cell(t, "%s", fmt_bytes(vms, b, sizeof b));
    table_cell(t, "%.0f", threads);
  }
  table_print(t, stdout);
  table_free(t);
  if (n == 0) printf("(no channel plugins)\n");
}

static void print_system(table *t, const cJSON *snap) {
  const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(snap, "cpu");
  const cJSON *mem = cJSON_GetObjectItemCaseSensitive(snap, "memory");
  char a[32], b[32], c[32], d[32], e[32];
  table_row(t);
  table_cell(t, "system");
  table_cell(t, "CPU %s %% (%s CPUs); memory %s %% used, %s available of %s",
             fmt_num(num(cpu, "percent"), "%.1f", a, sizeof a),
             fmt_num(num(cpu, "count"), "%.0f", b, sizeof b),
             fmt_num(num(mem, "percent"), "%.1f", c, sizeof c),
             fmt_bytes_or_dash(num(mem, "available_bytes"), d, sizeof d),
             fmt_bytes_or_dash(num(mem, "total_bytes"), e, sizeof e));
}

static void print_disk_network(table *t, const cJSON *snap) {
  const cJSON *disk = cJSON_GetObjectItemCaseSensitive(snap, "disk");
  const cJSON *net = cJSON_GetObjectItemCaseSensitive(snap, "network");
  char a[32], b[32], c[32], d[32], e[32], f[32];
  table_row(t);
  table_cell(t, "disk /");
  if (cJSON_IsObject(disk))
    table_cell(t, "%s %% used: %s of %s, %s free; read %s, write %s",
               fmt_num(num(disk, "percent"), "%.1f", a, sizeof a),
               fmt_bytes_or_dash(num(disk, "used_bytes"), b, sizeof b),
               fmt_bytes_or_dash(num(disk, "total_bytes"), c, sizeof c),
               fmt_bytes_or_dash(num(disk, "free_bytes"), d, sizeof d),
               fmt_rate_or_dash(num(disk, "read_bytes_per_sec"), e, sizeof e),
               fmt_rate_or_dash(num(disk, "write_bytes_per_sec"), f, sizeof f));
  else
    table_cell(t, "no data");
  table_row(t);
  table_cell(t, "network");
  if (cJSON_IsObject(net))
    table_cell(t, "sent %s (%s packets/s), received %s (%s packets/s)",
               fmt_rate_or_dash(num(net, "bytes_sent_per_sec"), a, sizeof a),
               fmt_num(num(net, "packets_sent_per_sec"), "%.1f", b, sizeof b),
               fmt_rate_or_dash(num(net, "bytes_recv_per_sec"), c, sizeof c),
               fmt_num(num(net, "packets_recv_per_sec"), "%.1f", d, sizeof d));
  else
    table_cell(t, "no data");
}

void metrics_print_snapshot(const cJSON *snap) {
  char when[64];
  printf("snapshot at %s (local time)\n\n",
         fmt_local_time(num(snap, "timestamp"), when, sizeof when));
  print_processes(snap);
  putchar('\n');
  table *t = table_new(2, NULL);
  print_system(t, snap);
  print_disk_network(t, snap);
  table_print(t, stdout);
  table_free(t);
}

/* --- the plugin table of `hirocli status` --- */

static cJSON *plugin_entry(cJSON *list, const char *name) {
  for (cJSON *p = list->child; p; p = p->next) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(p, "name");
    if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) return p;
  }
  cJSON *p = cJSON_CreateObject();
  cJSON_AddStringToObject(p, "name", name);
  cJSON_AddItemToArray(list, p);
  return p;
}

/* Copy obj[from] into entry[to], replacing what is there. */
static void copy_field(cJSON *entry, const char *to, const cJSON *obj, const char *from) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, from);
  if (!v) return;
  cJSON_DeleteItemFromObjectCaseSensitive(entry, to);
  cJSON_AddItemToObject(entry, to, cJSON_Duplicate(v, 1));
}

static void set_state(cJSON *entry) {
  const cJSON *alive = cJSON_GetObjectItemCaseSensitive(entry, "alive");
  if (cJSON_GetObjectItemCaseSensitive(entry, "state") || !cJSON_IsBool(alive)) return;
  bool started = num(entry, "pid") > 0; /* a plugin that never ran has no pid */
  cJSON_AddStringToObject(entry, "state",
                          cJSON_IsTrue(alive) ? "running"
                          : started           ? "exited"
                                              : "not started");
}

cJSON *metrics_plugin_list(const cJSON *status, const cJSON *snapshot) {
  cJSON *list = cJSON_CreateArray();
  const cJSON *children = cJSON_GetObjectItemCaseSensitive(snapshot, "children");
  for (const cJSON *c = cJSON_IsArray(children) ? children->child : NULL; c; c = c->next) {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "name");
    if (!cJSON_IsString(name)) continue;
    cJSON *e = plugin_entry(list, name->valuestring);
    copy_field(e, "pid", c, "pid");
    copy_field(e, "alive", c, "alive");
  }
  /* Richer per-plugin facts, from servers whose status carries them. */
  const cJSON *plugins = cJSON_GetObjectItemCaseSensitive(status, "plugins");
  for (const cJSON *p = cJSON_IsArray(plugins) ? plugins->child : NULL; p; p = p->next) {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
    if (!cJSON_IsString(name)) continue;
    cJSON *e = plugin_entry(list, name->valuestring);
    copy_field(e, "pid", p, "pid");
    copy_field(e, "alive", p, "alive");
    copy_field(e, "alive", p, "running");
    copy_field(e, "state", p, "state");
    copy_field(e, "restarts", p, "restarts");
    copy_field(e, "uptime_seconds", p, "uptime");
    copy_field(e, "uptime_seconds", p, "uptime_seconds");
    copy_field(e, "last_exit", p, "last_exit");
  }
  for (cJSON *e = list->child; e; e = e->next) set_state(e);
  return list;
}

/* "3d 4h", "2h 5m", "4m 10s", "12s". */
static char *fmt_duration(double s, char *buf, size_t n) {
  if (isnan(s) || s < 0) return fmt_num(NAN, "", buf, n);
  long t = (long)s;
  if (t >= 86400)
    snprintf(buf, n, "%ldd %ldh", t / 86400, t % 86400 / 3600);
  else if (t >= 3600)
    snprintf(buf, n, "%ldh %ldm", t / 3600, t % 3600 / 60);
  else if (t >= 60)
    snprintf(buf, n, "%ldm %lds", t / 60, t % 60);
  else
    snprintf(buf, n, "%lds", t);
  return buf;
}

/* A last exit: a number (its code), or the server's {"code", "signal"}
 * object ("3", "signal 9"); "-" when none. */
static char *fmt_last_exit(const cJSON *v, char *buf, size_t n) {
  if (cJSON_IsObject(v) && !isnan(num(v, "signal")))
    snprintf(buf, n, "signal %.0f", num(v, "signal"));
  else
    fmt_num(cJSON_IsObject(v)   ? num(v, "code")
            : cJSON_IsNumber(v) ? v->valuedouble
                                : NAN,
            "%.0f", buf, n);
  return buf;
}

void metrics_print_plugins(const cJSON *list, bool metrics_on) {
  int n = cJSON_GetArraySize(list);
  if (n == 0) {
    printf("plugins: none configured\n");
    return;
  }
  static const char *const headers[] = {"PLUGIN",    "STATE",   ">PID",
                                        ">RESTARTS", ">UPTIME", ">LAST EXIT"};
  table *t = table_new(6, headers);
  for (const cJSON *p = list->child; p; p = p->next) {
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(p, "name");
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(p, "state");
    char pid[32], restarts[32], uptime[32], last[32];
    table_row(t);
    table_cell(t, "%s", cJSON_IsString(name) ? name->valuestring : "?");
    table_cell(t, "%s", cJSON_IsString(state) ? state->valuestring : "-");
    table_cell(t, "%s", fmt_num(num(p, "pid") > 0 ? num(p, "pid") : NAN, "%.0f", pid, sizeof pid));
    table_cell(t, "%s", fmt_num(num(p, "restarts"), "%.0f", restarts, sizeof restarts));
    table_cell(t, "%s", fmt_duration(num(p, "uptime_seconds"), uptime, sizeof uptime));
    table_cell(t, "%s",
               fmt_last_exit(cJSON_GetObjectItemCaseSensitive(p, "last_exit"), last, sizeof last));
  }
  putchar('\n');
  table_print(t, stdout);
  table_free(t);
  bool known = false;
  for (const cJSON *p = list->child; p; p = p->next) {
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(p, "state");
    known |= cJSON_IsString(state) && strcmp(state->valuestring, "unknown") != 0;
  }
  if (!metrics_on && !known)
    printf("(plugin states show while metrics are on: hirocli metrics configure --enable)\n");
}
