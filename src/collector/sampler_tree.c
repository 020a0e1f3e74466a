/* sampler_tree.c - a plugin's whole process tree per tick: members, CPU
 * (exited descendants included), RSS, threads, process count. */
#include "collector/sampler_tree.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"

/* Members followed per tree; a larger tree is cut (its figures are then a
 * lower bound). */
#define MAX_MEMBERS 1024

typedef struct {
  int pid;
  uint64_t start_ticks;
  platform_member *h;
  bool seen; /* met in this tick's walk */
} member;

struct sampler_tree {
  member *m;
  size_t n, cap;
  int *frontier; /* MAX_MEMBERS pids: this tick's walk */
  platform_cgroup *cg;
  const char *cg_path; /* the plugin_ref.cgroup cg was opened for */
  bool primed;         /* counter_ns and last_mono hold a real reading */
  double last_mono;
  uint64_t counter_ns; /* published tree CPU: monotonic over every life */
  /* Walk mode: CPU of the lives that ended, the current life's members at
   * the last take, and the plugin process's own share of that. */
  uint64_t base_ns, life_ns, plugin_ns;
  int life_pid;
  uint64_t life_start;
  unsigned exit_seen; /* plugin_ref.exit_seq already accounted */
};

struct tree_orphans {
  platform *plat;
  int self;
  platform_member *self_h; /* the server: its main thread's children list */
  int *pids;               /* this tick's adopted orphans */
  int *owner;              /* plugin index of each, -1 = unknown */
  size_t n;
  /* Attributions by environment, remembered per (pid, start). */
  struct {
    int pid;
    uint64_t start;
    char name[HIRO_NAME_MAX];
  } * env;
  size_t n_env, cap_env;
};

sampler_tree *sampler_tree_new(void) {
  sampler_tree *t = xcalloc(1, sizeof *t);
  t->frontier = xmalloc(MAX_MEMBERS * sizeof *t->frontier);
  return t;
}

static void drop_members(sampler_tree *t) {
  for (size_t i = 0; i < t->n; i++) platform_member_close(t->m[i].h);
  t->n = 0;
}

void sampler_tree_free(sampler_tree *t) {
  if (!t) return;
  drop_members(t);
  free(t->m);
  free(t->frontier);
  platform_cgroup_close(t->cg);
  free(t);
}

void sampler_tree_unprime(sampler_tree *t) {
  drop_members(t);
  t->primed = false;
}

/* The member for pid (opening a handle when new); NULL when it is gone. */
static member *member_get(sampler_tree *t, platform *plat, int pid) {
  for (size_t i = 0; i < t->n; i++)
    if (t->m[i].pid == pid) return &t->m[i];
  platform_member *h = platform_member_open(plat, pid);
  if (!h) return NULL;
  if (t->n == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 8;
    t->m = xrealloc(t->m, t->cap * sizeof *t->m);
  }
  member *m = &t->m[t->n++];
  *m = (member){.pid = pid, .start_ticks = platform_member_start_ticks(h), .h = h};
  return m;
}

/* Close the members this tick did not meet (exited, or left the tree). */
static void prune(sampler_tree *t) {
  size_t w = 0;
  for (size_t i = 0; i < t->n; i++) {
    if (t->m[i].seen)
      t->m[w++] = t->m[i];
    else
      platform_member_close(t->m[i].h);
  }
  t->n = w;
}

/* Read member pid into ms; returns it, or NULL when it is gone. */
static member *read_member(sampler_tree *t, platform *plat, int pid, int what, member_sample *ms) {
  member *m = member_get(t, plat, pid);
  if (!m) return NULL;
  if (platform_member_read(m->h, what, ms) != HIRO_OK) {
    /* Exited, or the pid is a new process: start over with a fresh handle. */
    platform_member_close(m->h);
    *m = t->m[--t->n];
    m = member_get(t, plat, pid);
    if (!m || platform_member_read(m->h, what, ms) != HIRO_OK) return NULL;
  }
  m->seen = true;
  return m;
}

static void add_sample(process_tree *out, const member_sample *ms) {
  if (ms->zombie) return;
  out->rss_bytes += ms->rss_bytes;
  out->num_threads += ms->num_threads;
  out->processes++;
}

/* Publish counter as tree.cpu_seconds and its rate since the last take. */
static void publish(sampler_tree *t, uint64_t counter, double now, double since,
                    process_tree *out) {
  if (counter < t->counter_ns) counter = t->counter_ns; /* a counter never goes back */
  double elapsed = now - since;
  out->cpu_percent =
      t->primed && elapsed > 0 ? (double)(counter - t->counter_ns) / 1e9 / elapsed * 100.0 : 0;
  t->counter_ns = counter;
  out->cpu_seconds = (double)counter / 1e9;
}

