/* trees.c - plugin process trees: cgroup v2 groups or the /proc walk, whole
 * tree signals, and the workspace record of what a run owns.
 *
 * The record (TREES_RECORD_MAGIC, then "server PID START", "cgroup DIR" and,
 * in the walk mode, "proc PID START" lines) is written atomically when a run
 * starts and, in the walk mode, whenever the set of descendants changed; a
 * clean stop removes it. A record found at start-up therefore means the last
 * run was killed: its groups are emptied with cgroup.kill and removed, and
 * every listed process whose start time still matches is SIGKILLed. */
#define _GNU_SOURCE
#include "server/trees.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"

#define TREES_RECORD_MAGIC "hiro-plugin-trees 1"
/* Descendants the walk follows; a tree larger than this is cut (logged). */
#define MAX_WALK 4096

struct plugin_trees {
  platform *plat;
  size_t n;
  char **names;     /* owned copies */
  char **groups;    /* per plugin: group directory, NULL in the walk mode */
  char *run_group;  /* the run's parent group, NULL in the walk mode */
  char *state_path; /* NULL = no record */
  int self_pid;
  uint64_t self_start;
  /* Walk mode: the descendants last written to the record. */
  int *recorded_pid;
  uint64_t *recorded_start;
  size_t n_recorded;
  bool warned_cut;
  bool record_ours; /* this run wrote the record (the previous one was dealt with) */
};

/* A group name from a plugin name: [A-Za-z0-9_.-] kept, the rest '_'. */
static void group_name(char *out, size_t n, size_t index, const char *name) {
  int len = snprintf(out, n, "%zu-", index);
  size_t k = len > 0 ? (size_t)len : 0;
  for (const char *p = name; *p && k + 1 < n && k < 48; p++) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    out[k++] = ok ? c : '_';
  }
  out[k] = '\0';
}

/* Remove the empty groups of runs whose server is gone (one that was
 * SIGKILLed without a workspace record, e.g. in a test). Groups that still
 * hold processes are left to the record of their own workspace. */
static void remove_stale_groups(const char *base) {
  DIR *dir = opendir(base);
  if (!dir) return;
  struct dirent *e;
  while ((e = readdir(dir))) {
    int pid;
    char rest;
    if (sscanf(e->d_name, "hiro.%d%c", &pid, &rest) != 1 || pid <= 0) continue;
    if (kill(pid, 0) == 0 || errno != ESRCH) continue;
    char run[4400];
    snprintf(run, sizeof run, "%s/%s", base, e->d_name);
    DIR *sub = opendir(run);
    struct dirent *leaf;
    while (sub && (leaf = readdir(sub))) {
      if (leaf->d_type != DT_DIR || leaf->d_name[0] == '.') continue;
      char path[4700];
      snprintf(path, sizeof path, "%s/%s", run, leaf->d_name);
      platform_cgroup_remove(path);
    }
    if (sub) closedir(sub);
    platform_cgroup_remove(run);
  }
  closedir(dir);
}

static bool setup_groups(plugin_trees *t) {
  char base[4096], why[512];
  if (!platform_cgroup_base(base, sizeof base, why, sizeof why)) {
    log_info("channels: plugin trees tracked by walking /proc (no cgroup: %s)", why);
    return false;
  }
  remove_stale_groups(base);
  char run[4300];
  snprintf(run, sizeof run, "%s/hiro.%d", base, t->self_pid);
  if (platform_cgroup_create(run) != HIRO_OK) {
    log_info("channels: plugin trees tracked by walking /proc (cannot create %s: %s)", run,
             strerror(errno));
    return false;
  }
  t->run_group = xstrdup(run);
  for (size_t i = 0; i < t->n; i++) {
    char leaf[64], dir[4400];
    group_name(leaf, sizeof leaf, i, t->names[i]);
    snprintf(dir, sizeof dir, "%s/%s", run, leaf);
    if (platform_cgroup_create(dir) != HIRO_OK) {
      log_warn("channels: cannot create %s (%s); plugin trees tracked by walking /proc", dir,
               strerror(errno));
      for (size_t k = 0; k < i; k++) platform_cgroup_remove(t->groups[k]);
      platform_cgroup_remove(run);
      for (size_t k = 0; k < i; k++) {
        free(t->groups[k]);
        t->groups[k] = NULL;
      }
      free(t->run_group);
      t->run_group = NULL;
      return false;
    }
    t->groups[i] = xstrdup(dir);
  }
  log_info("channels: plugin trees tracked with cgroup v2 groups under %s", run);
  return true;
}

