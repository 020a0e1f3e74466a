/* plugins.c - the plugin manager: one thread spawns, watches (one pidfd per
 * plugin, a signalfd for adopted orphans), reaps, restarts and finally stops
 * the channel plugins and everything they started. */
#define _GNU_SOURCE /* pipe2, execvpe */
#include "server/plugins.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "platform/platform.h"
#include "server/plugin_env.h"
#include "server/trees.h"
#include "server/plugin_output.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Without pidfds (kernel < 5.3, valgrind) plugins are checked this often. */
#define NO_PIDFD_POLL_MS 250
/* Without a SIGCHLD signalfd, adopted orphans are reaped this often. */
#define NO_SIGCHLD_POLL_MS 1000
/* Walk mode: the workspace record of the descendants is refreshed this often,
 * and every RECORD_SOON_MS during the first RECORD_SOON_FOR_S after a spawn
 * (when a plugin typically starts its workers). */
#define RECORD_INTERVAL_MS 10000
#define RECORD_SOON_MS 500
#define RECORD_SOON_FOR_S 10.0

/* One plugin. The configuration part is immutable after plugins_new. The
 * state part is written only by the manager thread, under ch->lock, so the
 * manager may read it without the lock and everyone else reads it with it. */
typedef struct {
  char name[HIRO_NAME_MAX];
  char **argv; /* owned, NULL-terminated */
  bool restart;

  pid_t pid; /* last known; 0 = never started */
  int pidfd; /* -1 unless running */
  bool running;
  uint64_t start_ticks;
  unsigned spawns;
  int last_exit;     /* exit code, 128 + signal, or -1 */
  double started_at; /* clock_mono() of the last spawn attempt */
  double next_start; /* clock_mono() of the next spawn; < 0 = none pending */
  double backoff;    /* delay the next restart will wait */
  /* The last exit, as the collector accounts it (see plugin_ref). */
  unsigned exit_seq;
  uint64_t exit_cpu_ns, exit_tree_cpu_ns;
  double exit_mono, exit_wall;
  int exit_code, exit_signal; /* -1 / 0 when not applicable */
  double started_wall;        /* clock_wall() of the last successful spawn */
  double down_total;          /* seconds not running, up to down_since */
  double down_since;          /* clock_mono() it went down; < 0 while running */
} plugin;

struct plugin_manager {
  pthread_mutex_t lock;      /* guards plugin state and the flags below */
  pthread_cond_t cond;       /* signals initial_done */
  pthread_mutex_t stop_lock; /* serialises plugins_stop callers */
  plugin *plugins;
  size_t n;
  plugins_options opt;
  platform *plat; /* private: platform handles are single-threaded */
  int wake_fd;    /* eventfd: plugins_stop wakes the manager's poll */
  int sigchld_fd; /* signalfd for SIGCHLD (adopted orphans), -1 = poll */
  plugin_trees *trees;
  char *state_path;
  pthread_t thread;
  bool started, initial_done, stop_requested, joined;
  bool warned_no_pidfd; /* pidfd_open failed once: logged, polling instead */
  double last_spawn;    /* clock_mono() of the last successful spawn (manager only) */
};

void plugins_options_default(plugins_options *opt) {
  opt->log_fd = -1;
  opt->statsd_socket = NULL;
  opt->statsd_udp_port = 0;
  opt->output = NULL;
  opt->grace_seconds = 3.0;
  opt->backoff_initial = 0.5;
  opt->backoff_max = 30.0;
  opt->backoff_reset = 60.0;
  opt->state_path = NULL;
  opt->use_cgroups = true;
  opt->on_event = NULL;
  opt->event_ctx = NULL;
}

static char **argv_copy(char *const *argv) {
  size_t n = 0;
  while (argv[n]) n++;
  char **copy = xcalloc(n + 1, sizeof *copy);
  for (size_t i = 0; i < n; i++) copy[i] = xstrdup(argv[i]);
  return copy;
}

static void argv_free(char **argv) {
  if (!argv) return;
  for (size_t i = 0; argv[i]; i++) free(argv[i]);
  free(argv);
}

