/* sampler.c - one collector tick: server process, plugins, system.
 *
 * A tick allocates nothing once the plugin list is stable: the snapshot's
 * arrays are reused from the previous tick (snapshot_set_children), and so
 * is the per-plugin state. A read that fails is logged by the platform layer (once per
 * metric); here it only makes the figure null for that tick. */
#include "collector/sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "collector/context.h"
#include "collector/rate.h"
#include "collector/sampler_tree.h"
#include "common/clock.h"
#include "common/hiro.h"
#include "common/log.h"

#define MAX_CHILDREN 1024

/* What the sampler remembers about one plugin between ticks. */
/* Storage I/O and descriptors of one process between ticks. */
typedef struct {
  platform_facts *h;
  proc_facts last;
  double mono; /* when last was read */
  bool primed; /* last holds a real earlier reading */
} facts_state;

typedef struct {
  char name[HIRO_NAME_MAX];
  int pid;
  uint64_t start_ticks; /* as the provider reported it */
  facts_state facts;
  platform_proc *handle;
  uint64_t last_cpu_ns;
  double last_mono;   /* when last_cpu_ns was read */
  bool primed;        /* last_cpu_ns holds a real earlier reading */
  bool listed;        /* present in this tick's provider answer */
  unsigned exit_seen; /* plugin_ref.exit_seq already accounted */
  double down_prev;   /* plugin_ref.down_seconds at the last tick; < 0 = none */
  sampler_tree *tree;
} plugin_state;

struct sampler {
  platform *plat;
  double hz;
  plugin_provider_fn provider;
  void *provider_ctx;

  platform_proc *self;
  uint64_t self_cpu_ns;
  bool self_ok;

  cpu_times cpu_prev;
  double prev_mono;

  plugin_state *plugins;
  size_t n_plugins, cap_plugins;
  plugin_ref *refs;
  facts_state self_facts;
  sampler_tree **trees; /* per provider slot, for the orphan scan */
  tree_orphans *orphans;
  context_sampler *context; /* load, swap, pressure */
  mem_info mem;             /* this tick's memory read (swap space for context) */
  bool mem_ok;
};

sampler *sampler_new(platform *p) {
  sampler *s = xcalloc(1, sizeof *s);
  s->plat = p;
  s->hz = platform_clock_ticks_per_sec(p);
  s->self = platform_proc_open(p, platform_self_pid());
  if (!s->self) /* the one failure the platform does not log (a gone process is normal) */
    log_warn("collector: cannot open the server process %d: its figures will be null",
             platform_self_pid());
  s->refs = xcalloc(MAX_CHILDREN, sizeof *s->refs);
  s->context = context_new(p);
  s->trees = xcalloc(MAX_CHILDREN, sizeof *s->trees);
  s->orphans = tree_orphans_new(p);
  return s;
}

void sampler_free(sampler *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n_plugins; i++) {
    platform_proc_close(s->plugins[i].handle);
    platform_facts_close(s->plugins[i].facts.h);
    sampler_tree_free(s->plugins[i].tree);
  }
  free(s->plugins);
  free(s->refs);
  free(s->trees);
  tree_orphans_free(s->orphans);
  platform_proc_close(s->self);
  platform_facts_close(s->self_facts.h);
  context_free(s->context);
  free(s);
}

void sampler_set_workspace(sampler *s, const char *path) {
  context_set_workspace(s->context, path);
}

void sampler_set_child_provider(sampler *s, plugin_provider_fn fn, void *ctx) {
  s->provider = fn;
  s->provider_ctx = ctx;
}

/* The state of the plugin called name, created if new. The provider lists
 * plugins in the same order every tick, so index hint is tried first: a
 * tick stays linear in the number of plugins. */