/* Walk mode: the rest of a life that ended since the last take. */
static void close_life(sampler_tree *t, const plugin_ref *ref) {
  uint64_t others = t->life_ns > t->plugin_ns ? t->life_ns - t->plugin_ns : 0;
  uint64_t total = ref->exit_tree_cpu_ns + others;
  t->base_ns += total > t->life_ns ? total : t->life_ns;
  t->life_ns = t->plugin_ns = 0;
  t->exit_seen = ref->exit_seq;
  drop_members(t);
}

/* The plugin process's own RSS and threads, read by the sampler already. */
static void add_self(process_tree *out, const proc_sample *self) {
  out->rss_bytes += self->rss_bytes;
  out->num_threads += self->num_threads;
  out->processes++;
}

static bool take_walk(sampler_tree *t, platform *plat, const plugin_ref *ref, const tree_orphans *o,
                      size_t idx, const proc_sample *self, process_tree *out, uint64_t *counter) {
  if (ref->pid != t->life_pid || ref->start_ticks != t->life_start) {
    if (t->life_pid && ref->exit_seq != t->exit_seen)
      close_life(t, ref);
    else
      drop_members(t);
    t->life_pid = ref->pid;
    t->life_start = ref->start_ticks;
    t->exit_seen = ref->exit_seq;
  }
  for (size_t i = 0; i < t->n; i++) t->m[i].seen = false;
  size_t n = 0;
  t->frontier[n++] = ref->pid;
  for (size_t k = 0; o && k < o->n && n < MAX_MEMBERS; k++)
    if (o->owner[k] == (int)idx) t->frontier[n++] = o->pids[k];
  uint64_t total = 0;
  bool any = false;
  for (size_t k = 0; k < n; k++) {
    member_sample ms;
    /* The plugin itself: only its stat (CPU of what it reaped, its list). */
    member *m = read_member(t, plat, t->frontier[k], k ? MEMBER_READ_ALL : MEMBER_READ_CPU, &ms);
    if (!m) continue;
    if (k == 0 && ms.start_ticks != ref->start_ticks && ref->start_ticks) return false;
    uint64_t mine = ms.cpu_ns + ms.children_cpu_ns;
    if (k == 0) t->plugin_ns = mine;
    total += mine;
    any = true;
    if (k == 0)
      add_self(out, self);
    else
      add_sample(out, &ms);
    size_t kids = 0;
    if (n < MAX_MEMBERS && platform_member_children(m->h, ms.num_threads, t->frontier + n,
                                                    MAX_MEMBERS - n, &kids) == HIRO_OK)
      n += kids;
  }
  prune(t);
  if (!any) return false;
  t->life_ns = total;
  *counter = t->base_ns + total;
  return true;
}

static bool take_cgroup(sampler_tree *t, platform *plat, const plugin_ref *ref,
                        const proc_sample *self, process_tree *out, uint64_t *counter) {
  if (t->cg_path != ref->cgroup) {
    platform_cgroup_close(t->cg);
    t->cg = platform_cgroup_open(ref->cgroup);
    t->cg_path = ref->cgroup;
  }
  size_t n = 0;
  if (!t->cg || platform_cgroup_read(t->cg, counter, t->frontier, MAX_MEMBERS, &n) != HIRO_OK)
    return false;
  for (size_t i = 0; i < t->n; i++) t->m[i].seen = false;
  for (size_t k = 0; k < n; k++) {
    member_sample ms;
    if (t->frontier[k] == ref->pid)
      add_self(out, self);
    else if (read_member(t, plat, t->frontier[k], MEMBER_READ_MEMORY, &ms))
      add_sample(out, &ms);
  }
  prune(t);
  return true;
}

bool sampler_tree_take(sampler_tree *t, platform *plat, const plugin_ref *ref,
                       const tree_orphans *o, size_t i, double now, const proc_sample *self,
                       process_tree *out) {
  memset(out, 0, sizeof *out);
  uint64_t counter = 0;
  bool ok = ref->cgroup ? take_cgroup(t, plat, ref, self, out, &counter)
                        : take_walk(t, plat, ref, o, i, self, out, &counter);
  if (!ok) return false;
  t->exit_seen = ref->exit_seq;
  publish(t, counter, now, t->last_mono, out);
  t->primed = true;
  t->last_mono = now;
  return true;
}

