"""test_safety_schedule - a configure change takes effect at once (issue 13,
point 4): shortening the interval from an hour to a second does not wait out
the hour that the old interval scheduled."""
import time
import unittest

from hirotest import ServerTest, wait_for


class IntervalChange(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0, "metrics_history_size": 1000,
              "metrics_persist": False}

    def setUp(self):
        super().setUp()
        self.ws.start()
        wait_for(lambda: self.ws.get("/metrics").status == 200, 10, what="first snapshot")

    def count(self):
        return self.ws.get("/metrics/status").json()["history_count"]

    def configure(self, body):
        r = self.ws.post("/metrics/configure", body)
        self.assertEqual(r.status, 200, r.body)
        return r.json()

    def test_shorter_interval_ticks_at_once(self):
        self.assertEqual(self.configure({"interval": 3600})["interval"], 3600)
        time.sleep(2.5)  # a tick begun before the change may still land
        before = self.count()
        time.sleep(1.5)
        self.assertEqual(self.count(), before, "ticked during the hour-long interval")
        t0 = time.monotonic()
        self.assertEqual(self.configure({"interval": 1})["interval"], 1)
        # The last tick was > 1 s ago: the new deadline has passed, so a
        # snapshot comes at once, and then one per second.
        wait_for(lambda: self.count() > before, 5, what="a snapshot after interval 3600 -> 1")
        first = time.monotonic() - t0
        wait_for(lambda: self.count() >= before + 4, 8, what="snapshots every second")
        self.assertLess(first, 2.0)
        print(f"\nFIGURES interval_change {{\"first_snapshot_s\": {first:.2f}}}")

    def test_shorter_interval_counts_from_the_last_tick(self):
        self.configure({"interval": 3600})
        time.sleep(2.5)
        before = self.count()
        self.configure({"interval": 30})  # the last tick was ~2.5 s ago: not due yet
        time.sleep(2)
        self.assertEqual(self.count(), before, "30 s interval ticked early")
        self.configure({"interval": 2})   # now overdue: ticks at once
        wait_for(lambda: self.count() > before, 3, what="a snapshot after interval 30 -> 2")


if __name__ == "__main__":
    unittest.main()
