"""historytest - helpers of the history black-box tests: databases written
through the recorder (bench_export --generate), direct read-only looks at
them, the documented resolution rule mirrored in Python, and the base class
of the server tests."""
import math
import os
import signal
import sqlite3
import subprocess

from hirotest import BUILD, ServerTest, wait_for

GEN = os.path.join(BUILD, "bench_export")
# Retention that trims nothing: the tests reason about every raw row.
KEEP_ALL = {"raw_hours": 1000000, "minute_days": 100000, "hour_days": 100000}
# The resolutions of an aggregated answer (README, "Resolution"): seconds.
LADDER = ([1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800,
           14400, 21600, 28800, 43200, 86400] + [86400 * 2 ** k for k in range(1, 24)])


def generate(db, count, interval, end, plugins=2):
    """count snapshots interval seconds apart, the last at `end`, through the
    store (raw rows, rollups, views): what a server would have recorded."""
    start = end - (count - 1) * interval
    subprocess.run([GEN, "--generate", db, "--count", str(count), "--interval", str(interval),
                    "--start", "%.3f" % start, "--plugins", str(plugins)],
                   check=True, capture_output=True, timeout=240)


def read_db(db, sql, args=()):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def raw_times_ms(db):
    return [r[0] for r in read_db(db, "SELECT ts_ms FROM raw_system ORDER BY ts_ms")]


def read_cap(max_points):
    return max(2048, 2 * max_points)


def expected_resolution(stamps_ms, ring_oldest_ms, from_s, to_s, max_points):
    """The resolution the server must choose for [from, to] on a database
    whose every snapshot is still a raw row (retention KEEP_ALL), with a ring
    holding the snapshots from ring_oldest_ms on: raw when they fit, else the
    finest ladder step whose aligned buckets fit and that a source holds
    within the read cap (README). Returns (resolution, raw count in range)
    or None for an empty range."""
    frm, to = round(from_s * 1000), round(to_s * 1000)
    lo, hi = max(frm, stamps_ms[0]), min(to, stamps_ms[-1])
    if lo > hi:
        return None
    raw = sum(1 for t in stamps_ms if lo <= t <= hi)
    ring_covers = ring_oldest_ms <= lo
    if raw <= max_points:
        return "raw", raw
    cap = read_cap(max_points)

    def buckets(width_s):
        w = width_s * 1000
        return hi // w - lo // w + 1

    for use_cap in (True, False):
        limit = cap if use_cap else math.inf
        for r in LADDER:
            if buckets(r) > max_points:
                continue
            if ((ring_covers and raw <= limit) or
                    (r % 3600 == 0 and buckets(3600) <= limit) or
                    (r % 60 == 0 and buckets(60) <= limit) or raw <= limit):
                return str(r), raw
    raise AssertionError("no resolution fits")


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
