#!/usr/bin/env python3
"""tools/bench/write_bytes.py - physical disk writes of a real recording server
per snapshot: /proc/PID/io write_bytes (bytes the server caused to be sent to
the block layer: page-cache pages it dirtied, charged once per clean->dirty
transition) over a window, divided by the snapshots committed in that window,
next to the raw tier's own bytes per snapshot (dbstat) and the whole-server
CPU over the same window (schedstat sum of all threads).

    tools/bench/write_bytes.py [--build DIR] [--plugins N] [--interval S]
        [--seconds S] [--warmup S] [--prefill-hours H] [--set KEY=JSON ...]

The plugins are `sleep 3600` processes (the cheapest plugin there is), the
workspace a fresh directory under $TMPDIR (which must not be a tmpfs: tmpfs
pages are never charged to write_bytes). --set adds config.json keys, e.g.
--set metrics_flush_interval=0. --prefill-hours 48 first writes 48 hours of
snapshots ending now (bench_export --generate), so raw retention deletes as
much as the server adds: the steady state of a server that has run for days.
Talks only to 127.0.0.1; stops what it starts.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics/status", timeout=10) as r:
        return json.load(r)


def write_bytes(pid):
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    raise RuntimeError("no write_bytes in /proc/PID/io")


def cpu_ns(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def raw_bytes(db_path):
    """Bytes of the raw tier's tables (dbstat, payload + overhead) and rows."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        size = con.execute("SELECT sum(pgsize) FROM dbstat WHERE name IN "
                           "('raw_system', 'raw_process')").fetchone()[0]
        payload = con.execute("SELECT sum(payload) FROM dbstat WHERE name IN "
                              "('raw_system', 'raw_process')").fetchone()[0]
        rows = con.execute("SELECT count(*) FROM raw_system").fetchone()[0]
        return size, payload, rows
    except sqlite3.OperationalError:  # no dbstat in this sqlite build
        return None, None, None
    finally:
        con.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(HERE, "..", "..", "build"))
    ap.add_argument("--plugins", type=int, default=8)
    ap.add_argument("--interval", type=float, default=2.0)
    ap.add_argument("--seconds", type=float, default=300)
    ap.add_argument("--warmup", type=float, default=20)
    ap.add_argument("--prefill-hours", type=float, default=0)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=JSON")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()

    ws = tempfile.mkdtemp(prefix="hiro-wbytes-", dir=os.environ.get("TMPDIR", "/var/tmp"))
    port = free_port()
    cfg = {"http_host": "127.0.0.1", "http_port": port, "admin_ui_enabled": False,
           "admin_ui_port": free_port(), "metrics_enabled": True,
           "metrics_interval": args.interval, "metrics_persist": True,
           "channels": [{"name": f"sleep-{i}", "command": ["/bin/sleep", "3600"],
                         "restart": True} for i in range(args.plugins)]}
    for kv in args.set:
        k, v = kv.split("=", 1)
        cfg[k] = json.loads(v)
    with open(os.path.join(ws, "config.json"), "w") as f:
        json.dump(cfg, f)
    if args.prefill_hours > 0:
        count = int(args.prefill_hours * 3600 / args.interval)
        subprocess.run([os.path.join(args.build, "bench_export"), "--generate",
                        os.path.join(ws, "metrics.db"), "--count", str(count), "--interval",
                        str(args.interval), "--plugins", str(args.plugins)],
                       check=True, capture_output=True, timeout=600)
    log = open(os.path.join(ws, "foreground.log"), "w")
    p = subprocess.Popen([os.path.join(args.build, "hirocli"), "--workspace", ws, "start",
                          "--foreground"], stdout=log, stderr=subprocess.STDOUT,
                         start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status(port)
                break
            except OSError:
                if p.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start; see {ws}/foreground.log")
                time.sleep(0.2)
        time.sleep(args.warmup)
        s0, w0, c0, t0 = status(port), write_bytes(p.pid), cpu_ns(p.pid), time.monotonic()
        time.sleep(args.seconds)
        s1, w1, c1, t1 = status(port), write_bytes(p.pid), cpu_ns(p.pid), time.monotonic()
        # Snapshots handed to the store in the window (committed + queued +
        # dropped), not commits: with group commit the committed count lags
        # by up to one flush interval.
        def taken(st):
            ps = st["persistence"]
            return ps["written_snapshots"] + ps["queue_depth"] + ps["dropped_snapshots"]
        snaps = taken(s1) - taken(s0)
        written = s1["persistence"]["written_snapshots"] - s0["persistence"]["written_snapshots"]
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        log.close()
    size, payload, rows = raw_bytes(os.path.join(ws, "metrics.db"))
    out = {"plugins": args.plugins, "interval": args.interval, "seconds": round(t1 - t0, 1),
           "prefill_hours": args.prefill_hours,
           "set": args.set, "snapshots": snaps, "written": written,
           "write_bytes": w1 - w0,
           "write_bytes_per_snapshot": round((w1 - w0) / snaps) if snaps else None,
           "raw_tier_bytes_per_snapshot": round(size / rows) if rows else None,
           "raw_payload_bytes_per_snapshot": round(payload / rows) if rows else None,
           "cpu_percent": round((c1 - c0) / 1e9 / (t1 - t0) * 100, 4),
           "cpu_us_per_tick": round((c1 - c0) / 1e3 / snaps) if snaps else None}
    shutil.rmtree(ws, ignore_errors=True)
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:32} {v}")


if __name__ == "__main__":
    sys.exit(main())
