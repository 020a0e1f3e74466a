/* test_collector.c - the collector end to end: rates over a fixture /proc with
 * a controllable clock, and real children on the real /proc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collector/collector.h"
#include "http/snapshot_json.h"
#include "common/clock.h"
#include "common/log.h"
#include "platform/platform.h"

/* ---- allocations counted (not under ASan, which owns malloc) ---- */

#ifndef __SANITIZE_ADDRESS__
#define COUNT_ALLOCATIONS 1
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static bool counting;
static long allocations;
void *malloc(size_t n) {
  allocations += counting;
  return __libc_malloc(n);
}
void *calloc(size_t count, size_t size) {
  allocations += counting;
  return __libc_calloc(count, size);
}
void *realloc(void *p, size_t n) {
  allocations += counting;
  return __libc_realloc(p, n);
}
#endif

/* ---- a writable fixture tree and a fake clock ---- */

static double fake_now;
static double fake_clock(void) { return fake_now; }

typedef struct {
  char root[256];
  char proc[300], sys[300];
} tree;

static void write_file(const char *dir, const char *name, const char *text) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w"); /* rewrite in place: open fds see the new text */
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void set_counters(tree *t, unsigned long busy, unsigned long idle, unsigned long sectors_read,
                         unsigned long sectors_written, unsigned long rx, unsigned long tx) {
  char buf[1024];
  snprintf(buf, sizeof buf, "cpu  %lu 0 0 %lu 0 0 0 0 0 0\ncpu0 %lu 0 0 %lu 0 0 0 0 0 0\n"
           "intr 0\nbtime 1700000000\n", busy, idle, busy, idle);
  write_file(t->proc, "stat", buf);
  snprintf(buf, sizeof buf,
           "   8       0 sda 10 0 %lu 0 20 0 %lu 0 0 0 0 0 0 0 0 0 0\n"
           "   8       1 sda1 10 0 %lu 0 20 0 %lu 0 0 0 0 0 0 0 0 0 0\n",
           sectors_read, sectors_written, sectors_read, sectors_written);
  write_file(t->proc, "diskstats", buf);
  snprintf(buf, sizeof buf,
           "Inter-|   Receive                                                |  Transmit\n"
           " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
           "    lo: 999999 9999 0 0 0 0 0 0 999999 9999 0 0 0 0 0 0\n"
           "  eth0: %lu %lu 0 0 0 0 0 0 %lu %lu 0 0 0 0 0 0\n",
           rx, rx / 100, tx, tx / 100);
  write_file(t->proc, "net/dev", buf);
}

static void make_tree(tree *t) {
  strcpy(t->root, "/tmp/hiro-collector-XXXXXX");
  assert_non_null(mkdtemp(t->root));
  snprintf(t->proc, sizeof t->proc, "%s/proc", t->root);
  snprintf(t->sys, sizeof t->sys, "%s/sys", t->root);
  char path[600];
  mkdir(t->proc, 0700);
  snprintf(path, sizeof path, "%s/net", t->proc);
  mkdir(path, 0700);
  mkdir(t->sys, 0700);
  snprintf(path, sizeof path, "%s/block", t->sys);
  mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/block/sda", t->sys);
  mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/block/sda/device", t->sys);
  mkdir(path, 0700);
  write_file(t->proc, "meminfo", "MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    250 kB\n");
  write_file(t->proc, "uptime", "1000.00 1500.00\n");
  set_counters(t, 0, 0, 0, 0, 0, 0);
}

static void remove_tree(tree *t) {
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->root);
  assert_int_equal(system(cmd), 0);
}