static bool config_is_valid(const channel_config *cfg, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!cfg[i].name[0] || !cfg[i].argv || !cfg[i].argv[0] || !cfg[i].argv[0][0]) {
      log_error("channel %zu ('%s'): empty name or command", i, cfg[i].name);
      return false;
    }
    for (size_t j = 0; j < i; j++) {
      if (strcmp(cfg[i].name, cfg[j].name) == 0) {
        log_error("channel %s: configured twice", cfg[i].name);
        return false;
      }
    }
  }
  return true;
}

plugin_manager *plugins_new(const channel_config *cfg, size_t n, const plugins_options *opt) {
  if ((n && !cfg) || !config_is_valid(cfg, n)) return NULL;
  plugin_manager *ch = xcalloc(1, sizeof *ch);
  ch->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (ch->wake_fd < 0) {
    log_error("channels: eventfd: %s", strerror(errno));
    free(ch);
    return NULL;
  }
  if (opt)
    ch->opt = *opt;
  else
    plugins_options_default(&ch->opt);
  ch->state_path = ch->opt.state_path ? xstrdup(ch->opt.state_path) : NULL;
  ch->opt.state_path = NULL; /* only the copy is used */
  ch->sigchld_fd = -1;
  pthread_mutex_init(&ch->lock, NULL);
  pthread_mutex_init(&ch->stop_lock, NULL);
  pthread_cond_init(&ch->cond, NULL);
  ch->n = n;
  ch->plugins = xcalloc(n ? n : 1, sizeof *ch->plugins);
  for (size_t i = 0; i < n; i++) {
    plugin *p = &ch->plugins[i];
    hiro_strlcpy(p->name, cfg[i].name, sizeof p->name);
    p->argv = argv_copy(cfg[i].argv);
    p->restart = cfg[i].restart;
    p->pidfd = -1;
    p->last_exit = -1;
    p->next_start = 0; /* due at once when the manager starts */
    p->backoff = ch->opt.backoff_initial;
    p->exit_code = -1;
    p->down_since = -1;
  }
  /* Without /proc the plugins still run; start_ticks just stays 0 (unknown). */
  ch->plat = platform_open(PLATFORM_PROC_ROOT, PLATFORM_SYS_ROOT);
  /* The tracking mode is known from here on (plugins_tree_mode). */
  const char **names = xcalloc(n ? n : 1, sizeof *names);
  for (size_t i = 0; i < n; i++) names[i] = ch->plugins[i].name;
  ch->trees = trees_new(ch->plat, names, n, ch->state_path, ch->opt.use_cgroups);
  free(names);
  return ch;
}

/* ---- events ---- */

static void emit(plugin_manager *ch, const hiro_event *e) {
  if (ch->opt.on_event) ch->opt.on_event(ch->opt.event_ctx, e);
}

/* ---- the child side of fork: async-signal-safe calls only ---- */

/* Point fd target at fd src, keeping it open across exec even when src is
 * target (dup2 would then be a no-op that leaves FD_CLOEXEC set). */
static void child_dup(int src, int target) {
  if (src == target)
    fcntl(target, F_SETFD, 0);
  else
    dup2(src, target);
}

static void child_report(int err_fd, int code) {
  ssize_t unused = write(err_fd, &code, sizeof code);
  (void)unused;
}

/* What the parent prepared for the child before fork (allocation is not
 * async-signal-safe, so nothing is built after it). */
typedef struct {
  int log_fd, err_fd, join_fd;
  pid_t parent;
  char **envp;
} child_setup;

