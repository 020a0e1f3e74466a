"""test_history_bounds - /metrics/history against the real server (issue 15):
max_points is a hard bound at every size and the resolution is the finest
that fits (a property test over a 3-day database written through the
recorder, with the documented rule mirrored in historytest.py); process=NAME
filters from memory and from every tier; unknown and repeated parameters
are refused with the list of known ones."""
import os
import random
import time
import unittest

from historytest import (KEEP_ALL, HistoryTest, expected_resolution, generate, raw_times_ms,
                         read_db)
from hirotest import DEMO, wait_for


class Bounds(HistoryTest):
    """Case 2: max_points is an upper bound at every size, and the
    resolution is the finest that fits (a property test)."""
    config = {"metrics_enabled": False, "metrics_history_size": 1,
              "metrics_retention": KEEP_ALL}

    def setUp(self):
        super().setUp()
        generate(self.db, 3 * 21600, 4, time.time() - 60)
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



class ProcessFilter(HistoryTest):
    """Case 5: process=NAME (repeatable) from memory and from every tier;
    unknown parameters get 400 with the list of known ones."""
    config = dict(HistoryTest.config,
                  channels=[{"name": "demo", "command": [DEMO], "restart": True},
                            {"name": "idle", "command": ["/bin/sleep", "3600"]}])

    def names(self, snaps):
        return {c["name"] for s in snaps for c in s["children"]}

    def test_filter_everywhere(self):
        generate(self.db, 3 * 21600, 4, time.time() - 5)
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
