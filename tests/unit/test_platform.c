/* test_platform.c - the Linux platform layer: the /proc parsers on crafted,
 * truncated and random input; the readers on fixture trees (proc-basic,
 * proc-garbage, proc-missing with sys-basic) and on temporary trees changed
 * between reads; and the real /proc with this process, a killed child and an
 * idle one. */
#define _GNU_SOURCE /* process_vm_writev */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/clock.h"
#include "common/log.h"
#include "platform/linux/proc_parse.h"
#include "platform/platform.h"

/* Fixture CPU times are in clock ticks; samples report nanoseconds. */
#define TICKS_NS(t) ((uint64_t)(t) * (uint64_t)(1000000000L / sysconf(_SC_CLK_TCK)))

#define PROC_BASIC HIRO_FIXTURES "/proc-basic"
#define PROC_GARBAGE HIRO_FIXTURES "/proc-garbage"
#define PROC_MISSING HIRO_FIXTURES "/proc-missing"
#define SYS_BASIC HIRO_FIXTURES "/sys-basic"

/* A valid stat line whose comm is "evil) (name x": fields after the last ')'
 * must be counted, not after the first. */
static const char EVIL_STAT[] =
    "1234 (evil) (name x) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 7 0 98765 "
    "10240000 500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

static uint64_t page_size(void) { return (uint64_t)sysconf(_SC_PAGESIZE); }

/* ---- parsers ---------------------------------------------------------- */

static void test_parse_pid_stat_evil_comm(void **state) {
  proc_stat_fields f;
  assert_int_equal(proc_parse_pid_stat(EVIL_STAT, strlen(EVIL_STAT), &f), HIRO_OK);
  assert_int_equal(f.state, 'S');
  assert_int_equal(f.utime, 250);
  assert_int_equal(f.stime, 50);
  assert_int_equal(f.num_threads, 7);
  assert_int_equal(f.start_ticks, 98765);

  /* A comm may hold a newline and a ") R 1 2" of its own. */
  static const char nasty[] =
      "77 (a\n) R 1 2) Z 1 77 77 0 -1 0 0 0 0 0 3 4 0 0 20 0 2 0 555 0 0 0\n";
  assert_int_equal(proc_parse_pid_stat(nasty, strlen(nasty), &f), HIRO_OK);
  assert_int_equal(f.state, 'Z');
  assert_int_equal(f.utime, 3);
  assert_int_equal(f.stime, 4);
  assert_int_equal(f.num_threads, 2);
  assert_int_equal(f.start_ticks, 555);
}

/* Every prefix of a valid line either fails or, with a newline put back,
 * parses to exactly the right values: never to something plausible but wrong. */
static void test_parse_pid_stat_truncated(void **state) {
  size_t len = strlen(EVIL_STAT);
  char buf[512];
  for (size_t cut = 0; cut < len; cut++) {
    proc_stat_fields f;
    assert_int_equal(proc_parse_pid_stat(EVIL_STAT, cut, &f), HIRO_EPARSE);
    memcpy(buf, EVIL_STAT, cut);
    buf[cut] = '\n';
    hiro_err err = proc_parse_pid_stat(buf, cut + 1, &f);
    if (err == HIRO_OK) {
      assert_int_equal(f.utime, 250);
      assert_int_equal(f.stime, 50);
      assert_int_equal(f.num_threads, 7);
      assert_int_equal(f.start_ticks, 98765);
    } else {
      assert_int_equal(err, HIRO_EPARSE);
    }
  }
  /* Cut in the middle of field 22 itself: "98765" -> "98". */
  static const char cut22[] = "1 (x) S 1 1 1 0 -1 0 0 0 0 0 250 50 0 0 20 0 7 0 98\n";
  proc_stat_fields f;
  assert_int_equal(proc_parse_pid_stat(cut22, strlen(cut22), &f), HIRO_EPARSE);
}

static void test_parse_pid_stat_garbage(void **state) {
  proc_stat_fields f;
  static const char *const bad[] = {
      "",
      "\n",
      "1234 no parens S 1 2 3\n",
      "1234 )backwards( S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21\n",
      "1 (x) 5 1 1 1 0 -1 0 0 0 0 0 250 50 0 0 20 0 7 0 98765 1\n",     /* state not a letter */
      "1 (x) S 1 1 1 0 -1 0 0 0 0 0 2x0 50 0 0 20 0 7 0 98765 1\n",     /* utime not a number */
      "1 (x) S 1 1 1 0 -1 0 0 0 0 0 -250 50 0 0 20 0 7 0 98765 1\n",    /* negative utime */
      "1 (x) S 1 1 1 0 -1 0 0 0 0 0 250 50 0 0 20 0 7 0 98765123456789012345678 1\n",
      "1 (x) S 1 1 1 0 -1 0 0 0 0 0 250 50 0 0 20 0 4294967296 0 98765 1\n", /* threads > INT_MAX */
  };
  for (size_t i = 0; i < HIRO_ARRAY_LEN(bad); i++)
    assert_int_equal(proc_parse_pid_stat(bad[i], strlen(bad[i]), &f), HIRO_EPARSE);
  assert_int_equal(proc_parse_pid_stat(NULL, 0, &f), HIRO_EPARSE);

  /* Largest representable values are fine. */
  static const char big[] = "1 (x) S 1 1 1 0 -1 0 0 0 0 0 18446744073709551615 0 0 0 20 0 "
                            "2147483647 0 18446744073709551615 1\n";
  assert_int_equal(proc_parse_pid_stat(big, strlen(big), &f), HIRO_OK);
  assert_true(f.utime == UINT64_MAX && f.start_ticks == UINT64_MAX);
  assert_int_equal(f.num_threads, 2147483647);
}

static void test_parse_statm(void **state) {
  uint64_t vms, rss;
  static const char ok[] = "2500 300 100 5 0 200 0\n";
  assert_int_equal(proc_parse_pid_statm(ok, strlen(ok), &vms, &rss), HIRO_OK);
  assert_int_equal(vms, 2500);
  assert_int_equal(rss, 300);
  static const char *const bad[] = {"", "2500\n", "2500 300", "x 1\n", "25 3y\n",
                                    "18446744073709551616 1\n"};
  for (size_t i = 0; i < HIRO_ARRAY_LEN(bad); i++)
    assert_int_equal(proc_parse_pid_statm(bad[i], strlen(bad[i]), &vms, &rss), HIRO_EPARSE);
}