static plugin_state *find_child(sampler *s, const char *name, size_t hint) {
  if (hint < s->n_plugins && strcmp(s->plugins[hint].name, name) == 0) return &s->plugins[hint];
  for (size_t i = 0; i < s->n_plugins; i++)
    if (strcmp(s->plugins[i].name, name) == 0) return &s->plugins[i];
  if (s->n_plugins == s->cap_plugins) {
    s->cap_plugins = s->cap_plugins ? s->cap_plugins * 2 : 8;
    s->plugins = xrealloc(s->plugins, s->cap_plugins * sizeof *s->plugins);
  }
  plugin_state *k = &s->plugins[s->n_plugins++];
  memset(k, 0, sizeof *k);
  hiro_strlcpy(k->name, name, sizeof k->name);
  k->tree = sampler_tree_new();
  k->down_prev = -1;
  return k;
}

static void forget_facts(facts_state *f) {
  platform_facts_close(f->h);
  memset(f, 0, sizeof *f);
}

/* Storage I/O rates (from the second reading of a process on: a real delta,
 * never a placeholder) and open descriptors of process pid into out. */
static void sample_facts(sampler *s, facts_state *f, int pid, double now, process_metrics *out) {
  if (!f->h) f->h = platform_facts_open(s->plat, pid);
  proc_facts pf;
  if (!f->h || platform_facts_read(f->h, &pf) != HIRO_OK) {
    forget_facts(f);
    return;
  }
  out->has_fds = pf.has_fds;
  out->open_fds = pf.open_fds;
  double elapsed = now - f->mono;
  if (pf.has_io) {
    out->io_read_bytes = pf.read_bytes;
    out->io_write_bytes = pf.write_bytes;
  }
  if (pf.has_io && f->primed && f->last.has_io && elapsed > 0) {
    out->has_io = true;
    out->io_read_bytes_per_sec = rate_per_sec(f->last.read_bytes, pf.read_bytes, elapsed);
    out->io_write_bytes_per_sec = rate_per_sec(f->last.write_bytes, pf.write_bytes, elapsed);
  }
  f->last = pf;
  f->mono = now;
  f->primed = true;
}

/* The process has not run since the last read (platform_proc_fresh is
 * false): its I/O counters and descriptors are as they were, and no I/O
 * happened in between, so the rates are 0 and the base time moves to now
 * (the next real delta then covers only the interval it happened in). */
static void reuse_facts(facts_state *f, double now, process_metrics *out) {
  out->has_fds = f->last.has_fds;
  out->open_fds = f->last.open_fds;
  if (f->last.has_io) {
    out->io_read_bytes = f->last.read_bytes;
    out->io_write_bytes = f->last.write_bytes;
    out->has_io = true;
    out->io_read_bytes_per_sec = out->io_write_bytes_per_sec = 0;
  }
  f->mono = now;
}

static void forget_handle(plugin_state *k) {
  platform_proc_close(k->handle);
  forget_facts(&k->facts);
  k->handle = NULL;
  k->primed = false;
}

/* Drop state for plugins the provider no longer lists. */
static void prune_children(sampler *s) {
  size_t w = 0;
  for (size_t i = 0; i < s->n_plugins; i++) {
    if (s->plugins[i].listed) {
      s->plugins[w++] = s->plugins[i];
    } else {
      platform_proc_close(s->plugins[i].handle);
      platform_facts_close(s->plugins[i].facts.h);
      sampler_tree_free(s->plugins[i].tree);
    }
  }
  s->n_plugins = w;
}

/* CPU % of a process seen for the first time: its average since it started.
 * That is a real measurement over a real interval, unlike psutil's 0.0. */
static double lifetime_cpu_percent(sampler *s, const proc_sample *ps) {
  double uptime;
  if (platform_uptime(s->plat, &uptime) != HIRO_OK || s->hz <= 0) return 0.0;
  double age = uptime - (double)ps->start_ticks / s->hz;
  if (age < 0.01) age = 0.01;
  return (double)ps->cpu_ns / 1e9 / age * 100.0;
}

/* The last interval of a plugin that exited since the last tick, exactly:
 * the manager read its CPU clock as a zombie and its rusage when reaping it.
 * cpu_percent covers the part of the interval it lived. */
