#!/usr/bin/env python3
"""psutil_tick.py - the design document's collector tick, done with psutil, for
a side-by-side comparison with the C collector (run by bench_collector).

Faithful to the design: cached psutil.Process handles (server + each plugin),
the same fields (cpu_percent, memory_info rss/vms, num_threads), system
cpu_percent and virtual_memory, disk_usage('/') and disk_io_counters(),
net_io_counters(), a snapshot dict appended to a deque. No sleeping inside the
measured loop. Prints the CPU microseconds per tick (median of runs) as JSON.
"""
import argparse
import collections
import json
import statistics
import time

import psutil


def make_tick(server, children, history, state):
    def tick():
        now = time.time()
        proc = {"pid": server.pid, "cpu_percent": server.cpu_percent(),
                "rss_bytes": 0, "vms_bytes": 0, "num_threads": server.num_threads()}
        mi = server.memory_info()
        proc["rss_bytes"], proc["vms_bytes"] = mi.rss, mi.vms
        kids = []
        for name, p in children:
            try:
                alive = p.is_running()
                m = p.memory_info()
                kids.append({"name": name, "pid": p.pid, "alive": alive,
                             "cpu_percent": p.cpu_percent(), "rss_bytes": m.rss,
                             "vms_bytes": m.vms, "num_threads": p.num_threads()})
            except psutil.Error:
                kids.append({"name": name, "pid": p.pid, "alive": False, "cpu_percent": 0.0,
                             "rss_bytes": 0, "vms_bytes": 0, "num_threads": 0})
        vm = psutil.virtual_memory()
        cpu = {"percent": psutil.cpu_percent(), "count": psutil.cpu_count()}
        du = psutil.disk_usage("/")
        dio = psutil.disk_io_counters()
        nio = psutil.net_io_counters()
        elapsed = now - state["t"]
        disk = {"total_bytes": du.total, "used_bytes": du.used, "free_bytes": du.free,
                "percent": du.percent,
                "read_bytes_per_sec": (dio.read_bytes - state["dio"].read_bytes) / elapsed,
                "write_bytes_per_sec": (dio.write_bytes - state["dio"].write_bytes) / elapsed}
        net = {"bytes_sent_per_sec": (nio.bytes_sent - state["nio"].bytes_sent) / elapsed,
               "bytes_recv_per_sec": (nio.bytes_recv - state["nio"].bytes_recv) / elapsed,
               "packets_sent_per_sec": (nio.packets_sent - state["nio"].packets_sent) / elapsed,
               "packets_recv_per_sec": (nio.packets_recv - state["nio"].packets_recv) / elapsed}
        state.update(t=now, dio=dio, nio=nio)
        snap = {"timestamp": now, "cpu": cpu,
                "memory": {"total_bytes": vm.total, "available_bytes": vm.available,
                           "percent": vm.percent},
                "process": proc, "children": kids, "disk": disk, "network": net}
        history.append(snap)
        state["latest"] = snap
    return tick


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--server-pid", type=int, required=True)
    ap.add_argument("--pids", default="", help="comma-separated plugin pids")
    ap.add_argument("--ticks", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    server = psutil.Process(args.server_pid)
    children = [(f"plugin{i}", psutil.Process(int(p)))
                for i, p in enumerate(filter(None, args.pids.split(",")))]
    history = collections.deque(maxlen=1800)
    state = {"t": time.time() - 1, "dio": psutil.disk_io_counters(),
             "nio": psutil.net_io_counters()}
    tick = make_tick(server, children, history, state)
    tick()  # prime the cached handles, as the running design would be
    per_tick = []
    for _ in range(args.runs):
        c0 = time.process_time()
        for _ in range(args.ticks):
            tick()
        per_tick.append((time.process_time() - c0) / args.ticks * 1e6)
    print(json.dumps({"median_us": statistics.median(per_tick), "min_us": min(per_tick),
                      "max_us": max(per_tick), "runs": per_tick}))


if __name__ == "__main__":
    main()