static void test_rates_with_controlled_clock(void **state) {
  tree t;
  make_tree(&t);
  set_counters(&t, 100, 900, 1000, 2000, 10000, 20000);
  platform *p = platform_open(t.proc, t.sys);
  assert_non_null(p);
  collector *c = collector_new(p, 2.0, 10);
  fake_now = 1000.0;
  clock_override(fake_clock, fake_clock);

  metrics_snapshot s = {0};
  assert_int_equal(collector_tick_once(c, &s), HIRO_ENOENT); /* first tick only primes */

  /* Normal deltas over 2 s: 50 of 100 jiffies busy; 2048 sectors read. */
  set_counters(&t, 150, 950, 1000 + 2048, 2000 + 4096, 10000 + 4000, 20000 + 8000);
  fake_now += 2.0;
  assert_int_equal(collector_tick_once(c, &s), HIRO_OK);
  assert_float_equal(s.cpu.percent, 50.0, 1e-9);
  assert_int_equal(s.cpu.count, 1);
  assert_float_equal(s.memory.percent, 75.0, 1e-9);
  assert_true(s.has_disk && s.has_network);
  assert_float_equal(s.disk.read_bytes_per_sec, 2048 * 512 / 2.0, 1e-6);  /* sda1 not counted */
  assert_float_equal(s.disk.write_bytes_per_sec, 4096 * 512 / 2.0, 1e-6);
  assert_float_equal(s.network.bytes_recv_per_sec, 2000.0, 1e-6);         /* lo not counted */
  assert_float_equal(s.network.bytes_sent_per_sec, 4000.0, 1e-6);
  assert_float_equal(s.timestamp, 1002.0, 1e-9);

  /* Counters went down (wrap/reset/device removed): 0 for this tick. */
  set_counters(&t, 160, 960, 10, 10, 10, 10);
  fake_now += 2.0;
  assert_int_equal(collector_tick_once(c, &s), HIRO_OK);
  assert_float_equal(s.disk.read_bytes_per_sec, 0, 0);
  assert_float_equal(s.network.bytes_sent_per_sec, 0, 0);
  assert_float_equal(s.cpu.percent, 50.0, 1e-9);

  /* Zero elapsed time: no division by zero, rates 0. */
  set_counters(&t, 170, 970, 1000, 1000, 1000, 1000);
  assert_int_equal(collector_tick_once(c, &s), HIRO_OK);
  assert_float_equal(s.disk.read_bytes_per_sec, 0, 0);
  assert_float_equal(s.network.bytes_recv_per_sec, 0, 0);

  clock_override(NULL, NULL);
  snapshot_free(&s);
  collector_free(c);
  platform_close(p);
  remove_tree(&t);
}

/* ---- real children on the real /proc ---- */

typedef struct {
  plugin_ref refs[4];
  size_t n;
} fake_manager;

static size_t provide(void *ctx, plugin_ref *out, size_t max) {
  fake_manager *m = ctx;
  size_t n = m->n < max ? m->n : max;
  memcpy(out, m->refs, n * sizeof *out);
  return n;
}

/* utime+stime of pid in seconds, read here independently of the platform
 * layer, to check the collector's figure against. */
static double cpu_seconds_of(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  const char *p = strrchr(buf, ')');
  assert_non_null(p);
  unsigned long utime = 0, stime = 0;
  assert_int_equal(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime), 2);
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double mono_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Children of the running test, killed by the teardown even when an
 * assertion fails (otherwise they keep ctest's output pipe open). */
static pid_t spawned[8];
static size_t n_spawned;

static pid_t spawn(void (*body)(void)) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    body();
    _exit(0);
  }
  spawned[n_spawned++] = pid;
  return pid;
}

static int kill_spawned(void **state) {
  for (size_t i = 0; i < n_spawned; i++) kill(spawned[i], SIGKILL);
  for (size_t i = 0; i < n_spawned; i++) waitpid(spawned[i], NULL, 0);
  n_spawned = 0;
  return 0;
}

static void body_sleep(void) { for (;;) pause(); }
static void body_busy(void) { for (volatile unsigned long i = 0;; i++) {} }
static void body_alloc(void) {
  size_t n = 50u << 20;
  volatile char *mem = malloc(n);
  for (size_t i = 0; i < n; i += 4096) mem[i] = 1;
  for (;;) pause();
}

