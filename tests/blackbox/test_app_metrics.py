"""test_app_metrics - application metrics from plugins (StatsD over the
workspace's Unix datagram socket, and UDP on loopback) against a real server:
known counters, gauges, timers and sets checked over REST (/metrics,
/metrics/app/history, /metrics/status) and in the Prometheus exposition;
attribution by the sender's credentials (a process outside every plugin tree
is refused, whatever it claims; a plugin's grandchild is attributed); limits
(malformed lines, series limit); a flood (rate budget: counted drops, no
memory growth, the collector on schedule)."""
import json
import math
import os
import socket
import stat
import subprocess
import sys
import textwrap
import time
import unittest

from hirotest import PROMETHEUS, Workspace, free_port, rss_kib, start_prometheus, wait_for

PY = sys.executable

# A plugin that publishes ROUNDS rounds of known series, one datagram each,
# then says so in a file and stays alive (quiet).
FIXED_PLUGIN = textwrap.dedent("""\
    import os, socket, sys, time
    path, rounds, done = os.environ["HIRO_STATSD_SOCKET"], int(sys.argv[1]), sys.argv[2]
    with open(done + ".env", "w") as f:
        f.write(os.environ["HIRO_STATSD_SOCKET"] + "\\n" + os.environ["HIRO_PLUGIN_NAME"])
    values = [str(v) for v in range(1, 1001)]
    timer = "\\n".join("work:" + ":".join(values[i:i + 64]) + "|ms" for i in range(0, 1000, 64))
    lines = [timer,
             "jobs:1|c", "jobs:1|c", "jobs:1|c", "jobs:1|c|@0.5",
             "queue.depth:10|g", "queue.depth:+5|g", "queue.depth:-3|g",
             "req:1|c|#route:/a,method:GET", "req:1|c|#method:GET,route:/a"]
    lines += ["users:u%d|s" % (i % 37) for i in range(100)]
    datagram = "\\n".join(lines).encode()
    assert len(datagram) < 8192, len(datagram)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    for _ in range(rounds):
        s.sendto(datagram, path)
        time.sleep(0.5)
    open(done, "w").close()
    time.sleep(3600)
""")

# A plugin that publishes a timer of 1..1000 ms five times a second, forever.
STEADY_PLUGIN = textwrap.dedent("""\
    import os, socket, time
    path = os.environ["HIRO_STATSD_SOCKET"]
    values = [str(v) for v in range(1, 1001)]
    timer = "\\n".join("handle:" + ":".join(values[i:i + 64]) + "|ms" for i in range(0, 1000, 64))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    while True:
        s.sendto((timer + "\\nhandled:1000|c").encode(), path)
        time.sleep(0.2)
""")

# A plugin whose child process (not the plugin itself) publishes.
PARENT_PLUGIN = textwrap.dedent("""\
    import os, socket, subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", '''
    import os, socket, time
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    while True:
        s.sendto(b"grandchild.beats:1|c", os.environ["HIRO_STATSD_SOCKET"])
        time.sleep(0.1)
    '''])
    time.sleep(3600)
""")

# A plugin whose publisher is orphaned (double fork): the server, a child
# subreaper, becomes its parent, and it is still attributed to the plugin.
ORPHAN_PLUGIN = textwrap.dedent("""\
    import os, socket, time
    if os.fork() == 0:
        if os.fork() == 0:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            while True:
                s.sendto(b"orphan.beats:1|c", os.environ["HIRO_STATSD_SOCKET"])
                time.sleep(0.1)
        os._exit(0)
    os.wait()
    time.sleep(3600)
""")

# One datagram from a process outside every plugin tree, claiming a plugin's name.
OUTSIDER = ("import socket, sys; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); "
            "s.sendto(b'outsider.hits:1|c', sys.argv[1])")