plugin_trees *trees_new(platform *plat, const char *const *names, size_t n, const char *state_path,
                        bool use_cgroups) {
  plugin_trees *t = xcalloc(1, sizeof *t);
  t->plat = plat;
  t->n = n;
  t->names = xcalloc(n ? n : 1, sizeof *t->names);
  t->groups = xcalloc(n ? n : 1, sizeof *t->groups);
  for (size_t i = 0; i < n; i++) t->names[i] = xstrdup(names[i]);
  t->state_path = state_path ? xstrdup(state_path) : NULL;
  t->self_pid = (int)getpid();
  if (platform_pid_identity(plat, t->self_pid, NULL, &t->self_start) != HIRO_OK) t->self_start = 0;
  if (use_cgroups && n > 0) setup_groups(t);
  return t;
}

const char *trees_mode(const plugin_trees *t) { return t->run_group ? "cgroup" : "proc-walk"; }

const char *trees_cgroup(const plugin_trees *t, size_t i) { return i < t->n ? t->groups[i] : NULL; }

int trees_join_fd(plugin_trees *t, size_t i) {
  return i < t->n && t->groups[i] ? platform_cgroup_open_procs(t->groups[i]) : -1;
}

/* ---- the walk ---- */

/* Every descendant of root (not root itself), breadth first, into out. */
static size_t walk_descendants(plugin_trees *t, int root, int *out, size_t max) {
  size_t n = platform_pid_children(t->plat, root, out, max);
  for (size_t i = 0; i < n && n < max; i++)
    n += platform_pid_children(t->plat, out[i], out + n, max - n);
  if (n >= max && !t->warned_cut) {
    t->warned_cut = true;
    log_warn("channels: more than %d descendants; the walk stops there", MAX_WALK);
  }
  return n;
}

static void signal_subtree(plugin_trees *t, int root, int sig, int *buf) {
  kill(root, sig);
  size_t n = walk_descendants(t, root, buf, MAX_WALK);
  for (size_t i = 0; i < n; i++) kill(buf[i], sig);
}

void trees_signal_plugin(plugin_trees *t, size_t i, int sig) {
  if (i >= t->n) return;
  if (t->groups[i]) {
    if (sig == SIGKILL)
      platform_cgroup_kill(t->groups[i]);
    else
      platform_cgroup_signal(t->groups[i], sig);
    return;
  }
  /* The plugin has exited, so its children are ours now: the direct children
   * that carry its name in their environment (and their descendants). */
  int *children = xmalloc(MAX_WALK * sizeof *children), *buf = xmalloc(MAX_WALK * sizeof *buf);
  size_t n = platform_pid_children(t->plat, t->self_pid, children, MAX_WALK);
  for (size_t k = 0; k < n; k++) {
    char owner[HIRO_NAME_MAX];
    if (platform_proc_getenv(t->plat, children[k], TREES_ENV_PLUGIN, owner, sizeof owner) &&
        strcmp(owner, t->names[i]) == 0)
      signal_subtree(t, children[k], sig, buf);
  }
  free(children);
  free(buf);
}

void trees_signal_all(plugin_trees *t, int sig) {
  for (size_t i = 0; i < t->n; i++) {
    if (!t->groups[i]) continue;
    if (sig == SIGKILL)
      platform_cgroup_kill(t->groups[i]);
    else
      platform_cgroup_signal(t->groups[i], sig);
  }
  /* Also every descendant of the server: the subreaper made each orphan ours,
   * so a setsid or double-forked process is found here too. */
  int *all = xmalloc(MAX_WALK * sizeof *all);
  size_t n = walk_descendants(t, t->self_pid, all, MAX_WALK);
  for (size_t k = 0; k < n; k++) kill(all[k], sig);
  free(all);
}

bool trees_all_empty(plugin_trees *t) {
  for (size_t i = 0; i < t->n; i++)
    if (t->groups[i] && !platform_cgroup_empty(t->groups[i])) return false;
  int one;
  return platform_pid_children(t->plat, t->self_pid, &one, 1) == 0;
}

/* ---- the record ---- */

static void write_record(plugin_trees *t, const int *pids, const uint64_t *starts, size_t n) {
  if (!t->state_path) return;
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", t->state_path);
  FILE *f = fopen(tmp, "we");
  if (!f) {
    log_warn("channels: cannot write %s: %s", tmp, strerror(errno));
    return;
  }
  fprintf(f, "%s\nserver %d %llu\n", TREES_RECORD_MAGIC, t->self_pid,
          (unsigned long long)t->self_start);
  if (t->run_group) fprintf(f, "cgroup %s\n", t->run_group);
  for (size_t i = 0; i < t->n; i++)
    if (t->groups[i]) fprintf(f, "cgroup %s\n", t->groups[i]);
  for (size_t i = 0; i < n; i++)
    fprintf(f, "proc %d %llu\n", pids[i], (unsigned long long)starts[i]);
  t->record_ours = true;
  bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
  ok = fclose(f) == 0 && ok;
  if (!ok || rename(tmp, t->state_path) != 0) {
    log_warn("channels: cannot write %s: %s", t->state_path, strerror(errno));
    unlink(tmp);
  }
}

