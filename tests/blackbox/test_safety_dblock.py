"""test_safety_dblock - two servers never record into one database (issue 13,
point 7): the server holds an exclusive flock on <db>.lock beside the
database; a second workspace with the same metrics_db_path refuses to start,
naming the workspace that has it, and writes nothing into the database."""
import os
import shutil
import sqlite3
import tempfile
import unittest

from hirotest import Workspace, stop_quietly, wait_for


def server_pids(db):
    """The server pids recorded in the database's process table."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {r[0] for r in con.execute(
            "SELECT p.pid FROM process p JOIN process_name n ON n.id = p.name_id "
            "WHERE n.kind = 0")}
    finally:
        con.close()


class SharedDatabase(unittest.TestCase):
    def setUp(self):
        self.shared = tempfile.mkdtemp(prefix="hiro-shared-db-")
        self.addCleanup(shutil.rmtree, self.shared, ignore_errors=True)
        self.db = os.path.join(self.shared, "metrics.db")
        cfg = {"metrics_enabled": True, "metrics_interval": 1.0, "metrics_db_path": self.db}
        self.a = Workspace(cfg)
        self.b = Workspace(cfg)
        for ws in (self.a, self.b):
            self.addCleanup(ws.close)
            self.addCleanup(stop_quietly, ws)

    def rows(self, ws):
        return ws.get("/metrics/status").json()["persistence"]["rows"]["raw"]

    def test_second_server_refuses_and_names_the_first(self):
        self.a.start()
        wait_for(lambda: self.rows(self.a) >= 2, 10, what="rows from workspace A")
        p = self.b.cli("start")
        self.assertNotEqual(p.returncode, 0, "B started on A's database:\n" + p.stdout)
        self.assertIn(self.a.dir, p.stderr)
        self.assertIn("in use", p.stderr)
        self.assertIn(self.db, p.stderr)
        self.assertEqual(self.b.server_pid(), 0)
        self.assertFalse(self.b.port_open())
        with open(self.db + ".lock") as f:
            self.assertEqual(f.read(), f"workspace {self.a.dir}\npid {self.a.server_pid()}\n")
        # The foreground form says the same.
        p = self.b.cli("start", "--foreground", timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(self.a.dir, p.stderr)
        # Only A's server ever wrote: one server pid in the database.
        self.assertEqual(server_pids(self.db), {self.a.server_pid()})
        rows = self.rows(self.a)
        wait_for(lambda: self.rows(self.a) > rows, 5, what="A still recording")
        self.assertIsNone(self.a.get("/metrics/status").json()["persistence"]["last_error"])

        # Once A stops, B may have the database (the lock went with A).
        a_pid = self.a.server_pid()
        self.a.cli("stop", check=True)
        self.b.start()
        wait_for(lambda: self.b.server_pid() in server_pids(self.db), 10,
                 what="rows from workspace B")
        with open(self.db + ".lock") as f:
            self.assertEqual(f.read(), f"workspace {self.b.dir}\npid {self.b.server_pid()}\n")
        self.assertEqual(server_pids(self.db), {a_pid, self.b.server_pid()})
        p = self.a.cli("start")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(self.b.dir, p.stderr)

    def test_lock_is_released_by_a_killed_server(self):
        self.a.start()
        wait_for(lambda: self.rows(self.a) >= 1, 10, what="rows from workspace A")
        os.kill(self.a.server_pid(), 9)
        wait_for(lambda: self.b.cli("start").returncode == 0, 10, what="B starting after A died")

    def test_symlinked_lock_is_refused(self):
        target = os.path.join(self.shared, "victim")
        with open(target, "w") as f:
            f.write("keep me\n")
        os.symlink(target, self.db + ".lock")
        p = self.a.cli("start")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("symlink", p.stderr)
        with open(target) as f:
            self.assertEqual(f.read(), "keep me\n")
        self.assertFalse(os.path.exists(self.db), "database created despite the refusal")


if __name__ == "__main__":
    unittest.main()
