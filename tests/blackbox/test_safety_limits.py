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
    config = {"metrics_enabled": False, "metrics_history_size": 1000}

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
        memory, r = self.json_names("minutes=30&max_points=100000")
        self.assertEqual(r.headers.get("X-Metrics-Source"), "memory")
        self.assertEqual(memory, expected)
        disk, r = self.json_names("minutes=30&max_points=5")
        self.assertEqual(r.headers.get("X-Metrics-Source"), "disk")
        self.assertEqual(disk, expected)


if __name__ == "__main__":
    unittest.main()
