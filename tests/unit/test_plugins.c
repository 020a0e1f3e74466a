/* test_plugins.c - the plugin manager against real child processes: spawn,
 * provider, crash and restart, missing binary, restart rate, stop with and
 * without SIGTERM cooperation, and PDEATHSIG when the server is SIGKILLed. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/clock.h"
#include "common/log.h"
#include "platform/platform.h"
#include "server/plugins.h"

#define DEMO_BIN HIRO_BIN_DIR "/hiro-channel-demo"

static char *demo_argv[] = {DEMO_BIN, "--cpu-ms", "5", "--mem-mib", "2", NULL};
static char *sleep_argv[] = {"/bin/sleep", "1000", NULL};
static char *true_argv[] = {"/bin/true", NULL};
static char *missing_argv[] = {"/nonexistent/hiro-plugin", NULL};
static char *stubborn_argv[] = {"/bin/sh", "-c", "trap '' TERM; sleep 1000", NULL};

static channel_config plugin_cfg(const char *name, char **argv, bool restart) {
  channel_config c = {.argv = argv, .restart = restart};
  hiro_strlcpy(c.name, name, sizeof c.name);
  while (argv[c.argc]) c.argc++;
  return c;
}

/* Fast backoff so restart tests take seconds, not minutes. */
static plugins_options fast_options(void) {
  plugins_options opt;
  plugins_options_default(&opt);
  opt.grace_seconds = 1.0;
  return opt;
}

static bool process_gone(int pid) { return kill(pid, 0) == -1 && errno == ESRCH; }

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static plugin_ref find_ref(plugin_manager *ch, const char *name) {
  plugin_ref refs[8];
  size_t n = plugins_provider(ch, refs, 8);
  for (size_t i = 0; i < n; i++)
    if (strcmp(refs[i].name, name) == 0) return refs[i];
  fail_msg("no plugin named %s", name);
  return (plugin_ref){0};
}

/* Poll the provider until pred holds for plugin name or seconds pass. */
typedef bool (*ref_pred)(const plugin_ref *r, int arg);
static bool wait_for(plugin_manager *ch, const char *name, ref_pred pred, int arg, double seconds) {
  double deadline = clock_mono() + seconds;
  do {
    plugin_ref r = find_ref(ch, name);
    if (pred(&r, arg)) return true;
    sleep_ms(20);
  } while (clock_mono() < deadline);
  return false;
}
static bool is_down(const plugin_ref *r, int unused) { return !r->running; }
static bool is_up_with_new_pid(const plugin_ref *r, int old) { return r->running && r->pid != old; }

/* True once process group pgid is empty. Orphans of our plugins are
 * reparented to us (main makes this process a subreaper), so reap them here
 * instead of depending on how quickly PID 1 reaps zombies. Only call this
 * while no manager runs: waitpid(-1) would steal its children. */
static bool group_gone(int pgid, double seconds) {
  double deadline = clock_mono() + seconds;
  for (;;) {
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    if (kill(-pgid, 0) == -1 && errno == ESRCH) return true;
    if (clock_mono() >= deadline) return false;
    sleep_ms(20);
  }
}

/* Entries in /proc/<pid>/fd, "." and ".." included. */
static int count_fds_of(const char *pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%s/fd", pid);
  DIR *d = opendir(path);
  assert_non_null(d);
  int n = 0;
  while (readdir(d)) n++;
  closedir(d);
  return n;
}
static int count_open_fds(void) { return count_fds_of("self"); }