static void add_ref(platform *p, fake_manager *m, const char *name, pid_t pid) {
  plugin_ref *r = &m->refs[m->n++];
  memset(r, 0, sizeof *r);
  strcpy(r->name, name);
  r->pid = pid;
  r->running = true;
  assert_int_equal(platform_proc_start_ticks(p, pid, &r->start_ticks), HIRO_OK);
}

static const child_process_metrics *find(const metrics_snapshot *s, const char *name) {
  for (size_t i = 0; i < s->n_children; i++)
    if (strcmp(s->children[i].name, name) == 0) return &s->children[i];
  fail_msg("child %s missing", name);
  return NULL;
}

/* Wait for a snapshot newer than `after` (bounded). */
static void next_snapshot(collector *c, double after, metrics_snapshot *s) {
  for (int i = 0; i < 400; i++) {
    if (collector_latest(c, s) && s->timestamp > after) return;
    usleep(10 * 1000);
  }
  fail_msg("no new snapshot within 4 s");
}

static void test_real_children(void **state) {
  platform *p = platform_open("/proc", "/sys");
  assert_non_null(p);
  fake_manager m = {0};
  pid_t sleeper = spawn(body_sleep), busy = spawn(body_busy), alloc = spawn(body_alloc);
  add_ref(p, &m, "sleeper", sleeper);
  add_ref(p, &m, "busy", busy);
  add_ref(p, &m, "alloc", alloc);
  /* A plugin whose PID now belongs to another process: wrong start time. */
  add_ref(p, &m, "reused", getpid());
  m.refs[3].start_ticks += 12345;
  usleep(300 * 1000); /* let alloc touch its memory */

  collector *c = collector_new(p, 1.0, 100);
  collector_set_child_provider(c, provide, &m);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  assert_int_equal(collector_start(c, true), HIRO_OK);
  metrics_snapshot s = {0};
  next_snapshot(c, 0, &s);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double first = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  assert_true(first < 1.0); /* first snapshot within 1 s of enabling */

  /* Three full-interval ticks. The collector's CPU % for the spinning child
   * must match what the kernel says it got over the same ~3 s (measured here
   * independently); and when the machine let it run, that is > 50 %. (The
   * suite runs tests in parallel on two cores, so the spinner can be starved;
   * then only the agreement is checked.) */
  double busy_sum = 0, cpu0 = cpu_seconds_of(busy), t0w = mono_now();
  for (int i = 0; i < 3; i++) {
    next_snapshot(c, s.timestamp, &s);
    busy_sum += find(&s, "busy")->cpu_percent;
  }
  double measured = (cpu_seconds_of(busy) - cpu0) / (mono_now() - t0w) * 100.0;
  double reported = busy_sum / 3;
  if (fabs(reported - measured) > 20.0)
    fail_msg("collector says %.1f %% CPU for the busy child, the kernel %.1f %%", reported, measured);
  if (measured > 70.0) assert_true(reported > 50.0);
  else print_message("note: the busy child got only %.0f %% CPU (busy machine)\n", measured);
  assert_true(s.has_process);
  assert_int_equal(s.process.pid, getpid());
  assert_true(s.process.rss_bytes > 0 && s.process.num_threads >= 2);
  assert_int_equal(s.n_children, 4);
  assert_true(find(&s, "sleeper")->alive);
  assert_int_equal(find(&s, "sleeper")->pid, sleeper);
  assert_true(find(&s, "alloc")->rss_bytes >= (50u << 20));
  assert_false(find(&s, "reused")->alive);
  assert_true(s.cpu.count >= 1 && s.memory.total_bytes > 0);

  kill(sleeper, SIGKILL);
  waitpid(sleeper, NULL, 0);
  next_snapshot(c, s.timestamp, &s);
  assert_false(find(&s, "sleeper")->alive);
  assert_true(find(&s, "busy")->alive);

  collector_status st;
  collector_get_status(c, &st);
  assert_true(st.enabled && st.history_count >= 3 && st.interval == 1.0);
  collector_set_enabled(c, false);
  assert_false(collector_latest(c, &s)); /* disabled: nothing published */
  assert_int_equal(collector_latest_tick(c), 0);

  collector_free(c);
  kill_spawned(NULL);
  snapshot_free(&s);
  platform_close(p);
}

