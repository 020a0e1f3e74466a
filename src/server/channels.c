/* channels.c - the ChannelManager: one thread spawns, watches (one pidfd per
 * plugin), reaps, restarts and finally stops the channel plugins. */
#define _GNU_SOURCE /* pipe2, execvpe */
#include "server/channels.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "platform/platform.h"
#include "server/plugin_env.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Without pidfds (kernel < 5.3, valgrind) plugins are checked this often. */
#define NO_PIDFD_POLL_MS 250

/* One plugin. The configuration part is immutable after channels_new. The
 * state part is written only by the manager thread, under ch->lock, so the
 * manager may read it without the lock and everyone else reads it with it. */
typedef struct {
  char name[HIRO_NAME_MAX];
  char **argv; /* owned, NULL-terminated */
  bool restart;

  pid_t pid;          /* last known; 0 = never started */
  int pidfd;          /* -1 unless running */
  bool running;
  uint64_t start_ticks;
  unsigned spawns;
  int last_exit;      /* exit code, 128 + signal, or -1 */
  double started_at;  /* clock_mono() of the last spawn attempt */
  double next_start;  /* clock_mono() of the next spawn; < 0 = none pending */
  double backoff;     /* delay the next restart will wait */
} plugin;

struct channels {
  pthread_mutex_t lock; /* guards plugin state and the flags below */
  pthread_cond_t cond;  /* signals initial_done */
  pthread_mutex_t stop_lock; /* serialises channels_stop callers */
  plugin *plugins;
  size_t n;
  channels_options opt;
  platform *plat; /* private: platform handles are single-threaded */
  int wake_fd;    /* eventfd: channels_stop wakes the manager's poll */
  pthread_t thread;
  bool started, initial_done, stop_requested, joined;
  bool warned_no_pidfd; /* pidfd_open failed once: logged, polling instead */
};

void channels_options_default(channels_options *opt) {
  opt->log_fd = -1;
  opt->statsd_socket = NULL;
  opt->grace_seconds = 3.0;
  opt->backoff_initial = 0.5;
  opt->backoff_max = 30.0;
  opt->backoff_reset = 60.0;
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

channels *channels_new(const channel_config *cfg, size_t n, const channels_options *opt) {
  if ((n && !cfg) || !config_is_valid(cfg, n)) return NULL;
  channels *ch = xcalloc(1, sizeof *ch);
  ch->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (ch->wake_fd < 0) {
    log_error("channels: eventfd: %s", strerror(errno));
    free(ch);
    return NULL;
  }
  if (opt) ch->opt = *opt;
  else channels_options_default(&ch->opt);
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
  }
  /* Without /proc the plugins still run; start_ticks just stays 0 (unknown). */
  ch->plat = platform_open(PLATFORM_PROC_ROOT, PLATFORM_SYS_ROOT);
  return ch;
}

/* ---- the child side of fork: async-signal-safe calls only ---- */

/* Point fd target at fd src, keeping it open across exec even when src is
 * target (dup2 would then be a no-op that leaves FD_CLOEXEC set). */
static void child_dup(int src, int target) {
  if (src == target) fcntl(target, F_SETFD, 0);
  else dup2(src, target);
}

static _Noreturn void child_exec(const plugin *p, char **env, int log_fd, int err_fd,
                                 pid_t parent) {
  /* The manager thread blocks every signal; reset dispositions while they are
   * still blocked so no inherited handler can run in the child. */
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &dfl, NULL);
  /* Die with the server even if it is SIGKILLed. The signal fires when the
   * forking *thread* exits, which is why only the manager thread spawns. If
   * the server died before prctl took effect we were already reparented. */
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(127);
  /* Own process group: a terminal's SIGINT reaches the server only, and the
   * manager can signal the plugin together with anything it forked. */
  setpgid(0, 0);
  if (log_fd >= 0) {
    child_dup(log_fd, STDOUT_FILENO);
    child_dup(log_fd, STDERR_FILENO);
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
  execvpe(p->argv[0], p->argv, env);
  int err = errno;
  ssize_t unused = write(err_fd, &err, sizeof err);
  (void)unused;
  _exit(127);
}

