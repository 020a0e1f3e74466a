#!/usr/bin/env python3
"""app_ingest.py - the application-metrics targets, measured on a real server
(hirocli start --foreground, persistence on) with bench_appmetrics running as
the plugins that publish:

  1. ingest: PLUGINS plugins send 32-line datagrams over 50 series each, as
     fast as the socket takes them (blocking sends, so the server sets the
     pace), for SECONDS at a 1 s interval. Reports the lines the server
     accepted per second and whether the collector kept its schedule (ticks
     seen, largest gap between snapshot timestamps, CPU per tick).
  2. cost: one plugin publishes 50 series at 1,000 updates/s (10-line
     datagrams every 10 ms) at the default 2 s interval for SECONDS, against
     the same server whose plugin publishes nothing; the difference in the
     server's CPU (all threads, from /proc/PID/task/*/schedstat) is the cost.
  3. memory: bench_appmetrics inproc's bytes per series.

usage: tools/bench/app_ingest.py [--build DIR] [--seconds S] [--plugins N]
"""
import argparse
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return json.loads(r.read())


def cpu_ns(pid):
    """CPU time of every thread of pid (schedstat: ns on CPU)."""
    total = 0
    for f in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(f) as fh:
                total += int(fh.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


class Server:
    def __init__(self, build, config):
        self.dir = tempfile.mkdtemp(prefix="hiro-app-bench-")
        self.port = free_port()
        config = dict(config, http_port=self.port, admin_ui_port=free_port())
        with open(os.path.join(self.dir, "config.json"), "w") as f:
            json.dump(config, f)
        self.proc = subprocess.Popen([os.path.join(build, "hirocli"), "--workspace", self.dir,
                                      "start", "--foreground"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                get(self.port, "/metrics")
                break
            except Exception:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise SystemExit("server did not start")
                time.sleep(0.1)

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def accepted_lines(port):
    st = get(port, "/metrics/status")["app_metrics"]
    return sum(p["lines"] for p in st["publishers"] if not p["server"]), st


def ingest(build, seconds, plugins):
    sender = os.path.join(build, "bench_appmetrics")
    channels = [{"name": f"load{i}", "command": [sender, "send", "--rate", "0", "--per-datagram",
                                                 "32", "--series", "50", "--seconds",
                                                 str(seconds + 30)]}
                for i in range(plugins)]
    srv = Server(build, {"metrics_enabled": True, "metrics_interval": 1.0,
                         "app_metrics_max_rate": 1e8, "channels": channels})
    try:
        time.sleep(2)
        lines0, _ = accepted_lines(srv.port)
        cpu0, t0, wall0 = cpu_ns(srv.proc.pid), time.monotonic(), time.time()
        time.sleep(seconds)
        lines1, st = accepted_lines(srv.port)
        cpu1, t1, wall1 = cpu_ns(srv.proc.pid), time.monotonic(), time.time()
        hist = get(srv.port, f"/metrics/history?from={wall0:.3f}&to={wall1:.3f}")
        stamps = [s["timestamp"] for s in hist]
        gaps = [b - a for a, b in zip(stamps, stamps[1:])]
        elapsed = t1 - t0
        print(f"ingest: {plugins} plugins x 32-line datagrams, 50 series each, {elapsed:.1f} s")
        print(f"  accepted {lines1 - lines0:,} lines = {(lines1 - lines0) / elapsed:,.0f} lines/s; "
              f"refused {sum(sum(p['refused'].values()) for p in st['publishers'])}")
        print(f"  server CPU {(cpu1 - cpu0) / 1e9 / elapsed * 100:.1f} % of a core; "
              f"collector: {len(stamps)} snapshots in {elapsed:.1f} s at 1 s, largest gap "
              f"{max(gaps) if gaps else float('nan'):.3f} s")
        return (lines1 - lines0) / elapsed, max(gaps) if gaps else None
    finally:
        srv.close()


def server_cpu_share(build, seconds, publishing):
    sender = os.path.join(build, "bench_appmetrics")
    rate = "1000" if publishing else "0.001"
    channels = [{"name": "app", "command": [sender, "send", "--rate", rate, "--per-datagram", "10",
                                            "--series", "50", "--seconds", str(seconds + 60)]}]
    srv = Server(build, {"metrics_enabled": True, "metrics_interval": 2.0, "channels": channels})
    try:
        time.sleep(5)
        lines0, _ = accepted_lines(srv.port)
        cpu0, t0 = cpu_ns(srv.proc.pid), time.monotonic()
        time.sleep(seconds)
        cpu1, t1 = cpu_ns(srv.proc.pid), time.monotonic()
        lines1, _ = accepted_lines(srv.port)
        return (cpu1 - cpu0) / 1e9 / (t1 - t0) * 100, (lines1 - lines0) / (t1 - t0)
    finally:
        srv.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "..", "build"))
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--plugins", type=int, default=4)
    args = ap.parse_args()
    build = os.path.abspath(args.build)

    rate, gap = ingest(build, args.seconds, args.plugins)
    print(f"  target >= 200,000 lines/s with the collector on schedule: "
          f"{'pass' if rate >= 200000 and gap is not None and gap < 1.5 else 'FAIL'}")

    idle, _ = server_cpu_share(build, args.seconds * 3, False)
    busy, lines = server_cpu_share(build, args.seconds * 3, True)
    print(f"cost: 50 series at {lines:,.0f} updates/s: server CPU {busy:.3f} % of a core vs "
          f"{idle:.3f} % with the plugin quiet: +{busy - idle:.3f} % "
          f"(target <= 2 %: {'pass' if busy - idle <= 2 else 'FAIL'})")

    out = subprocess.run([os.path.join(build, "bench_appmetrics"), "inproc", "--series", "50",
                          "--seconds", "3"], capture_output=True, text=True)
    print("in-process (one thread):\n  " + out.stdout.strip().replace("\n", "\n  "))


if __name__ == "__main__":
    sys.exit(main())