static void test_parse_stat_cpu(void **state) {
  cpu_times t;
  /* guest (40) and guest_nice (3) are inside user and nice: not added again. */
  static const char guest[] = "cpu  100 10 50 1000 20 5 5 0 40 3\ncpu0 1 2 3 4\n";
  assert_int_equal(proc_parse_stat_cpu(guest, strlen(guest), &t), HIRO_OK);
  assert_int_equal(t.total, 1190);
  assert_int_equal(t.busy, 170);

  static const char old[] = "cpu 10 0 5 85\n"; /* 2.4 kernels: four fields */
  assert_int_equal(proc_parse_stat_cpu(old, strlen(old), &t), HIRO_OK);
  assert_int_equal(t.total, 100);
  assert_int_equal(t.busy, 15);

  static const char *const bad[] = {
      "", "cpu  1 2 3 4", "cpu0 1 2 3 4\n", "cpu  1 2 3\n", "intr 1 2 3 4\n",
      "cpu  1 2 x 4 5\n", "cpu  18446744073709551615 1 0 0\n", /* sum overflows */
  };
  for (size_t i = 0; i < HIRO_ARRAY_LEN(bad); i++)
    assert_int_equal(proc_parse_stat_cpu(bad[i], strlen(bad[i]), &t), HIRO_EPARSE);
}

static void test_parse_cpu_count(void **state) {
  static const char s[] = "cpu  1 2 3 4\ncpu0 1 2 3 4\ncpu1 1 2 3 4\ncpu12 1 1 1 1\ncpux 1\n"
                          "intr 1\n";
  assert_int_equal(proc_parse_cpu_count(s, strlen(s)), 3);
  assert_int_equal(proc_parse_cpu_count("garbage", 7), 0);
  assert_int_equal(proc_parse_cpu_count(NULL, 0), 0);
}

static void test_parse_meminfo(void **state) {
  mem_info m;
  static const char ok[] = "MemTotal:  1000 kB\nMemFree: 100 kB\nMemAvailable:   600 kB\n";
  assert_int_equal(proc_parse_meminfo(ok, strlen(ok), &m), HIRO_OK);
  assert_int_equal(m.total_bytes, 1000 * 1024);
  assert_int_equal(m.available_bytes, 600 * 1024);

  /* No MemAvailable (kernel < 3.14): MemFree + Buffers + Cached. */
  static const char old[] = "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\n"
                            "Cached: 300 kB\nSwapCached: 5 kB\n";
  assert_int_equal(proc_parse_meminfo(old, strlen(old), &m), HIRO_OK);
  assert_int_equal(m.available_bytes, 420 * 1024);

  static const char *const bad[] = {
      "", "MemTotal: 1000 kB", "MemFree: 100 kB\nMemAvailable: 60 kB\n",
      "MemTotal: lots\nMemAvailable: 1 kB\n", "MemTotal: 1000 MB\nMemAvailable: 1 kB\n",
      "MemTotal: 18446744073709551615 kB\nMemAvailable: 1 kB\n", /* kB x 1024 overflows */
      "MemTotal: 1000 kB\n",                                     /* neither available nor free */
  };
  for (size_t i = 0; i < HIRO_ARRAY_LEN(bad); i++)
    assert_int_equal(proc_parse_meminfo(bad[i], strlen(bad[i]), &m), HIRO_EPARSE);
}

static void test_parse_uptime(void **state) {
  double s = 0;
  assert_int_equal(proc_parse_uptime("12345.67 20000.00\n", 18, &s), HIRO_OK);
  assert_true(s > 12345.66 && s < 12345.68);
  assert_int_equal(proc_parse_uptime("7 1\n", 4, &s), HIRO_OK);
  assert_true(s == 7.0);
  static const char *const bad[] = {"", "12.5", "abc\n", "-1.0 2\n", "1.2x 3\n",
                                    "99999999999999999999999999999999999999.0 1\n"};
  for (size_t i = 0; i < HIRO_ARRAY_LEN(bad); i++)
    assert_int_equal(proc_parse_uptime(bad[i], strlen(bad[i]), &s), HIRO_EPARSE);
}

static const char NET_HEADER[] =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n";

static hiro_err parse_net(const char *body, net_io *out) {
  char buf[2048];
  snprintf(buf, sizeof buf, "%s%s", NET_HEADER, body);
  return proc_parse_net_dev(buf, strlen(buf), out);
}

static void test_parse_net_dev(void **state) {
  net_io n;
  assert_int_equal(parse_net("    lo: 9999 99 0 0 0 0 0 0 9999 99 0 0 0 0 0 0\n"
                             "  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n"
                             " wlan0:500 5 0 0 0 0 0 0 700 7 0 0 0 0 0 0\n"
                             "  lo0: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n",
                             &n),
                   HIRO_OK);
  /* lo is left out; lo0 is not loopback's name and counts. */
  assert_int_equal(n.bytes_recv, 1501);
  assert_int_equal(n.packets_recv, 16);
  assert_int_equal(n.bytes_sent, 2701);
  assert_int_equal(n.packets_sent, 28);

  assert_int_equal(parse_net("", &n), HIRO_OK); /* no interfaces at all */
  assert_int_equal(n.bytes_recv, 0);

  static const char *const bad[] = {
      "  eth0: 1000 10 0 0 0 0 0 0 2000\n",                     /* too few fields */
      "  eth0 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n",       /* no colon */
      "  eth0: 1000 10 0 0 0 0 0 0 2000 2x 0 0 0 0 0 0\n",
      ("  eth0: 18446744073709551615 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n"
       "  eth1: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n"),           /* sum overflows */
      "  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0",       /* no final newline */
  };
  for (size_t i = 0; i < HIRO_ARRAY_LEN(bad); i++) assert_int_equal(parse_net(bad[i], &n), HIRO_EPARSE);
  static const char no_header[] = "  eth0: 1 1 0 0 0 0 0 0 1 1 0 0 0 0 0 0\n";
  assert_int_equal(proc_parse_net_dev(no_header, strlen(no_header), &n), HIRO_EPARSE);
}

