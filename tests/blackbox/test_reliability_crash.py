"""test_reliability_crash - the crash promise (CONTRACT §11) from both sides.

Crash loop: a recording server (persistence on, fastest interval, group
commit every FLUSH seconds, one demo plugin) is SIGKILLed at random moments
and restarted, N times. After every kill: the plugin dies with its server
(parent death signal), PRAGMA integrity_check is ok, the rollups equal the
aggregates of the raw rows they cover, and the newest raw row is at most
FLUSH + one interval older than the kill; at the end no gap in the raw tier
is larger than the downtime around it plus FLUSH plus one interval.

Nothing lost: with a flush interval of an hour (nothing would be committed
by then), `hirocli stop`, SIGTERM and disabling the collector (followed by a
SIGKILL) leave every snapshot the server took in the database.

N = 20 by default; HIRO_LONG=1 makes it 200 (HIRO_CRASH_KILLS=N sets it).
HIRO_SEED fixes the random kill moments. Figures go to stdout and, when
HIRO_RELIABILITY_OUT names a directory, to crash.json there."""
import json
import os
import random
import signal
import sqlite3
import time
import unittest

from hirotest import DEMO, ServerTest, pid_alive, wait_for, server_pid, stop_quietly



INTERVAL = 1.0  # COLLECTOR_MIN_INTERVAL: the fastest allowed
FLUSH = 2.0     # metrics_flush_interval of the crash loop: a kill may lose this + INTERVAL
LONG = os.environ.get("HIRO_LONG", "") not in ("", "0")
KILLS = int(os.environ.get("HIRO_CRASH_KILLS", "200" if LONG else "20"))
SEED = int(os.environ.get("HIRO_SEED", str(int(time.time()))))
ORPHAN_TIMEOUT = 2.0
# Writer latency between a tick and its commit, and scheduling noise.
SLACK = 0.5
TIERS = (("system_1m", "process_1m", 60, "rollup_1m_ms"),
         ("system_1h", "process_1h", 3600, "rollup_1h_ms"))


def ro_connect(path):
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)


def raw_columns(db, table, skip):
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})") if r[1] not in skip]


