"""test_safety_numbers - numbers from the network are decimal only and bounded
before any conversion (issue 13, point 5): hex, inf, nan, hex floats and
blanks get 400; a `to` far beyond any data (1e19) is clamped instead of
reaching a float-to-integer cast (undefined behaviour: the ASan+UBSan build
runs with -fsanitize=float-cast-overflow and would kill the server)."""
import os
import subprocess
import time
import unittest

from hirotest import BUILD, ServerTest, pid_alive, wait_for

GEN = os.path.join(BUILD, "bench_export")


class NetworkNumbers(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0, "metrics_history_size": 30}

    def setUp(self):
        super().setUp()
        # Two days at 60 s, ending a while ago: the 1-hour tier has rows, so a
        # long range is answered from it (the path that cast `to` to int64).
        end = int(time.time()) - 600
        subprocess.run([GEN, "--generate", os.path.join(self.ws.dir, "metrics.db"), "--days",
                        "2", "--interval", "60", "--start", str(end - 2 * 86400), "--plugins",
                        "1"], check=True, capture_output=True, timeout=120)
        self.ws.start()
        self.pid = self.ws.server_pid()
        wait_for(lambda: self.ws.get("/metrics").status == 200, 10, what="first snapshot")

    def history(self, query):
        return self.ws.get("/metrics/history?" + query)

    def test_non_decimal_numbers_are_rejected(self):
        bad = ["minutes=0x10", "minutes=0X10", "minutes=inf", "minutes=INF", "minutes=nan",
               "minutes=infinity", "minutes=0x1p4", "minutes=%205", "minutes=5%20",
               "minutes=%2B5", "minutes=1e", "minutes=.", "minutes=-", "minutes=1e%2B",
               "from=0x0&to=100", "to=0x7fffffff", "max_points=0x10", "from=nan",
               "to=inf", "minutes=1_000", "minutes=%EF%BC%91"]
        for q in bad:
            r = self.history(q)
            self.assertEqual(r.status, 400, f"{q}: {r.body[:200]}")
            self.assertIn("error", r.json())
        for q in ["minutes=16", "minutes=0.5", "minutes=.5", "minutes=1e1", "minutes=1E-1",
                  "from=0&to=1e9", "max_points=10"]:
            self.assertEqual(self.history(q).status, 200, q)

    def test_huge_to_is_clamped_not_cast(self):
        r = self.history("from=0&to=1e19")
        self.assertEqual(r.status, 200, r.body[:300])
        rows = r.json()
        # The generated hour buckets are in the range: clamping keeps them,
        # the old cast to int64 turned `to` negative and answered [].
        self.assertGreater(len(rows), 10, r.headers)
        self.assertLessEqual(len(rows), 1800)
        self.assertNotEqual(r.headers.get("X-Metrics-Resolution"), "raw")
        for q in ["from=1e19&to=1e19", "from=0&to=1.7976931348623157e308",
                  "from=9.2233720368547758e18&to=1e300", "minutes=1e300",
                  "from=0&to=9223372036854775808&agg=max"]:
            self.assertEqual(self.history(q).status, 200, q)
        self.assertTrue(pid_alive(self.pid), "server died (UBSan float-cast-overflow?)")
        self.assertNotIn("runtime error", self.ws.log())


if __name__ == "__main__":
    unittest.main()