static void test_parse_diskstats_line(void **state) {
  const char *name;
  size_t name_len;
  uint64_t rd, wr;
  static const char line[] = " 254       0 vda 32034 7113 2627914 15650 25448 10599 2914160 18714 0";
  assert_int_equal(proc_parse_diskstats_line(line, strlen(line), &name, &name_len, &rd, &wr), HIRO_OK);
  assert_int_equal(name_len, 3);
  assert_memory_equal(name, "vda", 3);
  assert_int_equal(rd, 2627914);
  assert_int_equal(wr, 2914160);
  static const char *const bad[] = {"", "   8 0 sda 1 2 three", "8 0 sda 1 2 3 4 5 6",
                                    "x 0 sda 1 2 3 4 5 6 7", "8 0"};
  for (size_t i = 0; i < HIRO_ARRAY_LEN(bad); i++)
    assert_int_equal(proc_parse_diskstats_line(bad[i], strlen(bad[i]), &name, &name_len, &rd, &wr),
                     HIRO_EPARSE);
}

static void test_parse_u64_bounds(void **state) {
  static const char max[] = "18446744073709551615";
  const char *p = max;
  uint64_t v;
  assert_true(proc_parse_u64(&p, max + strlen(max), &v));
  assert_true(v == UINT64_MAX);
  static const char over[] = "18446744073709551616";
  p = over;
  assert_false(proc_parse_u64(&p, over + strlen(over), &v));
  assert_ptr_equal(p, over);
  static const char huge[] = "99999999999999999999999999999999";
  p = huge;
  assert_false(proc_parse_u64(&p, huge + strlen(huge), &v));
  /* The end bound is respected even with digits beyond it. */
  static const char bounded[] = "12345";
  p = bounded;
  assert_true(proc_parse_u64(&p, bounded + 2, &v));
  assert_int_equal(v, 12);
}

/* Random bytes and mutated real content into every parser: no crash, no
 * out-of-bounds read (each input sits in its own exactly-sized allocation so
 * ASan catches a read past len), only HIRO_OK or HIRO_EPARSE. */
static void test_parse_random_input(void **state) {
  static const char alphabet[] = "0123456789 ()\n:|-.kBcpuMemTotalAvailableSZ\t\xff";
  static const char *const seeds[] = {EVIL_STAT,
                                      "cpu  100 10 50 1000 20 5 5 0 40 3\ncpu0 1 2 3 4\n",
                                      "MemTotal: 1000 kB\nMemAvailable: 600 kB\n",
                                      "Inter-|\n face |\n eth0: 1 2 3 4 5 6 7 8 9 10 11\n",
                                      "8 0 sda 1 2 3 4 5 6 7 8\n", "2500 300 100 5\n"};
  uint32_t rng = 12345;
  for (int iter = 0; iter < 20000; iter++) {
    rng = rng * 1103515245u + 12345u;
    size_t len;
    char *buf;
    if (iter % 2) {
      len = (rng >> 16) % 200;
      buf = malloc(len ? len : 1);
      for (size_t i = 0; i < len; i++) {
        rng = rng * 1103515245u + 12345u;
        buf[i] = alphabet[(rng >> 16) % (sizeof alphabet - 1)];
      }
    } else {
      const char *seed = seeds[(rng >> 16) % HIRO_ARRAY_LEN(seeds)];
      len = strlen(seed);
      buf = malloc(len);
      memcpy(buf, seed, len);
      for (int flips = 0; flips < 3; flips++) {
        rng = rng * 1103515245u + 12345u;
        buf[(rng >> 8) % len] = alphabet[(rng >> 20) % (sizeof alphabet - 1)];
      }
      rng = rng * 1103515245u + 12345u;
      len -= (rng >> 16) % 4 == 0 ? (rng >> 20) % len : 0;
    }
    proc_stat_fields f;
    cpu_times t;
    mem_info m;
    net_io n;
    double d;
    uint64_t a, b;
    const char *name;
    size_t name_len;
    hiro_err errs[] = {
        proc_parse_pid_stat(buf, len, &f),   proc_parse_pid_statm(buf, len, &a, &b),
        proc_parse_stat_cpu(buf, len, &t),   proc_parse_meminfo(buf, len, &m),
        proc_parse_uptime(buf, len, &d),     proc_parse_net_dev(buf, len, &n),
        proc_parse_diskstats_line(buf, len, &name, &name_len, &a, &b),
    };
    for (size_t i = 0; i < HIRO_ARRAY_LEN(errs); i++)
      assert_true(errs[i] == HIRO_OK || errs[i] == HIRO_EPARSE);
    (void)proc_parse_cpu_count(buf, len);
    free(buf);
  }
}

/* ---- fixture trees ---------------------------------------------------- */

static void test_fixture_system(void **state) {
  platform *p = platform_open(PROC_BASIC, SYS_BASIC);
  assert_non_null(p);
  assert_int_equal(platform_cpu_count(p), 4);
  assert_true(platform_clock_ticks_per_sec(p) == (double)sysconf(_SC_CLK_TCK));

  cpu_times t;
  assert_int_equal(platform_read_cpu(p, &t), HIRO_OK);
  assert_int_equal(t.total, 6585);
  assert_int_equal(t.busy, 1385);

  mem_info m;
  assert_int_equal(platform_read_memory(p, &m), HIRO_OK);
  assert_int_equal(m.total_bytes, 16384000ull * 1024);
  assert_int_equal(m.available_bytes, 8192000ull * 1024);

  double up;
  assert_int_equal(platform_uptime(p, &up), HIRO_OK);
  assert_true(up > 12345.6 && up < 12345.7);

  /* vda, sdb, nvme0n1 only: partitions, loop, ram, zram, dm-0, md0 left out. */
  disk_io d;
  assert_int_equal(platform_read_disk_io(p, &d), HIRO_OK);
  assert_int_equal(d.read_bytes, (1000 + 100 + 10) * 512);
  assert_int_equal(d.write_bytes, (2000 + 200 + 20) * 512);

  net_io n;
  assert_int_equal(platform_read_net_io(p, &n), HIRO_OK);
  assert_int_equal(n.bytes_recv, 1500);
  assert_int_equal(n.packets_recv, 15);
  assert_int_equal(n.bytes_sent, 2700);
  assert_int_equal(n.packets_sent, 27);

  /* Reads repeat with the same answer (pread from 0 each time). */
  assert_int_equal(platform_read_net_io(p, &n), HIRO_OK);
  assert_int_equal(n.bytes_recv, 1500);
  assert_int_equal(platform_read_cpu(p, &t), HIRO_OK);
  assert_int_equal(t.total, 6585);
  platform_close(p);
}