def close_enough(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def rollup_mismatches(db):
    """Rollup rows that differ from the aggregate of the raw rows they cover
    (raw rows up to the tier's watermark in meta). Returns readable lines."""
    meta = dict(db.execute("SELECT key, value FROM meta"))
    sys_cols = raw_columns(db, "raw_system", {"ts_ms"})
    proc_cols = raw_columns(db, "raw_process", {"ts_ms", "process_id"})
    bad = []
    for sys_table, proc_table, width, key in TIERS:
        wm = meta.get(key)
        if wm is None:
            continue
        w_ms = width * 1000
        aggs = ",".join(f"avg({c}),min({c}),max({c})" for c in sys_cols)
        want = {r[0]: r[1:] for r in db.execute(
            f"SELECT ts_ms/{w_ms}*{width}, count(*), count(disk_total), count(net_sent_bps),"
            f" {aggs} FROM raw_system WHERE ts_ms <= ? GROUP BY 1", (wm,))}
        cols = ",".join(f"{c}_avg,{c}_min,{c}_max" for c in sys_cols)
        got = {r[0]: r[1:] for r in db.execute(
            f"SELECT bucket, n, n_disk, n_net, {cols} FROM {sys_table}")}
        if set(want) != set(got):
            bad.append(f"{sys_table}: buckets {sorted(set(want) ^ set(got))} differ")
        for b in set(want) & set(got):
            if want[b][:3] != got[b][:3] or not all(
                    close_enough(x, y) for x, y in zip(got[b][3:], want[b][3:])):
                bad.append(f"{sys_table} bucket {b}: {got[b][:6]} != raw {want[b][:6]}")
        aggs = ",".join(f"avg(r.{c}),min(r.{c}),max(r.{c})" for c in proc_cols)
        want = {(r[0], r[1]): r[2:] for r in db.execute(
            f"SELECT r.ts_ms/{w_ms}*{width}, p.name_id, count(*), {aggs} FROM raw_process r"
            f" JOIN process p ON p.id = r.process_id WHERE r.ts_ms <= ? GROUP BY 1, 2", (wm,))}
        cols = ",".join(f"{c}_avg,{c}_min,{c}_max" for c in proc_cols)
        got = {(r[0], r[1]): r[2:] for r in db.execute(
            f"SELECT bucket, name_id, n, {cols} FROM {proc_table}")}
        if set(want) != set(got):
            bad.append(f"{proc_table}: keys {sorted(set(want) ^ set(got))} differ")
        for k in set(want) & set(got):
            if want[k][0] != got[k][0] or not all(
                    close_enough(x, y) for x, y in zip(got[k][1:], want[k][1:])):
                bad.append(f"{proc_table} {k}: {got[k][:4]} != raw {want[k][:4]}")
    return bad


def children(pid):
    """Pids of pid's children, straight from /proc (no API involved)."""
    kids = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += [int(k) for k in f.read().split()]
    except (FileNotFoundError, ProcessLookupError):
        pass
    return kids


class CrashLoop(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": INTERVAL, "metrics_persist": True,
              "metrics_flush_interval": FLUSH,
              "channels": [{"name": "demo", "command": [DEMO, "--cpu-ms", "5", "--mem-mib", "4"],
                            "restart": True}]}

    def setUp(self):
        super().setUp()
        self.addCleanup(stop_quietly, self.ws)

    def status(self):
        r = self.ws.get("/metrics/status", timeout=5)
        return r.json() if r.status == 200 else None

    def check_db(self, db_path, i):
        """Integrity and rollups; returns (raw rows, newest raw time)."""
        with ro_connect(db_path) as db:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)],
                             f"kill {i}")
            self.assertEqual(rollup_mismatches(db), [], f"kill {i}")
            rows, newest = db.execute("SELECT count(*), max(ts_ms) FROM raw_system").fetchone()
            return rows, (newest or 0) / 1000.0

    def test_sigkill_loop(self):
        rng = random.Random(SEED)
        db_path = os.path.join(self.ws.dir, "metrics.db")
        kills = []    # wall-clock time of each SIGKILL
        resumed = []  # wall-clock time each run had committed its first snapshot
        orphans = 0
        worst_orphan_s = 0.0
        worst_loss_s = 0.0  # kill time minus the newest committed raw row
        t_start = time.monotonic()
        for i in range(KILLS):
            self.ws.start()
            pid = server_pid(self.ws)
            self.assertTrue(pid and pid_alive(pid), f"run {i}: no server pid")
            committed = False
            if rng.random() < 0.15:
                delay = rng.uniform(0, 0.3)  # during start-up: catch-up, first tick
            else:
                st = wait_for(lambda: (lambda s: s if s and s["persistence"]
                                       ["written_snapshots"] >= 1 else None)(self.status()),
                              10, 0.02, f"run {i}: first commit")
                resumed.append(time.time())
                committed = True
                self.assertIsNone(st["persistence"]["last_error"])
                # Up to two flush intervals: kills land before, at and
                # between group commits.
                delay = rng.uniform(0, 2 * FLUSH)
            # The manager spawns the plugin before start reports ready.
            plugins = wait_for(lambda: children(pid), 5, 0.01, f"run {i}: plugin spawned")
            time.sleep(delay)
            kills.append(time.time())
            os.kill(pid, signal.SIGKILL)
            wait_for(lambda: not pid_alive(pid), 5, 0.01, f"run {i}: server dead")
            t0 = time.monotonic()
            try:
                wait_for(lambda: not any(pid_alive(p) for p in plugins), ORPHAN_TIMEOUT, 0.01,
                         f"run {i}: plugins {plugins} to die with their server")
            except AssertionError:
                orphans += 1
                for p in plugins:
                    if pid_alive(p):
                        os.kill(p, signal.SIGKILL)
                raise
            worst_orphan_s = max(worst_orphan_s, time.monotonic() - t0)
            if os.path.exists(db_path):
                _, newest = self.check_db(db_path, i)
                if committed:
                    loss = kills[-1] - newest
                    worst_loss_s = max(worst_loss_s, loss)
                    self.assertLessEqual(loss, FLUSH + INTERVAL + SLACK,
                                         f"kill {i}: the newest row is {loss:.2f} s old")
        # One more start: the last kill's catch-up, then a clean stop.
        self.ws.start()
        wait_for(lambda: (lambda s: s and s["persistence"]["written_snapshots"] >= 1)(
            self.status()), 10, 0.02, "final run: first commit")
        resumed.append(time.time())
        self.assertEqual(self.ws.cli("stop").returncode, 0)
        rows, _ = self.check_db(db_path, "final")

        with ro_connect(db_path) as db:
            stamps = [r[0] / 1000.0 for r in db.execute(
                "SELECT ts_ms FROM raw_system ORDER BY ts_ms")]
        worst_excess = -1e9
        for a, b in zip(stamps, stamps[1:]):
            kill = next((k for k in kills if k > a), None)
            if kill is None or kill > b:
                allowed = 2 * INTERVAL + SLACK  # within one run
            else:
                back = next(r for r in resumed if r > kill)
                allowed = (back - kill) + FLUSH + INTERVAL + SLACK
            worst_excess = max(worst_excess, (b - a) - allowed)
            self.assertLessEqual(b - a, allowed,
                                 f"gap {a:.3f} -> {b:.3f} ({b - a:.2f} s) > {allowed:.2f} s")
        figures = {"kills": KILLS, "kills_survived": KILLS, "seed": SEED, "raw_rows": rows,
                   "flush_interval_s": FLUSH, "worst_loss_s": round(worst_loss_s, 3),
                   "orphaned_plugins": orphans, "worst_plugin_exit_s": round(worst_orphan_s, 3),
                   "worst_gap_minus_allowed_s": round(worst_excess, 3),
                   "seconds": round(time.monotonic() - t_start, 1)}
        print("\nFIGURES crash " + json.dumps(figures))
        out = os.environ.get("HIRO_RELIABILITY_OUT")
        if out:
            with open(os.path.join(out, "crash.json"), "w") as f:
                json.dump(figures, f, indent=1)