static void test_spawn_and_provider(void **state) {
  int fds_before = count_open_fds();
  channel_config cfg[] = {plugin_cfg("demo", demo_argv, false),
                          plugin_cfg("sleeper", sleep_argv, false)};
  plugins_options opt = fast_options();
  plugin_manager *ch = plugins_new(cfg, 2, &opt);
  assert_non_null(ch);
  assert_int_equal(plugins_count(ch), 2);
  assert_int_equal(plugins_start(ch), HIRO_OK);

  plugin_ref refs[4];
  assert_int_equal(plugins_provider(ch, refs, 4), 2);
  assert_int_equal(plugins_provider(ch, refs, 1), 1); /* respects max */
  assert_int_equal(plugins_provider(ch, refs, 4), 2);
  assert_string_equal(refs[0].name, "demo");
  assert_string_equal(refs[1].name, "sleeper");
  platform *plat = platform_open("/proc", "/sys");
  assert_non_null(plat);
  for (int i = 0; i < 2; i++) {
    assert_true(refs[i].running);
    assert_true(refs[i].pid > 0);
    assert_int_equal(kill(refs[i].pid, 0), 0);
    assert_int_equal(getpgid(refs[i].pid), refs[i].pid); /* own process group */
    uint64_t ticks = 0;
    assert_int_equal(platform_proc_start_ticks(plat, refs[i].pid, &ticks), HIRO_OK);
    assert_true(refs[i].start_ticks != 0);
    assert_true(refs[i].start_ticks == ticks);
  }
  platform_close(plat);

  /* The sleeper got stdin from /dev/null and none of our descriptors. */
  char pid_text[16], fd0[64], target[64];
  snprintf(pid_text, sizeof pid_text, "%d", refs[1].pid);
  /* sleep opens locale files briefly at start-up, so allow it a moment. */
  double settle = clock_mono() + 5.0; /* generous: the suite runs on 2 busy cores */
  while (count_fds_of(pid_text) != 2 + 3 && clock_mono() < settle) sleep_ms(10);
  if (count_fds_of(pid_text) != 2 + 3) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "ls -l /proc/%s/fd >&2", pid_text);
    if (system(cmd) != 0) { /* diagnostics only */
    }
  }
  assert_int_equal(count_fds_of(pid_text), 2 + 3);
  snprintf(fd0, sizeof fd0, "/proc/%d/fd/0", refs[1].pid);
  ssize_t len = readlink(fd0, target, sizeof target - 1);
  assert_true(len > 0);
  target[len] = '\0';
  assert_string_equal(target, "/dev/null");

  plugins_free(ch);
  for (int i = 0; i < 2; i++) assert_true(process_gone(refs[i].pid));
  assert_int_equal(count_open_fds(), fds_before);
}

static void test_kill_and_restart(void **state) {
  channel_config cfg[] = {plugin_cfg("once", sleep_argv, false),
                          plugin_cfg("again", sleep_argv, true)};
  plugins_options opt = fast_options();
  plugin_manager *ch = plugins_new(cfg, 2, &opt);
  assert_non_null(ch);
  assert_int_equal(plugins_start(ch), HIRO_OK);
  plugin_ref once = find_ref(ch, "once"), again = find_ref(ch, "again");

  assert_int_equal(kill(once.pid, SIGKILL), 0);
  assert_true(wait_for(ch, "once", is_down, 0, 1.0));
  plugin_ref after = find_ref(ch, "once");
  assert_int_equal(after.pid, once.pid); /* last known pid stays */
  assert_true(process_gone(once.pid));   /* reaped: not even a zombie */

  assert_int_equal(kill(again.pid, SIGKILL), 0);
  assert_true(wait_for(ch, "again", is_down, 0, 1.0));
  assert_true(wait_for(ch, "again", is_up_with_new_pid, again.pid, 3.0));
  plugin_ref back = find_ref(ch, "again");
  assert_true(back.start_ticks != 0);

  plugin_info info[2];
  assert_int_equal(plugins_list(ch, info, 2), 2);
  assert_int_equal(info[0].last_exit, 128 + SIGKILL);
  assert_false(info[0].running);
  assert_true(info[0].restart_in < 0);
  assert_int_equal(info[1].spawns, 2);

  /* "once" stays down for good. */
  sleep_ms(700);
  assert_false(find_ref(ch, "once").running);
  plugins_free(ch);
  assert_true(process_gone(back.pid));
}