static void test_fixture_processes(void **state) {
  platform *p = platform_open(PROC_BASIC, SYS_BASIC);
  assert_non_null(p);

  platform_proc *h = platform_proc_open(p, 1234);
  assert_non_null(h);
  assert_int_equal(platform_proc_pid(h), 1234);
  proc_sample s;
  assert_int_equal(platform_proc_read(h, &s), HIRO_OK);
  assert_int_equal(s.cpu_ns, TICKS_NS(300));
  assert_int_equal(s.num_threads, 7);
  assert_int_equal(s.start_ticks, 98765);
  assert_int_equal(s.rss_bytes, 300 * page_size()); /* statm, not stat field 24 (500) */
  assert_int_equal(s.vms_bytes, 2500 * page_size());
  platform_proc_close(h);

  uint64_t start = 0;
  assert_int_equal(platform_proc_start_ticks(p, 1234, &start), HIRO_OK);
  assert_int_equal(start, 98765);
  /* A zombie keeps its identity; it is simply not alive. */
  assert_int_equal(platform_proc_start_ticks(p, 2222, &start), HIRO_OK);
  assert_int_equal(start, 4242);
  assert_int_equal(platform_proc_start_ticks(p, 9999, &start), HIRO_ENOENT);
  assert_int_equal(platform_proc_start_ticks(p, 3333, &start), HIRO_EPARSE);

  assert_null(platform_proc_open(p, 2222)); /* zombie */
  assert_null(platform_proc_open(p, 3333)); /* truncated stat */
  assert_null(platform_proc_open(p, 9999)); /* vanished */
  assert_null(platform_proc_open(p, -1));
  platform_close(p);
}

/* Count the lines log output wrote to f. */
static int count_lines(FILE *f) {
  fflush(f);
  rewind(f);
  int lines = 0, c;
  while ((c = fgetc(f)) != EOF) lines += c == '\n';
  return lines;
}

static void test_fixture_garbage_logged_once(void **state) {
  FILE *log_file = tmpfile();
  assert_non_null(log_file);
  platform *p = platform_open(PROC_GARBAGE, SYS_BASIC);
  assert_non_null(p);
  log_set_output(log_file);
  for (int tick = 0; tick < 3; tick++) {
    cpu_times t;
    mem_info m;
    double up;
    disk_io d;
    net_io n;
    assert_int_equal(platform_read_cpu(p, &t), HIRO_EPARSE);
    assert_int_equal(platform_read_memory(p, &m), HIRO_EPARSE);
    assert_int_equal(platform_uptime(p, &up), HIRO_EPARSE);
    assert_int_equal(platform_read_disk_io(p, &d), HIRO_EPARSE);
    assert_int_equal(platform_read_net_io(p, &n), HIRO_EPARSE);
  }
  log_set_output(NULL);
  assert_int_equal(count_lines(log_file), 5); /* one per metric, not per tick */
  fclose(log_file);
  /* No stat cpuN lines: the count comes from sysconf. */
  assert_true(platform_cpu_count(p) >= 1);
  platform_close(p);
}

static void test_fixture_missing(void **state) {
  assert_null(platform_open(HIRO_FIXTURES "/does-not-exist", SYS_BASIC));
  platform *p = platform_open(PROC_MISSING, "/nonexistent-sys");
  assert_non_null(p);
  cpu_times t;
  mem_info m;
  disk_io d;
  net_io n;
  double up;
  assert_int_equal(platform_read_cpu(p, &t), HIRO_ENOENT);
  assert_int_equal(platform_read_memory(p, &m), HIRO_ENOENT);
  assert_int_equal(platform_read_disk_io(p, &d), HIRO_ENOENT);
  assert_int_equal(platform_read_net_io(p, &n), HIRO_ENOENT);
  assert_int_equal(platform_uptime(p, &up), HIRO_OK);
  assert_true(up == 5.0);
  assert_int_equal(platform_cpu_count(p), (int)sysconf(_SC_NPROCESSORS_ONLN));
  fs_usage fs;
  assert_int_equal(platform_read_fs_usage(p, "/nonexistent/path", &fs), HIRO_ENOENT);
  platform_close(p);

  /* Without a sys tree no disk can be told from a partition: not reported. */
  p = platform_open(PROC_BASIC, "/nonexistent-sys");
  assert_non_null(p);
  assert_int_equal(platform_read_disk_io(p, &d), HIRO_ENOENT);
  platform_close(p);
}

/* Without <sys>/block, disk I/O is one failure, logged once (at the first
 * read), not once at open and again when read. */
static void test_fixture_no_sys_logged_once(void **state) {
  FILE *log_file = tmpfile();
  assert_non_null(log_file);
  log_set_output(log_file);
  platform *p = platform_open(PROC_BASIC, "/nonexistent-sys");
  assert_non_null(p);
  for (int tick = 0; tick < 3; tick++) {
    disk_io d;
    assert_int_equal(platform_read_disk_io(p, &d), HIRO_ENOENT);
  }
  log_set_output(NULL);
  assert_int_equal(count_lines(log_file), 1);
  fclose(log_file);
  platform_close(p);
}

/* ---- temporary trees changed between reads ---------------------------- */

typedef struct {
  char root[64];
} tmp_tree;

/* Write content to root/rel in place (same inode, so open descriptors see
 * it), creating parent directories. */
static void tree_write(const tmp_tree *t, const char *rel, const char *content) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", t->root, rel);
  for (char *slash = strchr(path + strlen(t->root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
    *slash = '\0';
    mkdir(path, 0755);
    *slash = '/';
  }
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  assert_true(fd >= 0);
  size_t len = strlen(content);
  assert_int_equal(write(fd, content, len), (ssize_t)len);
  close(fd);
}

static void tree_make(tmp_tree *t) {
  snprintf(t->root, sizeof t->root, "/tmp/hiro-test-platform-XXXXXX");
  assert_non_null(mkdtemp(t->root));
}

static void tree_remove(const tmp_tree *t) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->root);
  assert_int_equal(system(cmd), 0);
}

/* The platform over the tree's proc and sys directories. */
static platform *tree_platform(const tmp_tree *t) {
  char proc[128], sys[128];
  snprintf(proc, sizeof proc, "%s/proc", t->root);
  snprintf(sys, sizeof sys, "%s/sys", t->root);
  platform *p = platform_open(proc, sys);
  assert_non_null(p);
  return p;
}