static _Noreturn void child_exec(const plugin *p, const child_setup *cs) {
  /* The manager thread blocks every signal; reset dispositions while they are
   * still blocked so no inherited handler can run in the child. */
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
  /* Die with the server even if it is SIGKILLed. The signal fires when the
   * forking *thread* exits, which is why only the manager thread spawns, and
   * that thread exits only after every plugin was stopped: SIGKILL is safe
   * and, unlike SIGTERM, cannot be caught by a plugin that would outlive us.
   * If the server died before prctl took effect we were already reparented. */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != cs->parent) _exit(127);
  /* Join the plugin's cgroup before exec: nothing it starts can be outside. */
  if (cs->join_fd >= 0 && write(cs->join_fd, "0", 1) != 1) child_report(cs->err_fd, -errno);
  /* Own process group: a terminal's SIGINT reaches the server only, and the
   * manager can signal the plugin together with anything it forked. */
  setpgid(0, 0);
  if (cs->log_fd >= 0) {
    child_dup(cs->log_fd, STDOUT_FILENO);
    child_dup(cs->log_fd, STDERR_FILENO);
  }
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0 && null_fd != STDIN_FILENO) {
    dup2(null_fd, STDIN_FILENO);
    close(null_fd);
  }
  /* Keep the server's sockets, database and pidfds out of the plugin. */
  syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execvpe(p->argv[0], p->argv, cs->envp);
  child_report(cs->err_fd, errno);
  _exit(127);
}

/* ---- the manager thread ---- */

/* Signal the plugin's process group, or the plugin alone if it never got its
 * own group. Only called while the plugin is unreaped, so pid is still ours. */
static void plugin_signal(const plugin *p, int sig) {
  if (kill(-p->pid, sig) != 0 && errno == ESRCH) kill(p->pid, sig);
}

static size_t plugin_index(const plugin_manager *ch, const plugin *p) {
  return (size_t)(p - ch->plugins);
}

/* Schedule the next spawn of a plugin that is down (or never came up). */
static void plugin_schedule(plugin_manager *ch, plugin *p, double now) {
  if (!p->restart) {
    p->next_start = -1;
    return;
  }
  if (now - p->started_at >= ch->opt.backoff_reset) p->backoff = ch->opt.backoff_initial;
  p->next_start = now + p->backoff;
  p->backoff *= 2;
  if (p->backoff > ch->opt.backoff_max) p->backoff = ch->opt.backoff_max;
}

static void emit_start_failed(plugin_manager *ch, const plugin *p, int err) {
  hiro_event e;
  event_init(&e, EVENT_START_FAILED, clock_wall(), p->name, 0);
  e.err = err;
  snprintf(e.detail, sizeof e.detail, "cannot run %s: %s", p->argv[0], strerror(err));
  emit(ch, &e);
}

/* Fork and exec one plugin. Blocks only until the child has exec'd (or
 * failed to), which the CLOEXEC error pipe tells us. Returns the pid, or 0 on
 * failure (logged, event emitted, child reaped). */
static pid_t plugin_fork(plugin_manager *ch, const plugin *p) {
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    log_error("channel %s: pipe: %s", p->name, strerror(errno));
    emit_start_failed(ch, p, errno);
    return 0;
  }
  /* The plugin's output: a pipe read by the plugin-output thread (rate
   * limited), else log_fd. */
  int out_fd =
      ch->opt.output ? plugin_output_pipe(ch->opt.output, plugin_index(ch, p)) : ch->opt.log_fd;
  child_setup cs = {.log_fd = out_fd,
                    .err_fd = err_pipe[1],
                    .parent = getpid(),
                    .envp =
                        plugin_env_build(ch->opt.statsd_socket, ch->opt.statsd_udp_port, p->name),
                    .join_fd = ch->trees ? trees_join_fd(ch->trees, plugin_index(ch, p)) : -1};
  pid_t pid = fork();
  if (pid == 0) child_exec(p, &cs);
  int fork_err = errno;
  close(err_pipe[1]);
  if (cs.join_fd >= 0) close(cs.join_fd);
  plugin_env_free(cs.envp);
  if (ch->opt.output && out_fd >= 0) close(out_fd);
  if (pid < 0) {
    close(err_pipe[0]);
    log_error("channel %s: fork: %s", p->name, strerror(fork_err));
    emit_start_failed(ch, p, fork_err);
    return 0;
  }
  setpgid(pid, pid); /* also from this side, so plugin_signal never races it */
  /* The child reports a failed cgroup join (negative errno) and a failed exec
   * (errno), then the pipe closes at exec. */
  int code = 0, exec_err = 0;
  ssize_t got;
  for (;;) {
    while ((got = read(err_pipe[0], &code, sizeof code)) < 0 && errno == EINTR) {
    }
    if (got != (ssize_t)sizeof code) break;
    if (code < 0)
      log_warn("channel %s: cannot join its cgroup: %s; its tree is tracked by the walk only",
               p->name, strerror(-code));
    else
      exec_err = code;
  }
  close(err_pipe[0]);
  if (exec_err) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    log_error("channel %s: cannot run %s: %s", p->name, p->argv[0], strerror(exec_err));
    emit_start_failed(ch, p, exec_err);
    return 0;
  }
  return pid;
}

