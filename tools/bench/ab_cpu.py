#!/usr/bin/env python3
"""ab_cpu.py - paired before/after of the whole-server CPU share: two hirocli
binaries run side by side (same moment, same machine noise), each with 8
hiro-channel-demo plugins, persistence on, interval 2 s, serving nothing.
Prints CPU microseconds per second for each, per thread, from
/proc/PID/task/*/schedstat, plus utime+stime from /proc/PID/stat.

    tools/bench/ab_cpu.py --a OLD_HIROCLI --b NEW_HIROCLI [--build DIR] [--seconds N]
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def threads(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            ns = int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0])
            sw = int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[2])
            out[tid] = (open(f"/proc/{pid}/task/{tid}/comm").read().strip(), ns, sw)
        except OSError:
            pass
    return out


def stat_ticks(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])


def start(binary, build, tmp, name):
    ws = os.path.join(tmp, name)
    os.makedirs(ws)
    port = free_port()
    demo = os.path.join(build, "hiro-channel-demo")
    cfg = {"http_port": port, "admin_ui_port": free_port(), "metrics_enabled": True,
           "channels": [{"name": f"plugin-{i}", "restart": True,
                         "command": [demo, "--cpu-ms", "1", "--mem-mib", "8"]} for i in range(8)]}
    json.dump(cfg, open(os.path.join(ws, "config.json"), "w"))
    p = subprocess.Popen([binary, "--workspace", ws, "start", "--foreground"],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(ws, "log"), "w"),
                         start_new_session=True)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics/status", timeout=2).read()
            return p
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{binary} did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--build", default="build")
    ap.add_argument("--seconds", type=int, default=120)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    tmp = tempfile.mkdtemp(prefix="hiro-abcpu-")
    procs = []
    try:
        procs = [start(os.path.abspath(b), build, tmp, n) for n, b in (("a", args.a), ("b", args.b))]
        time.sleep(15)
        before = [(threads(p.pid), stat_ticks(p.pid)) for p in procs]
        t0 = time.monotonic()
        time.sleep(args.seconds)
        dt = time.monotonic() - t0
        after = [(threads(p.pid), stat_ticks(p.pid)) for p in procs]
        for label, binary, (t0s, k0), (t1s, k1) in zip("ab", (args.a, args.b), before, after):
            total = sum(v[1] for v in t1s.values()) - sum(v[1] for v in t0s.values())
            print(f"{label} {binary}: {total / 1e3 / dt:.0f} µs/s = {total / 1e9 / dt * 100:.4f} % "
                  f"(stat: {(k1 - k0) / os.sysconf('SC_CLK_TCK') / dt * 100:.4f} %)")
            for tid, (comm, ns, sw) in sorted(t1s.items()):
                c0 = t0s.get(tid, (comm, 0, 0))
                if ns - c0[1] > 0:
                    print(f"    {comm}[{tid}] {(ns - c0[1]) / 1e3 / dt:.0f} µs/s, "
                          f"{(sw - c0[2]) / dt:.2f} wake-ups/s")
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(timeout=20)
        subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    main()