class LosesNothing(ServerTest):
    """SIGTERM, `hirocli stop` and disabling commit everything: with a flush
    interval of an hour nothing would be committed otherwise."""
    config = {"metrics_enabled": True, "metrics_interval": INTERVAL, "metrics_persist": True,
              "metrics_flush_interval": 3600,
              "channels": [{"name": "demo", "command": [DEMO], "restart": True}]}

    def setUp(self):
        super().setUp()
        self.addCleanup(stop_quietly, self.ws)
        self.db_path = os.path.join(self.ws.dir, "metrics.db")

    def taken(self, minimum):
        """Wait until the server took at least minimum snapshots (none of them
        committed yet); returns their timestamps, from the ring."""
        wait_for(lambda: self.ws.get("/metrics/status").json()["history_count"] >= minimum, 15,
                 0.1, f"{minimum} snapshots")
        self.assertEqual(self.ws.get("/metrics/status").json()["persistence"]
                         ["written_snapshots"], 0, "group commit held them")
        return self.ring()

    def ring(self):
        r = self.ws.get("/metrics/history?minutes=10")
        self.assertEqual(r.headers.get("X-Metrics-Source"), "memory")
        return [s["timestamp"] for s in r.json()]

    def recorded(self):
        with ro_connect(self.db_path) as db:
            self.assertEqual(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)])
            self.assertEqual(rollup_mismatches(db), [])
            stamps = {r[0] for r in db.execute("SELECT ts_ms FROM raw_system")}
            plugins = db.execute("SELECT count(*) FROM raw_process r JOIN process p ON p.id ="
                                 " r.process_id JOIN process_name n ON n.id = p.name_id"
                                 " WHERE n.name = 'demo'").fetchone()[0]
        return stamps, plugins

    def assert_all_recorded(self, taken):
        stamps, plugin_rows = self.recorded()
        missing = [t for t in taken if round(t * 1000) not in stamps]
        self.assertEqual(missing, [], f"{len(missing)} of {len(taken)} snapshots lost")
        self.assertGreaterEqual(plugin_rows, len(taken))

    def test_stop_loses_nothing(self):
        self.ws.start()
        taken = self.taken(4)
        self.assertEqual(self.ws.cli("stop").returncode, 0)
        self.assert_all_recorded(taken)

    def test_sigterm_loses_nothing(self):
        self.ws.start()
        taken = self.taken(4)
        pid = server_pid(self.ws)
        os.kill(pid, signal.SIGTERM)
        wait_for(lambda: not pid_alive(pid), 20, 0.05, "server gone after SIGTERM")
        self.assert_all_recorded(taken)

    def test_disable_loses_nothing(self):
        """configure enabled=false commits what is queued before it answers:
        a SIGKILL right after loses nothing."""
        self.ws.start()
        self.taken(4)
        r = self.ws.post("/metrics/configure", {"enabled": False})
        self.assertEqual(r.status, 200)
        taken = self.ring()  # everything taken, the last tick included
        pid = server_pid(self.ws)
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not pid_alive(pid), 5, 0.01, "server dead")
        self.assert_all_recorded(taken)


if __name__ == "__main__":
    unittest.main()