static void account_exit(sampler *s, plugin_state *k, const plugin_ref *ref, process_metrics *out) {
  if (ref->exit_seq == k->exit_seen) return;
  k->exit_seen = ref->exit_seq;
  if (k->primed && ref->exit_cpu_ns >= k->last_cpu_ns) {
    double lived = ref->exit_mono - k->last_mono;
    out->has_cpu = true;
    out->cpu_seconds = (double)ref->exit_cpu_ns / 1e9;
    out->cpu_percent =
        rate_cpu_percent(k->last_cpu_ns, ref->exit_cpu_ns, 1e9, lived > 1e-3 ? lived : 1e-3);
  }
  out->has_tree_cpu = sampler_tree_final(k->tree, s->plat, ref, &out->tree);
  k->primed = false;
}

/* Read one plugin into out; returns whether it is alive. */
static bool sample_child(sampler *s, plugin_state *k, const plugin_ref *ref, size_t slot,
                         double now, double elapsed, process_metrics *out) {
  if (k->pid != ref->pid || k->start_ticks != ref->start_ticks) {
    forget_handle(k);
    k->pid = ref->pid;
    k->start_ticks = ref->start_ticks;
  }
  hiro_strlcpy(out->name, ref->name, sizeof out->name);
  out->pid = ref->pid;
  out->life = ref->life;
  out->down_seconds =
      k->down_prev >= 0 && ref->down_seconds > k->down_prev ? ref->down_seconds - k->down_prev : 0;
  k->down_prev = ref->down_seconds;
  if (!ref->running || ref->pid <= 0) {
    account_exit(s, k, ref, out);
    forget_handle(k);
    return false;
  }
  if (!k->handle) k->handle = platform_proc_open(s->plat, ref->pid);
  proc_sample ps;
  if (!k->handle || platform_proc_read(k->handle, &ps) != HIRO_OK ||
      (ref->start_ticks && ps.start_ticks != ref->start_ticks)) {
    /* Exited, or the PID now belongs to an unrelated process. */
    forget_handle(k);
    return false;
  }
  /* A restart between two ticks: the new life starts its own counters. */
  k->exit_seen = ref->exit_seq;
  out->has_cpu = out->has_memory = true;
  out->cpu_percent = k->primed ? rate_cpu_percent(k->last_cpu_ns, ps.cpu_ns, 1e9, elapsed)
                               : lifetime_cpu_percent(s, &ps);
  out->rss_bytes = ps.rss_bytes;
  out->vms_bytes = ps.vms_bytes;
  out->num_threads = ps.num_threads;
  out->cpu_seconds = (double)ps.cpu_ns / 1e9;
  if (k->facts.h && k->facts.primed && !platform_proc_fresh(k->handle))
    reuse_facts(&k->facts, now, out);
  else
    sample_facts(s, &k->facts, ref->pid, now, out);
  k->last_cpu_ns = ps.cpu_ns;
  k->last_mono = now;
  k->primed = true;
  out->has_tree = out->has_tree_cpu =
      sampler_tree_take(k->tree, s->plat, ref, s->orphans, slot, now, &ps, &out->tree);
  return true;
}

/* Step 2: plugins from the provider, each with its whole tree. */
static void sample_children(sampler *s, double now, double elapsed, metrics_snapshot *out) {
  size_t n = s->provider ? s->provider(s->provider_ctx, s->refs, MAX_CHILDREN) : 0;
  if (n > MAX_CHILDREN) n = MAX_CHILDREN;
  for (size_t i = 0; i < s->n_plugins; i++) s->plugins[i].listed = false;
  snapshot_set_children(out, n); /* reuses the previous tick's array */
  bool walk = false;
  for (size_t i = 0; i < n; i++) {
    plugin_state *k = find_child(s, s->refs[i].name, i);
    k->listed = true;
    s->trees[i] = k->tree;
    walk |= s->refs[i].running && !s->refs[i].cgroup;
  }
  /* Orphans the server adopted matter only to trees tracked by the walk. */
  if (walk) tree_orphans_scan(s->orphans, s->refs, s->trees, n);
  for (size_t i = 0; i < n; i++) {
    const plugin_ref *ref = &s->refs[i];
    plugin_state *k = find_child(s, ref->name, i);
    out->children[i].alive = sample_child(s, k, ref, i, now, elapsed, &out->children[i]);
  }
  prune_children(s);
}

