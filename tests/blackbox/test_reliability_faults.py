"""test_reliability_faults - faults around a running server, each with its
documented behaviour (docs/reliability.md): database on a full file system,
on a read-only file system, deleted while running, corrupt at start-up;
plugin binary missing; a plugin that exits at once in a loop (backoff);
plugin /proc entries vanishing mid-read; wall-clock rows from "the future"
(a clock that was ahead, then stepped back).

The file-system cases mount a small tmpfs and are skipped where mount(2) is
not permitted (non-root, or a container without CAP_SYS_ADMIN)."""
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest

from hirotest import DEMO, HIROCLI, ServerTest, Workspace, pid_alive, wait_for, server_pid, stop_quietly




def try_mount_tmpfs(size):
    mnt = tempfile.mkdtemp(prefix="hiro-fs-")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", mnt],
                       capture_output=True, text=True)
    if p.returncode != 0:
        os.rmdir(mnt)
        return None
    return mnt


def umount(mnt):
    subprocess.run(["umount", "-l", mnt], capture_output=True)
    shutil.rmtree(mnt, ignore_errors=True)


def raw_rows(db):
    """Rows in raw_system, read-only (0 while the file has no schema yet)."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return con.execute("SELECT count(*) FROM raw_system").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def integrity(path):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


class Faults(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0, "metrics_persist": True}

    def setUp(self):
        super().setUp()
        self.addCleanup(stop_quietly, self.ws)

    def persistence(self):
        return self.ws.get("/metrics/status").json()["persistence"]

    def mount_or_skip(self, size):
        mnt = try_mount_tmpfs(size)
        if not mnt:
            self.skipTest("mounting a tmpfs is not permitted here")
        self.addCleanup(umount, mnt)
        return mnt

    def use_db(self, path):
        cfg = self.ws.read_config()
        cfg["metrics_db_path"] = path
        self.ws.write_config(cfg)

    # ---- database faults ----

    def test_full_file_system_reports_then_recovers(self):
        mnt = self.mount_or_skip("3m")
        db = os.path.join(mnt, "metrics.db")
        self.use_db(db)
        self.ws.start_foreground()
        wait_for(lambda: self.persistence()["written_snapshots"] >= 2, 10, what="writes")
        filler = os.path.join(mnt, "filler")
        # The filesystem may already be nearly full of database and WAL (the
        # schema grew): then even creating the filler fails, which is as full
        # as it gets.
        try:
            with open(filler, "wb") as f:
                while True:
                    f.write(b"\1" * 65536)
                    f.flush()
        except OSError:
            pass
        # Keep going until the writer actually needs a new page.
        err = wait_for(lambda: self.persistence()["last_error"], 60, 0.2, "the full-disk error")
        self.assertIn("full", err.lower())
        self.assertEqual(self.ws.get("/metrics").status, 200)  # still answering from memory
        self.assertEqual(self.ws.get("/metrics/history?minutes=1").status, 200)
        os.unlink(filler)
        written = self.persistence()["written_snapshots"]
        wait_for(lambda: self.persistence()["last_error"] is None, 15, 0.2, "error cleared")
        wait_for(lambda: self.persistence()["written_snapshots"] > written, 10, 0.2,
                 "writing again")
        p = self.persistence()
        self.assertEqual(p["dropped_snapshots"], 0)  # held and retried, not lost
        # Both ends are lifecycle events, recorded once the disk has room.
        kinds = wait_for(lambda: (lambda k: {"storage_error", "storage_recovered"} <= k and k)(
            {e["kind"] for e in self.ws.get("/metrics/events?minutes=10").json()}), 15, 0.2,
            "the storage events")
        self.assertIn("storage_error", kinds)
        self.assertEqual(self.ws.cli("stop").returncode, 0)
        self.assertEqual(integrity(db), "ok")

    def test_read_only_file_system_at_start_up(self):
        mnt = self.mount_or_skip("4m")
        db = os.path.join(mnt, "metrics.db")
        self.use_db(db)
        self.ws.start()
        wait_for(lambda: self.persistence()["written_snapshots"] >= 1, 10, what="a write")
        self.assertEqual(self.ws.cli("stop").returncode, 0)
        with open(db, "rb") as f:
            before = f.read()
        self.assertEqual(subprocess.run(["mount", "-o", "remount,ro", mnt]).returncode, 0)
        p = self.ws.cli("start")
        self.assertNotEqual(p.returncode, 0, "started on a read-only database")
        self.assertIn("metrics.db", p.stderr)
        self.assertIn("database", p.stderr)
        self.assertFalse(self.ws.port_open())
        with open(db, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_read_only_file_permission_while_running(self):
        # Removing write permission from the open database changes nothing for
        # the running server (it holds the file open); documented as such.
        self.ws.start_foreground()
        db = os.path.join(self.ws.dir, "metrics.db")
        wait_for(lambda: self.persistence()["written_snapshots"] >= 1, 10, what="a write")
        os.chmod(db, 0o444)
        written = self.persistence()["written_snapshots"]
        wait_for(lambda: self.persistence()["written_snapshots"] >= written + 2, 10, 0.2,
                 "writes to continue")
        self.assertIsNone(self.persistence()["last_error"])

    def test_deleted_database_while_running(self):
        proc = self.ws.start_foreground()
        db = os.path.join(self.ws.dir, "metrics.db")
        wait_for(lambda: self.persistence()["written_snapshots"] >= 2, 10, what="writes")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.unlink(db + suffix)
        t0 = time.monotonic()
        # The writer notices at its next write, creates a new file at the path
        # and goes on writing there; the server answers throughout.
        written = self.persistence()["written_snapshots"]
        wait_for(lambda: os.path.exists(db) and raw_rows(db) >= 2, 15, 0.2,
                 "writing to a re-created database")
        resumed_s = time.monotonic() - t0
        self.assertTrue(pid_alive(proc.pid))
        self.assertEqual(self.ws.get("/metrics").status, 200)
        self.assertEqual(self.ws.get("/metrics/history?minutes=1").status, 200)
        p = self.persistence()
        self.assertIsNone(p["last_error"])
        self.assertGreater(p["written_snapshots"], written)
        self.assertEqual(integrity(db), "ok")
        print(f"\nFIGURES deleted_db {{\"resumed_s\": {resumed_s:.1f}}}")
        self.assertEqual(self.ws.cli("stop").returncode, 0)

    def test_corrupt_database_at_start_up_is_kept(self):
        db = os.path.join(self.ws.dir, "metrics.db")
        cases = {
            "not sqlite": os.urandom(20000),
            "bad header tail": b"SQLite format 3\0" + os.urandom(8192),
            "truncated": b"SQLite format 3\0" + b"\0" * 10,
        }
        # A real database with its schema pages overwritten.
        self.ws.start()
        wait_for(lambda: self.persistence()["written_snapshots"] >= 1, 10, what="a write")
        self.assertEqual(self.ws.cli("stop").returncode, 0)
        with open(db, "rb") as f:
            real = bytearray(f.read())
        for off in range(100, min(len(real), 4 * 4096), 7):
            real[off] = (real[off] * 31 + 17) & 0xff
        cases["schema pages scrambled"] = bytes(real)
        for name, content in cases.items():
            for suffix in ("-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.unlink(db + suffix)
            with open(db, "wb") as f:
                f.write(content)
            p = self.ws.cli("start")
            self.assertNotEqual(p.returncode, 0, f"{name}: started on a corrupt database")
            self.assertIn(db, p.stderr, name)
            self.assertFalse(self.ws.port_open(), name)
            with open(db, "rb") as f:
                self.assertEqual(f.read(), content, f"{name}: the original was modified")
            self.assertFalse(os.path.exists(db + "-wal") and os.path.getsize(db + "-wal") > 0,
                             name)

    # ---- plugin faults ----

    def test_missing_plugin_binary(self):
        cfg = self.ws.read_config()
        cfg["channels"] = [{"name": "ghost", "command": ["/nonexistent/plugin"], "restart": True},
                           {"name": "demo", "command": [DEMO], "restart": True}]
        self.ws.write_config(cfg)
        self.ws.start()
        snap = wait_for(lambda: (lambda r: r.json() if r.status == 200 else None)(
            self.ws.get("/metrics")), 5, what="a snapshot")
        kids = {c["name"]: c for c in snap["children"]}
        self.assertFalse(kids["ghost"]["alive"])
        self.assertTrue(kids["demo"]["alive"])
        self.assertIn("cannot run /nonexistent/plugin", self.ws.log())

    def test_flapping_plugin_restart_rate_is_capped(self):
        cfg = self.ws.read_config()
        cfg["channels"] = [{"name": "flap", "command": ["/bin/false"], "restart": True}]
        self.ws.write_config(cfg)
        self.ws.start()
        time.sleep(8.0)
        exits = self.ws.log().count("channel flap: pid")
        # backoff 0.5, 1, 2, 4 s (doubling, capped at 30 s): starts at 0, 0.5,
        # 1.5, 3.5 and 7.5 s -> at most 5 in 8 s, instead of thousands.
        self.assertGreaterEqual(exits, 3)
        self.assertLessEqual(exits, 5)
        self.assertEqual(self.ws.get("/metrics/status").status, 200)
        print(f"\nFIGURES flapping {{\"exits_in_8s\": {exits}}}")

    def test_plugin_proc_entries_vanish_mid_read(self):
        cfg = self.ws.read_config()
        cfg["channels"] = [{"name": f"p{i}", "command": ["/bin/sleep", "1000"], "restart": False}
                           for i in range(8)]
        self.ws.write_config(cfg)
        proc = self.ws.start_foreground()
        snap = wait_for(lambda: (lambda r: r.json() if r.status == 200 else None)(
            self.ws.get("/metrics")), 5, what="a snapshot")
        pids = {c["name"]: c["pid"] for c in snap["children"]}
        rng = random.Random(3)
        order = list(pids.items())
        rng.shuffle(order)
        polls = 0
        for name, pid in order:  # kills land at random points of the tick
            time.sleep(rng.uniform(0.05, 0.6))
            os.kill(pid, signal.SIGKILL)
            for _ in range(3):
                r = self.ws.get("/metrics")
                self.assertEqual(r.status, 200)
                r.json()
                polls += 1
        final = wait_for(lambda: (lambda s: s if not any(c["alive"] for c in s["children"])
                                  else None)(self.ws.get("/metrics").json()), 5,
                         what="every plugin reported dead")
        self.assertEqual(len(final["children"]), 8)
        self.assertTrue(pid_alive(proc.pid))

    # ---- clock ----

    def test_rows_from_a_clock_that_was_ahead(self):
        """The wall clock was an hour ahead, then stepped back: the database
        holds rows newer than every new snapshot. The server starts, records,
        serves sorted history, and the file stays consistent."""
        db = os.path.join(self.ws.dir, "metrics.db")
        self.ws.start()
        wait_for(lambda: self.persistence()["written_snapshots"] >= 3, 10, what="writes")
        self.assertEqual(self.ws.cli("stop").returncode, 0)
        with sqlite3.connect(db) as c:
            c.execute("UPDATE raw_system SET ts_ms = ts_ms + 3600000")
            c.execute("UPDATE raw_process SET ts_ms = ts_ms + 3600000")
            for t in ("system_1m", "system_1h", "process_1m", "process_1h", "meta"):
                c.execute(f"DELETE FROM {t}")
        for rnd in range(2):  # the second start re-runs the catch-up
            self.ws.start()
            written = wait_for(lambda: (lambda p: p if p["written_snapshots"] >= 3 else None)(
                self.persistence()), 10, what="writes after the step back")
            self.assertIsNone(written["last_error"])
            hist = self.ws.get("/metrics/history?from=0&to=1e11").json()
            stamps = [s["timestamp"] for s in hist]
            self.assertEqual(stamps, sorted(stamps))
            self.assertEqual(self.ws.cli("stop").returncode, 0)
            self.assertEqual(integrity(db), "ok")
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
            raw = c.execute("SELECT count(*) FROM raw_system").fetchone()[0]
            rolled = c.execute("SELECT sum(n) FROM system_1h").fetchone()[0]
            self.assertEqual(rolled, raw, "hour rollups do not count every raw row once")


if __name__ == "__main__":
    unittest.main()