static void test_missing_binary(void **state) {
  char path[] = "/tmp/hiro-test-channels-log-XXXXXX";
  int log_fd = mkstemp(path);
  assert_true(log_fd >= 0);
  FILE *log = fdopen(log_fd, "w+");
  log_set_output(log);

  channel_config cfg[] = {plugin_cfg("ghost", missing_argv, true),
                          plugin_cfg("sleeper", sleep_argv, false)};
  plugins_options opt = fast_options();
  plugin_manager *ch = plugins_new(cfg, 2, &opt);
  assert_non_null(ch);
  assert_int_equal(plugins_start(ch), HIRO_OK);
  plugin_ref ghost = find_ref(ch, "ghost");
  assert_false(ghost.running);
  assert_int_equal(ghost.pid, 0);
  assert_true(find_ref(ch, "sleeper").running);
  plugins_free(ch);

  log_set_output(NULL);
  fflush(log);
  rewind(log);
  char text[8192];
  size_t len = fread(text, 1, sizeof text - 1, log);
  text[len] = '\0';
  fclose(log);
  unlink(path);
  assert_non_null(strstr(text, "channel ghost: cannot run /nonexistent/hiro-plugin: "
                               "No such file or directory"));
}

static void test_restart_rate_is_capped(void **state) {
  channel_config cfg[] = {plugin_cfg("flappy", true_argv, true)};
  plugins_options opt = fast_options();
  opt.backoff_initial = 0.25;
  opt.backoff_max = 1.0;
  plugin_manager *ch = plugins_new(cfg, 1, &opt);
  assert_non_null(ch);
  assert_int_equal(plugins_start(ch), HIRO_OK);
  sleep_ms(4000);
  plugin_info info;
  assert_int_equal(plugins_list(ch, &info, 1), 1);
  plugins_free(ch);
  /* Spawns at ~0, .25, .75, 1.75, 2.75, 3.75: about six in four seconds,
   * where an uncapped loop would have made thousands. */
  assert_in_range(info.spawns, 4, 7);
  assert_int_equal(info.last_exit, 0);
}

static void test_stop_kills_stubborn_plugin(void **state) {
  channel_config cfg[] = {plugin_cfg("stubborn", stubborn_argv, true),
                          plugin_cfg("demo", demo_argv, true)};
  plugins_options opt = fast_options();
  plugin_manager *ch = plugins_new(cfg, 2, &opt);
  assert_non_null(ch);
  assert_int_equal(plugins_start(ch), HIRO_OK);
  sleep_ms(300); /* let sh install its trap and fork sleep */
  plugin_ref stubborn = find_ref(ch, "stubborn"), demo = find_ref(ch, "demo");
  double begin = clock_mono();
  plugins_stop(ch);
  double took = clock_mono() - begin;
  assert_true(took >= 0.9 && took < 3.0); /* waited the 1 s grace, no more */
  assert_true(process_gone(stubborn.pid));
  assert_true(process_gone(demo.pid));
  /* The sleep that sh forked went with its process group. */
  assert_true(group_gone(stubborn.pid, 2.0));
  assert_false(find_ref(ch, "stubborn").running);
  plugins_stop(ch); /* idempotent */
  plugins_free(ch);
}

/* In a forked helper: run a manager with one plugin, report the plugin's pid
 * through the pipe, and wait to be killed. */
static _Noreturn void run_helper(int report_fd) {
  channel_config cfg[] = {plugin_cfg("orphan", sleep_argv, false)};
  plugin_manager *ch = plugins_new(cfg, 1, NULL);
  if (!ch || plugins_start(ch) != HIRO_OK) _exit(1);
  plugin_ref ref;
  plugins_provider(ch, &ref, 1);
  if (write(report_fd, &ref.pid, sizeof ref.pid) != sizeof ref.pid) _exit(1);
  for (;;) pause();
}