static void plugin_spawn(plugin_manager *ch, plugin *p) {
  double now = clock_mono();
  pid_t pid = plugin_fork(ch, p);
  int pidfd = -1;
  if (pid > 0) {
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0 && !ch->warned_no_pidfd) {
      /* Kernels before 5.3, or valgrind: watch by polling instead. */
      ch->warned_no_pidfd = true;
      log_warn("channel %s: pidfd_open: %s; checking plugins for exit every %d ms instead", p->name,
               strerror(errno), NO_PIDFD_POLL_MS);
    }
  }
  /* The child is unreaped (at worst a zombie), so its /proc entry is there. */
  uint64_t ticks = 0;
  if (pid > 0 && ch->plat && platform_proc_start_ticks(ch->plat, pid, &ticks) != HIRO_OK) ticks = 0;
  pthread_mutex_lock(&ch->lock);
  p->started_at = now;
  if (pid > 0) {
    p->pid = pid;
    p->pidfd = pidfd;
    p->running = true;
    p->start_ticks = ticks;
    p->spawns++;
    p->started_wall = clock_wall();
    p->next_start = -1;
    if (p->down_since >= 0) p->down_total += now - p->down_since;
    p->down_since = -1;
  } else {
    plugin_schedule(ch, p, now);
  }
  pthread_mutex_unlock(&ch->lock);
  if (pid > 0) {
    ch->last_spawn = now;
    log_info("channel %s: started pid %d (%s)", p->name, (int)pid, p->argv[0]);
    hiro_event e;
    event_init(&e, EVENT_PLUGIN_STARTED, clock_wall(), p->name, (int)pid);
    snprintf(e.detail, sizeof e.detail, "started pid %d (%s)%s", (int)pid, p->argv[0],
             p->spawns > 1 ? ", a restart" : "");
    emit(ch, &e);
  }
}

static int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

