"""test_history_integral - exact amounts from recorded rates (issue 15, point
4): write to disk at a known rate while the server samples every second,
switch it to every 3 seconds halfway, and check that the bytes the database
says were written (rate x interval per raw row; the rollups' totals) match
/proc/diskstats as this test reads it (within 2 %) and the server's own
counters between two of its snapshots (within 1 %)."""
import os
import threading
import time
import unittest

from historytest import KEEP_ALL, read_db
from hirotest import ServerTest, wait_for

CHUNK = 1 << 20          # written and fsync'd at a time
RATE = 8 * CHUNK         # bytes per second
PHASE = 10               # seconds at 1 s, then at 3 s


def diskstats_written():
    """Bytes written to whole physical disks, counted as the server does:
    devices with /sys/block/NAME/device (no partitions, loop, dm, md, zram)."""
    total = 0
    with open("/proc/diskstats") as f:
        for line in f:
            fields = line.split()
            if os.path.exists(f"/sys/block/{fields[2]}/device"):
                total += int(fields[9]) * 512
    return total


def scrape(ws):
    """(snapshot time, bytes written counter) of the latest snapshot."""
    values = {}
    for line in ws.get("/metrics/prometheus").body.decode().splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values["hiro_snapshot_timestamp_seconds"], values["hiro_disk_written_bytes_total"]


class Integral(ServerTest):
    config = {"metrics_enabled": False, "metrics_interval": 1.0, "metrics_history_size": 600,
              "metrics_retention": KEEP_ALL}

    def writer(self, stop):
        block = os.urandom(CHUNK)
        fd = os.open(os.path.join(self.ws.dir, "ballast"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            t0, n = time.monotonic(), 0
            while not stop.is_set():
                os.pwrite(fd, block, (n % 64) * CHUNK)  # 64 MiB of file, rewritten
                os.fsync(fd)
                n += 1
                delay = t0 + n * CHUNK / RATE - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        finally:
            os.close(fd)

    def newest(self):
        return self.ws.get("/metrics").json()["timestamp"]

    def configure(self, **body):
        self.assertEqual(self.ws.post("/metrics/configure", body).status, 200)

    def test_totals_match_diskstats_across_an_interval_change(self):
        self.ws.start()
        stop = threading.Event()
        thread = threading.Thread(target=self.writer, args=(stop,))
        before = diskstats_written()
        self.configure(enabled=True)
        thread.start()
        try:
            wait_for(lambda: self.ws.get("/metrics").status == 200, 5, what="a snapshot")
            time.sleep(2)
            mark_a = scrape(self.ws)
            time.sleep(PHASE - 2)
            self.configure(interval=3.0)
            time.sleep(PHASE)
            mark_b = scrape(self.ws)
        finally:
            stop.set()
            thread.join()
        # A snapshot measured after the writer stopped, then no more.
        stopped = time.time()
        wait_for(lambda: self.newest() > stopped, 10, 0.05, "a snapshot after the writes")
        self.configure(enabled=False)
        after = diskstats_written()
        self.assertEqual(self.ws.cli("stop").returncode, 0)  # flushes rows and rollups

        db = os.path.join(self.ws.dir, "metrics.db")
        intervals = [r[0] for r in read_db(db, "SELECT interval_seconds FROM v_system_raw")]
        self.assertTrue(any(abs(i - 1) < 0.1 for i in intervals), intervals)
        self.assertTrue(any(abs(i - 3) < 0.1 for i in intervals), intervals)
        recorded = read_db(db, "SELECT sum(disk_write_bytes) FROM v_system_raw")[0][0]
        measured = after - before
        self.assertGreater(measured, RATE * PHASE)  # the writes happened
        self.assertLess(abs(recorded - measured), 0.02 * measured, (recorded, measured))
        # The rollups' totals are the same amount, exactly.
        for view in ("v_system_1m", "v_system_1h"):
            total = read_db(db, f"SELECT sum(disk_write_bytes) FROM {view}")[0][0]
            self.assertAlmostEqual(total, recorded, delta=1e-9 * recorded + 1, msg=view)
        # Between two snapshots, against the server's own counters (what
        # the rates were computed from): only rounding separates them.
        (ta, ca), (tb, cb) = mark_a, mark_b
        between = read_db(db, "SELECT sum(disk_write_bytes) FROM v_system_raw WHERE ts > ? "
                          "AND ts <= ?", (ta + 0.0005, tb + 0.0005))[0][0]
        self.assertLess(abs(between - (cb - ca)), 0.01 * (cb - ca), (between, cb - ca))


if __name__ == "__main__":
    unittest.main()
