"""test_history - /metrics/history against the real server, on databases
written through the recorder (issue 15): the resolution follows the data in
the range (databases 10 s, 10 min, 2 h and 3 days old, before and after a
kill -9 and restart), max_points is a hard bound (and the finest resolution
that fits is chosen: a property test over a 3-day database), downtime is
marked (gap_before), the bucket still filling is part of every rolled-up
answer, process= filters, and unknown parameters are refused."""
import os
import random
import signal
import time
import unittest

from historytest import KEEP_ALL, expected_resolution, generate, raw_times_ms, read_db
from hirotest import DEMO, ServerTest, wait_for


class HistoryTest(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0, "metrics_history_size": 60,
              "metrics_retention": KEEP_ALL}

    @property
    def db(self):
        return os.path.join(self.ws.dir, "metrics.db")

    def history(self, query):
        r = self.ws.get("/metrics/history?" + query)
        self.assertEqual(r.status, 200, f"{query}: {r.body[:300]}")
        return r, r.json()

    def start_server(self):
        self.ws.start()
        wait_for(lambda: self.ws.get("/metrics").status == 200, 10, what="a snapshot")

    def kill_server(self):
        os.kill(self.ws.server_pid(), signal.SIGKILL)
        wait_for(lambda: not self.ws.port_open(), 10, what="the server gone")

    def check_points(self, snaps, max_points):
        self.assertLessEqual(len(snaps), max_points)
        stamps = [s["timestamp"] for s in snaps]
        self.assertEqual(stamps, sorted(set(stamps)), "timestamps strictly increasing")


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
        self.check_age(3 * 43200, 2, "120")

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


class Bounds(HistoryTest):
    """Case 2: max_points is an upper bound at every size, and the
    resolution is the finest that fits (a property test)."""
    config = {"metrics_enabled": False, "metrics_history_size": 1,
              "metrics_retention": KEEP_ALL}

    def setUp(self):
        super().setUp()
        generate(self.db, 3 * 43200, 2, time.time() - 60)
        self.start_server_disabled()

    def start_server_disabled(self):
        self.ws.start()
        wait_for(lambda: self.ws.get("/metrics/status").status == 200, 10, what="the server")

    def test_the_issues_queries(self):
        r, snaps = self.history("minutes=100000&max_points=5")
        self.check_points(snaps, 5)
        self.assertGreaterEqual(len(snaps), 3)
        r, snaps = self.history("minutes=60&max_points=5")
        # an hour in at most 5 points: 15-minute buckets, not one hourly one
        self.assertEqual(r.headers["X-Metrics-Resolution"], "900")
        self.check_points(snaps, 5)
        self.assertGreaterEqual(len(snaps), 4)

    def test_property_random_ranges(self):
        stamps = raw_times_ms(self.db)
        ring_oldest = stamps[-1]  # the ring holds the newest snapshot only
        rng = random.Random(int(os.environ.get("HIRO_HISTORY_SEED", "15")))
        checked = 0
        for _ in range(60):
            span = 10 ** rng.uniform(0, 5.6)  # 1 s .. 4.6 days
            frm = rng.uniform(stamps[0] / 1000 - 86400, stamps[-1] / 1000)
            to = frm + span
            frm, to = round(frm, 3), round(to, 3)
            max_points = rng.choice([1, 2, 3, 5, 7, 10, 37, 100, 500, 1800, 5000])
            want = expected_resolution(stamps, ring_oldest, frm, to, max_points)
            q = f"from={frm:.3f}&to={to:.3f}&max_points={max_points}"
            r, snaps = self.history(q + "&agg=max")
            self.check_points(snaps, max_points)
            if want is None:
                self.assertEqual(snaps, [], q)
                continue
            checked += 1
            self.assertEqual(r.headers["X-Metrics-Resolution"], want[0], q)
            self.assertEqual(sum(s["samples"] for s in snaps), want[1], q)
            if want[1] == 0:  # between two snapshots
                continue
            true_max = read_db(self.db, "SELECT max(cpu_pct_x100) FROM raw_system WHERE ts_ms "
                               "BETWEEN ? AND ?", (round(frm * 1000), round(to * 1000)))[0][0]
            got_max = max(s["cpu"]["percent"] for s in snaps)
            self.assertAlmostEqual(got_max, true_max / 100, places=6, msg=q)
        self.assertGreater(checked, 30)


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


class ProcessFilter(HistoryTest):
    """Case 5: process=NAME (repeatable) from memory and from every tier;
    unknown parameters get 400 with the list of known ones."""
    config = dict(HistoryTest.config,
                  channels=[{"name": "demo", "command": [DEMO], "restart": True},
                            {"name": "idle", "command": ["/bin/sleep", "3600"]}])

    def names(self, snaps):
        return {c["name"] for s in snaps for c in s["children"]}

    def test_filter_everywhere(self):
        generate(self.db, 3 * 43200, 2, time.time() - 5)
        self.start_server()
        wait_for(lambda: len(self.history("minutes=1")[1]) >= 3, 10, what="live snapshots")
        cases = [("minutes=0.5&process=demo", "memory", {"demo"}),
                 ("minutes=0.5&process=demo&process=idle", "memory", {"demo", "idle"}),
                 ("minutes=0.5&process=server", "memory", set()),
                 ("minutes=10&process=channel-1", "disk", {"channel-1"}),        # raw rows
                 ("minutes=600&process=channel-1", "disk", {"channel-1"}),       # 1-minute tier
                 ("minutes=4000&process=channel-0&max_points=50", "disk", {"channel-0"})]  # hours
        resolutions = set()
        for query, source, names in cases:
            r, snaps = self.history(query)
            self.assertEqual(r.headers["X-Metrics-Source"], source, query)
            self.assertTrue(snaps, query)
            self.assertEqual(self.names(snaps), names, query)
            self.assertTrue(all(s["process"] for s in snaps), "the server is always kept")
            resolutions.add(r.headers["X-Metrics-Resolution"])
        self.assertGreaterEqual(len(resolutions), 3, resolutions)

    def test_unknown_and_repeated_parameters(self):
        self.start_server()
        for query in ("proces=demo", "minutes=5&bogus=1", "minutes=1&minutes=2", "process="):
            r = self.ws.get("/metrics/history?" + query)
            self.assertEqual(r.status, 400, query)
        r = self.ws.get("/metrics/history?proces=demo")
        self.assertEqual(r.json()["error"], "unknown parameter 'proces' (known: minutes, from, "
                         "to, process, max_points, agg)")


if __name__ == "__main__":
    unittest.main()
