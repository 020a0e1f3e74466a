/* lifecycle.c - starting the server in the background, stopping it, and
 * finding the workspace. */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "platform/platform.h"
#include "common/log.h"
#include "server/pidfile.h"
#include "server/server.h"

#define START_TIMEOUT_S 30.0
#define STOP_TIMEOUT_S 30.0

hiro_err server_find(const char *workspace, pidfile_info *info, char *err, size_t errlen) {
  memset(info, 0, sizeof *info);
  struct stat st;
  if (stat(workspace, &st) != 0) {
    int e = errno;
    hiro_set_err(err, errlen, "%s: %s", workspace,
                 e == ENOENT ? "no such workspace (the directory does not exist)" : strerror(e));
    return e == ENOENT ? HIRO_ENOENT : e == ENOTDIR ? HIRO_EINVAL : HIRO_EIO;
  }
  if (!S_ISDIR(st.st_mode)) {
    hiro_set_err(err, errlen, "%s: not a workspace (it is a file, not a directory)", workspace);
    return HIRO_EINVAL;
  }
  char path[PATH_MAX];
  return pidfile_read(pidfile_path(workspace, path, sizeof path), info, err, errlen);
}

int server_running_pid(const char *workspace) {
  pidfile_info info;
  char err[16];
  return server_find(workspace, &info, err, sizeof err) == HIRO_OK ? info.pid : 0;
}

hiro_err server_resolve_workspace(const char *flag_value, char *buf, size_t n) {
  const char *dir = flag_value;
  char home_ws[PATH_MAX];
  if (!dir || !*dir) dir = getenv("HIRO_WORKSPACE");
  if (!dir || !*dir) {
    const char *home = getenv("HOME");
    if (!home || !*home) return HIRO_EINVAL;
    snprintf(home_ws, sizeof home_ws, "%s/.hiro", home);
    dir = home_ws;
  }
  if (dir[0] == '/') {
    if (strlen(dir) >= n) return HIRO_EINVAL;
    hiro_strlcpy(buf, dir, n);
  } else {
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return HIRO_EIO;
    if ((size_t)snprintf(buf, n, "%s/%s", cwd, dir) >= n) return HIRO_EINVAL;
  }
  size_t len = strlen(buf);
  while (len > 1 && buf[len - 1] == '/') buf[--len] = '\0';
  return HIRO_OK;
}

/* In the grandchild: detach, send output to server.log, run the server. */
static void run_detached(const server_options *opt, int ready_fd) {
  setsid();
  log_set_level(HIRO_LOG_INFO); /* the CLI keeps its own process quiet; the server logs */
  char log_path[PATH_MAX];
  snprintf(log_path, sizeof log_path, "%s/server.log", opt->workspace);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  int log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    char err[PATH_MAX + 128];
    snprintf(err, sizeof err, "cannot open %s: %s", log_path, strerror(errno));
    dprintf(ready_fd, "ERR %s\n", err);
    _exit(1);
  }
  dup2(null_fd, STDIN_FILENO);
  dup2(log_fd, STDOUT_FILENO);
  dup2(log_fd, STDERR_FILENO);
  close(null_fd);
  close(log_fd);
  _exit(server_run(opt, ready_fd));
}

/* Read the readiness line ("OK url" / "ERR reason") with a timeout. */
static hiro_err await_ready(int fd, char *url, size_t url_len, char *err, size_t errlen) {
  char line[1400];
  size_t used = 0;
  double deadline = clock_mono() + START_TIMEOUT_S;
  while (used < sizeof line - 1) {
    int left_ms = (int)((deadline - clock_mono()) * 1000);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (left_ms <= 0 || poll(&p, 1, left_ms) <= 0) {
      snprintf(err, errlen, "the server did not become ready within %.0f s (see server.log)",
               START_TIMEOUT_S);
      return HIRO_EIO;
    }
    ssize_t n = read(fd, line + used, sizeof line - 1 - used);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    used += (size_t)n;
    if (memchr(line, '\n', used)) break;
  }
  line[used] = '\0';
  char *nl = strchr(line, '\n');
  if (nl) *nl = '\0';
  if (strncmp(line, "OK ", 3) == 0) {
    hiro_strlcpy(url, line + 3, url_len);
    return HIRO_OK;
  }
  /* "BUSY reason": another server holds the workspace; "ERR reason": any
   * other failure. */
  bool busy = strncmp(line, "BUSY ", 5) == 0;
  if (busy || strncmp(line, "ERR ", 4) == 0)
    hiro_strlcpy(err, line + (busy ? 5 : 4), errlen);
  else
    snprintf(err, errlen, "the server exited during start-up (see server.log)");
  return busy ? HIRO_EBUSY : HIRO_EIO;
}

hiro_err server_start_background(const server_options *opt, char *url, size_t url_len, char *err,
                                 size_t errlen) {
  int running = server_running_pid(opt->workspace);
  if (running) {
    snprintf(err, errlen, "a server is already running in this workspace (pid %d)", running);
    return HIRO_EBUSY;
  }
  if (mkdir(opt->workspace, 0700) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "cannot create workspace %s: %s", opt->workspace, strerror(errno));
    return HIRO_EIO;
  }
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) {
    snprintf(err, errlen, "pipe: %s", strerror(errno));
    return HIRO_EIO;
  }
  fflush(NULL);
  pid_t child = fork();
  if (child < 0) {
    snprintf(err, errlen, "fork: %s", strerror(errno));
    close(pipefd[0]);
    close(pipefd[1]);
    return HIRO_EIO;
  }
  if (child == 0) {
    close(pipefd[0]);
    /* Double fork: the server is not our child and is never a zombie of ours. */
    pid_t grandchild = fork();
    if (grandchild == 0) run_detached(opt, pipefd[1]);
    _exit(grandchild < 0 ? 1 : 0);
  }
  close(pipefd[1]);
  waitpid(child, NULL, 0);
  hiro_err rc = await_ready(pipefd[0], url, url_len, err, errlen);
  close(pipefd[0]);
  return rc;
}

hiro_err server_stop(const char *workspace, char *err, size_t errlen) {
  pidfile_info info;
  hiro_err found = server_find(workspace, &info, err, errlen);
  if (found != HIRO_OK) return found == HIRO_ENOENT ? HIRO_ENOENT : HIRO_EIO;
  int pid = info.pid;
  if (!pid) {
    char path[PATH_MAX];
    pidfile_path(workspace, path, sizeof path);
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) unlink(path); /* stale */
    snprintf(err, errlen, "no server is running in %s", workspace);
    return HIRO_ENOENT;
  }
  if (kill(pid, SIGTERM) != 0) {
    snprintf(err, errlen, "cannot signal pid %d: %s", pid, strerror(errno));
    return HIRO_EIO;
  }
  double deadline = clock_mono() + STOP_TIMEOUT_S;
  while (server_running_pid(workspace) == pid) {
    if (clock_mono() > deadline) {
      snprintf(err, errlen, "server pid %d did not stop within %.0f s", pid, STOP_TIMEOUT_S);
      return HIRO_EIO;
    }
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  /* The server releases the lock as the last step of its teardown, after the
   * plugins are stopped and the database is flushed; the process then still
   * has to return from main (an ASan build checks for leaks there). "Stopped"
   * means it has exited: a zombie waiting for its parent counts as exited. */
  while (platform_pid_running(pid)) {
    if (clock_mono() > deadline) {
      snprintf(err, errlen, "server pid %d released its workspace but did not exit within %.0f s",
               pid, STOP_TIMEOUT_S);
      return HIRO_EIO;
    }
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return HIRO_OK;
}
