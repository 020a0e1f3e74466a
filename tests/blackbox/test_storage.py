"""test_storage - the SQLite recorder seen through the running server: history
from disk tiers with the X-Metrics-* headers, warm restart of the ring, a
SIGKILL during steady writing, status' persistence object, group commit (rows
wait for the flush interval, history serves them from memory meanwhile), and
another program's SQLite file refused with nothing written."""
import os
import signal
import sqlite3
import subprocess
import time
import unittest

from hirotest import BUILD, DEMO, ServerTest, wait_for

GEN = os.path.join(BUILD, "bench_export")


def db_check(path):
    """integrity_check and the raw row count, read-only."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
        rows = con.execute("SELECT count(*) FROM raw_system").fetchone()[0]
        newest = con.execute("SELECT max(ts_ms) FROM raw_system").fetchone()[0]
        return ok, rows, (newest or 0) / 1000.0
    finally:
        con.close()


class DiskTiers(ServerTest):
    """A database holding 3 days at 2 s (generated through the store), then a
    server on it: long ranges come from disk at the tier that fits."""
    config = {"metrics_enabled": True, "metrics_interval": 1.0,
              "metrics_history_size": 60}

    def setUp(self):
        super().setUp()
        db = os.path.join(self.ws.dir, "metrics.db")
        end = int(time.time()) - 120
        start = end - 3 * 86400
        subprocess.run([GEN, "--generate", db, "--days", "3", "--interval", "2",
                        "--start", str(start), "--plugins", "2"], check=True,
                       capture_output=True, timeout=120)
        self.start, self.end = start, end
        self.ws.start_foreground()
        wait_for(lambda: self.ws.get("/metrics").status == 200, 5, what="first snapshot")

    def history(self, query):
        r = self.ws.get("/metrics/history?" + query)
        self.assertEqual(r.status, 200, r.body)
        return r, r.json()

    def test_tier_choice_and_headers(self):
        r, snaps = self.history("minutes=0.5")
        self.assertEqual(r.headers["X-Metrics-Source"], "memory")
        self.assertEqual(r.headers["X-Metrics-Resolution"], "raw")

        r, snaps = self.history("minutes=30")  # 900 raw points on disk fit 1800
        self.assertEqual(r.headers["X-Metrics-Source"], "disk")
        self.assertEqual(r.headers["X-Metrics-Resolution"], "raw")
        self.assertGreater(len(snaps), 700)

        r, snaps = self.history("minutes=1440")  # 24 h: 43,200 raw > 1800 -> 1-minute
        self.assertEqual(r.headers["X-Metrics-Source"], "disk")
        self.assertEqual(r.headers["X-Metrics-Resolution"], "60")
        self.assertLessEqual(len(snaps), 1800)
        stamps = [s["timestamp"] for s in snaps]
        self.assertEqual(stamps, sorted(stamps))
        self.assertTrue(all(t % 60 == 0 for t in stamps[:-1]), "bucket starts")
        self.assertIn("children", snaps[0])

        r, snaps = self.history(f"from={self.start}&to={self.end}&max_points=100")
        self.assertEqual(r.headers["X-Metrics-Resolution"], "3600")
        self.assertLessEqual(len(snaps), 100)

    def test_agg_max_keeps_peaks(self):
        _, avg = self.history("minutes=1440&agg=avg")
        _, mx = self.history("minutes=1440&agg=max")
        _, mn = self.history("minutes=1440&agg=min")
        self.assertEqual(len(avg), len(mx))
        pairs = list(zip(mn, avg, mx))[:-2]  # the newest buckets are still filling
        for lo, mid, hi in pairs:
            self.assertLessEqual(lo["cpu"]["percent"], mid["cpu"]["percent"] + 1e-6)
            self.assertLessEqual(mid["cpu"]["percent"], hi["cpu"]["percent"] + 1e-6)
        self.assertTrue(any(h["cpu"]["percent"] > a["cpu"]["percent"] for _, a, h in pairs))

    def test_status_persistence(self):
        st = self.ws.get("/metrics/status").json()["persistence"]
        self.assertEqual(st["db_path"], os.path.join(self.ws.dir, "metrics.db"))
        self.assertGreater(st["size_bytes"], 0)
        self.assertGreater(st["rows"]["raw"], 100000)
        self.assertGreater(st["rows"]["minute"], 4000)
        self.assertGreater(st["rows"]["hour"], 70)
        # raw retention (48 h) trims the generated third day in small batches
        self.assertGreaterEqual(st["oldest_timestamp"], self.start - 1)
        self.assertLess(st["oldest_timestamp"], time.time() - 47 * 3600)
        self.assertIsNone(st["last_error"])
        self.assertEqual(st["dropped_snapshots"], 0)
        for key in ("queue_depth", "written_snapshots"):
            self.assertIsInstance(st[key], int)


class Restarts(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0,
              "channels": [{"name": "demo", "command": [DEMO], "restart": True}]}

    def test_warm_restart_keeps_history(self):
        self.ws.start()
        wait_for(lambda: self.ws.get("/metrics/status").json()["history_count"] >= 4, 10,
                 what="four snapshots")
        before = self.ws.get("/metrics/history?minutes=5").json()
        self.ws.cli("stop", check=True)
        self.ws.start()
        r = self.ws.get("/metrics/history?minutes=5")
        after = r.json()
        self.assertEqual(r.headers["X-Metrics-Source"], "memory")
        restored = [s["timestamp"] for s in after]
        for snap in before:
            self.assertIn(snap["timestamp"], restored)
        self.assertGreaterEqual(self.ws.get("/metrics/status").json()["history_count"], len(before))
        # restored snapshots keep their plugin rows
        self.assertEqual(after[0]["children"][0]["name"], "demo")

    def test_sigkill_during_writing(self):
        self.ws.start()
        db = os.path.join(self.ws.dir, "metrics.db")
        wait_for(lambda: self.ws.get("/metrics/status").json()["persistence"]["written_snapshots"] >= 5,
                 15, what="five written snapshots")
        latest = self.ws.get("/metrics").json()["timestamp"]
        pid = self.ws.server_pid()
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not self.ws.port_open(), 5, what="server gone")
        ok, rows, newest = db_check(db)
        self.assertEqual(ok, "ok")
        self.assertGreaterEqual(rows, 5)
        # lost at most the last interval or two
        self.assertGreaterEqual(newest, latest - 2.0 - 0.01)
        self.ws.start()
        wait_for(lambda: db_check(db)[1] > rows, 10, what="writing resumed")
        self.assertEqual(db_check(db)[0], "ok")


class GroupCommit(ServerTest):
    """Snapshots wait up to metrics_flush_interval for one commit together;
    the ring serves them meanwhile."""
    FLUSH = 6.0
    config = {"metrics_enabled": True, "metrics_interval": 1.0, "metrics_flush_interval": FLUSH,
              "channels": [{"name": "demo", "command": [DEMO], "restart": True}]}

    def persistence(self):
        return self.ws.get("/metrics/status").json()["persistence"]

    def test_commits_in_groups(self):
        self.ws.start()
        db = os.path.join(self.ws.dir, "metrics.db")
        wait_for(lambda: self.ws.get("/metrics/status").json()["history_count"] >= 3, 10,
                 what="three snapshots")
        p = self.persistence()
        self.assertEqual(p["written_snapshots"], 0)
        self.assertGreaterEqual(p["queue_depth"], 3)
        self.assertEqual(db_check(db)[1], 0)
        snaps = self.ws.get("/metrics/history?minutes=1").json()
        self.assertGreaterEqual(len(snaps), 3)  # from memory, not waiting for the commit
        # One commit for the group once the oldest has waited FLUSH seconds.
        wait_for(lambda: self.persistence()["written_snapshots"] >= 3, self.FLUSH + 5, 0.1,
                 what="the group commit")
        ok, rows, _ = db_check(db)
        self.assertEqual(ok, "ok")
        self.assertGreaterEqual(rows, 3)
        self.assertLessEqual(self.persistence()["queue_depth"], 2)


class ForeignDatabase(ServerTest):
    """Issue 13.2: metrics_db_path naming another program's SQLite file (with a
    user_version of its own) makes start fail and leaves the file byte for
    byte as it was, with no -wal or -shm beside it."""
    config = {"metrics_enabled": True, "metrics_db_path": "app.db"}

    def test_refused_untouched(self):
        path = os.path.join(self.ws.dir, "app.db")
        con = sqlite3.connect(path)
        con.executescript("CREATE TABLE users(id); PRAGMA user_version=1;")
        con.close()
        with open(path, "rb") as f:
            before = f.read()
        r = self.ws.cli("start")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not a hirocli metrics database", r.stdout + r.stderr)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertFalse(os.path.exists(path + "-wal"))
        self.assertFalse(os.path.exists(path + "-shm"))


if __name__ == "__main__":
    unittest.main()