/* Once the plugin list is stable a tick allocates nothing: the snapshot's
 * children array and the ring's slots are reused. */
static void test_tick_allocates_nothing(void **state) {
#ifdef COUNT_ALLOCATIONS
  platform *p = platform_open("/proc", "/sys");
  assert_non_null(p);
  fake_manager m = {0};
  add_ref(p, &m, "sleeper", spawn(body_sleep));
  add_ref(p, &m, "other", spawn(body_sleep));
  collector *c = collector_new(p, 1.0, 2);
  collector_set_child_provider(c, provide, &m);
  metrics_snapshot s = {0};
  assert_int_equal(collector_tick_once(c, &s), HIRO_ENOENT);
  for (int i = 0; i < 3; i++) assert_int_equal(collector_tick_once(c, &s), HIRO_OK);
  counting = true;
  for (int i = 0; i < 5; i++) (void)collector_tick_once(c, &s);
  counting = false;
  assert_int_equal(s.n_children, 2);
  assert_true(s.children[0].alive && s.children[1].alive);
  assert_int_equal(allocations, 0);
  snapshot_free(&s);
  collector_free(c);
  kill_spawned(NULL);
  platform_close(p);
#else
  skip();
#endif
}

/* A plugin that has not run is not read again (one CPU-clock read): its I/O
 * counters and descriptors are the last ones, its I/O rates 0, and when it
 * does I/O again the rate covers only the tick it happened in. */
static void io_child(int cmd, int ack) {
  char c;
  while (read(cmd, &c, 1) == 1) {
    char path[600];
    snprintf(path, sizeof path, "%s/test_collector_io.%d", HIRO_BIN_DIR, (int)getpid());
    FILE *f = fopen(path, "w");
    if (f) {
      static char block[1 << 20];
      for (int i = 0; i < 4; i++) fwrite(block, 1, sizeof block, f);
      fflush(f);
      fsync(fileno(f));
      fclose(f);
      unlink(path);
    }
    if (write(ack, &c, 1) != 1) _exit(1);
  }
  _exit(0);
}

static void test_idle_plugin_facts(void **state) {
  platform *p = platform_open("/proc", "/sys");
  assert_non_null(p);
  int cmd[2], ack[2];
  assert_int_equal(pipe(cmd), 0);
  assert_int_equal(pipe(ack), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(cmd[1]);
    close(ack[0]);
    io_child(cmd[0], ack[1]);
  }
  spawned[n_spawned++] = pid;
  close(cmd[0]);
  close(ack[1]);
  usleep(50 * 1000);
  fake_manager m = {0};
  add_ref(p, &m, "io", pid);
  collector *c = collector_new(p, 1.0, 4);
  collector_set_child_provider(c, provide, &m);
  fake_now = 1000.0;
  clock_override(fake_clock, fake_clock);
  metrics_snapshot s = {0};
  assert_int_equal(collector_tick_once(c, &s), HIRO_ENOENT);
  int fds = -1;
  for (int i = 0; i < 3; i++) { /* second and third: the idle path */
    fake_now += 1.0;
    assert_int_equal(collector_tick_once(c, &s), HIRO_OK);
    const process_metrics *k = find(&s, "io");
    assert_true(k->alive && k->has_fds && k->open_fds > 0);
    if (fds >= 0) assert_int_equal(k->open_fds, fds);
    fds = k->open_fds;
    if (i > 0) {
      assert_true(k->has_io);
      assert_float_equal(k->io_write_bytes_per_sec, 0, 0);
    }
  }
  uint64_t before = find(&s, "io")->io_write_bytes;
  char x = 'x';
  assert_int_equal(write(cmd[1], &x, 1), 1);
  assert_int_equal(read(ack[0], &x, 1), 1);
  fake_now += 1.0;
  assert_int_equal(collector_tick_once(c, &s), HIRO_OK);
  const process_metrics *k = find(&s, "io");
  assert_true(k->has_io);
  /* The bytes of this one tick over its one second, not over the three
   * seconds since the last full read. */
  assert_float_equal(k->io_write_bytes_per_sec, (double)(k->io_write_bytes - before), 1e-6);
  clock_override(NULL, NULL);
  close(cmd[1]);
  close(ack[0]);
  snapshot_free(&s);
  collector_free(c);
  kill_spawned(NULL);
  platform_close(p);
}

