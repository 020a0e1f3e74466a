"""test_reliability_load - a bounded load run against /metrics and
/metrics/history while the collector and the writer run at the fastest
interval with persistence on: zero errors, no snapshot dropped by the writer,
no gap in the raw tier, server RSS stable across two rounds.

Uses wrk (/usr/bin/wrk, scripts/deps.sh --test) when present, else a small
threaded Python client. HIRO_LONG=1 runs each phase 60 s instead of 8 s.
Figures go to stdout and, when HIRO_RELIABILITY_OUT names a directory, to
load.json there."""
import http.client
import json
import os
import re
import shutil
import sqlite3
import subprocess
import threading
import time
import unittest

from hirotest import DEMO, HIROCLI, ServerTest, wait_for

INTERVAL = 1.0
LONG = os.environ.get("HIRO_LONG", "") not in ("", "0")
PHASE_S = 60 if LONG else 8
with open(HIROCLI, "rb") as _f:
    ASAN = b"__asan_init" in _f.read()
WRK = shutil.which("wrk") or ("/usr/bin/wrk" if os.path.exists("/usr/bin/wrk") else None)


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run_wrk(url, connections, seconds):
    """Returns (requests, errors, requests/s, p99 ms)."""
    p = subprocess.run([WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                       capture_output=True, text=True, timeout=seconds + 30)
    out = p.stdout
    if p.returncode != 0:
        raise AssertionError(f"wrk failed: {p.stderr}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)] if m else -1
    return requests, errors, rps, p99


def run_python(url, connections, seconds):
    """The same figures from a threaded keep-alive client (no wrk)."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    path = "/" + url.split("//")[1].split("/", 1)[1]
    stop = time.monotonic() + seconds
    counts, errors, lat = [0], [0], []
    lock = threading.Lock()

    def client():
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        mine, bad, times = 0, 0, []
        while time.monotonic() < stop:
            t0 = time.monotonic()
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                bad += r.status != 200
            except Exception:  # noqa: BLE001 - counted as an error
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
            times.append(time.monotonic() - t0)
            mine += 1
        conn.close()
        with lock:
            counts[0] += mine
            errors[0] += bad
            lat.extend(times)
    threads = [threading.Thread(target=client) for _ in range(min(connections, 16))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 30)
    lat.sort()
    return counts[0], errors[0], counts[0] / seconds, lat[int(len(lat) * 0.99)] * 1000 if lat else -1


class LoadWhileRecording(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": INTERVAL, "metrics_persist": True,
              "channels": [{"name": "demo", "command": [DEMO, "--cpu-ms", "5", "--mem-mib", "4"],
                            "restart": True}]}

    def status(self):
        return self.ws.get("/metrics/status").json()

    def test_load_zero_errors_no_drops_stable_rss(self):
        proc = self.ws.start_foreground()
        pid = proc.pid
        wait_for(lambda: self.status()["history_count"] >= 3, 10, what="three snapshots")
        load = run_wrk if WRK else run_python
        phases = [("/metrics", 32), ("/metrics/history?minutes=60", 8),
                  ("/metrics/history?minutes=1440&max_points=500", 8)]
        t_begin = time.time()
        before = self.status()["persistence"]
        rss = [rss_kib(pid)]
        results = {}
        for rnd in range(2):
            for path, conns in phases:
                req, err, rps, p99 = load(self.ws.url + path, conns, PHASE_S)
                key = f"{path} round {rnd + 1}"
                results[key] = {"requests": req, "errors": err, "req_per_s": round(rps),
                                "p99_ms": round(p99, 2), "connections": conns}
                self.assertEqual(err, 0, key)
                self.assertGreater(req, 0, key)
            rss.append(rss_kib(pid))
        t_end = time.time()
        time.sleep(INTERVAL + 0.5)  # let the writer commit the last tick
        after = self.status()["persistence"]
        self.assertEqual(after["dropped_snapshots"], 0)
        self.assertIsNone(after["last_error"])
        written = after["written_snapshots"] - before["written_snapshots"]
        expected = (t_end - t_begin) / INTERVAL
        self.assertGreaterEqual(written, expected - 2, "collector or writer fell behind")

        db_path = os.path.join(self.ws.dir, "metrics.db")
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
            stamps = [r[0] / 1000 for r in db.execute(
                "SELECT ts_ms FROM raw_system WHERE ts_ms BETWEEN ? AND ? ORDER BY ts_ms",
                (int(t_begin * 1000), int(t_end * 1000)))]
        worst_gap = max(b - a for a, b in zip(stamps, stamps[1:]))
        self.assertLessEqual(worst_gap, 2 * INTERVAL, "a tick was late or lost under load")
        # RSS stable: the second round (same work) does not keep growing.
        # (Not under ASan: its quarantine keeps up to 256 MB of freed memory.)
        growth_second_round = rss[2] - rss[1]
        if not ASAN:
            self.assertLess(growth_second_round, 4 * 1024, f"RSS kept growing: {rss} KiB")

        total = sum(r["requests"] for r in results.values())
        figures = {"asan": ASAN, "client": "wrk" if WRK else "python", "phase_seconds": PHASE_S,
                   "interval": INTERVAL, "requests_total": total,
                   "errors_total": sum(r["errors"] for r in results.values()),
                   "snapshots_written": written, "snapshots_dropped": after["dropped_snapshots"],
                   "worst_gap_s": round(worst_gap, 3), "rss_kib_start_round1_round2": rss,
                   "phases": results}
        print("\nFIGURES load " + json.dumps(figures))
        out = os.environ.get("HIRO_RELIABILITY_OUT")
        if out:
            with open(os.path.join(out, "load.json"), "w") as f:
                json.dump(figures, f, indent=1)


if __name__ == "__main__":
    unittest.main()
