"""test_trees.py - a plugin is its whole process tree: stop and kill -9 of the
server leave nothing running (timeout, setsid and double-fork escapes
included), in the cgroup mode and in the /proc walk fallback; tree CPU agrees
with the kernel's figures summed over the tree; a plugin's last interval is
accounted exactly at exit; a plugin that never started is null, not zero."""
import json
import os
import signal
import sqlite3
import tempfile
import time
import unittest
import uuid

import hirotest
from hirotest import ServerTest, wait_for

# Each escapes the plugin's process group or parentage in its own way.
ESCAPES = [
    # timeout puts itself (and its busy child) in a new process group.
    {"name": "timeout", "restart": False,
     "command": ["/bin/sh", "-c", "timeout 120 sh -c 'while :; do :; done'; sleep 100"]},
    # setsid: a new session, out of the plugin's group and session.
    {"name": "setsid", "restart": False,
     "command": ["/bin/sh", "-c", "setsid sh -c 'sleep 300' & sleep 300"]},
    # double fork: the intermediate exits, the grandchild is orphaned.
    {"name": "dfork", "restart": False,
     "command": ["/bin/sh", "-c", "(sleep 301 &) ; sleep 302"]},
    # a wrapper without exec that ignores SIGTERM, with a child.
    {"name": "stubborn", "restart": False,
     "command": ["/bin/sh", "-c", "trap '' TERM; sleep 303 & wait"]},
]
ESCAPE_PROCESSES = 10  # sh+timeout+sh, sh+sh+sleep+sleep, sh+sleep+sleep ... (at least)


def tagged(token):
    """Live (not zombie) processes whose environment holds HIRO_TEST_TOKEN=token."""
    found = []
    needle = b"HIRO_TEST_TOKEN=" + token.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                env = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            with open(f"/proc/{entry}/comm") as f:
                comm = f.read().strip()
        except OSError:
            continue
        if needle in env and state not in ("Z", "X") and comm != "hirocli":
            found.append(int(entry))
    return found


def latest(ws):
    """The latest snapshot, waiting for the collector's first one."""
    return wait_for(lambda: (r := ws.get("/metrics")).status == 200 and r.json(), 10,
                    what="a snapshot")


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Escapes(ServerTest):
    config = {"channels": ESCAPES}
    env = {}

    def start(self, token):
        env = dict(self.env, HIRO_TEST_TOKEN=token)
        self.ws.start(env=env)
        self.addCleanup(lambda: kill_all(tagged(token)))
        wait_for(lambda: len(tagged(token)) >= ESCAPE_PROCESSES, 10,
                 what="every escape to be running")

    def test_stop_leaves_nothing_running(self):
        token = uuid.uuid4().hex
        self.start(token)
        status = self.ws.get("/metrics/status").json()
        self.assertIn(status["tree_tracking"], ("cgroup", "proc-walk"))
        if self.env.get("HIRO_PLUGIN_CGROUPS") == "0":
            self.assertEqual(status["tree_tracking"], "proc-walk")
        self.assertEqual(self.ws.cli("stop", timeout=30).returncode, 0)
        self.assertEqual(tagged(token), [], "processes outlived hirocli stop")
        self.assertFalse(os.path.exists(os.path.join(self.ws.dir, "plugin-trees")))

    def test_kill_9_survivors_die_at_next_start(self):
        token = uuid.uuid4().hex
        self.start(token)
        time.sleep(1.2)  # the walk mode records its members every 0.5 s after a spawn
        pid = self.ws.server_pid()
        os.kill(pid, signal.SIGKILL)

        def gone():
            # Every thread has exited (the lock on server.pid goes with the
            # last one), not only the main thread.
            try:
                return len(os.listdir(f"/proc/{pid}/task")) <= 1 and not hirotest.pid_alive(pid)
            except FileNotFoundError:
                return True
        wait_for(gone, 10, what="the server to die")
        # SIGKILL as the death signal ends the plugins themselves at once.
        self.assertTrue(os.path.exists(os.path.join(self.ws.dir, "plugin-trees")))
        token2 = uuid.uuid4().hex
        self.start(token2)
        self.assertEqual(tagged(token), [], "survivors of the killed server still run")
        events = self.ws.get("/metrics/events?minutes=5").json()
        kinds = [e["kind"] for e in events]
        self.assertIn("server_crash_detected", kinds)
        killed = [e for e in events if e["kind"] == "survivors_killed"]
        self.assertEqual(len(killed), 1, events)
        self.assertRegex(killed[0]["detail"], r"killed \d+ plugin process")
        self.ws.cli("stop", timeout=30)
        self.assertEqual(tagged(token2), [])