static void test_tree_diskstats_device_added(void **state) {
  tmp_tree t = {{0}};
  tree_make(&t);
  tree_write(&t, "sys/block/sda/device", "x");
  tree_write(&t, "sys/block/sdb/device", "x");
  tree_write(&t, "proc/diskstats", "8 0 sda 1 0 10 0 1 0 20 0 0 0 0\n"
                                   "8 1 sda1 1 0 10 0 1 0 20 0 0 0 0\n");
  platform *p = tree_platform(&t);
  disk_io d;
  assert_int_equal(platform_read_disk_io(p, &d), HIRO_OK);
  assert_int_equal(d.read_bytes, 10 * 512);
  assert_int_equal(d.write_bytes, 20 * 512);

  /* A disk is plugged in: the line count changes and the set is re-resolved. */
  tree_write(&t, "proc/diskstats", "8 0 sda 1 0 11 0 1 0 21 0 0 0 0\n"
                                   "8 1 sda1 1 0 11 0 1 0 21 0 0 0 0\n"
                                   "8 16 sdb 1 0 100 0 1 0 200 0 0 0 0\n");
  assert_int_equal(platform_read_disk_io(p, &d), HIRO_OK);
  assert_int_equal(d.read_bytes, 111 * 512);
  assert_int_equal(d.write_bytes, 221 * 512);

  /* sdb swapped for sdc between two reads: same line count, new name. */
  tree_write(&t, "sys/block/sdc/device", "x");
  tree_write(&t, "proc/diskstats", "8 0 sda 1 0 12 0 1 0 22 0 0 0 0\n"
                                   "8 1 sda1 1 0 12 0 1 0 22 0 0 0 0\n"
                                   "8 32 sdc 1 0 1000 0 1 0 2000 0 0 0 0\n");
  assert_int_equal(platform_read_disk_io(p, &d), HIRO_OK);
  assert_int_equal(d.read_bytes, 1012 * 512);
  assert_int_equal(d.write_bytes, 2022 * 512);

  /* ... and for a loop device, which has no `device`. */
  tree_write(&t, "proc/diskstats", "8 0 sda 1 0 12 0 1 0 22 0 0 0 0\n"
                                   "8 1 sda1 1 0 12 0 1 0 22 0 0 0 0\n"
                                   "7 0 loop0 1 0 1000 0 1 0 2000 0 0 0 0\n");
  assert_int_equal(platform_read_disk_io(p, &d), HIRO_OK);
  assert_int_equal(d.read_bytes, 12 * 512);

  /* Truncated in the middle of a line. */
  tree_write(&t, "proc/diskstats", "8 0 sda 1 0 11 0 1 0 21 0 0 0 0\n8 1 sda1 1 0");
  assert_int_equal(platform_read_disk_io(p, &d), HIRO_EPARSE);
  platform_close(p);
  tree_remove(&t);
}

/* The CPU count is not recounted on every read, but a CPU brought online
 * shows within a minute of reads at 1 s. */
static void test_tree_cpu_count_refresh(void **state) {
  tmp_tree t = {{0}};
  tree_make(&t);
  tree_write(&t, "proc/stat", "cpu  1 0 1 8 0 0 0 0 0 0\ncpu0 1 0 1 4 0 0 0 0 0 0\n"
                              "cpu1 0 0 0 4 0 0 0 0 0 0\nintr 0\n");
  platform *p = tree_platform(&t);
  assert_int_equal(platform_cpu_count(p), 2);
  tree_write(&t, "proc/stat", "cpu  1 0 1 8 0 0 0 0 0 0\ncpu0 1 0 1 4 0 0 0 0 0 0\n"
                              "cpu1 0 0 0 4 0 0 0 0 0 0\ncpu2 0 0 0 0 0 0 0 0 0 0\n"
                              "cpu3 0 0 0 0 0 0 0 0 0 0\nintr 0\n");
  cpu_times ct;
  assert_int_equal(platform_read_cpu(p, &ct), HIRO_OK);
  assert_int_equal(platform_cpu_count(p), 2); /* not recounted on every read */
  int reads = 1;
  while (platform_cpu_count(p) == 2 && reads < 61) {
    assert_int_equal(platform_read_cpu(p, &ct), HIRO_OK);
    reads++;
  }
  assert_int_equal(platform_cpu_count(p), 4);
  assert_true(reads <= 60);
  platform_close(p);
  tree_remove(&t);
}

/* Without swap space /proc/vmstat is not read (its counters cannot move);
 * when swap comes back after the counters moved unseen (a swapoff of the
 * last device reads its pages back in), one read says HIRO_EAGAIN instead of
 * answering a jump, and reads go on normally after that. */
static void tree_swap(const tmp_tree *t, unsigned long swap_kb, unsigned long pswpin) {
  char buf[256];
  snprintf(buf, sizeof buf, "MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 500 kB\n"
           "SwapTotal: %lu kB\nSwapFree: %lu kB\n", swap_kb, swap_kb);
  tree_write(t, "proc/meminfo", buf);
  snprintf(buf, sizeof buf, "nr_free_pages 1\npswpin %lu\npswpout 7\npgfault 9\n", pswpin);
  tree_write(t, "proc/vmstat", buf);
}

static uint64_t swap_in_pages(platform *p, hiro_err want) {
  mem_info m;
  uint64_t in = 0, out = 0;
  assert_int_equal(platform_read_memory(p, &m), HIRO_OK);
  assert_int_equal(platform_read_swap_io(p, &in, &out), want);
  if (want == HIRO_OK) assert_true(out == 7 * page_size());
  return in / page_size();
}

static void test_tree_swap_skipped_without_swap(void **state) {
  tmp_tree t = {{0}};
  tree_make(&t);
  tree_swap(&t, 0, 100);
  platform *p = tree_platform(&t);
  assert_int_equal(swap_in_pages(p, HIRO_OK), 100); /* the first read is real */
  tree_swap(&t, 0, 150);
  assert_int_equal(swap_in_pages(p, HIRO_OK), 100); /* no swap: vmstat not read */
  assert_int_equal(swap_in_pages(p, HIRO_OK), 100);
  tree_swap(&t, 4096, 150);                         /* swap is back, counters moved */
  swap_in_pages(p, HIRO_EAGAIN);
  assert_int_equal(swap_in_pages(p, HIRO_OK), 150);
  tree_swap(&t, 4096, 180);
  assert_int_equal(swap_in_pages(p, HIRO_OK), 180); /* with swap: read every time */
  tree_swap(&t, 0, 180);
  assert_int_equal(swap_in_pages(p, HIRO_OK), 180);
  tree_swap(&t, 4096, 180); /* swapon with nothing moved: no gap at all */
  assert_int_equal(swap_in_pages(p, HIRO_OK), 180);
  platform_close(p);
  tree_remove(&t);
}

