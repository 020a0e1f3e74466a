"""test_history - /metrics/history against the real server, on databases
written through the recorder (issue 15): the resolution follows the data in
the range (databases 10 s, 10 min, 2 h and 3 days old, before and after a
kill -9 and restart), downtime is marked (gap_before), the bucket still
filling is part of every rolled-up answer. test_history_bounds has max_points, the property test, process= and
unknown parameters."""
import time
import unittest

from historytest import HistoryTest, generate, read_db
from hirotest import wait_for


class DatabaseAges(HistoryTest):
    """Case 1: a young database is answered at the resolution its own data
    needs, not by a rollup tier whose floored bucket start looks older."""

    def check_age(self, count, interval, two_days):
        generate(self.db, count, interval, time.time() - 1)
        for phase in ("started", "after kill -9 and restart"):
            with self.subTest(phase=phase):
                self.start_server()
                now = time.time()
                r, snaps = self.history("minutes=5")
                self.assertEqual(r.headers["X-Metrics-Resolution"], "raw")
                recorded = read_db(self.db, "SELECT count(*) FROM raw_system WHERE ts_ms >= ?",
                                   (round((now - 300) * 1000),))[0][0]
                self.assertGreaterEqual(len(snaps), recorded - 3)  # all but a commit or two
                r, snaps = self.history(f"from={now - 2 * 86400:.3f}&to={now:.3f}")
                self.assertEqual(r.headers["X-Metrics-Resolution"], two_days, r.headers)
                self.check_points(snaps, 1800)
                in_range = read_db(self.db, "SELECT count(*) FROM raw_system WHERE ts_ms "
                                   "BETWEEN ? AND ?", (round((now - 2 * 86400) * 1000),
                                                       round(now * 1000)))[0][0]
                self.assertGreaterEqual(sum(s["samples"] for s in snaps), min(in_range, count))
                self.kill_server()

    def test_10_seconds(self):
        self.check_age(10, 1, "raw")

    def test_10_minutes(self):
        self.check_age(600, 1, "raw")

    def test_2_hours(self):
        # 7200 raw rows: 1-minute buckets (finer steps would read more raw
        # rows than the read cap of 2 x 1800).
        self.check_age(7200, 1, "60")

    def test_3_days(self):
        # two days of 1-minute rows (2881) fit in 2-minute buckets (1441).
        self.check_age(3 * 21600, 4, "120")

    def test_server_killed_after_15_seconds(self):
        """The issue's reproduction, plus the downtime it leaves."""
        self.start_server()
        wait_for(lambda: self.ws.get("/metrics/status").json()["history_count"] >= 15, 30,
                 what="15 snapshots")
        self.kill_server()
        time.sleep(2)
        self.start_server()
        wait_for(lambda: self.ws.get("/metrics/status").json()["history_count"] >= 17, 10,
                 what="two more snapshots")
        for query in ("minutes=5", "from=%.3f&to=%.3f" % (time.time() - 2 * 86400, time.time())):
            r, snaps = self.history(query)
            self.assertEqual(r.headers["X-Metrics-Resolution"], "raw", query)
            self.assertGreaterEqual(len(snaps), 16, query)
            gaps = [i for i, s in enumerate(snaps) if s.get("gap_before")]
            # Exactly one gap, where the server was down: the first snapshot
            # of the new run measured its rates over 0.3 s only.
            self.assertEqual(len(gaps), 1, [(s["timestamp"], s["sampling"]) for s in snaps])
            after, before = snaps[gaps[0]], snaps[gaps[0] - 1]
            self.assertGreater(after["timestamp"] - before["timestamp"], 2)
            self.assertLess(after["sampling"]["interval_seconds"], 0.5)