static uint64_t timeval_ns(struct timeval tv) {
  return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

/* The exact CPU time of a zombie child (its own threads, not the children it
 * reaped): its CPU clock still answers until it is reaped. 0 if it cannot. */
static uint64_t zombie_cpu_ns(pid_t pid) {
  clockid_t clk;
  struct timespec ts;
  if (clock_getcpuclockid(pid, &clk) != 0 || clock_gettime(clk, &ts) != 0) return 0;
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void emit_exit(plugin_manager *ch, const plugin *p, bool stopping, double lifetime) {
  hiro_event e;
  event_init(&e, EVENT_PLUGIN_EXITED, p->exit_wall, p->name, (int)p->pid);
  e.exit_code = p->exit_code;
  e.signal = p->exit_signal ? p->exit_signal : -1;
  e.cpu_seconds = (double)p->exit_cpu_ns / 1e9;
  e.lifetime_seconds = lifetime;
  if (p->exit_signal)
    snprintf(e.detail, sizeof e.detail, "pid %d killed by signal %d (%s) after %.1f s%s",
             (int)p->pid, p->exit_signal, strsignal(p->exit_signal), lifetime,
             stopping ? " (server stopping)" : "");
  else
    snprintf(e.detail, sizeof e.detail, "pid %d exited with status %d after %.1f s%s", (int)p->pid,
             p->exit_code, lifetime, stopping ? " (server stopping)" : "");
  emit(ch, &e);
  if (stopping) return;
  double now = clock_mono();
  if (p->next_start >= 0) {
    event_init(&e, EVENT_RESTART_SCHEDULED, clock_wall(), p->name, (int)p->pid);
    e.delay_seconds = p->next_start - now;
    snprintf(e.detail, sizeof e.detail, "restarting in %.1f s", e.delay_seconds);
  } else {
    event_init(&e, EVENT_PLUGIN_GAVE_UP, clock_wall(), p->name, (int)p->pid);
    snprintf(e.detail, sizeof e.detail, "not restarted (restart is false)");
  }
  emit(ch, &e);
}

/* The plugin has exited (it is a zombie until reaped here). Take its exact
 * CPU time, kill what is left of its tree (while the zombie still holds the
 * pid, so the process group cannot be someone else's), reap it with wait4
 * and maybe schedule a restart. */
static void plugin_reap(plugin_manager *ch, plugin *p, bool stopping) {
  uint64_t own_ns = zombie_cpu_ns(p->pid);
  plugin_signal(p, SIGKILL);
  if (ch->trees) trees_signal_plugin(ch->trees, plugin_index(ch, p), SIGKILL);
  int status = 0;
  struct rusage ru = {0};
  while (wait4(p->pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  uint64_t tree_ns = timeval_ns(ru.ru_utime) + timeval_ns(ru.ru_stime);
  int code = exit_code(status);
  double now = clock_mono();
  if (p->pidfd >= 0) close(p->pidfd);
  pthread_mutex_lock(&ch->lock);
  p->pidfd = -1;
  p->running = false;
  p->last_exit = code;
  p->exit_cpu_ns = own_ns ? own_ns : tree_ns;
  p->exit_tree_cpu_ns = tree_ns;
  p->exit_mono = now;
  p->exit_wall = clock_wall();
  p->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  p->exit_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  p->exit_seq++;
  p->down_since = now;
  if (stopping)
    p->next_start = -1;
  else
    plugin_schedule(ch, p, now);
  double delay = p->next_start >= 0 ? p->next_start - now : -1;
  pthread_mutex_unlock(&ch->lock);
  emit_exit(ch, p, stopping, now - p->started_at);
  if (stopping) return;
  if (delay >= 0)
    log_warn("channel %s: pid %d exited (status %d), restarting in %.1f s", p->name, (int)p->pid,
             code, delay);
  else
    log_warn("channel %s: pid %d exited (status %d)", p->name, (int)p->pid, code);
}

static plugin *plugin_by_pid(plugin_manager *ch, pid_t pid) {
  for (size_t i = 0; i < ch->n; i++)
    if (ch->plugins[i].running && ch->plugins[i].pid == pid) return &ch->plugins[i];
  return NULL;
}

/* Reap every child that has exited: plugins through plugin_reap, and the
 * orphans the subreaper adopted (their CPU went to nobody's cutime; in the
 * cgroup mode it is in the group's usage). WNOWAIT first, so a plugin is
 * still a zombie when plugin_reap looks at it. */
static void reap_exited(plugin_manager *ch, bool stopping) {
  for (;;) {
    siginfo_t info = {0};
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return;
    plugin *p = plugin_by_pid(ch, info.si_pid);
    if (p) {
      plugin_reap(ch, p, stopping);
      continue;
    }
    int status;
    while (waitpid(info.si_pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

/* Spawn every plugin whose time has come; returns the poll timeout in ms
 * until the next pending spawn, or -1 when none is pending. */
static int spawn_due(plugin_manager *ch) {
  int timeout = -1;
  for (size_t i = 0; i < ch->n; i++) {
    plugin *p = &ch->plugins[i];
    if (p->running || p->next_start < 0) continue;
    double wait = p->next_start - clock_mono();
    if (wait <= 0) {
      plugin_spawn(ch, p);
      if (p->running || p->next_start < 0) continue;
      wait = p->next_start - clock_mono();
    }
    int ms = wait <= 0 ? 0 : (int)(wait * 1000.0) + 1;
    if (timeout < 0 || ms < timeout) timeout = ms;
  }
  return timeout;
}

static int min_timeout(int a, int b) { return a < 0 ? b : b < 0 ? a : a < b ? a : b; }

/* Poll the wake fd, the SIGCHLD signalfd and the pidfds of running plugins
 * for up to timeout ms and reap whatever exited. fds has room for n + 2
 * entries. */
static void watch_once(plugin_manager *ch, struct pollfd *fds, int timeout, bool stopping) {
  nfds_t count = 0;
  bool polling = false;
  fds[count++] = (struct pollfd){.fd = ch->wake_fd, .events = POLLIN};
  fds[count++] = (struct pollfd){.fd = ch->sigchld_fd, .events = POLLIN};
  for (size_t i = 0; i < ch->n; i++) {
    if (!ch->plugins[i].running) continue;
    /* poll() ignores a negative fd: such plugins are found by reap_exited. */
    fds[count++] = (struct pollfd){.fd = ch->plugins[i].pidfd, .events = POLLIN};
    polling |= ch->plugins[i].pidfd < 0;
  }
  if (polling) timeout = min_timeout(timeout, NO_PIDFD_POLL_MS);
  if (ch->sigchld_fd < 0) timeout = min_timeout(timeout, NO_SIGCHLD_POLL_MS);
  int ready = poll(fds, count, timeout);
  if (ready > 0 && fds[0].revents) {
    uint64_t drained;
    ssize_t unused = read(ch->wake_fd, &drained, sizeof drained);
    (void)unused;
  }
  if (ready > 0 && fds[1].revents) {
    struct signalfd_siginfo si[8];
    while (read(ch->sigchld_fd, si, sizeof si) > 0) {
    }
  }
  reap_exited(ch, stopping);
}

static bool any_running(const plugin_manager *ch) {
  for (size_t i = 0; i < ch->n; i++)
    if (ch->plugins[i].running) return true;
  return false;
}

static bool all_gone(plugin_manager *ch) {
  return !any_running(ch) && (!ch->trees || trees_all_empty(ch->trees));
}

/* Reap until every plugin and every descendant is gone or deadline
 * (clock_mono) passes. Orphans in other trees do not wake the manager when
 * they exit without a signalfd, so the wait is sliced. */
static void reap_until(plugin_manager *ch, struct pollfd *fds, double deadline, int resend) {
  double now;
  while (!all_gone(ch) && (now = clock_mono()) < deadline) {
    if (resend && ch->trees) trees_signal_all(ch->trees, resend);
    int ms = (int)((deadline - now) * 1000.0) + 1;
    watch_once(ch, fds, ms < 20 ? ms : 20, true);
  }
}

static void shutdown_all(plugin_manager *ch, struct pollfd *fds) {
  pthread_mutex_lock(&ch->lock);
  for (size_t i = 0; i < ch->n; i++) ch->plugins[i].next_start = -1;
  pthread_mutex_unlock(&ch->lock);
  for (size_t i = 0; i < ch->n; i++)
    if (ch->plugins[i].running) plugin_signal(&ch->plugins[i], SIGTERM);
  /* Every process of every tree, including ones that left the plugin's
   * process group (timeout, setsid) or its parentage (a double fork). */
  if (ch->trees) trees_signal_all(ch->trees, SIGTERM);
  reap_until(ch, fds, clock_mono() + ch->opt.grace_seconds, 0);
  for (size_t i = 0; i < ch->n; i++) {
    if (!ch->plugins[i].running) continue;
    log_warn("channel %s: pid %d ignored SIGTERM for %.1f s; sending SIGKILL", ch->plugins[i].name,
             (int)ch->plugins[i].pid, ch->opt.grace_seconds);
    plugin_signal(&ch->plugins[i], SIGKILL);
  }
  if (ch->trees && !trees_all_empty(ch->trees)) {
    log_warn("channels: processes of the plugin trees are left after %.1f s; sending SIGKILL",
             ch->opt.grace_seconds);
    trees_signal_all(ch->trees, SIGKILL);
  }
  /* SIGKILL is final, but a process stuck in the kernel may take a moment,
   * and one that forked at the wrong time needs another round. */
  reap_until(ch, fds, clock_mono() + 2.0, SIGKILL);
  for (size_t i = 0; i < ch->n; i++)
    if (ch->plugins[i].running)
      log_error("channel %s: pid %d did not die after SIGKILL", ch->plugins[i].name,
                (int)ch->plugins[i].pid);
  if (ch->trees && !trees_all_empty(ch->trees))
    log_error("channels: processes of the plugin trees survived SIGKILL; they stay in %s",
              ch->state_path ? ch->state_path : "no record");
}

static bool stop_requested(plugin_manager *ch) {
  pthread_mutex_lock(&ch->lock);
  bool stop = ch->stop_requested;
  pthread_mutex_unlock(&ch->lock);
  return stop;
}

static void *manager_main(void *arg) {
  plugin_manager *ch = arg;
  hiro_thread_name("plugins");
  struct pollfd *fds = xcalloc(ch->n + 2, sizeof *fds);
  int timeout = spawn_due(ch);
  pthread_mutex_lock(&ch->lock);
  ch->initial_done = true;
  pthread_cond_broadcast(&ch->cond);
  pthread_mutex_unlock(&ch->lock);
  bool walk_record = ch->trees && ch->state_path && !trees_cgroup(ch->trees, 0);
  double next_record = clock_mono();
  while (!stop_requested(ch)) {
    if (walk_record) {
      double now = clock_mono();
      if (now >= next_record) {
        trees_record_members(ch->trees);
        bool soon = now - ch->last_spawn < RECORD_SOON_FOR_S;
        next_record = now + (soon ? RECORD_SOON_MS : RECORD_INTERVAL_MS) / 1000.0;
      }
      timeout = min_timeout(timeout, (int)((next_record - now) * 1000.0) + 1);
    }
    watch_once(ch, fds, timeout, false);
    if (stop_requested(ch)) break;
    timeout = spawn_due(ch);
  }
  shutdown_all(ch, fds);
  free(fds);
  return NULL;
}

hiro_err plugins_start(plugin_manager *ch) {
  pthread_mutex_lock(&ch->lock);
  bool already = ch->started;
  ch->started = true;
  pthread_mutex_unlock(&ch->lock);
  if (already) return HIRO_EBUSY;
  /* Every orphan of a plugin is reparented to us, not to init: no stop can
   * miss it and its exit is ours to reap. */
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
    log_warn("channels: PR_SET_CHILD_SUBREAPER: %s; orphans of plugins escape to init",
             strerror(errno));
  trees_clean_previous(ch->trees, ch->opt.on_event, ch->opt.event_ctx, clock_wall());
  double now = clock_mono();
  for (size_t i = 0; i < ch->n; i++) ch->plugins[i].down_since = now;
  /* The manager thread (and so every plugin until it resets its mask) blocks
   * all signals: process-directed signals go to the server's own threads. */
  sigset_t all, old, chld;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  /* A signalfd sees SIGCHLD only if no thread takes it: the server blocks it
   * everywhere before starting threads. Otherwise reap_exited polls. */
  if (sigismember(&old, SIGCHLD)) {
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    ch->sigchld_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  }
  int rc = pthread_create(&ch->thread, NULL, manager_main, ch);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    log_error("channels: cannot start the manager thread: %s", strerror(rc));
    pthread_mutex_lock(&ch->lock);
    ch->joined = true; /* nothing to stop */
    pthread_mutex_unlock(&ch->lock);
    return HIRO_EIO;
  }
  pthread_mutex_lock(&ch->lock);
  while (!ch->initial_done) pthread_cond_wait(&ch->cond, &ch->lock);
  pthread_mutex_unlock(&ch->lock);
  return HIRO_OK;
}

void plugins_stop(plugin_manager *ch) {
  if (!ch) return;
  pthread_mutex_lock(&ch->stop_lock);
  pthread_mutex_lock(&ch->lock);
  bool must_join = ch->started && !ch->joined;
  ch->stop_requested = true;
  pthread_mutex_unlock(&ch->lock);
  if (must_join) {
    uint64_t one = 1;
    ssize_t unused = write(ch->wake_fd, &one, sizeof one);
    (void)unused;
    pthread_join(ch->thread, NULL);
    pthread_mutex_lock(&ch->lock);
    ch->joined = true;
    pthread_mutex_unlock(&ch->lock);
  }
  pthread_mutex_unlock(&ch->stop_lock);
}

void plugins_free(plugin_manager *ch) {
  if (!ch) return;
  plugins_stop(ch);
  for (size_t i = 0; i < ch->n; i++) argv_free(ch->plugins[i].argv);
  free(ch->plugins);
  trees_free(ch->trees);
  free(ch->state_path);
  platform_close(ch->plat);
  close(ch->wake_fd);
  if (ch->sigchld_fd >= 0) close(ch->sigchld_fd);
  pthread_cond_destroy(&ch->cond);
  pthread_mutex_destroy(&ch->stop_lock);
  pthread_mutex_destroy(&ch->lock);
  free(ch);
}

/* Lock held. */
static void fill_lifecycle(const plugin *p, double now_mono, double now_wall,
                           plugin_lifecycle *life) {
  memset(life, 0, sizeof *life);
  life->known = true;
  life->restarts = p->spawns > 1 ? p->spawns - 1 : 0;
  life->started_at = p->started_wall;
  life->has_exit = p->exit_seq > 0;
  life->exit_code = p->exit_code;
  life->exit_signal = p->exit_signal;
  life->exit_time = p->exit_wall;
  life->restart = p->restart;
  if (!p->running && p->next_start >= 0)
    life->next_restart_at = now_wall + (p->next_start > now_mono ? p->next_start - now_mono : 0);
}

size_t plugins_provider(void *ctx, plugin_ref *out, size_t max) {
  plugin_manager *ch = ctx;
  double now = clock_mono(), wall = clock_wall();
  pthread_mutex_lock(&ch->lock);
  size_t n = ch->n < max ? ch->n : max;
  for (size_t i = 0; i < n; i++) {
    const plugin *p = &ch->plugins[i];
    plugin_ref *r = &out[i];
    memcpy(r->name, p->name, sizeof r->name);
    r->pid = (int)p->pid;
    r->running = p->running;
    r->start_ticks = p->start_ticks;
    r->cgroup = ch->trees ? trees_cgroup(ch->trees, i) : NULL;
    r->exit_seq = p->exit_seq;
    r->exit_cpu_ns = p->exit_cpu_ns;
    r->exit_tree_cpu_ns = p->exit_tree_cpu_ns;
    r->exit_mono = p->exit_mono;
    r->down_seconds = p->down_total + (p->down_since >= 0 ? now - p->down_since : 0);
    fill_lifecycle(p, now, wall, &r->life);
  }
  pthread_mutex_unlock(&ch->lock);
  return n;
}

size_t plugins_list(plugin_manager *ch, plugin_info *out, size_t max) {
  double now = clock_mono(), wall = clock_wall();
  pthread_mutex_lock(&ch->lock);
  size_t n = ch->n < max ? ch->n : max;
  for (size_t i = 0; i < n; i++) {
    const plugin *p = &ch->plugins[i];
    plugin_info *info = &out[i];
    memcpy(info->name, p->name, sizeof info->name);
    info->pid = (int)p->pid;
    info->running = p->running;
    info->start_ticks = p->start_ticks;
    info->spawns = p->spawns;
    info->last_exit = p->last_exit;
    info->restart_in = p->next_start < 0 ? -1 : (p->next_start > now ? p->next_start - now : 0);
    fill_lifecycle(p, now, wall, &info->life);
  }
  pthread_mutex_unlock(&ch->lock);
  return n;
}

size_t plugins_count(const plugin_manager *ch) { return ch->n; }

const char *plugins_tree_mode(plugin_manager *ch) {
  return ch->trees ? trees_mode(ch->trees) : "proc-walk";
}