static void test_runtime_configuration(void **state) {
  platform *p = platform_open("/proc", "/sys");
  collector *c = collector_new(p, 1.0, 5);
  assert_int_equal(collector_start(c, true), HIRO_OK);
  metrics_snapshot s = {0};
  next_snapshot(c, 0, &s);
  double interval = 0.2; /* below the floor: clamped to 1.0 */
  size_t size = 2;
  bool enabled = true;
  collector_configure(c, &enabled, &interval, &size);
  collector_status st;
  collector_get_status(c, &st);
  assert_float_equal(st.interval, 1.0, 0);
  assert_int_equal(st.history_size, 2);
  assert_true(collector_latest_tick(c) > 0);
  assert_true(collector_latest(c, &s));
  char *json = snapshot_to_json_string(&s);
  assert_non_null(json);
  assert_non_null(strstr(json, "\"children\":[]"));
  free(json);
  collector_free(c);
  snapshot_free(&s);
  platform_close(p);
}

/* Unreadable system files are logged once each, by the platform layer, not
 * once more by the collector (that was 2 lines per metric), over 4 ticks of
 * a garbage tree; and the figures are null or zero, never made up. */
static void test_failed_reads_logged_once(void **state) {
  FILE *log_file = tmpfile();
  assert_non_null(log_file);
  log_set_output(log_file);
  platform *p = platform_open(HIRO_FIXTURES "/proc-garbage", HIRO_FIXTURES "/sys-basic");
  assert_non_null(p);
  collector *c = collector_new(p, 1.0, 10);
  metrics_snapshot s = {0};
  assert_int_equal(collector_tick_once(c, &s), HIRO_ENOENT);
  for (int tick = 0; tick < 3; tick++) {
    assert_int_equal(collector_tick_once(c, &s), HIRO_OK);
    assert_false(s.has_process);
    assert_false(s.has_disk);
    assert_false(s.has_network);
    assert_true(s.memory.total_bytes == 0);
  }
  log_set_output(NULL);
  fflush(log_file);
  rewind(log_file);
  static const char *const metrics[] = {"CPU times", "memory (meminfo)", "disk I/O", "network",
                                        "the server process"};
  int seen[5] = {0}, lines = 0;
  char line[512], texts[32][400];
  while (fgets(line, sizeof line, log_file)) {
    print_message("log: %s", line);
    const char *text = strstr(line, "warn ");
    assert_non_null(text);
    assert_null(strstr(text, "collector: cannot read")); /* the old second line */
    for (int i = 0; i < lines && i < 32; i++) assert_string_not_equal(texts[i], text);
    if (lines < 32) snprintf(texts[lines], sizeof texts[lines], "%s", text);
    lines++;
    for (int i = 0; i < 5; i++) seen[i] += strstr(text, metrics[i]) != NULL;
  }
  fclose(log_file);
  for (int i = 0; i < 5; i++) assert_int_equal(seen[i], 1);
  snapshot_free(&s);
  collector_free(c);
  platform_close(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rates_with_controlled_clock),
      cmocka_unit_test(test_failed_reads_logged_once),
      cmocka_unit_test_teardown(test_real_children, kill_spawned),
      cmocka_unit_test_teardown(test_tick_allocates_nothing, kill_spawned),
      cmocka_unit_test_teardown(test_idle_plugin_facts, kill_spawned),
      cmocka_unit_test(test_runtime_configuration),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