/* Files bigger than the initial buffers: reads loop and the buffer grows. */
static void test_tree_big_files(void **state) {
  tmp_tree t = {{0}};
  tree_make(&t);
  size_t cap = 64 * 1024;
  char *net = malloc(cap);
  size_t used = (size_t)snprintf(net, cap, "%s", NET_HEADER);
  for (int i = 0; i < 300; i++)
    used += (size_t)snprintf(net + used, cap - used,
                             "  veth%03d: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n", i);
  tree_write(&t, "proc/net/dev", net);
  used = (size_t)snprintf(net, cap, "cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 1 2 3 4\nintr");
  for (int i = 0; i < 5000; i++) used += (size_t)snprintf(net + used, cap - used, " %d", i);
  snprintf(net + used, cap - used, "\nctxt 1\n");
  tree_write(&t, "proc/stat", net);
  free(net);

  char proc[128];
  snprintf(proc, sizeof proc, "%s/proc", t.root);
  platform *p = platform_open(proc, "/nonexistent-sys");
  assert_non_null(p);
  net_io n;
  for (int round = 0; round < 2; round++) {
    assert_int_equal(platform_read_net_io(p, &n), HIRO_OK);
    assert_int_equal(n.bytes_recv, 300 * 1000);
    assert_int_equal(n.packets_sent, 300 * 20);
  }
  cpu_times c;
  assert_int_equal(platform_read_cpu(p, &c), HIRO_OK);
  assert_int_equal(c.total, 36);
  assert_int_equal(platform_cpu_count(p), 1);
  platform_close(p);
  tree_remove(&t);
}

static const char TREE_STAT_FMT[] =
    "42 (worker) %c 1 42 42 0 -1 0 0 0 0 0 %d 5 0 0 20 0 3 0 %d 1000 10 0 0 0\n";

static void test_tree_process_changes(void **state) {
  tmp_tree t = {{0}};
  tree_make(&t);
  char stat[256], proc[128];
  snprintf(proc, sizeof proc, "%s/proc", t.root);
  snprintf(stat, sizeof stat, TREE_STAT_FMT, 'S', 10, 777);
  tree_write(&t, "proc/42/stat", stat);
  tree_write(&t, "proc/42/statm", "100 20 0 0 0 0 0\n");
  platform *p = platform_open(proc, "/nonexistent-sys");
  assert_non_null(p);
  platform_proc *h = platform_proc_open(p, 42);
  assert_non_null(h);
  proc_sample s;
  assert_int_equal(platform_proc_read(h, &s), HIRO_OK);
  assert_int_equal(s.cpu_ns, TICKS_NS(15));

  snprintf(stat, sizeof stat, TREE_STAT_FMT, 'R', 30, 777); /* it ran */
  tree_write(&t, "proc/42/stat", stat);
  assert_int_equal(platform_proc_read(h, &s), HIRO_OK);
  assert_int_equal(s.cpu_ns, TICKS_NS(35));

  tree_write(&t, "proc/42/stat", "42 (worker) S 1 42 42 0 -1 0 0"); /* truncated */
  assert_int_equal(platform_proc_read(h, &s), HIRO_EPARSE);

  snprintf(stat, sizeof stat, TREE_STAT_FMT, 'S', 1, 888); /* another process, same PID */
  tree_write(&t, "proc/42/stat", stat);
  assert_int_equal(platform_proc_read(h, &s), HIRO_ENOENT);

  snprintf(stat, sizeof stat, TREE_STAT_FMT, 'Z', 30, 777); /* exited, not reaped */
  tree_write(&t, "proc/42/stat", stat);
  assert_int_equal(platform_proc_read(h, &s), HIRO_ENOENT);

  snprintf(stat, sizeof stat, TREE_STAT_FMT, 'S', 30, 777);
  tree_write(&t, "proc/42/stat", stat);
  tree_write(&t, "proc/42/statm", "garbage\n");
  assert_int_equal(platform_proc_read(h, &s), HIRO_EPARSE);
  platform_proc_close(h);
  platform_close(p);
  tree_remove(&t);
}

/* ---- the real /proc --------------------------------------------------- */

static void test_real_system(void **state) {
  platform *p = platform_open("/proc", "/sys");
  assert_non_null(p);
  assert_int_equal(platform_cpu_count(p), (int)sysconf(_SC_NPROCESSORS_ONLN));
  cpu_times t1, t2;
  assert_int_equal(platform_read_cpu(p, &t1), HIRO_OK);
  assert_true(t1.total > 0 && t1.busy <= t1.total);
  mem_info m;
  assert_int_equal(platform_read_memory(p, &m), HIRO_OK);
  assert_true(m.total_bytes > (uint64_t)64 << 20 && m.available_bytes <= m.total_bytes);
  double up;
  assert_int_equal(platform_uptime(p, &up), HIRO_OK);
  assert_true(up > 0);
  fs_usage fs;
  assert_int_equal(platform_read_fs_usage(p, "/", &fs), HIRO_OK);
  assert_true(fs.total_bytes > 0 && fs.used_bytes <= fs.total_bytes);
  assert_true(fs.percent >= 0 && fs.percent <= 100);
  net_io n;
  assert_int_equal(platform_read_net_io(p, &n), HIRO_OK);
  disk_io d;
  hiro_err err = platform_read_disk_io(p, &d); /* no /sys in some containers */
  assert_true(err == HIRO_OK || err == HIRO_ENOENT);
  assert_int_equal(platform_read_cpu(p, &t2), HIRO_OK);
  assert_true(t2.total >= t1.total);
  platform_close(p);
}

