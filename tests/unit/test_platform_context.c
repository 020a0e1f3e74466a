/* test_platform_context.c - the system context readers: load averages, swap,
 * pressure stall information and the real-filesystem list, on crafted input,
 * on fixture trees (proc-context; proc-nopsi is a kernel without PSI) and
 * through a collector tick on those trees. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "collector/collector.h"
#include "platform/linux/proc_parse.h"
#include "platform/platform.h"

#define PROC_CONTEXT HIRO_FIXTURES "/proc-context"
#define PROC_NOPSI HIRO_FIXTURES "/proc-nopsi"
#define SYS_BASIC HIRO_FIXTURES "/sys-basic"

static hiro_err parse_load(const char *text, load_avg *la) {
  return proc_parse_loadavg(text, strlen(text), la);
}

static void test_loadavg(void **state) {
  load_avg la;
  assert_int_equal(parse_load("0.52 0.58 0.59 3/945 12345\n", &la), HIRO_OK);
  assert_float_equal(la.load1, 0.52, 1e-9);
  assert_float_equal(la.load5, 0.58, 1e-9);
  assert_float_equal(la.load15, 0.59, 1e-9);
  assert_int_equal(la.runnable, 3);
  assert_int_equal(la.tasks, 945);
  assert_int_equal(parse_load("112.00 64.25 8.07 120/20000 1\n", &la), HIRO_OK);
  assert_float_equal(la.load1, 112.0, 1e-9);
  static const char *const bad[] = {"", "0.52 0.58 0.59 3/945 12345", "0.52 0.58\n",
                                    "x 0.58 0.59 3/945 1\n", "0.52 0.58 0.59 3945 1\n",
                                    "0.52 0.58 0.59 /945 1\n", "0.5. 0.58 0.59 3/945 1\n",
                                    "0.52 0.58 0.59 99999999999999999999/1 1\n"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_int_equal(parse_load(bad[i], &la), HIRO_EPARSE);
}

static void test_vmstat_and_meminfo_swap(void **state) {
  static const char vm[] = "nr_free_pages 1\npswpin 250\npswpout 1000\nx 1\n";
  uint64_t in = 9, out = 9;
  assert_int_equal(proc_parse_vmstat_swap(vm, strlen(vm), &in, &out), HIRO_OK);
  assert_int_equal(in, 250);
  assert_int_equal(out, 1000);
  static const char none[] = "nr_free_pages 1\n"; /* a kernel without swap */
  assert_int_equal(proc_parse_vmstat_swap(none, strlen(none), &in, &out), HIRO_OK);
  assert_int_equal(in + out, 0);
  static const char garbage[] = "pswpin lots\n";
  assert_int_equal(proc_parse_vmstat_swap(garbage, strlen(garbage), &in, &out), HIRO_EPARSE);

  static const char mem[] = "MemTotal: 1000 kB\nMemAvailable: 500 kB\nSwapTotal: 2048 kB\n"
                            "SwapFree: 1024 kB\n";
  mem_info mi;
  assert_int_equal(proc_parse_meminfo(mem, strlen(mem), &mi), HIRO_OK);
  assert_int_equal(mi.swap_total_bytes, 2048 * 1024);
  assert_int_equal(mi.swap_free_bytes, 1024 * 1024);
}

