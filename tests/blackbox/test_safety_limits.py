"""test_safety_limits - limits that used to fail silently (issue 13, point 8,
the parts that are not the CLI's or the HTTP layer's): one UTF-8 rule for
plugin names in CSV and JSON; a warning when history_size would hold more than
a quarter of the machine's memory; the start-up ring restore streams rows."""
import csv
import io
import os
import subprocess
import time
import unittest

from hirotest import BUILD, EXPORT, ServerTest, wait_for

GEN = os.path.join(BUILD, "bench_export")
BAD_NAME = b"bad\xffname\xc0\xaf"         # a stray byte and an overlong "/"
REPAIRED = "bad\ufffdname\ufffd\ufffd"    # one U+FFFD per invalid byte


class NameEncoding(ServerTest):
    """A plugin name of invalid UTF-8 in the database reads the same (repaired
    with U+FFFD) in JSON history, in memory and from disk, and in CSV."""
    # The ring holds the newest 100 of the 600 generated snapshots, so the
    # last 2 minutes come from memory and 30 minutes from disk.
    config = {"metrics_enabled": False, "metrics_history_size": 100}

    def setUp(self):
        super().setUp()
        self.db = os.path.join(self.ws.dir, "metrics.db")
        now = int(time.time())
        subprocess.run([GEN, "--generate", self.db, "--count", "600", "--interval", "2",
                        "--start", str(now - 1200), "--plugins", "2", "--name0", BAD_NAME],
                       check=True, capture_output=True, timeout=120)

    def csv_names(self, *args):
        p = subprocess.run([EXPORT, "--db", self.db, "--table", "processes", *args],
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        text = p.stdout.decode("utf-8")  # strict: invalid UTF-8 raises
        return {row["name"] for row in csv.DictReader(io.StringIO(text))
                if row["kind"] != "server"}

    def json_names(self, query):
        r = self.ws.get("/metrics/history?" + query)
        self.assertEqual(r.status, 200, r.body[:200])
        snaps = r.json()  # json.loads is strict UTF-8 too
        self.assertGreater(len(snaps), 0)
        return {c["name"] for s in snaps for c in s["children"]}, r

    def test_csv_and_json_apply_one_rule(self):
        expected = {REPAIRED, "channel-1"}
        self.assertEqual(self.csv_names("--resolution", "raw"), expected)
        self.assertEqual(self.csv_names("--resolution", "1m"), expected)
        self.ws.start()
        memory, r = self.json_names("minutes=2&max_points=100000")
        self.assertEqual(r.headers.get("X-Metrics-Source"), "memory")
        self.assertEqual(memory, expected)
        disk, r = self.json_names("minutes=30&max_points=5")
        self.assertEqual(r.headers.get("X-Metrics-Source"), "disk")
        self.assertEqual(disk, expected)


def mem_total():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 0


# Enough plugins that 1,000,000 snapshots exceed a quarter of this machine's
# memory even at a low estimate of 112 bytes per plugin and entry (the
# server's own estimate is higher).
PLUGINS = int(mem_total() * 0.25 / 1_000_000 / 112) + 8


@unittest.skipIf(PLUGINS > 400, "too much memory to reach the warning with plugins")
class HistoryMemoryWarning(ServerTest):
    """history_size that would take over a quarter of RAM is warned about, in
    the log (at start-up and on configure) and in the configure answer."""
    config = {"metrics_enabled": False, "metrics_history_size": 1000000,
              "metrics_persist": False,
              "channels": [{"name": f"p{i}", "command": ["sleep", "600"]}
                           for i in range(PLUGINS)]}

    def test_warns_in_log_and_answer(self):
        self.ws.start()
        log = self.ws.log()
        self.assertIn("warn", log)
        self.assertIn("metrics_history_size 1000000 would hold about", log)
        self.assertIn(f"with {PLUGINS} plugins", log)
        r = self.ws.post("/metrics/configure", {"history_size": 999999})
        self.assertEqual(r.status, 200, r.body)
        body = r.json()
        self.assertEqual(body["history_size"], 999999)
        self.assertEqual(len(body["warnings"]), 1, body)
        self.assertIn("history_size 999999 would hold about", body["warnings"][0])
        self.assertIn("25 %", body["warnings"][0])
        wait_for(lambda: "configure: history_size 999999" in self.ws.log(), 5,
                 what="the warning in server.log")
        # A size that fits: no warning; other fields alone: no warning.
        for change in ({"history_size": 1800}, {"interval": 5}):
            r = self.ws.post("/metrics/configure", change)
            self.assertEqual(r.status, 200, r.body)
            self.assertEqual(r.json()["warnings"], [], change)
        # status itself is unchanged: no warnings key.
        self.assertNotIn("warnings", self.ws.get("/metrics/status").json())


def proc_status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class StreamedRestore(ServerTest):
    """The start-up ring refill streams rows into the ring: peak memory is the
    ring itself, not the ring plus a materialised copy of every row."""
    ROWS = 300_000
    config = {"metrics_enabled": False, "metrics_history_size": ROWS,
              "metrics_retention": {"raw_hours": 1000000}}

    def test_peak_is_the_ring(self):
        db = os.path.join(self.ws.dir, "metrics.db")
        now = int(time.time())
        subprocess.run([GEN, "--generate", db, "--count", str(self.ROWS), "--interval", "1",
                        "--start", str(now - self.ROWS - 60), "--plugins", "1"],
                       check=True, capture_output=True, timeout=120)
        self.ws.start()
        pid = self.ws.server_pid()
        st = self.ws.get("/metrics/status").json()
        self.assertEqual(st["history_count"], self.ROWS)
        peak, now_rss = proc_status_kib(pid, "VmHWM"), proc_status_kib(pid, "VmRSS")
        # Materialising first peaked at ~1.55x the RSS left afterwards.
        self.assertLess(peak, 1.2 * now_rss, f"peak {peak} KiB, after {now_rss} KiB")
        self.assertIn(f"history: {self.ROWS} snapshots restored", self.ws.log())
        # A fixed window of the generated rows (newest at now - 61): minutes=10
        # would shrink as a slow machine (ASan) spends minutes generating.
        r = self.ws.get(f"/metrics/history?from={now - 700}&to={now}")
        self.assertEqual(r.headers.get("X-Metrics-Source"), "memory")
        self.assertGreater(len(r.json()), 500)
        print(f"\nFIGURES restore {{\"rows\": {self.ROWS}, \"peak_kib\": {peak}, "
              f"\"rss_kib\": {now_rss}}}")


if __name__ == "__main__":
    unittest.main()