/* ---- the manager thread ---- */

/* Signal the plugin's process group, or the plugin alone if it never got its
 * own group. Only called while the plugin is unreaped, so pid is still ours. */
static void plugin_signal(const plugin *p, int sig) {
  if (kill(-p->pid, sig) != 0 && errno == ESRCH) kill(p->pid, sig);
}

/* Wait for a child that has exited or is about to; returns its wait status. */
static int wait_child(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

/* Schedule the next spawn of a plugin that is down (or never came up). */
static void plugin_schedule(channels *ch, plugin *p, double now) {
  if (!p->restart) {
    p->next_start = -1;
    return;
  }
  if (now - p->started_at >= ch->opt.backoff_reset) p->backoff = ch->opt.backoff_initial;
  p->next_start = now + p->backoff;
  p->backoff *= 2;
  if (p->backoff > ch->opt.backoff_max) p->backoff = ch->opt.backoff_max;
}

/* Fork and exec one plugin. Blocks only until the child has exec'd (or
 * failed to), which the CLOEXEC error pipe tells us. Returns the pid, or 0 on
 * failure (logged, child reaped). */
static pid_t plugin_fork(channels *ch, const plugin *p) {
  int err_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    log_error("channel %s: pipe: %s", p->name, strerror(errno));
    return 0;
  }
  pid_t parent = getpid();
  char **env = plugin_env_build(ch->opt.statsd_socket, p->name);
  pid_t pid = fork();
  if (pid == 0) child_exec(p, env, ch->opt.log_fd, err_pipe[1], parent);
  int fork_err = errno;
  plugin_env_free(env);
  close(err_pipe[1]);
  if (pid < 0) {
    close(err_pipe[0]);
    log_error("channel %s: fork: %s", p->name, strerror(fork_err));
    return 0;
  }
  setpgid(pid, pid); /* also from this side, so plugin_signal never races it */
  int exec_err = 0;
  ssize_t got;
  while ((got = read(err_pipe[0], &exec_err, sizeof exec_err)) < 0 && errno == EINTR) {
  }
  close(err_pipe[0]);
  if (got == (ssize_t)sizeof exec_err) {
    wait_child(pid);
    log_error("channel %s: cannot run %s: %s", p->name, p->argv[0], strerror(exec_err));
    return 0;
  }
  return pid;
}

static void plugin_spawn(channels *ch, plugin *p) {
  double now = clock_mono();
  pid_t pid = plugin_fork(ch, p);
  int pidfd = -1;
  if (pid > 0) {
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0 && !ch->warned_no_pidfd) {
      /* Kernels before 5.3, or valgrind: watch by polling instead. */
      ch->warned_no_pidfd = true;
      log_warn("channel %s: pidfd_open: %s; checking plugins for exit every %d ms instead",
               p->name, strerror(errno), NO_PIDFD_POLL_MS);
    }
  }
  /* The child is unreaped (at worst a zombie), so its /proc entry is there. */
  uint64_t ticks = 0;
  if (pid > 0 && ch->plat && platform_proc_start_ticks(ch->plat, pid, &ticks) != HIRO_OK)
    ticks = 0;
  pthread_mutex_lock(&ch->lock);
  p->started_at = now;
  if (pid > 0) {
    p->pid = pid;
    p->pidfd = pidfd;
    p->running = true;
    p->start_ticks = ticks;
    p->spawns++;
    p->next_start = -1;
  } else {
    plugin_schedule(ch, p, now);
  }
  pthread_mutex_unlock(&ch->lock);
  if (pid > 0) log_info("channel %s: started pid %d (%s)", p->name, (int)pid, p->argv[0]);
}

static int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

/* The plugin's pidfd became readable: it has exited. Kill what it left in
 * its process group (while the pid is still held by the zombie, so the group
 * cannot be someone else's), reap it and maybe schedule a restart. */