static void test_plugins_die_with_server(void **state) {
  int report[2];
  assert_int_equal(pipe(report), 0);
  pid_t helper = fork();
  assert_true(helper >= 0);
  if (helper == 0) {
    close(report[0]);
    run_helper(report[1]);
  }
  close(report[1]);
  int plugin_pid = 0;
  assert_int_equal(read(report[0], &plugin_pid, sizeof plugin_pid), sizeof plugin_pid);
  close(report[0]);
  assert_true(plugin_pid > 0);
  assert_int_equal(kill(plugin_pid, 0), 0);

  assert_int_equal(kill(helper, SIGKILL), 0);
  assert_int_equal(waitpid(helper, NULL, 0), helper);
  bool reaped = false;
  for (double deadline = clock_mono() + 2.0; !reaped && clock_mono() < deadline;) {
    if (waitpid(plugin_pid, NULL, WNOHANG) == plugin_pid) reaped = true;
    else sleep_ms(20);
  }
  if (!reaped) kill(plugin_pid, SIGKILL), waitpid(plugin_pid, NULL, 0);
  assert_true(reaped);
}

/* The hex mask on the "field:" line of /proc/<pid>/status. */
static unsigned long long status_mask(int pid, const char *field) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  unsigned long long mask = ~0ULL;
  size_t len = strlen(field);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, field, len) == 0) mask = strtoull(line + len + 1, NULL, 16);
  fclose(f);
  return mask;
}

/* The server blocks SIGTERM (for sigwait) and ignores SIGPIPE; a plugin must
 * inherit neither, or it could never be stopped politely. */
static void test_plugins_get_default_signals(void **state) {
  sigset_t term, old;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, &old);
  void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
  channel_config cfg[] = {plugin_cfg("sleeper", sleep_argv, false)};
  plugin_manager *ch = plugins_new(cfg, 1, NULL);
  assert_non_null(ch);
  assert_int_equal(plugins_start(ch), HIRO_OK);
  int pid = find_ref(ch, "sleeper").pid;
  unsigned long long blocked = status_mask(pid, "SigBlk"), ignored = status_mask(pid, "SigIgn");
  double begin = clock_mono();
  plugins_free(ch);
  signal(SIGPIPE, old_pipe);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  assert_int_equal(blocked, 0);
  assert_int_equal(ignored, 0);
  assert_true(clock_mono() - begin < 1.0); /* SIGTERM worked: no grace wait */
}

static void test_bad_config(void **state) {
  channel_config dup[] = {plugin_cfg("a", sleep_argv, false), plugin_cfg("a", true_argv, false)};
  assert_null(plugins_new(dup, 2, NULL));
  char *empty_argv[] = {NULL};
  channel_config empty[] = {plugin_cfg("a", empty_argv, false)};
  assert_null(plugins_new(empty, 1, NULL));
  plugin_manager *none = plugins_new(NULL, 0, NULL); /* no plugins is fine */
  assert_non_null(none);
  assert_int_equal(plugins_start(none), HIRO_OK);
  assert_int_equal(plugins_start(none), HIRO_EBUSY);
  plugin_ref ref;
  assert_int_equal(plugins_provider(none, &ref, 1), 0);
  plugins_free(none);
  plugins_free(NULL);
  plugin_manager *never = plugins_new(dup, 1, NULL); /* freed without starting */
  assert_non_null(never);
  plugins_free(never);
}

int main(void) {
  log_set_level(HIRO_LOG_WARN);
  /* Orphaned plugins (a dead helper's, a killed sh's sleep) come to us, so
   * the tests can reap them and see them go. */
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_spawn_and_provider),
      cmocka_unit_test(test_kill_and_restart),
      cmocka_unit_test(test_missing_binary),
      cmocka_unit_test(test_restart_rate_is_capped),
      cmocka_unit_test(test_stop_kills_stubborn_plugin),
      cmocka_unit_test(test_plugins_die_with_server),
      cmocka_unit_test(test_plugins_get_default_signals),
      cmocka_unit_test(test_bad_config),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