void trees_record_members(plugin_trees *t) {
  if (!t->state_path || t->run_group) return;
  int *pids = xmalloc(MAX_WALK * sizeof *pids);
  uint64_t *starts = xmalloc(MAX_WALK * sizeof *starts);
  size_t n = walk_descendants(t, t->self_pid, pids, MAX_WALK), k = 0;
  for (size_t i = 0; i < n; i++)
    if (platform_pid_identity(t->plat, pids[i], NULL, &starts[k]) == HIRO_OK) pids[k++] = pids[i];
  bool same = k == t->n_recorded;
  for (size_t i = 0; i < k && same; i++) {
    bool found = false;
    for (size_t j = 0; j < t->n_recorded && !found; j++)
      found = t->recorded_pid[j] == pids[i] && t->recorded_start[j] == starts[i];
    same = found;
  }
  if (!same) {
    write_record(t, pids, starts, k);
    free(t->recorded_pid);
    free(t->recorded_start);
    t->recorded_pid = pids;
    t->recorded_start = starts;
    t->n_recorded = k;
    return;
  }
  free(pids);
  free(starts);
}

/* Empty and remove a group the previous run left; returns how many
 * processes it held. */
static size_t kill_group(const char *dir) {
  int pids[1024];
  size_t n = platform_cgroup_pids(dir, pids, HIRO_ARRAY_LEN(pids));
  if (n == 0) {
    platform_cgroup_remove(dir);
    return 0;
  }
  platform_cgroup_kill(dir);
  for (double deadline = clock_mono() + 2.0; clock_mono() < deadline;) {
    if (platform_cgroup_empty(dir)) break;
    platform_cgroup_kill(dir);
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  platform_cgroup_remove(dir);
  return n;
}

size_t trees_clean_previous(plugin_trees *t, event_sink_fn sink, void *ctx, double now) {
  size_t killed = 0;
  FILE *f = t->state_path ? fopen(t->state_path, "re") : NULL;
  if (f) {
    char line[4400];
    int old_pid = 0;
    /* Group lines come parent first: remove children first, so collect. */
    char *groups[256];
    size_t n_groups = 0;
    bool valid = fgets(line, sizeof line, f) && strncmp(line, TREES_RECORD_MAGIC, 19) == 0;
    while (valid && fgets(line, sizeof line, f)) {
      line[strcspn(line, "\n")] = '\0';
      int pid;
      unsigned long long start;
      if (sscanf(line, "server %d %llu", &pid, &start) == 2) {
        old_pid = pid;
      } else if (strncmp(line, "cgroup /", 8) == 0 && n_groups < HIRO_ARRAY_LEN(groups)) {
        groups[n_groups++] = xstrdup(line + 7);
      } else if (sscanf(line, "proc %d %llu", &pid, &start) == 2 && pid > 1) {
        uint64_t now_start;
        if (platform_pid_identity(t->plat, pid, NULL, &now_start) == HIRO_OK &&
            now_start == start && kill(pid, SIGKILL) == 0)
          killed++;
      }
    }
    fclose(f);
    for (size_t i = n_groups; i-- > 0;) {
      killed += kill_group(groups[i]);
      free(groups[i]);
    }
    if (valid) log_warn("channels: the previous server run (pid %d) did not stop cleanly", old_pid);
    if (sink && valid) {
      hiro_event e;
      event_init(&e, EVENT_SERVER_CRASHED, now, "server", old_pid);
      snprintf(e.detail, sizeof e.detail, "the previous server run (pid %d) did not stop cleanly",
               old_pid);
      sink(ctx, &e);
    }
    if (sink && killed) {
      hiro_event e;
      event_init(&e, EVENT_SURVIVORS_KILLED, now, "server", old_pid);
      snprintf(e.detail, sizeof e.detail,
               "killed %zu plugin process%s left running by the previous server run (pid %d)",
               killed, killed == 1 ? "" : "es", old_pid);
      sink(ctx, &e);
    }
    if (killed)
      log_warn("channels: killed %zu plugin process%s left by the previous run (pid %d)", killed,
               killed == 1 ? "" : "es", old_pid);
  }
  write_record(t, NULL, NULL, 0);
  return killed;
}

void trees_free(plugin_trees *t) {
  if (!t) return;
  /* A record is a promise to the next start: keep it while anything lives. */
  bool empty = trees_all_empty(t);
  for (size_t i = 0; i < t->n; i++) {
    if (t->groups[i] && platform_cgroup_remove(t->groups[i]) != HIRO_OK)
      log_warn("channels: cannot remove %s: %s", t->groups[i], strerror(errno));
    free(t->groups[i]);
    free(t->names[i]);
  }
  if (t->run_group) platform_cgroup_remove(t->run_group);
  if (t->state_path && empty && t->record_ours) unlink(t->state_path);
  free(t->run_group);
  free(t->groups);
  free(t->names);
  free(t->state_path);
  free(t->recorded_pid);
  free(t->recorded_start);
  free(t);
}