static void plugin_reap(channels *ch, plugin *p, bool stopping) {
  plugin_signal(p, SIGKILL);
  int code = exit_code(wait_child(p->pid));
  double now = clock_mono();
  if (p->pidfd >= 0) close(p->pidfd);
  pthread_mutex_lock(&ch->lock);
  p->pidfd = -1;
  p->running = false;
  p->last_exit = code;
  if (stopping) p->next_start = -1;
  else plugin_schedule(ch, p, now);
  double delay = p->next_start >= 0 ? p->next_start - now : -1;
  pthread_mutex_unlock(&ch->lock);
  if (stopping) return;
  if (delay >= 0)
    log_warn("channel %s: pid %d exited (status %d), restarting in %.1f s", p->name,
             (int)p->pid, code, delay);
  else
    log_warn("channel %s: pid %d exited (status %d)", p->name, (int)p->pid, code);
}

/* Spawn every plugin whose time has come; returns the poll timeout in ms
 * until the next pending spawn, or -1 when none is pending. */
static int spawn_due(channels *ch) {
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

/* Has a plugin without a pidfd exited? WNOWAIT leaves it a zombie, so
 * plugin_reap can still signal its process group safely. */
static bool exited_without_pidfd(const plugin *p) {
  siginfo_t info = {0};
  return waitid(P_PID, (id_t)p->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid != 0;
}

/* Poll the wake fd and the pidfds of running plugins for up to timeout ms and
 * reap whatever exited. fds has room for n + 1 entries. */
static void watch_once(channels *ch, struct pollfd *fds, plugin **owner, int timeout,
                       bool stopping) {
  nfds_t count = 0;
  bool polling = false;
  fds[count++] = (struct pollfd){.fd = ch->wake_fd, .events = POLLIN};
  for (size_t i = 0; i < ch->n; i++) {
    if (!ch->plugins[i].running) continue;
    owner[count] = &ch->plugins[i];
    /* poll() ignores a negative fd: such plugins are checked below. */
    fds[count++] = (struct pollfd){.fd = ch->plugins[i].pidfd, .events = POLLIN};
    polling |= ch->plugins[i].pidfd < 0;
  }
  if (polling && (timeout < 0 || timeout > NO_PIDFD_POLL_MS)) timeout = NO_PIDFD_POLL_MS;
  int ready = poll(fds, count, timeout);
  if (ready > 0 && fds[0].revents) {
    uint64_t drained;
    ssize_t unused = read(ch->wake_fd, &drained, sizeof drained);
    (void)unused;
  }
  for (nfds_t k = 1; k < count; k++)
    if ((ready > 0 && fds[k].revents) || (fds[k].fd < 0 && exited_without_pidfd(owner[k])))
      plugin_reap(ch, owner[k], stopping);
}

static bool any_running(const channels *ch) {
  for (size_t i = 0; i < ch->n; i++)
    if (ch->plugins[i].running) return true;
  return false;
}

/* Wait until every plugin is reaped or deadline (clock_mono) passes. */
static void reap_until(channels *ch, struct pollfd *fds, plugin **owner, double deadline) {
  double now;
  while (any_running(ch) && (now = clock_mono()) < deadline)
    watch_once(ch, fds, owner, (int)((deadline - now) * 1000.0) + 1, true);
}

static void shutdown_all(channels *ch, struct pollfd *fds, plugin **owner) {
  pthread_mutex_lock(&ch->lock);
  for (size_t i = 0; i < ch->n; i++) ch->plugins[i].next_start = -1;
  pthread_mutex_unlock(&ch->lock);
  for (size_t i = 0; i < ch->n; i++)
    if (ch->plugins[i].running) plugin_signal(&ch->plugins[i], SIGTERM);
  reap_until(ch, fds, owner, clock_mono() + ch->opt.grace_seconds);
  for (size_t i = 0; i < ch->n; i++) {
    if (!ch->plugins[i].running) continue;
    log_warn("channel %s: pid %d ignored SIGTERM for %.1f s; sending SIGKILL",
             ch->plugins[i].name, (int)ch->plugins[i].pid, ch->opt.grace_seconds);
    plugin_signal(&ch->plugins[i], SIGKILL);
  }
  /* SIGKILL is final, but a process stuck in the kernel may take a moment. */
  reap_until(ch, fds, owner, clock_mono() + 1.0);
  for (size_t i = 0; i < ch->n; i++)
    if (ch->plugins[i].running)
      log_error("channel %s: pid %d did not die after SIGKILL", ch->plugins[i].name,
                (int)ch->plugins[i].pid);
}

static bool stop_requested(channels *ch) {
  pthread_mutex_lock(&ch->lock);
  bool stop = ch->stop_requested;
  pthread_mutex_unlock(&ch->lock);
  return stop;
}

static void *manager_main(void *arg) {
  channels *ch = arg;
  hiro_thread_name("plugins");
  struct pollfd *fds = xcalloc(ch->n + 1, sizeof *fds);
  plugin **owner = xcalloc(ch->n + 1, sizeof *owner);
  int timeout = spawn_due(ch);
  pthread_mutex_lock(&ch->lock);
  ch->initial_done = true;
  pthread_cond_broadcast(&ch->cond);
  pthread_mutex_unlock(&ch->lock);
  while (!stop_requested(ch)) {
    watch_once(ch, fds, owner, timeout, false);
    if (stop_requested(ch)) break;
    timeout = spawn_due(ch);
  }
  shutdown_all(ch, fds, owner);
  free(fds);
  free(owner);
  return NULL;
}

hiro_err channels_start(channels *ch) {
  pthread_mutex_lock(&ch->lock);
  bool already = ch->started;
  ch->started = true;
  pthread_mutex_unlock(&ch->lock);
  if (already) return HIRO_EBUSY;
  /* The manager thread (and so every plugin until it resets its mask) blocks
   * all signals: process-directed signals go to the server's own threads. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
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

void channels_stop(channels *ch) {
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

void channels_free(channels *ch) {
  if (!ch) return;
  channels_stop(ch);
  for (size_t i = 0; i < ch->n; i++) argv_free(ch->plugins[i].argv);
  free(ch->plugins);
  platform_close(ch->plat);
  close(ch->wake_fd);
  pthread_cond_destroy(&ch->cond);
  pthread_mutex_destroy(&ch->stop_lock);
  pthread_mutex_destroy(&ch->lock);
  free(ch);
}

size_t channels_provider(void *ctx, child_ref *out, size_t max) {
  channels *ch = ctx;
  pthread_mutex_lock(&ch->lock);
  size_t n = ch->n < max ? ch->n : max;
  for (size_t i = 0; i < n; i++) {
    const plugin *p = &ch->plugins[i];
    memcpy(out[i].name, p->name, sizeof out[i].name);
    out[i].pid = (int)p->pid;
    out[i].running = p->running;
    out[i].start_ticks = p->start_ticks;
  }
  pthread_mutex_unlock(&ch->lock);
  return n;
}

size_t channels_list(channels *ch, channel_info *out, size_t max) {
  double now = clock_mono();
  pthread_mutex_lock(&ch->lock);
  size_t n = ch->n < max ? ch->n : max;
  for (size_t i = 0; i < n; i++) {
    const plugin *p = &ch->plugins[i];
    channel_info *info = &out[i];
    memcpy(info->name, p->name, sizeof info->name);
    info->pid = (int)p->pid;
    info->running = p->running;
    info->start_ticks = p->start_ticks;
    info->spawns = p->spawns;
    info->last_exit = p->last_exit;
    info->restart_in = p->next_start < 0 ? -1 : (p->next_start > now ? p->next_start - now : 0);
  }
  pthread_mutex_unlock(&ch->lock);
  return n;
}

size_t channels_count(const channels *ch) { return ch->n; }
