#!/usr/bin/env python3
"""psutil_tick.py - the design document's collector tick, done with psutil, for
a side-by-side comparison with the C collector.

Faithful to the design: cached psutil.Process handles (server + each plugin),
the same fields (cpu_percent, memory_info rss/vms, num_threads), system
cpu_percent and virtual_memory, disk_usage('/') and disk_io_counters(),
net_io_counters(), a snapshot dict appended to a deque.

Two modes:

  psutil_tick.py --server-pid PID --pids P1,P2 [--ticks T] [--runs R]
      hot loop (run by bench_collector): ticks back to back against the given
      processes; prints the CPU microseconds per tick (median of runs) as JSON.

  psutil_tick.py --serve --interval S --children N
      deployed (run by tools/bench/run): the design's MetricsCollector as its
      own asyncio process. It spawns N `sleep 3600` children as the
      ChannelManager would (subprocess.Popen), watches itself as the server
      process, and loops: the tick in asyncio.to_thread, then
      asyncio.sleep(interval), as the design document describes. Prints one
      JSON line with its pid and the children's pids once running; SIGTERM or
      SIGINT stops the loop and kills the children (also on any error).
"""
import argparse
import asyncio
import collections
import json
import os
import signal
import statistics
import subprocess
import sys
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


def new_state():
    return {"t": time.time() - 1, "dio": psutil.disk_io_counters(),
            "nio": psutil.net_io_counters()}


async def serve_loop(tick, interval, stop):
    """The design's collection loop: tick in a worker thread, then sleep."""
    while not stop.is_set():
        await asyncio.to_thread(tick)
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except asyncio.TimeoutError:
            pass


def serve(args):
    kids = []
    try:
        for _ in range(args.children):
            kids.append(subprocess.Popen(["sleep", "3600"], stdin=subprocess.DEVNULL))
        server = psutil.Process()
        children = [(f"plugin-{i}", psutil.Process(k.pid)) for i, k in enumerate(kids)]
        history = collections.deque(maxlen=1800)
        tick = make_tick(server, children, history, new_state())
        print(json.dumps({"pid": os.getpid(), "children": [k.pid for k in kids]}), flush=True)

        async def main_async():
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            await serve_loop(tick, args.interval, stop)

        asyncio.run(main_async())
    finally:
        for k in kids:
            k.kill()
        for k in kids:
            k.wait()
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server-pid", type=int, help="hot loop: the server process to watch")
    ap.add_argument("--pids", default="", help="hot loop: comma-separated plugin pids")
    ap.add_argument("--ticks", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--serve", action="store_true", help="deployed: run as an asyncio process")
    ap.add_argument("--interval", type=float, default=2.0, help="deployed: seconds between ticks")
    ap.add_argument("--children", type=int, default=8, help="deployed: sleep children to spawn")
    args = ap.parse_args()
    if args.serve:
        if not (args.interval > 0 and 0 <= args.children <= 1024):
            ap.error("--interval must be > 0 and --children 0..1024")
        return serve(args)
    if args.server_pid is None:
        ap.error("--server-pid is required without --serve")
    server = psutil.Process(args.server_pid)
    children = [(f"plugin{i}", psutil.Process(int(p)))
                for i, p in enumerate(filter(None, args.pids.split(",")))]
    history = collections.deque(maxlen=1800)
    tick = make_tick(server, children, history, new_state())
    tick()  # prime the cached handles, as the running design would be
    per_tick = []
    for _ in range(args.runs):
        c0 = time.process_time()
        for _ in range(args.ticks):
            tick()
        per_tick.append((time.process_time() - c0) / args.ticks * 1e6)
    print(json.dumps({"median_us": statistics.median(per_tick), "min_us": min(per_tick),
                      "max_us": max(per_tick), "runs": per_tick}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
