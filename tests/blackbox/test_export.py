"""test_export.py - hiro-metrics-export and `hirocli metrics export` on real
databases: written through the store by bench_export --generate (which also
writes every snapshot it gave the store to a JSON-lines file), or by a real
server. Every CSV is read back with Python's csv module."""
import csv
import datetime
import hashlib
import io
import json
import math
import os
import shutil
import sqlite3
import stat
import subprocess
import tempfile
import threading
import time
import unittest

import hirotest
from hirotest import BUILD, EXPORT

GEN = os.path.join(BUILD, "bench_export")
START = 1795824902.123  # 2026-11-28T00:15:02.123Z
COUNT = 2000            # 2 s apart: 00:15:02 .. 01:21:40, two 1-hour buckets
WEIRD = 'we,ird "q"\nnl'  # a plugin name with a comma, quotes and a newline

SYSTEM_FIELDS = [
    "cpu_percent", "cpu_count", "memory_total_bytes", "memory_available_bytes",
    "memory_percent", "disk_total_bytes", "disk_used_bytes", "disk_free_bytes",
    "disk_percent", "disk_read_bytes_per_sec", "disk_write_bytes_per_sec",
    "net_bytes_sent_per_sec", "net_bytes_recv_per_sec", "net_packets_sent_per_sec",
    "net_packets_recv_per_sec", "load1", "load5", "load15", "tasks_runnable", "tasks_total",
    "swap_total_bytes", "swap_used_bytes", "swap_percent", "swap_in_bytes_per_sec",
    "swap_out_bytes_per_sec"] + [
    "pressure_%s_%s_%s" % (res, kind, what) for what in ("avg10", "stall_percent")
    for res in ("cpu", "memory", "io") for kind in ("some", "full")] + ["interval_seconds"]
PROCESS_FIELDS = ["alive", "down_seconds", "cpu_percent", "rss_bytes", "vms_bytes", "num_threads",
                  "tree_cpu_percent", "tree_rss_bytes", "tree_num_threads", "tree_processes",
                  "io_read_bytes_per_sec", "io_write_bytes_per_sec", "open_fds"]
SYSTEM_HEADER = ["time", "timestamp", "samples", "seconds"] + SYSTEM_FIELDS
PROCESS_HEADER = ["time", "timestamp", "samples", "kind", "name", "pid"] + PROCESS_FIELDS


def generate(path, *args, expect=None):
    cmd = [GEN, "--generate", path, *args]
    if expect:
        cmd += ["--expect", expect]
    subprocess.run(cmd, check=True, timeout=120)


def iso(ms, with_ms=True):
    t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    text = t.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (".%03dZ" % (ms % 1000) if with_ms else "Z")


def parse_csv(data):
    """bytes -> list of rows (lists of str), with the RFC 4180 line endings."""
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def close_enough(got, want):
    return math.isclose(float(got), want, rel_tol=1e-12, abs_tol=1e-4)