class EscapesWalk(Escapes):
    """The same promises without cgroups: the subreaper walk and the record."""
    env = {"HIRO_PLUGIN_CGROUPS": "0"}


# Three levels: the plugin shell, two workers that each run a busy
# grandchild (a fixed amount of work: ~1 s of CPU whatever the machine's
# load, so /proc's 10 ms ticks stay well under 2 %), and a short-lived helper
# every 0.2 s (reaped
# by the plugin: its CPU reaches the tree through the plugin's cutime even
# when no tick ever sees it). Then everything idles, so the cumulative figures
# can be compared at rest.
TREE_WORKLOAD = r"""
burn() { i=0; while [ $i -lt $1 ]; do i=$((i+1)); done; }
worker() { ( burn 600000 ) & wait; }
worker & worker &
i=0; while [ $i -lt 20 ]; do sh -c 'j=0; while [ $j -lt 3000 ]; do j=$((j+1)); done'; sleep 0.2; i=$((i+1)); done
wait
exec sleep 1000
"""


def kernel_tree_cpu(token, hz):
    """utime+stime+cutime+cstime summed over the tree's live processes."""
    total = 0
    for pid in tagged(token):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15])
    return total / hz


class TreeCpu(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0,
              "channels": [{"name": "tree", "command": ["/bin/sh", "-c", TREE_WORKLOAD],
                            "restart": False}]}
    env = {}

    def test_tree_cpu_matches_the_kernel(self):
        token = uuid.uuid4().hex
        self.ws.start(env=dict(self.env, HIRO_TEST_TOKEN=token))
        self.addCleanup(lambda: kill_all(tagged(token)))
        hz = os.sysconf("SC_CLK_TCK")

        def tree():
            return latest(self.ws)["children"][0]

        busy = wait_for(lambda: (t := tree())["tree"] and t["tree"]["processes"] >= 5 and t,
                        10, what="the workers")
        self.assertGreater(busy["tree"]["cpu_percent"], busy["cpu_percent"])
        # At rest (only 'sleep 1000' left): compare the cumulative figures.
        wait_for(lambda: tree()["tree"]["processes"] == 1, 90, step=0.2, what="the idle tree")
        time.sleep(2.5)
        kernel = kernel_tree_cpu(token, hz)
        prom = self.ws.get("/metrics/prometheus").body.decode()
        line = [l for l in prom.splitlines()
                if l.startswith('hiro_plugin_tree_cpu_seconds_total{process="tree"}')]
        self.assertEqual(len(line), 1, prom)
        recorded = float(line[0].split()[-1])
        self.assertGreater(kernel, 1.0)  # two busy grandchildren, ~1 s of CPU each
        self.assertLess(abs(recorded - kernel) / kernel, 0.02,
                        f"tree CPU {recorded:.3f} s vs the kernel's {kernel:.3f} s")
        self.assertEqual(tree()["tree"]["processes"], 1)


class TreeCpuWalk(TreeCpu):
    env = {"HIRO_PLUGIN_CGROUPS": "0"}


# One process (no fork, so its cgroup holds nothing else): sleeps into the
# middle of an interval, burns CPU and exits with status 3.
EXIT_BURN = r"""
import os, time
time.sleep(0.7)
end = time.process_time() + 0.4
while time.process_time() < end:
    pass
os._exit(3)
"""


class ExitCpu(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 2.0,
              "channels": [{"name": "burn", "restart": False,
                            "command": ["python3", "-c", EXIT_BURN]}]}

    def group(self):
        """The plugin's cgroup, from the workspace record."""
        with open(os.path.join(self.ws.dir, "plugin-trees")) as f:
            for line in f:
                if line.startswith("cgroup ") and line.rstrip().endswith("/0-burn"):
                    return line.split(" ", 1)[1].rstrip()
        return None

    def test_last_interval_is_exact(self):
        self.ws.start()
        if self.ws.get("/metrics/status").json()["tree_tracking"] != "cgroup":
            self.skipTest("the kernel's figure for the truth is the plugin's cgroup")
        group = self.group()
        cpu, first_dead, dead_at = None, None, None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            text = self.ws.get("/metrics/prometheus").body.decode()
            for l in text.splitlines():
                if l.startswith('hiro_process_cpu_seconds_total{process="burn"'):
                    cpu = float(l.split()[-1])
            snap = latest(self.ws)
            kid = snap["children"][0]
            if not kid["alive"] and first_dead is None:
                first_dead, dead_at = kid, snap["timestamp"]
            if dead_at is not None and snap["timestamp"] >= dead_at + 4:
                break
            time.sleep(0.1)
        self.assertIsNotNone(first_dead, "the plugin never exited")
        # The kernel's total for the one process that ever ran in the group:
        # its whole life, exit included (what wait4 reports too).
        with open(os.path.join(group, "cpu.stat")) as f:
            truth = int(f.readline().split()[1]) / 1e6
        self.assertIsNotNone(cpu)
        self.assertGreater(truth, 0.4)
        self.assertLess(abs(cpu - truth), 0.001, f"counter {cpu:.6f} s vs kernel {truth:.6f} s")
        # The snapshot after the exit: not alive, the final CPU figure over the
        # part of the interval it lived, and nothing else measured.
        first = first_dead
        self.assertIsNotNone(first["cpu_percent"])
        self.assertGreater(first["cpu_percent"], 0)
        self.assertIsNone(first["rss_bytes"])
        self.assertEqual(first["last_exit"]["code"], 3)
        events = self.ws.get("/metrics/events?kind=plugin_exited").json()
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0]["exit_code"], 3)
        self.assertLess(abs(events[0]["cpu_seconds"] - truth), 0.001)