/* Step 1: the server process itself. */
static void sample_self(sampler *s, double elapsed, metrics_snapshot *out) {
  proc_sample ps;
  hiro_err err = s->self ? platform_proc_read(s->self, &ps) : HIRO_ENOENT;
  if (err != HIRO_OK) {
    out->has_process = false;
    return;
  }
  out->has_process = s->self_ok;
  out->process.pid = platform_proc_pid(s->self);
  out->process.alive = true;
  out->process.has_cpu = out->process.has_memory = true;
  out->process.cpu_percent = rate_cpu_percent(s->self_cpu_ns, ps.cpu_ns, 1e9, elapsed);
  out->process.rss_bytes = ps.rss_bytes;
  out->process.vms_bytes = ps.vms_bytes;
  out->process.num_threads = ps.num_threads;
  out->process.cpu_seconds = (double)ps.cpu_ns / 1e9;
  sample_facts(s, &s->self_facts, out->process.pid, clock_mono(), &out->process);
  s->self_cpu_ns = ps.cpu_ns;
  s->self_ok = true;
}

/* Step 3: system CPU and memory. */
static void sample_system(sampler *s, metrics_snapshot *out) {
  cpu_times ct;
  hiro_err err = platform_read_cpu(s->plat, &ct);
  if (err == HIRO_OK) {
    out->cpu.percent = rate_busy_percent(s->cpu_prev.busy, s->cpu_prev.total, ct.busy, ct.total);
    s->cpu_prev = ct;
  }
  out->cpu.count = platform_cpu_count(s->plat);

  mem_info mi = {0};
  err = platform_read_memory(s->plat, &mi);
  s->mem_ok = err == HIRO_OK;
  s->mem = mi;
  if (err == HIRO_OK && mi.total_bytes) {
    out->memory.total_bytes = mi.total_bytes;
    out->memory.available_bytes = mi.available_bytes;
    uint64_t used = mi.total_bytes > mi.available_bytes ? mi.total_bytes - mi.available_bytes : 0;
    out->memory.percent = (double)used / (double)mi.total_bytes * 100.0;
  }
}

void sampler_prime(sampler *s) {
  metrics_snapshot scratch = {0};
  s->self_ok = false;
  for (size_t i = 0; i < s->n_plugins; i++) {
    s->plugins[i].primed = false;
    s->plugins[i].down_prev = -1;
    sampler_tree_unprime(s->plugins[i].tree);
  }
  s->prev_mono = clock_mono();
  /* A take with no usable "previous" values: it only records counters. */
  sample_self(s, 0, &scratch);
  sample_children(s, s->prev_mono, 0, &scratch);
  sample_system(s, &scratch);
  context_take(s->context, 0, s->mem_ok ? &s->mem : NULL, &scratch);
  snapshot_free(&scratch);
}

void sampler_take(sampler *s, metrics_snapshot *out) {
  double now = clock_mono();
  double elapsed = now - s->prev_mono;
  s->prev_mono = now;
  /* Milliseconds: what JSON and the database keep, so a timestamp read from
   * a response can be used as an exact from/to bound. */
  out->timestamp = round(clock_wall() * 1000.0) / 1000.0;
  memset(&out->counters, 0, sizeof out->counters);
  /* What every rate of this snapshot was divided by: rate x interval gives
   * back the bytes (or CPU time) exactly, whatever the interval was. */
  out->sampling.interval_seconds = elapsed;
  sample_self(s, elapsed, out);
  sample_children(s, now, elapsed, out);
  sample_system(s, out);
  context_take(s->context, elapsed, s->mem_ok ? &s->mem : NULL, out);
}