class ExportCase(unittest.TestCase):
    """Shared database with known content (generated once for the class)."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hiro-export-")
        cls.db = os.path.join(cls.dir, "known.db")
        expect = os.path.join(cls.dir, "known.jsonl")
        generate(cls.db, "--count", str(COUNT), "--interval", "2", "--start", str(START),
                 "--gaps", "--name0", WEIRD, "--seed", "7", expect=expect)
        with open(expect) as f:
            cls.snaps = [json.loads(line) for line in f]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def run_export(self, *args, db=None, check=True):
        p = subprocess.run([EXPORT, "--db", db or self.db, *args], capture_output=True,
                           timeout=60)
        if check and p.returncode != 0:
            self.fail(f"export {args} failed ({p.returncode}): {p.stderr.decode()}")
        return p

    def export_rows(self, *args, header=None, db=None):
        rows = parse_csv(self.run_export(*args, db=db).stdout)
        if header:
            self.assertEqual(rows[0], header)
        return rows[1:]


class RoundTrip(ExportCase):
    def test_system_raw_round_trip(self):
        rows = self.export_rows("--resolution", "raw", header=SYSTEM_HEADER)
        self.assertEqual(len(rows), COUNT)
        for row, snap in zip(rows, self.snaps):
            ms = round(snap["timestamp"] * 1000)
            self.assertEqual(row[0], iso(ms))
            self.assertTrue(close_enough(row[1], snap["timestamp"]), row[1])
            self.assertEqual(row[2], "1")
            self.assertEqual(row[3], "2")  # seconds: the interval of a raw row
            for name, cell in zip(SYSTEM_FIELDS, row[4:]):
                if name in snap:
                    self.assertTrue(close_enough(cell, snap[name]),
                                    f"{name} at {row[0]}: {cell} != {snap[name]}")
                else:  # no disk / no network data in this snapshot: empty field
                    self.assertEqual(cell, "", f"{name} at {row[0]}")
        self.assertEqual(rows[0][0], "2026-11-28T00:15:02.123Z")
        self.assertEqual(rows[0][1], "1795824902.123")

    def test_processes_raw_round_trip(self):
        rows = self.export_rows("--resolution", "raw", "--table", "processes",
                                header=PROCESS_HEADER)
        got = {}
        for row in rows:
            got[(row[1], row[4], row[5])] = row
        want_count = 0
        for snap in self.snaps:
            for proc in snap["processes"]:
                want_count += 1
                key = ("%.3f" % snap["timestamp"], proc["name"], str(proc["pid"]))
                row = got.get(key)
                self.assertIsNotNone(row, key)
                self.assertEqual(row[3], proc["kind"])
                for name, cell in zip(PROCESS_FIELDS, row[6:]):
                    if name not in proc:  # not measured (a plugin that is down): NULL
                        self.assertEqual(cell, "", f"{key} {name}")
                    else:
                        self.assertTrue(close_enough(cell, proc[name]), f"{key} {name}")
        self.assertEqual(len(rows), want_count)
        # rows come in time order
        stamps = [float(r[1]) for r in rows]
        self.assertEqual(stamps, sorted(stamps))

    def test_quoting_survives(self):
        p = self.run_export("--resolution", "raw", "--table", "processes", "--process", WEIRD)
        self.assertIn(b'"we,ird ""q""\nnl"', p.stdout)
        rows = parse_csv(p.stdout)[1:]
        self.assertEqual(len(rows), COUNT)
        self.assertTrue(all(r[4] == WEIRD and r[3] == "channel" for r in rows))
        # the same through the rollups
        rows = self.export_rows("--resolution", "1h", "--table", "processes", "--process", WEIRD)
        self.assertEqual([r[4] for r in rows], [WEIRD, WEIRD])

    def test_line_endings_are_crlf(self):
        out = self.run_export("--resolution", "raw", "--table", "processes").stdout
        records = len(parse_csv(out))
        self.assertEqual(out.count(b"\r\n"), records)
        self.assertTrue(out.endswith(b"\r\n"))
        # the only bare LFs are the ones inside the quoted plugin name
        self.assertEqual(out.replace(b"\r\n", b"").count(b"\n"), COUNT)

    def test_process_filter(self):
        rows = self.export_rows("--resolution", "raw", "--table", "processes",
                                "--process", "channel-2")
        self.assertEqual(len(rows), COUNT)
        self.assertEqual({r[5] for r in rows}, {"5002", "5102"})  # restarted halfway
        rows = self.export_rows("--table", "processes", "--process", "server")
        self.assertEqual({r[3] for r in rows}, {"server"})
        self.assertEqual(self.export_rows("--table", "processes", "--process", "nobody"), [])


class Rollups(ExportCase):
    def expected_system(self, width, agg):
        buckets = {}
        for snap in self.snaps:
            b = math.floor(snap["timestamp"] / width) * width
            buckets.setdefault(b, []).append(snap)
        out = {}
        for b, snaps in buckets.items():
            vals = {}
            for name in SYSTEM_FIELDS:
                xs = [s[name] for s in snaps if name in s]
                vals[name] = None if not xs else (
                    sum(xs) / len(xs) if agg == "avg" else min(xs) if agg == "min" else max(xs))
            out[b] = (len(snaps), vals)
        return out

    def expected_processes(self, width, agg):
        groups = {}
        for snap in self.snaps:
            b = math.floor(snap["timestamp"] / width) * width
            for proc in snap["processes"]:
                groups.setdefault((b, proc["name"]), []).append(proc)
        out = {}
        for key, procs in groups.items():
            vals = {}
            for name in PROCESS_FIELDS:
                # Rollups aggregate measured rows only: a plugin's dead
                # periods never pull its averages or minimums down.
                xs = [p[name] for p in procs if name in p]
                vals[name] = None if not xs else (
                    sum(xs) / len(xs) if agg == "avg" else min(xs) if agg == "min" else max(xs))
            samples = sum(1 for p in procs if "rss_bytes" in p)  # measured rows
            out[key] = (samples, procs[-1]["pid"], procs[-1]["kind"], vals)
        return out

    def check_system(self, res, width):
        for agg in ("avg", "min", "max"):
            with self.subTest(res=res, agg=agg):
                rows = self.export_rows("--resolution", res, "--agg", agg, header=SYSTEM_HEADER)
                want = self.expected_system(width, agg)
                self.assertEqual(len(rows), len(want))
                for row in rows:
                    bucket = int(row[1])
                    self.assertEqual(row[0], iso(bucket * 1000, with_ms=False))
                    n, vals = want[bucket]
                    self.assertEqual(int(row[2]), n)
                    self.assertTrue(close_enough(row[3], 2.0 * n), row[3])  # seconds covered
                    for name, cell in zip(SYSTEM_FIELDS, row[4:]):
                        if vals[name] is None:
                            self.assertEqual(cell, "")
                        else:
                            self.assertTrue(close_enough(cell, vals[name]),
                                            f"{row[0]} {name} {agg}: {cell} != {vals[name]}")

    def check_processes(self, res, width):
        for agg in ("avg", "min", "max"):
            with self.subTest(res=res, agg=agg):
                rows = self.export_rows("--resolution", res, "--agg", agg, "--table",
                                        "processes", header=PROCESS_HEADER)
                want = self.expected_processes(width, agg)
                self.assertEqual(len(rows), len(want))
                for row in rows:
                    n, pid, kind, vals = want[(int(row[1]), row[4])]
                    self.assertEqual((int(row[2]), int(row[5]), row[3]), (n, pid, kind))
                    for name, cell in zip(PROCESS_FIELDS, row[6:]):
                        if vals[name] is None:
                            self.assertEqual(cell, "", f"{row[0]} {row[4]!r} {name}")
                            continue
                        self.assertTrue(close_enough(cell, vals[name]),
                                        f"{row[0]} {row[4]!r} {name} {agg}: {cell} != {vals[name]}")

    def test_1m_system(self):
        self.check_system("1m", 60)

    def test_1h_system(self):
        self.check_system("1h", 3600)

    def test_1m_processes(self):
        self.check_processes("1m", 60)

    def test_1h_processes(self):
        self.check_processes("1h", 3600)

    def test_agg_with_raw_warns_and_is_ignored(self):
        plain = self.run_export("--resolution", "raw")
        p = self.run_export("--resolution", "raw", "--agg", "max")
        self.assertIn(b"warning", p.stderr)
        self.assertEqual(p.stdout, plain.stdout)

    def test_bucket_overlap_range(self):
        # 00:30:00-00:30:30 lies inside one minute bucket and one hour bucket
        rows = self.export_rows("--resolution", "1m", "--from", "2026-11-28T00:30:00Z",
                                "--to", "2026-11-28T00:30:30Z")
        self.assertEqual([r[0] for r in rows], ["2026-11-28T00:30:00Z"])
        rows = self.export_rows("--resolution", "1h", "--from", "2026-11-28T00:30:10Z",
                                "--to", "2026-11-28T01:00:00Z")
        self.assertEqual([r[0] for r in rows], ["2026-11-28T00:00:00Z", "2026-11-28T01:00:00Z"])


class Ranges(ExportCase):
    def test_inclusive_bounds_iso_and_unix(self):
        for lo, hi in (("2026-11-28T00:15:12.123Z", "2026-11-28T00:15:22.123Z"),
                       ("1795824912.123", "1795824922.123"),
                       ("2026-11-28T01:15:12.123+01:00", "2026-11-28 00:15:22.123")):
            rows = self.export_rows("--resolution", "raw", "--from", lo, "--to", hi)
            self.assertEqual([r[1] for r in rows],
                             ["17958249%d.123" % s for s in range(12, 23, 2)], (lo, hi))

    def test_last_duration(self):
        # --last counts back from --to
        rows = self.export_rows("--resolution", "raw", "--to", "1795824922.123", "--last", "10s")
        self.assertEqual(len(rows), 6)
        rows = self.export_rows("--resolution", "raw", "--to", "2026-11-28T01:00:00Z",
                                "--last", "1h")
        self.assertEqual(rows[0][0], "2026-11-28T00:15:02.123Z")
        self.assertEqual(rows[-1][0], "2026-11-28T00:59:58.123Z")

    def test_empty_range_gives_header_only(self):
        for table, header in (("system", SYSTEM_HEADER), ("processes", PROCESS_HEADER)):
            for res in ("raw", "1m", "1h", "auto"):
                with self.subTest(table=table, res=res):
                    p = self.run_export("--table", table, "--resolution", res,
                                        "--from", "2000-01-01", "--to", "2000-01-02")
                    self.assertEqual(parse_csv(p.stdout), [header])
                    self.assertEqual(p.stdout, (",".join(header) + "\r\n").encode())


class Auto(unittest.TestCase):
    """Tiers of different depth: 2 days at 60 s ending now, then retention of
    30 minutes raw, 6 hours of minutes, all hours."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="hiro-export-auto-")
        cls.db = os.path.join(cls.dir, "tiers.db")
        generate(cls.db, "--days", "2", "--interval", "60", "--plugins", "2",
                 "--retention", "0.5,0.25,400")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def chosen(self, *args):
        p = subprocess.run([EXPORT, "--db", self.db, "-v", *args], capture_output=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        line = p.stderr.decode().strip()
        self.assertIn("(auto)", line)
        return line.split("resolution ")[1].split()[0], parse_csv(p.stdout)[1:]

    def test_auto_picks_finest_covering_tier(self):
        res, rows = self.chosen("--last", "10m")
        self.assertEqual(res, "raw")
        self.assertTrue(rows and all(r[0].endswith("Z") and "." in r[0] for r in rows))
        res, rows = self.chosen("--last", "3h")
        self.assertEqual(res, "1m")
        self.assertTrue(170 <= len(rows) <= 182, len(rows))
        res, rows = self.chosen("--last", "1d", "--table", "processes")
        self.assertEqual(res, "1h")
        self.assertEqual(res, self.chosen("--last", "1d")[0])
        res, rows = self.chosen()  # no range: the tier reaching back furthest
        self.assertEqual(res, "1h")
        self.assertTrue(48 <= len(rows) <= 50, len(rows))
        # a range older than all data still gets the deepest tier
        self.assertEqual(self.chosen("--from", "2000-01-01")[0], "1h")

    def test_fresh_database_exports_raw(self):
        fresh = os.path.join(self.dir, "fresh.db")
        generate(fresh, "--count", "30", "--interval", "2")
        p = subprocess.run([EXPORT, "--db", fresh, "-v", "--last", "7d"], capture_output=True,
                           timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"resolution raw (auto)", p.stderr)
        self.assertEqual(len(parse_csv(p.stdout)), 31)


class Errors(ExportCase):
    def assert_one_line_error(self, p, code, fragment):
        err = p.stderr.decode()
        self.assertEqual(p.returncode, code, err)
        self.assertEqual(p.stdout, b"")
        self.assertEqual(err.count("\n"), 1, err)
        self.assertTrue(err.startswith("hiro-metrics-export: "), err)
        self.assertIn(fragment, err)

    def test_usage_errors_exit_2(self):
        db = self.db
        cases = [
            ([], "--db PATH is required"),
            (["--db"], "needs a value"),
            (["--db", db, "--from", "2026-11-28T01:00:00Z", "--to", "2026-11-28"], "after --to"),
            (["--db", db, "--from", "1795824999", "--to", "1795824000"], "after --to"),
            (["--db", db, "--last", "7"], "--last"),
            (["--db", db, "--last", "1h", "--from", "2026-11-28"], "cannot be combined"),
            (["--db", db, "--from", "yesterday"], "--from"),
            (["--db", db, "--to", "2026-02-30"], "--to"),
            (["--db", db, "--resolution", "5m"], "--resolution"),
            (["--db", db, "--agg", "median"], "--agg"),
            (["--db", db, "--table", "mounts"], "--table"),
            (["--db", db, "--table", "disks", "--process", "x"], "--process"),
            (["--db", db, "--process", "server"], "--table processes"),
            (["--db", db, "--bogus"], "unknown option"),
            (["--db", db, "stray"], "unexpected argument"),
        ]
        for args, fragment in cases:
            with self.subTest(args=args):
                p = subprocess.run([EXPORT, *args], capture_output=True, timeout=30)
                self.assert_one_line_error(p, 2, fragment)

    def test_help_documents_interface(self):
        p = subprocess.run([EXPORT, "--help"], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0)
        for word in ("CRLF", "Exit status", "--resolution", "cpu_percent", "rss_bytes",
                     "memory_total_bytes", "ISO-8601", "samples", "--agg"):
            self.assertIn(word, p.stdout)

    def test_runtime_errors_exit_1(self):
        d = tempfile.mkdtemp(dir=self.dir)
        missing = os.path.join(d, "missing.db")
        garbage = os.path.join(d, "garbage.db")
        with open(garbage, "wb") as f:
            f.write(b"this is not a database, just some text\n" * 200)
        empty = os.path.join(d, "empty.db")
        open(empty, "wb").close()
        foreign = os.path.join(d, "foreign.db")
        with sqlite3.connect(foreign) as c:
            c.execute("CREATE TABLE t(x)")
        newer = os.path.join(d, "newer.db")
        shutil.copy(self.db, newer)
        with sqlite3.connect(newer) as c:
            c.execute("PRAGMA user_version = 99")
        c.close()
        cases = [(missing, "no such database file"), (garbage, "not an SQLite database"),
                 (empty, "too old"), (foreign, "not a hirocli metrics database"),
                 (newer, "too new"), (d, "is a directory")]
        for path, fragment in cases:
            with self.subTest(path=os.path.basename(path)):
                before = sha256(path) if os.path.isfile(path) else None
                p = subprocess.run([EXPORT, "--db", path], capture_output=True, timeout=30)
                self.assert_one_line_error(p, 1, fragment)
                if before:
                    self.assertEqual(sha256(path), before, "database was modified")
        self.assertFalse(os.path.exists(missing), "a missing database was created")

    @unittest.skipIf(os.geteuid() == 0, "root reads any file")
    def test_unreadable_file(self):
        path = os.path.join(self.dir, "unreadable.db")
        shutil.copy(self.db, path)
        os.chmod(path, 0)
        try:
            p = subprocess.run([EXPORT, "--db", path], capture_output=True, timeout=30)
            self.assert_one_line_error(p, 1, "cannot read")
        finally:
            os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


class OutputFile(ExportCase):
    def test_output_file_equals_stdout(self):
        d = tempfile.mkdtemp(dir=self.dir)
        out = os.path.join(d, "out.csv")
        p = self.run_export("--resolution", "1m", "-o", out)
        self.assertEqual(p.stdout, b"")
        with open(out, "rb") as f:
            self.assertEqual(f.read(), self.run_export("--resolution", "1m").stdout)
        self.assertEqual(os.listdir(d), ["out.csv"])  # no temporary file left
        mode = stat.S_IMODE(os.stat(out).st_mode)
        self.assertTrue(mode & stat.S_IRUSR and mode & stat.S_IWUSR, oct(mode))

    def test_failed_export_leaves_no_file(self):
        d = tempfile.mkdtemp(dir=self.dir)
        out = os.path.join(d, "out.csv")
        p = subprocess.run([EXPORT, "--db", os.path.join(d, "nope.db"), "-o", out],
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(os.listdir(d), [])
        # an existing file is kept as it was
        with open(out, "w") as f:
            f.write("old\n")
        p = subprocess.run([EXPORT, "--db", os.path.join(d, "nope.db"), "-o", out],
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(os.listdir(d), ["out.csv"])
        with open(out) as f:
            self.assertEqual(f.read(), "old\n")
        p = subprocess.run([EXPORT, "--db", self.db, "-o", os.path.join(d, "no", "such.csv")],
                           capture_output=True, timeout=30)
        self.assertEqual(p.returncode, 1)
        self.assertIn(b"cannot create", p.stderr)

    def test_database_never_modified(self):
        d = tempfile.mkdtemp(dir=self.dir)
        copy = os.path.join(d, "copy.db")
        shutil.copy(self.db, copy)
        before = sha256(copy)
        for args in ([], ["--table", "processes"], ["--resolution", "raw"]):
            self.run_export(*args, db=copy)
        self.assertEqual(sha256(copy), before)
        # whatever WAL files the reader left, a writer opens and appends normally
        generate(copy, "--count", "50", "--start", str(START + 2 * COUNT))
        rows = self.export_rows("--resolution", "raw", db=copy)
        self.assertEqual(len(rows), COUNT + 50)
        with sqlite3.connect(copy) as c:
            self.assertEqual(c.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        c.close()


class ConcurrentWriter(ExportCase):
    def test_export_while_python_writer_inserts(self):
        """A tight writer loop (no busy timeout: any lock wait would fail it)
        keeps committing while exports run back to back."""
        d = tempfile.mkdtemp(dir=self.dir)
        db = os.path.join(d, "busy.db")
        shutil.copy(self.db, db)
        stop = threading.Event()
        errors, commits = [], [0]

        def writer():
            c = sqlite3.connect(db, timeout=0, isolation_level=None)
            try:
                c.execute("PRAGMA journal_mode=WAL")
                ts = int((START + 2 * COUNT) * 1000)
                while not stop.is_set():
                    c.execute("BEGIN IMMEDIATE")
                    for _ in range(20):
                        ts += 1000
                        c.execute("INSERT INTO raw_system(ts_ms, cpu_pct_x100, cpu_count, "
                                  "mem_total, mem_available, mem_pct_x100) "
                                  "VALUES (?, 1234, 2, 1000, 500, 5000)", (ts,))
                    c.execute("COMMIT")
                    commits[0] += 1
            except sqlite3.Error as e:
                errors.append(repr(e))
            finally:
                c.close()

        t = threading.Thread(target=writer)
        t.start()
        try:
            counts = []
            deadline = time.monotonic() + 4
            while time.monotonic() < deadline:
                p = subprocess.run([EXPORT, "--db", db, "--resolution", "raw"],
                                   capture_output=True, timeout=60)
                self.assertEqual(p.returncode, 0, p.stderr)
                counts.append(len(parse_csv(p.stdout)) - 1)
        finally:
            stop.set()
            t.join(30)
        self.assertEqual(errors, [])
        self.assertGreater(commits[0], 10)
        self.assertGreater(len(counts), 3)
        self.assertEqual(counts, sorted(counts))  # each export sees a consistent, growing table
        self.assertGreater(counts[-1], COUNT)


class WithServer(hirotest.ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0}

    def test_filesystems_disks_and_interfaces(self):
        """The system context's lists, recorded by a real server: raw rows
        match what /metrics said, the minute rollups cover them."""
        self.ws.start()
        hirotest.wait_for(lambda: self.ws.get("/metrics").status == 200, 15, what="a snapshot")
        snap = self.ws.get("/metrics").json()
        time.sleep(2.5)
        self.ws.cli("stop", check=True)  # closes the open buckets
        db = os.path.join(self.ws.dir, "metrics.db")
        for table, label, key, first in (
                ("filesystems", "mount", "filesystems", "total_bytes"),
                ("disks", "device", "disks", "read_bytes_per_sec"),
                ("interfaces", "interface", "interfaces", "bytes_sent_per_sec")):
            names = {e[label] for e in snap[key]}
            for res in ("raw", "1m"):
                p = subprocess.run([EXPORT, "--db", db, "--table", table, "--resolution", res],
                                   capture_output=True, timeout=60)
                self.assertEqual(p.returncode, 0, p.stderr)
                rows = parse_csv(p.stdout)
                self.assertEqual(rows[0][:5], ["time", "timestamp", "samples", label, first])
                if names:
                    self.assertEqual({r[3] for r in rows[1:]}, names, (table, res))
        # Filesystem sizes as the snapshot said (they do not change).
        p = subprocess.run([EXPORT, "--db", db, "--table", "filesystems", "--resolution", "raw"],
                           capture_output=True, timeout=60)
        sizes = {r[3]: int(r[4]) for r in parse_csv(p.stdout)[1:]}
        for fs in snap["filesystems"]:
            self.assertEqual(sizes[fs["mount"]], fs["total_bytes"])

    def test_export_while_server_writes_and_hirocli_front(self):
        server = self.ws.start_foreground()
        # Stop it ourselves: `hirocli stop` (Workspace.close) waits until
        # kill(pid, 0) fails, which a zombie child of this process never does.
        self.addCleanup(lambda: server.poll() is None and (server.terminate(), server.wait(30)))
        db = os.path.join(self.ws.dir, "metrics.db")

        def raw_rows():
            p = self.ws.cli("metrics", "export", "--last", "1h", "--resolution", "raw")
            self.assertEqual(p.returncode, 0, p.stderr)
            return len(parse_csv(p.stdout.encode())) - 1

        hirotest.wait_for(lambda: os.path.exists(db) and raw_rows() >= 2, 20,
                          what="rows in the database")
        counts = []
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            for table in ("system", "processes"):
                p = subprocess.run([EXPORT, "--db", db, "--table", table, "--last", "1h"],
                                   capture_output=True, timeout=60)
                self.assertEqual(p.returncode, 0, p.stderr)
                rows = parse_csv(p.stdout)
                self.assertGreater(len(rows), 1)
                if table == "system":
                    counts.append(len(rows) - 1)
            time.sleep(0.1)
        self.assertGreater(counts[-1], counts[0])  # the writer kept going
        status = self.ws.get("/metrics/status").json()
        self.assertIsNone(status["persistence"].get("last_error"), status)

        # the CLI front: --last 1h for the workspace, same columns, -o relative to cwd
        p = self.ws.cli("metrics", "export", "--last", "1h", "--table", "processes")
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = parse_csv(p.stdout.encode())
        self.assertEqual(rows[0], PROCESS_HEADER)
        self.assertIn("server", {r[4] for r in rows[1:]})
        p = self.ws.cli("metrics", "export", "--from", "tomorrow")
        self.assertEqual(p.returncode, 2)
        out = os.path.join(self.ws.dir, "day.csv")
        p = self.ws.cli("metrics", "export", "--last", "1h", "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out, "rb") as f:
            self.assertEqual(parse_csv(f.read())[0], SYSTEM_HEADER)


if __name__ == "__main__":
    unittest.main()