static void test_pressure(void **state) {
  static const char io[] = "some avg10=3.00 avg60=2.00 avg300=1.00 total=77000000\n"
                           "full avg10=1.25 avg60=1.00 avg300=0.50 total=33000000\n";
  psi_stats ps;
  assert_int_equal(proc_parse_pressure(io, strlen(io), &ps), HIRO_OK);
  assert_float_equal(ps.some_avg10, 3.0, 1e-9);
  assert_float_equal(ps.full_avg10, 1.25, 1e-9);
  assert_int_equal(ps.some_total_us, 77000000);
  assert_int_equal(ps.full_total_us, 33000000);
  /* cpu before Linux 5.13: no full line. */
  static const char cpu[] = "some avg10=12.50 avg60=3.20 avg300=1.05 total=123456789\n";
  assert_int_equal(proc_parse_pressure(cpu, strlen(cpu), &ps), HIRO_OK);
  assert_float_equal(ps.some_avg10, 12.5, 1e-9);
  assert_int_equal(ps.full_total_us, 0);
  static const char *const bad[] = {"", "some avg10=1.00\n", "full avg10=1 total=2\n",
                                    "some avg10=x total=1\n", "some avg10=1.00 total=1"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_int_equal(proc_parse_pressure(bad[i], strlen(bad[i]), &ps), HIRO_EPARSE);
}

static mount_entry parse_mount(const char *line) {
  mount_entry m;
  assert_int_equal(proc_parse_mountinfo_line(line, strlen(line), &m), HIRO_OK);
  return m;
}

static void test_mountinfo_lines(void **state) {
  mount_entry m = parse_mount("28 27 254:1 / /srv/my\\040data rw,relatime shared:2 master:1 - "
                              "xfs /dev/vdb1 rw");
  assert_string_equal(m.mount, "/srv/my data");
  assert_string_equal(m.fstype, "xfs");
  assert_string_equal(m.source, "/dev/vdb1");
  assert_int_equal(m.major, 254);
  assert_int_equal(m.minor, 1);
  assert_true(m.root_is_slash);
  assert_true(proc_mount_is_real(&m));

  m = parse_mount("29 27 254:0 /var/lib/docker /mnt/bind rw - ext4 /dev/vda rw");
  assert_false(m.root_is_slash);
  static const char *const pseudo[] = {
      "30 27 0:40 / /merged rw - overlay overlay rw,lowerdir=/x",
      "25 24 0:23 / /dev/shm rw - tmpfs tmpfs rw",
      "22 27 0:21 / /proc rw - proc proc rw",
      "24 27 0:6 / /dev rw - devtmpfs devtmpfs rw",
      "31 27 7:3 / /snap/core/123 ro - squashfs /dev/loop3 ro",
  };
  for (size_t i = 0; i < sizeof pseudo / sizeof *pseudo; i++) {
    m = parse_mount(pseudo[i]);
    assert_false(proc_mount_is_real(&m));
  }
  m = parse_mount("33 27 0:46 / /data rw - zfs tank/data rw");
  assert_true(proc_mount_is_real(&m));
  m = parse_mount("32 27 0:45 / /home rw - btrfs /dev/nvme0n1p2 rw,subvol=/home");
  assert_true(proc_mount_is_real(&m)); /* anonymous device numbers, still a disk */

  static const char *const bad[] = {"", "1 2 3", "1 2 x:y / /a rw - ext4 /dev/a rw",
                                    "1 2 8:1 / /a rw ext4 /dev/a rw", "1 2 8:1 / /a rw -"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_int_equal(proc_parse_mountinfo_line(bad[i], strlen(bad[i]), &m), HIRO_EPARSE);
}

static void test_readers_on_fixture(void **state) {
  platform *p = platform_open(PROC_CONTEXT, SYS_BASIC);
  assert_non_null(p);
  load_avg la;
  assert_int_equal(platform_read_load(p, &la), HIRO_OK);
  assert_int_equal(la.tasks, 612);
  uint64_t in, out;
  assert_int_equal(platform_read_swap_io(p, &in, &out), HIRO_OK);
  assert_int_equal(in, 250 * (uint64_t)sysconf(_SC_PAGESIZE));
  assert_int_equal(out, 1000 * (uint64_t)sysconf(_SC_PAGESIZE));
  psi_stats psi[PLATFORM_PSI_COUNT];
  assert_int_equal(platform_read_pressure(p, psi), HIRO_OK);
  assert_float_equal(psi[PLATFORM_PSI_MEMORY].full_avg10, 0.10, 1e-9);
  assert_int_equal(psi[PLATFORM_PSI_IO].some_total_us, 77000000);

  /* Real filesystems, one per device, bind mounts and pseudo filesystems out. */
  char mounts[16][PLATFORM_MOUNT_MAX];
  size_t n = platform_list_filesystems(p, mounts, 16);
  assert_int_equal(n, 4);
  assert_string_equal(mounts[0], "/");
  assert_string_equal(mounts[1], "/srv/my data");
  assert_string_equal(mounts[2], "/home");
  assert_string_equal(mounts[3], "/data");
  assert_int_equal(platform_list_filesystems(p, mounts, 2), 2);
  platform_close(p);

  p = platform_open(PROC_NOPSI, SYS_BASIC);
  assert_int_equal(platform_read_pressure(p, psi), HIRO_ENOENT);
  platform_close(p);
}

/* Two ticks on a fixture tree: counters do not move, so rates are 0, and
 * pressure is absent without /proc/pressure. */
static void tick_twice(const char *proc, metrics_snapshot *s) {
  platform *p = platform_open(proc, SYS_BASIC);
  collector *c = collector_new(p, 1.0, 10);
  assert_int_equal(collector_tick_once(c, s), HIRO_ENOENT); /* primes */
  usleep(20000);
  assert_int_equal(collector_tick_once(c, s), HIRO_OK);
  collector_free(c);
  platform_close(p);
}

static void test_snapshot_groups(void **state) {
  metrics_snapshot s = {0};
  tick_twice(PROC_CONTEXT, &s);
  assert_true(s.has_load && s.has_swap && s.has_pressure);
  assert_float_equal(s.load.load1, 1.52, 1e-9);
  assert_int_equal(s.load.runnable, 3);
  assert_int_equal(s.swap.total_bytes, 2097148ull * 1024);
  assert_int_equal(s.swap.used_bytes, (2097148ull - 1572860ull) * 1024);
  assert_float_equal(s.swap.percent, 25.0, 0.01);
  assert_float_equal(s.swap.in_bytes_per_sec, 0, 0);
  assert_float_equal(s.pressure.cpu_some_avg10, 12.5, 1e-9);
  assert_float_equal(s.pressure.io_full_avg10, 1.25, 1e-9);
  assert_float_equal(s.pressure.io_some_stall_percent, 0, 0);
  snapshot_free(&s);

  tick_twice(PROC_NOPSI, &s);
  assert_true(s.has_load && s.has_swap);
  assert_false(s.has_pressure);
  snapshot_free(&s);
}

static void test_device_parsers(void **state) {
  static const char stat[] = "     320       71     1000      156      254      105     2000      187"
                             "        0      128      356        8        0     2946        9\n";
  disk_dev_io d;
  assert_int_equal(proc_parse_disk_fields(stat, stat + strlen(stat), &d), HIRO_OK);
  assert_int_equal(d.reads, 320);
  assert_int_equal(d.read_bytes, 1000 * 512);
  assert_int_equal(d.writes, 254);
  assert_int_equal(d.write_bytes, 2000 * 512);
  assert_int_equal(d.busy_ms, 128);
  static const char short_stat[] = "1 2 3 4 5 6 7\n"; /* fewer than 10 fields */
  assert_int_equal(proc_parse_disk_fields(short_stat, short_stat + strlen(short_stat), &d),
                   HIRO_EPARSE);

  static const char dev[] =
      "Inter-|   Receive                            |  Transmit\n"
      " face |bytes    packets errs drop fifo frame compressed multicast|bytes packets errs drop\n"
      "    lo:  999999     999    0    0    0     0          0         0   999999     999    0"
      "    0    0     0       0          0\n"
      "  eth0:    1000      10    1    2    0     0          0         0     2000      20    3"
      "    4    0     0       0          0\n"
      " wlan0:500 5 0 0 0 0 0 0 700 7 0 0 0 0 0 0\n";
  net_if_io ifs[4];
  size_t n = 0;
  assert_int_equal(proc_parse_net_dev_each(dev, strlen(dev), ifs, 4, &n), HIRO_OK);
  assert_int_equal(n, 2);
  assert_string_equal(ifs[0].name, "eth0");
  assert_int_equal(ifs[0].bytes_recv, 1000);
  assert_int_equal(ifs[0].bytes_sent, 2000);
  assert_int_equal(ifs[0].errors, 1 + 3);
  assert_int_equal(ifs[0].drops, 2 + 4);
  assert_string_equal(ifs[1].name, "wlan0");
  assert_int_equal(proc_parse_net_dev_each(dev, strlen(dev), ifs, 1, &n), HIRO_OK);
  assert_int_equal(n, 1); /* the rest still parsed (and checked), not listed */
}

/* On the fixture tree the counted disks are vda, sdb and nvme0n1 (they have
 * <sys>/block/NAME/device); the total is their sum. */
static void test_devices_on_fixture(void **state) {
  platform *p = platform_open(HIRO_FIXTURES "/proc-basic", SYS_BASIC);
  disk_io total;
  disk_dev_io devs[8];
  size_t n = 0;
  assert_int_equal(platform_read_disks(p, &total, devs, 8, &n), HIRO_OK);
  assert_int_equal(n, 3);
  uint64_t read = 0, written = 0;
  for (size_t i = 0; i < n; i++) {
    read += devs[i].read_bytes;
    written += devs[i].write_bytes;
  }
  assert_int_equal(read, total.read_bytes);
  assert_int_equal(written, total.write_bytes);
  assert_string_equal(devs[0].name, "vda");
  assert_int_equal(devs[0].busy_ms, 128);
  net_io nt;
  net_if_io ifs[8];
  assert_int_equal(platform_read_interfaces(p, &nt, ifs, 8, &n), HIRO_OK);
  assert_int_equal(n, 2);
  assert_int_equal(ifs[0].bytes_sent + ifs[1].bytes_sent, nt.bytes_sent);
  platform_close(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_loadavg),          cmocka_unit_test(test_vmstat_and_meminfo_swap),
      cmocka_unit_test(test_pressure),         cmocka_unit_test(test_mountinfo_lines),
      cmocka_unit_test(test_readers_on_fixture), cmocka_unit_test(test_snapshot_groups),
      cmocka_unit_test(test_device_parsers),     cmocka_unit_test(test_devices_on_fixture),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
