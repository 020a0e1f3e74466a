"""deployed.py - the deployed side-by-side benchmark (CONTRACT §10): our server
process as a user runs it, next to the design document's psutil collector
running as its own asyncio process, measured from outside.

Each run starts one process with N `sleep 3600` children at one interval,
waits until it is settled, then reads, at the start and the end of a window
of the same length for every run:

  * /proc/PID/task/*/schedstat of every thread: nanoseconds on CPU and the
    number of times the thread was scheduled in (its wake-ups), by thread
    name (the server names its threads: collector, store-writer, plugins,
    MHD-worker, hirocli for the main thread);
  * /proc/PID/io write_bytes: bytes the process sent to the block layer
    (counted when pages are dirtied, so a commit's writes count at once);
  * for the server, the raw tier in the database through a read-only
    connection: rows of raw_system and the bytes raw_system, raw_process and
    their indexes use (dbstat: page size minus unused bytes).

Per tick = window delta / (window / interval). The runs go one after the
other, never at the same time. Every process started here is stopped in a
finally block (the psutil process and its children share a new session and
are killed as a group; the server stops its plugins, and any plugin left
over is killed by pid). Loopback only.
"""
import json
import os
import signal
import sqlite3
import subprocess
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PSUTIL_PYTHON = "/usr/bin/python3"  # Debian's interpreter, where python3-psutil lives


def task_stats(pid):
    """{tid: (comm, ns on CPU, times scheduled in)} of every thread of pid."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                fields = f.read().split()
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        out[int(tid)] = (comm, int(fields[0]), int(fields[2]))
    return out


def write_bytes(pid):
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    return 0


def raw_tier(db):
    """(raw_system rows, bytes used by the raw tables and their indexes), or
    None when the database cannot be read."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            rows = con.execute("SELECT count(*) FROM raw_system").fetchone()[0]
            used = con.execute(
                "SELECT coalesce(sum(pgsize - unused), 0) FROM dbstat WHERE name IN "
                "(SELECT name FROM sqlite_schema WHERE tbl_name IN ('raw_system', 'raw_process'))"
            ).fetchone()[0]
        finally:
            con.close()
        return rows, used
    except sqlite3.Error:
        return None


def fs_type(path):
    """File system type of the mount holding path (from /proc/self/mounts)."""
    path = os.path.realpath(path)
    best, kind = "", "?"
    with open("/proc/self/mounts") as f:
        for line in f:
            parts = line.split()
            mnt = parts[1].replace("\\040", " ")
            if (path == mnt or path.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
                best, kind = mnt, parts[2]
    return kind


def get_json(port, path, timeout=5):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
        return json.loads(r.read())


def is_our_sleep(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read() == b"sleep\x003600\x00"
    except OSError:
        return False


class Deployed:
    """Runs the deployed comparison; log is a function taking a message."""

    def __init__(self, build, workdir, free_port, log, window, warmup):
        self.build, self.workdir, self.free_port, self.log = build, workdir, free_port, log
        self.window, self.warmup = window, warmup

    # -- one measurement window ------------------------------------------------

    def measure(self, pid, interval, db=None):
        t0_tasks, t0_io = task_stats(pid), write_bytes(pid)
        t0_raw = raw_tier(db) if db else None
        t0 = time.monotonic()
        time.sleep(self.window)
        elapsed = time.monotonic() - t0
        t1_tasks, t1_io = task_stats(pid), write_bytes(pid)
        t1_raw = raw_tier(db) if db else None
        ticks = elapsed / interval
        threads = {}  # comm -> [ns, wake-ups]
        for tid, (comm, ns, runs) in t1_tasks.items():
            _, ns0, runs0 = t0_tasks.get(tid, (comm, 0, 0))
            acc = threads.setdefault(comm, [0, 0])
            acc[0] += ns - ns0
            acc[1] += runs - runs0
        total_ns = sum(v[0] for v in threads.values())
        res = {
            "elapsed": elapsed, "ticks": ticks,
            "us_per_tick": total_ns / 1e3 / ticks,
            "cpu_percent": total_ns / 1e9 / elapsed * 100,
            "threads": {c: (v[0] / 1e3 / ticks, v[1] / ticks) for c, v in threads.items()},
            "wakeups_per_tick": sum(v[1] for v in threads.values()) / ticks,
            "write_bytes_per_tick": (t1_io - t0_io) / ticks,
        }
        if t0_raw and t1_raw and t1_raw[0] > t0_raw[0]:
            res["raw_rows"] = t1_raw[0] - t0_raw[0]
            res["raw_bytes_per_snapshot"] = (t1_raw[1] - t0_raw[1]) / (t1_raw[0] - t0_raw[0])
        return res

    # -- our server --------------------------------------------------------------

    def server(self, n, interval, tag):
        ws = os.path.join(self.workdir, f"ws-{tag}")
        os.makedirs(ws)
        port = self.free_port()
        cfg = {"http_host": "127.0.0.1", "http_port": port, "admin_ui_port": self.free_port(),
               "metrics_enabled": True, "metrics_interval": float(interval),
               "channels": [{"name": f"plugin-{i}", "command": ["sleep", "3600"]}
                            for i in range(n)]}
        with open(os.path.join(ws, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        logf = open(os.path.join(ws, "foreground.log"), "w")
        p = subprocess.Popen([os.path.join(self.build, "hirocli"), "--workspace", ws, "start",
                              "--foreground"], stdout=logf, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        plugin_pids = []
        try:
            deadline = time.monotonic() + 60
            while True:  # bounded: 60 s for the first ticks with every plugin alive
                if p.poll() is not None:
                    raise RuntimeError(f"server exited with {p.returncode}; see {ws}/foreground.log")
                if time.monotonic() > deadline:
                    raise RuntimeError("server did not report its plugins within 60 s")
                try:
                    m = get_json(port, "/metrics")
                    plugin_pids = [c["pid"] for c in m["children"] if c.get("pid")]
                    if sum(1 for c in m["children"] if c["alive"]) == n:
                        break
                except (OSError, ValueError, KeyError):
                    pass
                time.sleep(0.2)
            time.sleep(self.warmup)
            self.log(f"deployed: hirocli server pid {p.pid}, {n} plugins, {interval:g} s, "
                     f"{self.window:g} s window")
            res = self.measure(p.pid, interval, os.path.join(ws, "metrics.db"))
            res["pid"] = p.pid
            return res
        finally:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
            logf.close()
            for pid in plugin_pids:  # the server stops them; never leave one behind
                if is_our_sleep(pid):
                    os.kill(pid, signal.SIGKILL)

    # -- the design's psutil process -----------------------------------------------

    def psutil(self, n, interval):
        script = os.path.join(HERE, "psutil_tick.py")
        p = subprocess.Popen([PSUTIL_PYTHON, script, "--serve", "--interval", str(interval),
                              "--children", str(n)], stdout=subprocess.PIPE,
                             stdin=subprocess.DEVNULL, text=True, start_new_session=True)
        try:
            line = p.stdout.readline()
            if not line:
                raise RuntimeError("psutil process did not start (is python3-psutil installed?)")
            info = json.loads(line)
            time.sleep(max(self.warmup, 2 * interval))
            self.log(f"deployed: psutil process pid {info['pid']}, {n} children, {interval:g} s, "
                     f"{self.window:g} s window")
            res = self.measure(info["pid"], interval)
            res["pid"] = info["pid"]
            return res
        finally:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    pass
            try:  # the children share the session's process group
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            if p.poll() is None:
                p.wait()
