"""test_system_context.py - the system context beside the plugins (load,
swap, pressure, every real filesystem) checked against the kernel's own
figures on this machine: /proc/loadavg, free -b, /proc/pressure, df. Also
recorded (v_system_raw) and exposed (Prometheus)."""
import os
import sqlite3
import subprocess
import time
import unittest

import hirotest
from hirotest import wait_for


def read(path):
    with open(path) as f:
        return f.read()


def loadavg():
    fields = read("/proc/loadavg").split()
    run, total = fields[3].split("/")
    return [float(x) for x in fields[:3]] + [int(run), int(total)]


def free_swap():
    """(total, used) bytes of swap as free -b prints them."""
    for line in subprocess.run(["free", "-b"], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        if line.startswith("Swap:"):
            total, used = line.split()[1:3]
            return int(total), int(used)
    raise AssertionError("free -b printed no Swap line")


def df():
    """{mount: (size, used, avail, itotal, iused)} for every filesystem df lists."""
    out = {}
    rows = subprocess.run(["df", "-B1", "--output=target,size,used,avail,itotal,iused"],
                          capture_output=True, text=True, check=True).stdout.splitlines()[1:]
    for row in rows:
        parts = row.split()
        out[" ".join(parts[:-5])] = tuple(int(x) if x != "-" else 0 for x in parts[-5:])
    return out


class SystemContext(hirotest.ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0}

    def snapshot(self):
        return wait_for(lambda: self.ws.get("/metrics").status == 200 and
                        self.ws.get("/metrics").json(), 15, what="a snapshot")

    def test_load_matches_proc_loadavg(self):
        self.ws.start()
        self.snapshot()
        # /proc/loadavg changes every 5 s: the figure must equal what it said
        # just before or just after the snapshot was taken.
        for _ in range(5):
            before = loadavg()
            snap = self.ws.get("/metrics").json()
            after = loadavg()
            load = snap["load"]
            got = [load["load1"], load["load5"], load["load15"]]
            if got in (before[:3], after[:3]):
                break
            time.sleep(1.1)
        self.assertIn(got, (before[:3], after[:3]))
        # Task counts move constantly: same order of magnitude.
        self.assertGreater(load["tasks"], 0.5 * before[4])
        self.assertLess(load["tasks"], 2 * after[4] + 50)
        self.assertGreaterEqual(load["runnable"], 1)

    def test_swap_matches_free(self):
        self.ws.start()
        swap = self.snapshot()["swap"]
        total, used = free_swap()
        self.assertEqual(swap["total_bytes"], total)
        self.assertLessEqual(abs(swap["used_bytes"] - used), max(total // 100, 1 << 20))
        if total == 0:
            self.assertEqual(swap["percent"], 0.0)
        self.assertGreaterEqual(swap["in_bytes_per_sec"], 0)
        self.assertGreaterEqual(swap["out_bytes_per_sec"], 0)

    def test_pressure_matches_proc_pressure(self):
        self.ws.start()
        snap = self.snapshot()
        if not os.path.exists("/proc/pressure/cpu"):
            self.assertIsNone(snap["pressure"])
            return
        pressure = wait_for(lambda: self.ws.get("/metrics").json()["pressure"], 10,
                            what="pressure figures")
        def kernel_avg10(res):
            return float(read(f"/proc/pressure/{res}").splitlines()[0].split()[1].split("=")[1])
        # avg10 is an exponential average refreshed every 2 s, and our snapshot
        # is up to one interval old: it lies between readings 1.1 s apart,
        # give or take 2 points of drift.
        for res in ("cpu", "memory", "io"):
            first = kernel_avg10(res)
            time.sleep(1.1)
            got = self.ws.get("/metrics").json()["pressure"][f"{res}_some_avg10"]
            second = kernel_avg10(res)
            self.assertGreaterEqual(got, min(first, second) - 2.0, res)
            self.assertLessEqual(got, max(first, second) + 2.0, res)
            stall = self.ws.get("/metrics").json()["pressure"][f"{res}_some_stall_percent"]
            self.assertGreaterEqual(stall, 0)
            self.assertLessEqual(stall, 100)

    def test_filesystems_match_df(self):
        self.ws.start()
        snap = self.snapshot()
        ours = {f["mount"]: f for f in snap["filesystems"]}
        theirs = df()
        self.assertIn("/", ours)
        for mount, fs in ours.items():
            self.assertIn(mount, theirs, f"{mount} is not a filesystem df knows")
            size, used, avail, itotal, iused = theirs[mount]
            self.assertEqual(fs["total_bytes"], size, mount)
            # Other processes write meanwhile: within 1 % of the size.
            self.assertLessEqual(abs(fs["used_bytes"] - used), size // 100 + 1, mount)
            self.assertLessEqual(abs(fs["free_bytes"] - avail), size // 100 + 1, mount)
            self.assertEqual(fs["inodes_total"], itotal, mount)
            self.assertLessEqual(abs(fs["inodes_used"] - iused), max(itotal // 100, 1000), mount)
        for pseudo in ("/proc", "/sys", "/dev", "/dev/shm"):
            self.assertNotIn(pseudo, ours)
        # The workspace's own filesystem is marked, and only one.
        marked = [m for m, f in ours.items() if f["workspace"]]
        self.assertEqual(len(marked), 1)
        ws_dev = os.stat(self.ws.dir).st_dev
        self.assertEqual(os.stat(marked[0]).st_dev, ws_dev)

    def test_devices_bracketed_by_the_kernel(self):
        """Each disk's and interface's counters (Prometheus) lie between
        /proc/diskstats and /proc/net/dev read before and after the tick that
        took them, and the totals are the sums of the entries."""
        self.ws.start()
        self.snapshot()

        def kernel():
            disks = {}
            for line in read("/proc/diskstats").splitlines():
                f = line.split()
                disks[f[2]] = (int(f[5]) * 512, int(f[9]) * 512)
            ifs = {}
            for line in read("/proc/net/dev").splitlines()[2:]:
                name, rest = line.split(":", 1)
                f = rest.split()
                ifs[name.strip()] = (int(f[8]), int(f[0]))
            return disks, ifs

        before = kernel()
        t0 = time.time()
        wait_for(lambda: self.ws.get("/metrics").json()["timestamp"] > t0 + 0.05, 10,
                 what="a tick after the first kernel read")
        prom = self.ws.get("/metrics/prometheus").body.decode()
        snap = self.ws.get("/metrics").json()
        after = kernel()
        seen = 0
        for line in prom.splitlines():
            for prefix, table, label, index in (
                    ("hiro_disk_device_read_bytes_total", 0, "device", 0),
                    ("hiro_disk_device_written_bytes_total", 0, "device", 1),
                    ("hiro_network_interface_sent_bytes_total", 1, "interface", 0),
                    ("hiro_network_interface_received_bytes_total", 1, "interface", 1)):
                if line.startswith(prefix + "{"):
                    name = line.split('"')[1]
                    value = int(line.split()[-1])
                    lo, hi = before[table][name][index], after[table][name][index]
                    self.assertTrue(lo <= value <= hi, f"{prefix} {name}: {lo} <= {value} <= {hi}")
                    seen += 1
        self.assertGreater(seen, 0)
        self.assertNotIn("lo", [i["interface"] for i in snap["interfaces"]])
        for total, items, keys in (
                (snap["disk"], snap["disks"], ("read_bytes_per_sec", "write_bytes_per_sec")),
                (snap["network"], snap["interfaces"], ("bytes_sent_per_sec", "bytes_recv_per_sec"))):
            for key in keys:
                self.assertAlmostEqual(total[key], sum(i[key] for i in items),
                                       delta=0.1 * (len(items) + 1))
        for d in snap["disks"]:
            self.assertTrue(0 <= d["util_percent"] <= 100)

    def test_recorded_and_exposed(self):
        self.ws.start()
        self.snapshot()
        prom = self.ws.get("/metrics/prometheus").body.decode()
        for family in ("hiro_system_load1", "hiro_system_tasks", "hiro_swap_total_bytes",
                       'hiro_filesystem_size_bytes{mount="/"}'):
            self.assertIn("\n" + family, prom)
        if os.path.exists("/proc/pressure/io"):
            self.assertIn("\nhiro_pressure_io_waiting_seconds_total ", prom)
        self.ws.cli("stop", check=True)
        db = sqlite3.connect(os.path.join(self.ws.dir, "metrics.db"))
        row = db.execute("SELECT load1, tasks_total, swap_total_bytes FROM v_system_raw "
                         "ORDER BY ts DESC LIMIT 1").fetchone()
        db.close()
        self.assertIsNotNone(row[0])
        self.assertGreater(row[1], 0)
        self.assertEqual(row[2], free_swap()[0])


if __name__ == "__main__":
    unittest.main()
