"""test_safety_export - the exporter never writes over a database (issue 13,
point 1): -o naming the database being exported (any spelling, a symlink, a
hard link), its -wal/-shm/-journal/.lock, or any other SQLite database is
refused with exit 2 and a clear message, and the running server's database
stays intact and keeps recording."""
import os
import sqlite3
import subprocess
import unittest

from hirotest import EXPORT, HIROCLI, ServerTest, wait_for


def header(path):
    with open(path, "rb") as f:
        return f.read(16)


class ExportOverDatabase(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0}

    def setUp(self):
        super().setUp()
        self.ws.start()
        self.db = os.path.join(self.ws.dir, "metrics.db")
        wait_for(lambda: self.raw_rows() >= 2, 10, what="rows on disk")
        self.inode = os.stat(self.db).st_ino

    def raw_rows(self):
        st = self.ws.get("/metrics/status")
        return st.json()["persistence"]["rows"]["raw"] if st.status == 200 else 0

    def export(self, *args, cwd=None):
        return subprocess.run([EXPORT, "--db", self.db, "--last", "1h", *args],
                              capture_output=True, text=True, timeout=60, cwd=cwd)

    def cli_export(self, *args, cwd=None):
        return subprocess.run([HIROCLI, "--workspace", ".", "metrics", "export", "--last", "1m",
                               *args], capture_output=True, text=True, timeout=60, cwd=cwd,
                              env=self.ws.env())

    def assert_refused(self, p, what):
        self.assertEqual(p.returncode, 2, f"{what}: exit {p.returncode}, {p.stderr}")
        self.assertIn("refusing to write the CSV", p.stderr, what)
        self.assertEqual(p.stdout, "", what)

    def assert_database_intact(self):
        self.assertEqual(os.stat(self.db).st_ino, self.inode, "metrics.db was replaced")
        self.assertEqual(header(self.db), b"SQLite format 3\0")
        rows = self.raw_rows()
        wait_for(lambda: self.raw_rows() > rows, 5, what="the server still recording")
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True)
        try:
            self.assertEqual(con.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        finally:
            con.close()
        st = self.ws.get("/metrics/status").json()["persistence"]
        self.assertIsNone(st["last_error"])
        p = self.export("--resolution", "raw")  # to stdout: the rows are all there
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertGreaterEqual(len(p.stdout.splitlines()), 3)
        leftovers = [n for n in os.listdir(self.ws.dir) if ".tmp-" in n]
        self.assertEqual(leftovers, [])

    def test_cli_export_over_the_workspace_database(self):
        # The reproduction: cd WS && hirocli --workspace . metrics export -o metrics.db
        self.assert_refused(self.cli_export("-o", "metrics.db", cwd=self.ws.dir), "cli")
        self.assert_refused(self.cli_export("-o", "./metrics.db-wal", cwd=self.ws.dir),
                            "cli -wal")
        self.assert_database_intact()

    def test_every_spelling_of_the_database_is_refused(self):
        other = os.path.join(self.ws.dir, "sub")
        os.mkdir(other)
        os.symlink(self.db, os.path.join(other, "link.csv"))
        os.link(self.db, os.path.join(other, "hardlink.csv"))
        self.addCleanup(os.unlink, os.path.join(other, "hardlink.csv"))
        names = [self.db, self.ws.dir + "/./metrics.db", self.ws.dir + "//metrics.db",
                 os.path.join(other, "..", "metrics.db"), os.path.join(other, "link.csv"),
                 os.path.join(other, "hardlink.csv"), self.db + "-wal", self.db + "-shm",
                 self.db + "-journal", self.db + ".lock"]
        for name in names:
            self.assert_refused(self.export("-o", name), name)
        self.assert_refused(self.export("-o", "metrics.db", cwd=self.ws.dir), "relative")
        self.assert_refused(self.export("--output=metrics.db", cwd=self.ws.dir), "--output=")
        self.assertTrue(os.path.islink(os.path.join(other, "link.csv")))
        self.assertFalse(os.path.exists(self.db + "-journal"))
        self.assert_database_intact()

    def test_another_sqlite_database_is_refused(self):
        app = os.path.join(self.ws.dir, "app.db")
        con = sqlite3.connect(app)
        con.execute("CREATE TABLE users(id)")
        con.execute("INSERT INTO users VALUES (42)")
        con.commit()
        con.close()
        before = open(app, "rb").read()
        p = self.export("-o", app)
        self.assert_refused(p, "app.db")
        self.assertIn("is an SQLite database", p.stderr)
        self.assertEqual(open(app, "rb").read(), before)
        # A write-ahead log of another database is refused too.
        wal = os.path.join(self.ws.dir, "other.db-wal")
        with open(wal, "wb") as f:
            f.write(bytes([0x37, 0x7f, 0x06, 0x82]) + bytes(28))
        self.assert_refused(self.export("-o", wal), "foreign wal")

    def test_ordinary_outputs_still_work(self):
        out = os.path.join(self.ws.dir, "day.csv")
        with open(out, "w") as f:
            f.write("old,contents\n")
        for target in (out, os.path.join(self.ws.dir, "new.csv"), "/dev/null"):
            p = self.export("-o", target)
            self.assertEqual(p.returncode, 0, p.stderr)
        with open(out) as f:
            self.assertTrue(f.readline().startswith("time,timestamp,samples"))
        p = self.cli_export("-o", "fine.csv", cwd=self.ws.dir)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_database_intact()


if __name__ == "__main__":
    unittest.main()