static void test_real_self(void **state) {
  platform *p = platform_open("/proc", "/sys");
  assert_non_null(p);
  assert_int_equal(platform_self_pid(), (int)getpid());
  platform_proc *h = platform_proc_open(p, platform_self_pid());
  assert_non_null(h);
  proc_sample s1, s2;
  assert_int_equal(platform_proc_read(h, &s1), HIRO_OK);
  assert_true(s1.rss_bytes > 0);
  assert_true(s1.vms_bytes >= s1.rss_bytes);
  assert_true(s1.num_threads >= 1);
  uint64_t start;
  assert_int_equal(platform_proc_start_ticks(p, getpid(), &start), HIRO_OK);
  assert_true(start == s1.start_ticks);
  volatile uint64_t spin = 0;
  for (uint64_t i = 0; i < 50000000; i++) spin += i;
  (void)spin;
  assert_int_equal(platform_proc_read(h, &s2), HIRO_OK);
  assert_true(s2.cpu_ns >= s1.cpu_ns);
  platform_proc_close(h);
  platform_close(p);
}

static void test_real_child_killed(void **state) {
  platform *p = platform_open("/proc", "/sys");
  assert_non_null(p);
  pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    for (;;) pause();
  }
  platform_proc *h = platform_proc_open(p, child);
  assert_non_null(h);
  proc_sample s;
  assert_int_equal(platform_proc_read(h, &s), HIRO_OK);
  assert_int_equal(s.num_threads, 1);
  uint64_t start;
  assert_int_equal(platform_proc_start_ticks(p, child, &start), HIRO_OK);
  assert_true(start == s.start_ticks);

  assert_int_equal(kill(child, SIGKILL), 0);
  siginfo_t info;
  /* Wait until it is a zombie without reaping it. */
  assert_int_equal(waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT), 0);
  assert_int_equal(platform_proc_read(h, &s), HIRO_ENOENT);
  assert_null(platform_proc_open(p, child));

  int status;
  assert_int_equal(waitpid(child, &status, 0), child);
  assert_int_equal(platform_proc_read(h, &s), HIRO_ENOENT); /* ESRCH on the bound fd */
  assert_int_equal(platform_proc_read(h, &s), HIRO_ENOENT);
  platform_proc_close(h);
  assert_int_equal(platform_proc_start_ticks(p, child, &start), HIRO_ENOENT);
  platform_close(p);
}

/* ---- an idle process is read with one system call ------------------------ */

static double idle_clock_now;
static pid_t idle_pid;

static int kill_idle_child(void **state) {
  clock_override(NULL, NULL);
  if (idle_pid > 0) {
    kill(idle_pid, SIGKILL);
    waitpid(idle_pid, NULL, 0);
  }
  idle_pid = 0;
  return 0;
}
static double idle_clock(void) { return idle_clock_now; }

#define IDLE_MAP (32u << 20)  /* mapped by the child, untouched */
#define IDLE_TOUCH (16u << 20) /* faulted in by the parent or the child */

/* The child maps IDLE_MAP bytes, sends the address, then waits on cmd: each
 * byte received makes it touch the next IDLE_TOUCH bytes itself. */
static void idle_child(int cmd, int reply) {
  char *mem = mmap(NULL, IDLE_MAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) _exit(1);
  if (write(reply, &mem, sizeof mem) != (ssize_t)sizeof mem) _exit(1);
  char c;
  while (read(cmd, &c, 1) == 1) {
    for (size_t i = IDLE_TOUCH; i < IDLE_MAP; i += 4096) mem[i] = 1;
    if (write(reply, &c, 1) != 1) _exit(1);
  }
  _exit(0);
}

/* Resident memory that changes while the process does not run (here: this
 * process writes into it with process_vm_writev, as reclaim or khugepaged
 * could change it) shows after PLATFORM_PROC_REFRESH seconds, not before;
 * memory the process changes itself shows on the next read. */
static void test_real_idle_child(void **state) {
  int cmd[2], reply[2];
  assert_int_equal(pipe(cmd), 0);
  assert_int_equal(pipe(reply), 0);
  pid_t child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    close(cmd[1]); /* EOF on cmd when this test process goes away */
    close(reply[0]);
    idle_child(cmd[0], reply[1]);
  }
  idle_pid = child;
  char *remote = NULL;
  assert_int_equal(read(reply[0], &remote, sizeof remote), (ssize_t)sizeof remote);
  usleep(50 * 1000); /* the child is now blocked in read() */

  platform *p = platform_open("/proc", "/sys");
  assert_non_null(p);
  platform_proc *h = platform_proc_open(p, child);
  assert_non_null(h);
  idle_clock_now = 1000.0;
  clock_override(NULL, idle_clock);
  proc_sample s1, s2, s3, s4;
  assert_int_equal(platform_proc_read(h, &s1), HIRO_OK);

  char *page = calloc(1, IDLE_TOUCH);
  struct iovec local = {page, IDLE_TOUCH}, far = {remote, IDLE_TOUCH};
  ssize_t wrote = process_vm_writev(child, &local, 1, &far, 1, 0);
  free(page);
  assert_int_equal(wrote, (ssize_t)IDLE_TOUCH);

  /* It has not run: one clock read, the previous figures. */
  idle_clock_now += PLATFORM_PROC_REFRESH / 2;
  assert_int_equal(platform_proc_read(h, &s2), HIRO_OK);
  assert_false(platform_proc_fresh(h));
  assert_true(s2.cpu_ns == s1.cpu_ns);
  assert_true(s2.rss_bytes == s1.rss_bytes);
  /* After the refresh period the pages written into it show. */
  idle_clock_now += PLATFORM_PROC_REFRESH;
  assert_int_equal(platform_proc_read(h, &s3), HIRO_OK);
  assert_true(platform_proc_fresh(h));
  assert_true(s3.cpu_ns == s1.cpu_ns);
  assert_true(s3.rss_bytes >= s1.rss_bytes + IDLE_TOUCH - (1u << 20));

  /* The child runs and touches memory itself: seen at once. */
  char c = 'x';
  assert_int_equal(write(cmd[1], &c, 1), 1);
  assert_int_equal(read(reply[0], &c, 1), 1);
  assert_int_equal(platform_proc_read(h, &s4), HIRO_OK);
  assert_true(platform_proc_fresh(h));
  assert_true(s4.cpu_ns > s3.cpu_ns);
  assert_true(s4.rss_bytes >= s3.rss_bytes + IDLE_TOUCH - (1u << 20));
  assert_int_equal(s4.num_threads, 1);

  /* Killed while idle: the exit itself takes CPU time, so the next read is
   * a full one and sees the zombie. */
  assert_int_equal(kill(child, SIGKILL), 0);
  siginfo_t info;
  assert_int_equal(waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT), 0);
  assert_int_equal(platform_proc_read(h, &s4), HIRO_ENOENT);
  clock_override(NULL, NULL);
  assert_int_equal(waitpid(child, NULL, 0), child);
  idle_pid = 0;
  assert_int_equal(platform_proc_read(h, &s4), HIRO_ENOENT);
  platform_proc_close(h);
  platform_close(p);
  close(cmd[0]);
  close(cmd[1]);
  close(reply[0]);
  close(reply[1]);
}