class NeverStarted(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0,
              "channels": [{"name": "ghost", "command": ["/nonexistent/hiro-plugin"],
                            "restart": False},
                           {"name": "napper", "command": ["/bin/sh", "-c", "sleep 1; exit 7"],
                            "restart": False}]}

    def test_null_not_zero_everywhere(self):
        self.ws.start()
        wait_for(lambda: not self.ws.get("/metrics").json()["children"][1]["alive"]
                 if self.ws.get("/metrics").status == 200 else False, 10,
                 what="napper to exit")
        time.sleep(3.5)  # a few ticks with both down
        snap = self.ws.get("/metrics").json()
        ghost, napper = snap["children"]
        self.assertIsNone(ghost["pid"])
        self.assertFalse(ghost["alive"])
        self.assertIsNotNone(napper["pid"])
        for kid in (ghost, napper):
            for key in ("cpu_percent", "rss_bytes", "vms_bytes", "num_threads", "tree"):
                self.assertIsNone(kid[key], f"{kid['name']}.{key}")
        self.assertEqual(napper["last_exit"], {"code": 7, "signal": None,
                                               "time": napper["last_exit"]["time"]})
        self.assertFalse(napper["restart"])
        failed = self.ws.get("/metrics/events?kind=plugin_start_failed&process=ghost").json()
        self.assertEqual(len(failed), 1)
        self.assertEqual(failed[0]["errno"], 2)  # ENOENT
        self.assertIn("/nonexistent/hiro-plugin", failed[0]["detail"])
        # Prometheus: only alive 0 (and the lifecycle) for both.
        prom = self.ws.get("/metrics/prometheus").body.decode()
        for name in ("ghost", "napper"):
            lines = [l for l in prom.splitlines() if f'process="{name}"' in l]
            self.assertTrue(lines)
            for l in lines:
                self.assertTrue(l.startswith(("hiro_process_alive{", "hiro_process_restarts_total{",
                                              "hiro_process_last_exit_code{")), l)
        # CLI: '-' for what was not measured.
        out = self.ws.cli("metrics", "show", check=True).stdout
        ghost_line = [l for l in out.splitlines() if l.startswith("ghost")][0]
        self.assertNotIn(" 0 ", ghost_line.replace("0 B", "x"))
        self.ws.cli("stop", timeout=30)
        # SQLite: NULL, not 0, for the dead rows; rollups skip them.
        db = sqlite3.connect(os.path.join(self.ws.dir, "metrics.db"))
        rows = db.execute("SELECT pid, alive, cpu_percent, rss_bytes, num_threads, "
                          "tree_processes, down_seconds FROM v_process_raw "
                          "WHERE name = 'ghost'").fetchall()
        self.assertTrue(rows)
        for pid, alive, cpu, rss, threads, procs, down in rows:
            self.assertEqual((pid, alive, cpu, rss, threads, procs), (None, 0, None, None, None,
                                                                       None))
        self.assertGreater(sum(r[6] for r in rows), 1.0)
        dead = db.execute("SELECT count(*) FROM v_process_raw WHERE name = 'napper' AND "
                          "alive = 0 AND rss_bytes IS NULL").fetchone()[0]
        self.assertGreater(dead, 1)
        minute = db.execute("SELECT samples, alive_samples, rss_bytes_min, rss_bytes_avg "
                            "FROM v_process_1m WHERE name = 'napper'").fetchall()
        self.assertTrue(minute)
        samples = sum(r[0] for r in minute)
        self.assertGreaterEqual(samples, 1)
        for s, alive, rss_min, rss_avg in minute:
            if s:
                self.assertGreater(rss_min, 0)  # no dead zeros averaged in
        db.close()


if __name__ == "__main__":
    unittest.main()
