"""test_history_cli - `hirocli metrics history` for people (issue 15, point 6):
a short summary by default (min/avg/max/last per process and for the
system, exact whatever the resolution), --rows sized by --limit, --json with
source and resolution, --from/--to in the exporter's forms or as a duration,
--process, and with no server running the database read read-only (and
said so), leaving the file untouched."""
import datetime
import hashlib
import json
import os
import re
import time
import unittest

from historytest import generate, read_db
from hirotest import ServerTest, wait_for


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class HistoryCli(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0, "metrics_history_size": 60}

    def setUp(self):
        super().setUp()
        self.db = os.path.join(self.ws.dir, "metrics.db")
        self.end = time.time() - 1
        generate(self.db, 7200, 1, self.end)  # two hours at 1 s, server + 2 plugins

    def history(self, *args, rc=0):
        p = self.ws.cli("metrics", "history", *args)
        self.assertEqual(p.returncode, rc, p.stdout + p.stderr)
        return p

    def summary_rows(self, text):
        """{(who, figure): [min, avg, max, last]} of a summary table."""
        rows, who = {}, None
        for line in text.splitlines():
            m = re.match(r"^(\S+)?\s+(CPU %|RSS|threads|memory used %|disk read|disk write|"
                         r"network sent|network received)\s+(.*)$", line)
            if not m:
                continue
            who = m.group(1) or who
            rows[(who, m.group(2))] = re.split(r"\s{2,}", m.group(3).strip())
        return rows

    def test_offline_summary_rows_and_json(self):
        before = sha256(self.db)
        p = self.history("--from", "2h")
        self.assertIn("no server running", p.stderr)
        self.assertIn("read-only", p.stderr)
        self.assertIn("source: disk, resolution: 60 s per point", p.stdout)
        self.assertLess(len(p.stdout.splitlines()), 30, "a summary, not one line per point")
        rows = self.summary_rows(p.stdout)
        for who in ("server", "channel-0", "channel-1"):
            for figure in ("CPU %", "RSS", "threads"):
                self.assertEqual(len(rows[(who, figure)]), 4, (who, figure, p.stdout))
        # min and max are the raw extremes, though the answer is 1-minute points
        lo, hi = read_db(self.db, "SELECT min(cpu_percent), max(cpu_percent) FROM v_system_raw "
                         "WHERE ts >= ?", (time.time() - 7200,))[0]
        cpu = rows[("system", "CPU %")]
        self.assertAlmostEqual(float(cpu[0]), lo, delta=0.051)
        self.assertAlmostEqual(float(cpu[2]), hi, delta=0.051)

        p = self.history("--from", "2h", "--rows", "--limit", "5")
        self.assertIn("points from", p.stdout)
        data = [l for l in p.stdout.splitlines() if re.match(r"^[ ~]\d{4}-\d\d-\d\d ", l)]
        self.assertTrue(3 <= len(data) <= 5, p.stdout)
        self.assertIn("SERVER CPU %", p.stdout)

        p = self.history("--from", "2h", "--json")
        doc = json.loads(p.stdout)
        self.assertEqual((doc["source"], doc["server_running"]), ("disk", False))
        self.assertEqual(doc["resolution"], "60")
        self.assertLessEqual(len(doc["points"]), 1800)
        self.assertEqual(sum(pt["samples"] for pt in doc["points"]),
                         read_db(self.db, "SELECT count(*) FROM raw_system WHERE ts_ms BETWEEN ? "
                                 "AND ?", (round(doc["from"] * 1000), round(doc["to"] * 1000)))[0][0])

        p = self.history("--from", "2h", "--process", "channel-1")
        self.assertIn("channel-1", p.stdout)
        self.assertNotIn("channel-0", p.stdout)

        iso = datetime.datetime.fromtimestamp(self.end - 600, datetime.timezone.utc)
        p = self.history("--from", iso.strftime("%Y-%m-%dT%H:%M:%SZ"), "--to", "5m", "--json")
        doc = json.loads(p.stdout)
        self.assertAlmostEqual(doc["from"], int(self.end - 600), delta=1)
        self.assertAlmostEqual(doc["to"], time.time() - 300, delta=5)
        self.assertEqual(doc["resolution"], "raw")

        self.history("--from", "yesterday-ish", rc=2)
        self.history("--limit", "5", rc=2)  # --limit goes with --rows
        self.assertEqual(sha256(self.db), before, "the database was modified")

    def test_running_server(self):
        self.ws.start()
        wait_for(lambda: self.ws.get("/metrics").status == 200, 10, what="a snapshot")
        p = self.history("--minutes", "30", "--json")
        self.assertEqual(p.stderr, "")
        doc = json.loads(p.stdout)
        self.assertTrue(doc["server_running"])
        self.assertEqual(doc["source"], "disk")
        self.assertEqual(doc["resolution"], "raw")
        self.assertGreater(len(doc["points"]), 1500)
        p = self.history("--minutes", "120")
        self.assertIn("resolution: 60 s per point", p.stdout)


if __name__ == "__main__":
    unittest.main()