/* ---- a cgroup's member list follows its CPU time ---------------------- */

static char test_cgroup[4300];
static pid_t cg_kids[2];

static int remove_test_cgroup(void **state) {
  clock_override(NULL, NULL);
  for (int i = 0; i < 2; i++)
    if (cg_kids[i] > 0) {
      kill(cg_kids[i], SIGKILL);
      waitpid(cg_kids[i], NULL, 0);
      cg_kids[i] = 0;
    }
  if (test_cgroup[0]) (void)platform_cgroup_remove(test_cgroup);
  test_cgroup[0] = '\0';
  return 0;
}

/* A child that waits for a byte on cmd, then forks a short-lived child of
 * its own (joining and leaving the group, both charged to it). */
static void cgroup_child(int cmd) {
  char c;
  while (read(cmd, &c, 1) == 1) {
    pid_t p = fork();
    if (p == 0) _exit(0);
    if (p > 0) waitpid(p, NULL, 0);
  }
  _exit(0);
}

static void move_into(const char *dir, pid_t pid) {
  int fd = platform_cgroup_open_procs(dir);
  assert_true(fd >= 0);
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%d", (int)pid);
  assert_int_equal(write(fd, buf, (size_t)n), n);
  close(fd);
}

static void test_real_cgroup_members(void **state) {
  char base[4096], why[256];
  if (!platform_cgroup_base(base, sizeof base, why, sizeof why)) {
    print_message("skipped: %s\n", why);
    skip();
  }
  snprintf(test_cgroup, sizeof test_cgroup, "%s/hiro-test-platform-%d", base, (int)getpid());
  if (platform_cgroup_create(test_cgroup) != HIRO_OK) {
    test_cgroup[0] = '\0';
    print_message("skipped: cannot create a group under %s\n", base);
    skip();
  }
  int cmd[2];
  assert_int_equal(pipe(cmd), 0);
  for (int i = 0; i < 2; i++) {
    cg_kids[i] = fork();
    assert_true(cg_kids[i] >= 0);
    if (cg_kids[i] == 0) {
      close(cmd[1]);
      if (i == 0) cgroup_child(cmd[0]);
      for (;;) pause();
    }
  }
  close(cmd[0]);
  move_into(test_cgroup, cg_kids[0]);
  usleep(50 * 1000);
  idle_clock_now = 1000.0;
  clock_override(NULL, idle_clock);
  platform_cgroup *g = platform_cgroup_open(test_cgroup);
  assert_non_null(g);
  uint64_t cpu0, cpu1;
  int pids[8];
  size_t n = 0;
  assert_int_equal(platform_cgroup_read(g, &cpu0, pids, 8, &n), HIRO_OK);
  assert_int_equal(n, 1);
  assert_int_equal(pids[0], cg_kids[0]);

  /* Moved in from outside without running: the list is the last one until
   * the refresh period has passed, then it shows. */
  move_into(test_cgroup, cg_kids[1]);
  idle_clock_now += 1;
  assert_int_equal(platform_cgroup_read(g, &cpu1, pids, 8, &n), HIRO_OK);
  assert_int_equal(n, 1);
  idle_clock_now += PLATFORM_PROC_REFRESH;
  assert_int_equal(platform_cgroup_read(g, &cpu1, pids, 8, &n), HIRO_OK);
  assert_int_equal(n, 2);

  /* A member forks (and reaps) a child: the group's CPU time moves and the
   * list is read at once. */
  idle_clock_now += 1;
  kill(cg_kids[1], SIGKILL);
  waitpid(cg_kids[1], NULL, 0);
  cg_kids[1] = 0;
  assert_int_equal(write(cmd[1], "x", 1), 1);
  uint64_t cpu2 = cpu1;
  for (int tries = 0; tries < 200 && cpu2 == cpu1; tries++) {
    usleep(10 * 1000);
    assert_int_equal(platform_cgroup_read(g, &cpu2, pids, 8, &n), HIRO_OK);
  }
  assert_true(cpu2 > cpu1);
  assert_int_equal(n, 1); /* the killed one is gone, the forked one too */
  assert_int_equal(pids[0], cg_kids[0]);
  close(cmd[1]);
  platform_cgroup_close(g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_pid_stat_evil_comm),
      cmocka_unit_test(test_parse_pid_stat_truncated),
      cmocka_unit_test(test_parse_pid_stat_garbage),
      cmocka_unit_test(test_parse_statm),
      cmocka_unit_test(test_parse_stat_cpu),
      cmocka_unit_test(test_parse_cpu_count),
      cmocka_unit_test(test_parse_meminfo),
      cmocka_unit_test(test_parse_uptime),
      cmocka_unit_test(test_parse_net_dev),
      cmocka_unit_test(test_parse_diskstats_line),
      cmocka_unit_test(test_parse_u64_bounds),
      cmocka_unit_test(test_parse_random_input),
      cmocka_unit_test(test_fixture_system),
      cmocka_unit_test(test_fixture_processes),
      cmocka_unit_test(test_fixture_garbage_logged_once),
      cmocka_unit_test(test_fixture_missing),
      cmocka_unit_test(test_tree_diskstats_device_added),
      cmocka_unit_test(test_fixture_no_sys_logged_once),
      cmocka_unit_test(test_tree_cpu_count_refresh),
      cmocka_unit_test(test_tree_swap_skipped_without_swap),
      cmocka_unit_test(test_tree_big_files),
      cmocka_unit_test(test_tree_process_changes),
      cmocka_unit_test(test_real_system),
      cmocka_unit_test(test_real_self),
      cmocka_unit_test(test_real_child_killed),
      cmocka_unit_test_teardown(test_real_idle_child, kill_idle_child),
      cmocka_unit_test_teardown(test_real_cgroup_members, remove_test_cgroup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