class Downtime(HistoryTest):
    """Case 3: downtime and a disabled collector are marked in every answer."""

    def test_gap_in_raw_and_rolled_up_answers(self):
        now = time.time()
        # one hour, a two-hour hole, one more hour ending now
        generate(self.db, 1800, 2, now - 3 * 3600)
        generate(self.db, 1800, 2, now - 1)
        self.start_server()
        hole_start, hole_end = now - 3 * 3600, now - 3600
        r, snaps = self.history(f"from={hole_start - 100:.3f}&to={hole_end + 100:.3f}")
        self.assertEqual(r.headers["X-Metrics-Resolution"], "raw")
        gaps = [s for s in snaps if s.get("gap_before")]
        self.assertEqual(len(gaps), 1)
        self.assertAlmostEqual(gaps[0]["timestamp"], now - 1 - 1799 * 2, delta=0.01)
        for max_points in (20, 100):
            r, snaps = self.history(f"minutes=300&max_points={max_points}")
            self.assertNotEqual(r.headers["X-Metrics-Resolution"], "raw")
            self.check_points(snaps, max_points)
            width = int(r.headers["X-Metrics-Resolution"])
            gaps = [i for i, s in enumerate(snaps) if s.get("gap_before")]
            self.assertEqual(len(gaps), 1, max_points)
            i = gaps[0]
            self.assertGreater(snaps[i]["timestamp"] - snaps[i - 1]["timestamp"], width)
            for a, b in zip(snaps, snaps[1:]):  # every other step is one bucket
                if not b.get("gap_before"):
                    self.assertEqual(b["timestamp"] - a["timestamp"], width)

    def test_disabled_collector_is_a_gap(self):
        self.start_server()
        wait_for(lambda: self.ws.get("/metrics/status").json()["history_count"] >= 3, 10,
                 what="three snapshots")
        self.assertEqual(self.ws.post("/metrics/configure", {"enabled": False}).status, 200)
        time.sleep(2.5)
        self.assertEqual(self.ws.post("/metrics/configure", {"enabled": True}).status, 200)
        wait_for(lambda: self.ws.get("/metrics/status").json()["history_count"] >= 6, 10,
                 what="three more snapshots")
        r, snaps = self.history("minutes=5")
        gaps = [s for s in snaps if s.get("gap_before")]
        self.assertEqual(len(gaps), 1, snaps)
        self.assertLess(gaps[0]["sampling"]["interval_seconds"], 0.5)  # counters primed anew
        r, snaps = self.history("minutes=5&max_points=3")  # whole seconds: no gap visible
        self.assertFalse(any(s.get("gap_before") for s in snaps))


class NewestBucket(HistoryTest):
    """Case 7: a rolled-up answer includes the bucket still filling."""

    def test_open_bucket_is_included(self):
        generate(self.db, 1800, 1, time.time() - 1)
        self.start_server()
        time.sleep(2)
        now = time.time()
        frm = now - 300
        r, raw = self.history(f"from={frm:.3f}&to={now:.3f}&max_points=100000")
        self.assertEqual(r.headers["X-Metrics-Resolution"], "raw")
        r, snaps = self.history(f"from={frm:.3f}&to={now:.3f}&max_points=6&agg=max")
        width = int(r.headers["X-Metrics-Resolution"])
        self.check_points(snaps, 6)
        last = snaps[-1]
        self.assertTrue(last.get("partial"), last)
        self.assertLessEqual(last["timestamp"], raw[-1]["timestamp"])
        self.assertLess(raw[-1]["timestamp"], last["timestamp"] + width)
        self.assertEqual(sum(s["samples"] for s in snaps), len(raw))
        self.assertEqual(max(s["cpu"]["percent"] for s in snaps),
                         max(s["cpu"]["percent"] for s in raw))
        r, snaps = self.history("minutes=10&max_points=5")
        self.check_points(snaps, 5)
        self.assertGreater(len(snaps), 1)
        self.assertGreaterEqual(snaps[-1]["timestamp"] + int(r.headers["X-Metrics-Resolution"]),
                                time.time() - 2)


if __name__ == "__main__":
    unittest.main()