def write_script(ws, name, text):
    path = os.path.join(ws.dir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def child(snapshot, name):
    for c in snapshot["children"]:
        if c["name"] == name:
            return c
    raise AssertionError(f"no plugin {name} in {snapshot['children']}")


def plugin_app(ws, name):
    """The plugin's "app" object in /metrics, or None (no snapshot or no series yet)."""
    r = ws.get("/metrics")
    return r.status == 200 and child(r.json(), name).get("app")


def app_status(ws):
    return ws.get("/metrics/status").json()["app_metrics"]


def publisher(status, name):
    for p in status["publishers"]:
        if p["process"] == name:
            return p
    return None


def within(value, exact, rel=0.01):
    return value is not None and abs(value - exact) <= rel * abs(exact)


class KnownSeries(unittest.TestCase):
    """One server: a plugin publishing fixed rounds, one publishing a steady
    timer, one whose child publishes; metrics every second, no persistence."""

    ROUNDS = 6

    @classmethod
    def setUpClass(cls):
        cls.ws = Workspace()
        cls.addClassCleanup(cls.ws.close)
        fixed = write_script(cls.ws, "fixed.py", FIXED_PLUGIN)
        steady = write_script(cls.ws, "steady.py", STEADY_PLUGIN)
        parent = write_script(cls.ws, "parent.py", PARENT_PLUGIN)
        orphan = write_script(cls.ws, "orphan.py", ORPHAN_PLUGIN)
        cls.done = os.path.join(cls.ws.dir, "fixed.done")
        cfg = cls.ws.read_config()
        cfg.update({"metrics_enabled": True, "metrics_interval": 1.0, "metrics_persist": False,
                    "channels": [
                        {"name": "fixed", "command": [PY, fixed, str(cls.ROUNDS), cls.done]},
                        {"name": "steady", "command": [PY, steady]},
                        {"name": "parent", "command": [PY, parent]},
                        {"name": "orphaned", "command": [PY, orphan]}]})
        cls.ws.write_config(cfg)
        cls.ws.start_foreground()
        wait_for(lambda: os.path.exists(cls.done), 20, 0.1, "the fixed plugin's rounds")
        time.sleep(2.5)  # every round is in a closed interval

    def test_socket_and_plugin_environment(self):
        sock = os.path.join(self.ws.dir, "app-metrics.sock")
        st = os.lstat(sock)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        with open(self.done + ".env") as f:
            self.assertEqual(f.read().split("\n"), [sock, "fixed"])
        self.assertEqual(app_status(self.ws)["socket"], sock)

    def test_counters_gauges_and_tags_over_rest(self):
        app = child(self.ws.get("/metrics").json(), "fixed")["app"]
        jobs = app["jobs"]
        self.assertEqual(jobs["type"], "counter")
        self.assertEqual(jobs["total"], 5.0 * self.ROUNDS)  # 3 x 1 + 1 at @0.5
        self.assertEqual(jobs["rate"], 0.0)  # a quiet interval: a measured zero
        self.assertEqual(app["queue.depth"], {"type": "gauge", "value": 12.0})
        req = app["req#method:GET,route:/a"]  # tag order does not make a new series
        self.assertEqual(req["total"], 2.0 * self.ROUNDS)
        self.assertEqual(req["tags"], {"method": "GET", "route": "/a"})
        self.assertEqual(req["name"], "req")
        work = app["work"]  # no samples in the latest interval: nothing invented
        self.assertEqual(work["count"], 0.0)
        self.assertIsNone(work["p50"])
        self.assertIsNone(work["min"])
        self.assertEqual(app["users"], {"type": "set", "distinct": 0.0})

    def test_timer_quantiles_and_sets_in_history(self):
        r = self.ws.get("/metrics/app/history?process=fixed&minutes=2")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["X-Metrics-Source"], "memory")
        series = {s["key"]: s for s in r.json()["series"]}
        work = series["work"]
        self.assertEqual(work["type"], "timer")
        self.assertEqual(work["columns"],
                         ["timestamp", "count", "sum", "min", "max", "p50", "p90", "p99"])
        busy = [dict(zip(work["columns"], p)) for p in work["points"] if p[1] > 0]
        self.assertGreaterEqual(len(busy), 2)
        self.assertEqual(sum(p["count"] for p in busy), 1000.0 * self.ROUNDS)
        for p in busy:  # each interval holds whole rounds of 1..1000
            k = p["count"] / 1000
            self.assertEqual(k, int(k))
            self.assertEqual(p["sum"], 500500.0 * k)
            self.assertEqual((p["min"], p["max"]), (1.0, 1000.0))
            for q, exact in (("p50", 500), ("p90", 900), ("p99", 990)):
                self.assertTrue(within(p[q], exact), f"{q} {p[q]} vs {exact}")
        users = [p[1] for p in series["users"]["points"]]
        self.assertEqual(max(users), 37.0)
        self.assertTrue(set(users) <= {0.0, 37.0}, users)
        # One series, one filter: name= picks it.
        one = self.ws.get("/metrics/app/history?process=fixed&name=jobs&minutes=2").json()
        self.assertEqual([s["key"] for s in one["series"]], ["jobs"])
        self.assertEqual(self.ws.get("/metrics/app/history?minutes=abc").status, 400)

    def test_grandchild_is_attributed_to_its_plugin(self):
        app = wait_for(lambda: plugin_app(self.ws, "parent"), 10, 0.2, "the grandchild's series")
        self.assertEqual(app["grandchild.beats"]["type"], "counter")
        self.assertGreater(app["grandchild.beats"]["total"], 0)

    def test_orphaned_descendant_is_attributed_to_its_plugin(self):
        app = wait_for(lambda: plugin_app(self.ws, "orphaned"), 10, 0.2, "the orphan's series")
        self.assertGreater(app["orphan.beats"]["total"], 0)

    def test_outsider_is_refused_whatever_it_claims(self):
        before = app_status(self.ws)["unattributed_datagrams"]
        sock = os.path.join(self.ws.dir, "app-metrics.sock")
        env = dict(os.environ, HIRO_PLUGIN_NAME="fixed", HIRO_STATSD_SOCKET=sock)
        p = subprocess.Popen([PY, "-c", OUTSIDER, sock], env=env)
        self.assertEqual(p.wait(30), 0)
        st = wait_for(lambda: (s := app_status(self.ws))["unattributed_datagrams"] > before and s,
                      5, 0.1, "the refusal to be counted")
        self.assertEqual(st["last_unattributed_pid"], p.pid)
        time.sleep(1.2)
        text = json.dumps(self.ws.get("/metrics").json())
        self.assertNotIn("outsider.hits", text)
        self.assertNotIn("outsider", self.ws.get("/metrics/prometheus").body.decode())

    def test_status_counts_per_publisher(self):
        st = app_status(self.ws)
        fixed = publisher(st, "fixed")
        self.assertEqual(fixed["datagrams"], self.ROUNDS)
        self.assertEqual(fixed["lines"], self.ROUNDS * (16 + 9 + 100))
        self.assertEqual(fixed["series"], 5)
        self.assertEqual(sum(fixed["refused"].values()), 0)
        self.assertIsNone(fixed["last_error"])
        self.assertGreater(fixed["memory_bytes"], 0)
        server = publisher(st, "server")
        self.assertTrue(server and server["server"])

    def test_prometheus_families(self):
        text = self.ws.get("/metrics/prometheus").body.decode()
        self.assertIn("# TYPE hiro_app_jobs_total counter", text)
        self.assertIn('hiro_app_jobs_total{process="fixed"} 30', text)
        self.assertIn("# TYPE hiro_app_queue_depth gauge", text)
        self.assertIn('hiro_app_queue_depth{process="fixed"} 12', text)
        self.assertIn('hiro_app_req_total{process="fixed",method="GET",route="/a"} 12', text)
        self.assertIn("# TYPE hiro_app_work_seconds summary", text)
        self.assertIn('hiro_app_work_seconds_count{process="fixed"} 6000', text)
        self.assertIn('hiro_app_work_seconds_sum{process="fixed"} 3003', text)
        self.assertIn("# TYPE hiro_app_handle_seconds summary", text)
        if os.access("/usr/bin/promtool", os.X_OK):
            p = subprocess.run(["/usr/bin/promtool", "check", "metrics"], input=text,
                               capture_output=True, text=True, timeout=30)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_real_prometheus_reads_the_summary(self):
        if not os.access(PROMETHEUS, os.X_OK):
            self.skipTest(f"{PROMETHEUS} not installed; scripts/deps.sh --test installs it")
        query = start_prometheus(self, scrape_config(self.ws.port))
        q50 = 'hiro_app_handle_seconds{process="steady",quantile="0.5"}'
        res = wait_for(lambda: query(q50), 40, 0.5, f"prometheus to answer {q50}")
        self.assertTrue(within(float(res[0]["value"][1]), 0.5), res)
        q99 = wait_for(lambda: query('hiro_app_handle_seconds{process="steady",quantile="0.99"}'),
                       5, 0.5, "p99")
        self.assertTrue(within(float(q99[0]["value"][1]), 0.99), q99)
        total = wait_for(lambda: query('hiro_app_jobs_total{process="fixed"}'), 5, 0.5, "jobs")
        self.assertEqual(float(total[0]["value"][1]), 30.0)
        rate = wait_for(lambda: query('rate(hiro_app_handled_total{process="steady"}[5s])'), 20,
                        0.5, "a rate of handled")
        # 1000 every 0.2 s; the exact figure depends on the scrapes a loaded
        # machine managed (REST shows 5,000/s), so only its presence counts here.
        self.assertGreater(float(rate[0]["value"][1]), 0, rate)
        print(f"\n  {q50} = {res[0]['value'][1]}, rate(handled) = {rate[0]['value'][1]}",
              file=sys.stderr)


