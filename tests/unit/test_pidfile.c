/* test_pidfile.c - the workspace's locked pid file: a live holder is
 * reported at once, and a holder that has exited while its lock lingers (a
 * SIGKILLed server whose other threads are still being torn down) does not
 * block the next start. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <cmocka.h>

#include "server/pidfile.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void temp_path(char *buf, size_t n) {
  char dir[] = "/tmp/hiro-pidfile-XXXXXX";
  assert_non_null(mkdtemp(dir));
  pidfile_path(dir, buf, n);
}

static void test_live_holder_is_reported_at_once(void **state) {
  (void)state;
  char path[256];
  temp_path(path, sizeof path);
  hiro_err why;
  char err[256];
  int fd = pidfile_acquire(path, &why, err, sizeof err);
  assert_true(fd >= 0);
  /* flock locks belong to the open file: a second open conflicts even here. */
  double t0 = now_s();
  pidfile_info info;
  assert_int_equal(pidfile_read(path, &info, err, sizeof err), HIRO_OK);
  assert_int_equal(info.pid, getpid());
  assert_int_equal(pidfile_acquire(path, &why, err, sizeof err), -1);
  assert_int_equal(why, HIRO_EBUSY);
  assert_non_null(strstr(err, "already running"));
  assert_true(now_s() - t0 < 1.0);
  pidfile_release(path, fd);
  assert_int_equal(pidfile_read(path, &info, err, sizeof err), HIRO_OK);
  assert_int_equal(info.pid, 0);
}

/* A child takes the lock and records its pid, hands the open file to a
 * grandchild that keeps it for hold_ms, and exits. The child stays a zombie
 * (not reaped yet): it has exited, its lock has not gone. Returns its pid. */
static pid_t exited_holder(const char *path, int hold_ms) {
  int ready[2];
  assert_int_equal(pipe(ready), 0);
  pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) _exit(1);
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d\n", (int)getpid());
    if (pwrite(fd, buf, (size_t)n, 0) != n) _exit(1);
    if (fork() == 0) { /* the grandchild shares the locked open file */
      if (write(ready[1], "x", 1) != 1) _exit(1);
      usleep((useconds_t)hold_ms * 1000);
      _exit(0);
    }
    _exit(0);
  }
  char c;
  assert_int_equal(read(ready[0], &c, 1), 1);
  close(ready[0]);
  close(ready[1]);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  assert_int_equal(waitid(P_PID, (id_t)child, &si, WEXITED | WNOWAIT), 0);
  assert_int_equal(si.si_status, 0);
  return child;
}

static void test_exited_holder_does_not_block_a_start(void **state) {
  (void)state;
  char path[256];
  temp_path(path, sizeof path);
  pid_t child = exited_holder(path, 300);
  double t0 = now_s();
  hiro_err why;
  char err[256];
  int fd = pidfile_acquire(path, &why, err, sizeof err);
  double waited = now_s() - t0;
  assert_true(fd >= 0); /* before: "a server is already running (pid <child>)" */
  assert_true(waited > 0.1 && waited < 3.0);
  pidfile_release(path, fd);
  assert_int_equal(waitpid(child, NULL, 0), child);
}

static void test_exited_holder_reads_as_not_running(void **state) {
  (void)state;
  char path[256];
  temp_path(path, sizeof path);
  pid_t child = exited_holder(path, 300);
  pidfile_info info;
  char err[256];
  assert_int_equal(pidfile_read(path, &info, err, sizeof err), HIRO_OK);
  assert_int_equal(info.pid, 0);
  assert_int_equal(waitpid(child, NULL, 0), child);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_live_holder_is_reported_at_once),
      cmocka_unit_test(test_exited_holder_does_not_block_a_start),
      cmocka_unit_test(test_exited_holder_reads_as_not_running),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