bool sampler_tree_final(sampler_tree *t, platform *plat, const plugin_ref *ref, process_tree *out) {
  memset(out, 0, sizeof *out);
  if (!t->primed || ref->exit_seq == t->exit_seen) return false;
  uint64_t counter = t->counter_ns;
  if (ref->cgroup) {
    size_t n = 0;
    if (!t->cg || platform_cgroup_read(t->cg, &counter, t->frontier, MAX_MEMBERS, &n) != HIRO_OK)
      counter = t->counter_ns;
    t->exit_seen = ref->exit_seq;
  } else {
    close_life(t, ref);
    counter = t->base_ns;
    t->life_pid = 0;
  }
  /* Over the part of the interval the plugin lived. */
  double exit_at = ref->exit_mono > t->last_mono ? ref->exit_mono : t->last_mono + 1e-3;
  publish(t, counter, exit_at, t->last_mono, out);
  t->last_mono = exit_at;
  drop_members(t);
  (void)plat;
  return true;
}

/* ---- orphans adopted by the server ---- */

tree_orphans *tree_orphans_new(platform *plat) {
  tree_orphans *o = xcalloc(1, sizeof *o);
  o->plat = plat;
  o->self = (int)getpid();
  o->self_h = platform_member_open(plat, o->self);
  o->pids = xmalloc(MAX_MEMBERS * sizeof *o->pids);
  o->owner = xmalloc(MAX_MEMBERS * sizeof *o->owner);
  return o;
}

void tree_orphans_free(tree_orphans *o) {
  if (!o) return;
  platform_member_close(o->self_h);
  free(o->pids);
  free(o->owner);
  free(o->env);
  free(o);
}

static bool tree_has(const sampler_tree *t, int pid) {
  for (size_t i = 0; t && i < t->n; i++)
    if (t->m[i].pid == pid) return true;
  return false;
}

/* The plugin named by pid's environment, remembered by (pid, start). */
static const char *env_owner(tree_orphans *o, int pid) {
  int ppid;
  uint64_t start;
  if (platform_pid_identity(o->plat, pid, &ppid, &start) != HIRO_OK) return NULL;
  for (size_t i = 0; i < o->n_env; i++)
    if (o->env[i].pid == pid) {
      if (o->env[i].start == start) return o->env[i].name[0] ? o->env[i].name : NULL;
      o->env[i] = o->env[--o->n_env]; /* a reused pid */
      break;
    }
  if (o->n_env == o->cap_env) {
    o->cap_env = o->cap_env ? 2 * o->cap_env : 16;
    o->env = xrealloc(o->env, o->cap_env * sizeof *o->env);
  }
  size_t k = o->n_env++;
  o->env[k].pid = pid;
  o->env[k].start = start;
  if (!platform_proc_getenv(o->plat, pid, "HIRO_PLUGIN_NAME", o->env[k].name,
                            sizeof o->env[k].name))
    o->env[k].name[0] = '\0';
  return o->env[k].name[0] ? o->env[k].name : NULL;
}

void tree_orphans_scan(tree_orphans *o, const plugin_ref *refs, sampler_tree *const *trees,
                       size_t n) {
  /* A subreaper's adopted orphans become children of its first live thread,
   * the main thread: one kept children list (0.5-1 us), not every thread's. */
  int kids[MAX_MEMBERS];
  size_t nk = 0;
  if (!o->self_h || platform_member_children(o->self_h, 1, kids, MAX_MEMBERS, &nk) != HIRO_OK)
    nk = 0;
  o->n = 0;
  for (size_t k = 0; k < nk; k++) {
    bool plugin = false;
    for (size_t i = 0; i < n && !plugin; i++) plugin = refs[i].running && refs[i].pid == kids[k];
    if (plugin) continue;
    int owner = -1;
    for (size_t i = 0; i < n && owner < 0; i++)
      if (!refs[i].cgroup && tree_has(trees[i], kids[k])) owner = (int)i;
    if (owner < 0) {
      const char *name = env_owner(o, kids[k]);
      for (size_t i = 0; name && i < n && owner < 0; i++)
        if (strcmp(refs[i].name, name) == 0) owner = (int)i;
    }
    o->pids[o->n] = kids[k];
    o->owner[o->n++] = owner;
  }
  /* Forget environment attributions of processes that are gone. */
  size_t w = 0;
  for (size_t i = 0; i < o->n_env; i++) {
    bool present = false;
    for (size_t k = 0; k < o->n && !present; k++) present = o->pids[k] == o->env[i].pid;
    if (present) o->env[w++] = o->env[i];
  }
  o->n_env = w;
}