def scrape_config(target_port):
    return f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: hirocli
    metrics_path: /metrics/prometheus
    static_configs:
      - targets: ["127.0.0.1:{target_port}"]
"""


class Recorded(unittest.TestCase):
    """Persistence on: the known rounds in the SQLite views and in the CSV
    export, after a clean stop (which closes the open rollup buckets)."""

    def test_views_and_csv(self):
        import csv
        import io
        import sqlite3
        from hirotest import EXPORT
        ws = Workspace()
        self.addCleanup(ws.close)
        fixed = write_script(ws, "fixed.py", FIXED_PLUGIN)
        done = os.path.join(ws.dir, "fixed.done")
        cfg = ws.read_config()
        cfg.update({"metrics_enabled": True, "metrics_interval": 1.0, "metrics_persist": True,
                    "channels": [{"name": "fixed", "command": [PY, fixed, "4", done]}]})
        ws.write_config(cfg)
        ws.start()
        wait_for(lambda: os.path.exists(done), 20, 0.1, "the rounds")
        time.sleep(2.5)
        ws.cli("stop", check=True)
        db = sqlite3.connect(os.path.join(ws.dir, "metrics.db"))
        q = lambda sql: db.execute(sql).fetchall()
        self.assertEqual(q("SELECT max(total) FROM v_app_raw WHERE process='fixed' AND series='jobs'"),
                         [(20.0,)])
        self.assertEqual(q("SELECT sum(count) FROM v_app_raw WHERE series='work'"), [(4000.0,)])
        busy = q("SELECT count, p50, p99 FROM v_app_raw WHERE series='work' AND count > 0")
        for count, p50, p99 in busy:
            self.assertTrue(within(p50, 500) and within(p99, 990), (count, p50, p99))
        # The minute rollups merge the sketches: quantiles of all 4,000 samples.
        minutes = q("SELECT sum(count) FROM v_app_1m WHERE series='work'")
        self.assertEqual(minutes, [(4000.0,)])
        for p50, p99 in q("SELECT p50, p99 FROM v_app_1m WHERE series='work' AND count > 0"):
            self.assertTrue(within(p50, 500) and within(p99, 990), (p50, p99))
        self.assertEqual(q("SELECT value_last FROM v_app_1h WHERE series='queue.depth'"), [(12.0,)])
        self.assertEqual(q("SELECT max(distinct_members) FROM v_app_1m WHERE series='users'"),
                         [(37.0,)])
        db.close()
        p = subprocess.run([EXPORT, "--db", os.path.join(ws.dir, "metrics.db"), "--table", "app",
                            "--process", "fixed", "--resolution", "raw"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = list(csv.DictReader(io.StringIO(p.stdout)))
        jobs = [r for r in rows if r["series"] == "jobs"]
        self.assertEqual(max(float(r["total"]) for r in jobs), 20.0)
        work = [r for r in rows if r["series"] == "work" and float(r["count"]) > 0]
        self.assertEqual(sum(float(r["count"]) for r in work), 4000.0)
        self.assertEqual({r["type"] for r in rows}, {"counter", "gauge", "timer", "set"})
        self.assertTrue(all(r["process"] == "fixed" for r in rows))


class Limits(unittest.TestCase):
    def test_malformed_lines_and_series_limit(self):
        ws = Workspace({"metrics_enabled": True, "metrics_interval": 1.0,
                        "metrics_persist": False, "app_metrics_max_series": 5})
        self.addCleanup(ws.close)
        script = write_script(ws, "many.py", textwrap.dedent("""\
            import os, socket, time
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            lines = ["s%d:1|c" % i for i in range(10)] + ["bad line", "x:1|q", "1x:1|c"]
            s.sendto("\\n".join(lines).encode(), os.environ["HIRO_STATSD_SOCKET"])
            time.sleep(3600)
        """))
        cfg = ws.read_config()
        cfg["channels"] = [{"name": "many", "command": [PY, script]}]
        ws.write_config(cfg)
        ws.start()  # in the background: the log goes to server.log
        st = wait_for(lambda: publisher(app_status(ws), "many"), 10, 0.1, "the publisher")
        self.assertEqual(st["series"], 5)
        self.assertEqual(st["lines"], 5)
        self.assertEqual(st["refused"]["series_limit"], 5)
        self.assertEqual(st["refused"]["syntax"], 1)
        self.assertEqual(st["refused"]["type"], 1)
        self.assertEqual(st["refused"]["name"], 1)
        self.assertIn("'1x:1|c'", st["last_error"])
        wait_for(lambda: "app_metrics_max_series" in ws.log(), 5, 0.1, "the limit in the log")
        app = wait_for(lambda: plugin_app(ws, "many"), 5, 0.1, "app")
        self.assertEqual(sorted(app), ["s0", "s1", "s2", "s3", "s4"])
        events = wait_for(lambda: ws.get("/metrics/events?kind=app_series_limit").json(), 5, 0.2,
                          "the series limit as an event")
        self.assertEqual(events[0]["process"], "many")
        self.assertIn("5 lines dropped", events[0]["detail"])


class Flood(unittest.TestCase):
    def test_flood_is_dropped_counted_and_bounded(self):
        ws = Workspace({"metrics_enabled": True, "metrics_interval": 1.0,
                        "metrics_persist": False, "app_metrics_max_rate": 2000})
        self.addCleanup(ws.close)
        go = os.path.join(ws.dir, "go")
        script = write_script(ws, "flood.py", textwrap.dedent(f"""\
            import os, socket, time
            s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            s.setblocking(False)
            path = os.environ["HIRO_STATSD_SOCKET"]
            datagram = "\\n".join("flood.n%d:1|c" % (i % 50) for i in range(50)).encode()
            while not os.path.exists({go!r}):
                time.sleep(0.05)
            end = time.monotonic() + 4
            while time.monotonic() < end:
                try:
                    s.sendto(datagram, path)
                except BlockingIOError:
                    pass
            time.sleep(3600)
        """))
        cfg = ws.read_config()
        cfg["channels"] = [{"name": "flood", "command": [PY, script]}]
        ws.write_config(cfg)
        ws.start()  # in the background: the log goes to server.log
        pid = ws.server_pid()
        wait_for(lambda: ws.get("/metrics").status == 200, 10, 0.1, "a snapshot")
        time.sleep(1)
        rss_before = rss_kib(pid)
        ticks_before = ws.get("/metrics/status").json()["history_count"]
        t0 = time.monotonic()
        open(go, "w").close()
        time.sleep(5)
        elapsed = time.monotonic() - t0
        st = app_status(ws)
        flood = publisher(st, "flood")
        rss_after = rss_kib(pid)
        ticks = ws.get("/metrics/status").json()["history_count"] - ticks_before
        print(f"\n  flood: {flood['datagrams']} datagrams, {flood['lines']} lines accepted, "
              f"{flood['refused']['rate_limit']} dropped; RSS {rss_before} -> {rss_after} KiB; "
              f"{ticks} ticks in {elapsed:.1f} s", file=sys.stderr)
        self.assertGreater(flood["refused"]["rate_limit"], 10 * flood["lines"])
        # The budget: 2000 lines/s plus one second of burst.
        self.assertLessEqual(flood["lines"], 2000 * (elapsed + 1.5))
        self.assertLess(rss_after - rss_before, 3 * 1024)  # no growth beyond noise
        self.assertGreaterEqual(ticks, int(elapsed) - 1)  # the collector kept its schedule
        wait_for(lambda: "app_metrics_max_rate" in ws.log(), 5, 0.1, "the rate limit in the log")
        events = ws.get("/metrics/events?kind=app_rate_limit").json()
        self.assertTrue(events and events[0]["process"] == "flood", events)


class Udp(unittest.TestCase):
    def test_udp_on_loopback_attributed_by_port_owner(self):
        udp = free_port()
        ws = Workspace({"metrics_enabled": True, "metrics_interval": 1.0,
                        "metrics_persist": False, "app_metrics_udp_port": udp})
        self.addCleanup(ws.close)
        script = write_script(ws, "udp.py", textwrap.dedent(f"""\
            import socket, time
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            while True:
                s.sendto(b"udp.hits:1|c", ("127.0.0.1", {udp}))
                time.sleep(0.1)
        """))
        cfg = ws.read_config()
        cfg["channels"] = [{"name": "udp", "command": [PY, script]}]
        ws.write_config(cfg)
        ws.start_foreground()
        self.assertEqual(app_status(ws)["udp_port"], udp)
        app = wait_for(lambda: plugin_app(ws, "udp"), 10, 0.2, "the UDP series")
        self.assertGreater(app["udp.hits"]["total"], 0)
        before = app_status(ws)["unattributed_datagrams"]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.sendto(b"outsider.udp:1|c", ("127.0.0.1", udp))
            wait_for(lambda: app_status(ws)["unattributed_datagrams"] > before, 5, 0.1,
                     "the outsider's UDP datagram refused")
        self.assertNotIn("outsider", json.dumps(ws.get("/metrics").json()))

    def test_udp_port_taken_stops_start_with_the_key(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
            taken.bind(("127.0.0.1", 0))
            ws = Workspace({"app_metrics_udp_port": taken.getsockname()[1]})
            self.addCleanup(ws.close)
            p = ws.cli("start")
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("app_metrics_udp_port", p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
