"""test_cli_commands - the commands a service user expects (issue 18, point
11): status --json and its plugin table, setup --json and the setup flags for
every key, start --admin-ui-port, restart, logs [--follow] [--plugin]."""
import http.server as httpserver
import json
import os
import re
import signal
import subprocess
import threading
import time
import unittest

from hirotest import DEMO, HIROCLI, ServerTest, Workspace, free_port, pid_alive, wait_for


class StatusJson(ServerTest):
    def setUp(self):
        super().setUp()
        self.ws.write_config({"http_port": self.ws.port, "admin_ui_port": self.ws.ui_port,
                              "metrics_enabled": True, "metrics_interval": 1,
                              "channels": [{"name": "demo", "command": [DEMO]},
                                           {"name": "ghost", "command": ["/nonexistent/x"],
                                            "restart": False}]})

    def test_not_running(self):
        p = self.ws.cli("status", "--json")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(json.loads(p.stdout), {"workspace": self.ws.dir, "running": False})

    def test_running_with_plugins(self):
        self.ws.start()
        pid = self.ws.server_pid()
        p = self.ws.cli("status", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        st = json.loads(p.stdout)
        self.assertEqual((st["running"], st["pid"], st["url"], st["admin_ui_url"]),
                         (True, pid, self.ws.url, None))
        self.assertEqual(st["metrics"]["enabled"], True)
        plugins = {x["name"]: x for x in st["plugins"]}
        self.assertEqual(set(plugins), {"demo", "ghost"})
        self.assertEqual(plugins["demo"]["state"], "running")
        self.assertTrue(pid_alive(plugins["demo"]["pid"]))
        self.assertEqual(plugins["ghost"]["state"], "not started")
        p = self.ws.cli("status")
        self.assertRegex(p.stdout, r"(?m)^PLUGIN\s+STATE\s+PID\s+RESTARTS\s+UPTIME\s+LAST EXIT$")
        self.assertRegex(p.stdout, rf"(?m)^demo\s+running\s+{plugins['demo']['pid']}\s")
        self.assertRegex(p.stdout, r"(?m)^ghost\s+not started\s+-\s")

    def test_metrics_off_still_knows_plugin_states(self):
        # /metrics/status carries the channel manager's facts (state, restarts,
        # last exit) whether or not the collector runs.
        self.ws.start(env={"HIRO_METRICS": "0"})
        st = json.loads(self.ws.cli("status", "--json").stdout)
        self.assertEqual([(x["name"], x["state"]) for x in st["plugins"]],
                         [("demo", "running"), ("ghost", "not started")])
        self.assertEqual([x["restarts"] for x in st["plugins"]], [0, 0])
        self.assertNotIn("plugin states show while metrics are on", self.ws.cli("status").stdout)


class PluginFacts(httpserver.BaseHTTPRequestHandler):
    """A server whose /metrics/status carries a plugins array (restarts,
    uptime, last exit) next to the snapshot's children."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = {"/metrics/status": {"enabled": True, "interval": 2.0, "history_size": 10,
                                    "history_count": 3, "uptime_seconds": 50,
                                    "plugins": [{"name": "flaky", "restarts": 4, "last_exit": 3,
                                                 "uptime": 3725, "pid": 77, "running": True},
                                                {"name": "late", "restarts": 0}]},
                "/metrics": {"timestamp": 1, "children": [{"name": "flaky", "pid": 77,
                                                           "alive": True}]}}.get(self.path)
        data = json.dumps(body).encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class StatusWithRicherServer(unittest.TestCase):
    def test_restarts_uptime_and_last_exit_shown(self):
        ws = Workspace()
        self.addCleanup(ws.close)
        httpd = httpserver.ThreadingHTTPServer(("127.0.0.1", ws.port), PluginFacts)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        self.addCleanup(httpd.server_close)
        self.addCleanup(httpd.shutdown)
        # A server.pid held by a live process (this one) with the stub's port.
        import fcntl
        with open(os.path.join(ws.dir, "server.pid"), "w") as f:
            f.write(f"{os.getpid()}\nport {ws.port}\n")
        lock = open(os.path.join(ws.dir, "server.pid"))
        fcntl.flock(lock, fcntl.LOCK_EX)
        self.addCleanup(lock.close)
        # Before ws.close, which would otherwise "stop" the pid in the file: us.
        self.addCleanup(os.unlink, os.path.join(ws.dir, "server.pid"))
        st = json.loads(ws.cli("status", "--json").stdout)
        flaky = next(x for x in st["plugins"] if x["name"] == "flaky")
        self.assertEqual((flaky["restarts"], flaky["last_exit"], flaky["uptime_seconds"],
                          flaky["state"]), (4, 3, 3725, "running"))
        out = ws.cli("status").stdout
        self.assertRegex(out, r"(?m)^flaky\s+running\s+77\s+4\s+1h 2m\s+3$")
        self.assertRegex(out, r"(?m)^late\s+-\s+-\s+0\s+-\s+-$")


class SetupFlags(unittest.TestCase):
    def setUp(self):
        self.ws = Workspace()
        self.addCleanup(self.ws.close)

    def test_every_key_has_a_flag(self):
        p = self.ws.cli("setup", "--no-persist", "--db-path", "data/m.db",
                        "--retention-raw-hours", "6", "--retention-hour-days", "90",
                        "--channel", "once=/bin/true", "--no-restart", "once", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        cfg = self.ws.read_config()
        self.assertEqual((cfg["metrics_persist"], cfg["metrics_db_path"]), (False, "data/m.db"))
        self.assertEqual(cfg["metrics_retention"], {"raw_hours": 6, "hour_days": 90})
        self.assertEqual(cfg["channels"], [{"name": "once", "command": ["/bin/true"],
                                            "restart": False}])
        out = json.loads(p.stdout)
        self.assertEqual(out["config"], os.path.join(self.ws.dir, "config.json"))
        self.assertEqual(out["changes"]["metrics_persist"], {"old": True, "new": False})
        self.assertEqual(out["changes"]["metrics_retention.raw_hours"], {"old": 48, "new": 6})
        self.assertEqual(out["warnings"], [])
        # Retention keys merge: the other sub-keys stay.
        self.ws.cli("setup", "--retention-minute-days", "7", "--persist", "--restart", "once",
                    check=True)
        cfg = self.ws.read_config()
        self.assertEqual(cfg["metrics_retention"], {"raw_hours": 6, "hour_days": 90,
                                                    "minute_days": 7})
        self.assertEqual((cfg["metrics_persist"], cfg["channels"][0]["restart"]), (True, True))
        p = self.ws.cli("setup", "--no-restart", "nosuch")
        self.assertEqual(p.returncode, 2)
        self.assertIn("no channel named 'nosuch'", p.stderr)


class EveryKeyHasASetupOption(unittest.TestCase):
    """Each key of README's config.json table can be set with setup."""
    FLAGS = {"http_host": (["--host", "localhost"], "localhost"),
             "http_port": (["--port", "18555"], 18555),
             "admin_ui_enabled": (["--admin-ui"], True),
             "admin_ui_port": (["--admin-ui-port", "18556"], 18556),
             "api_token": (["--token", "t0k"], "t0k"),
             "metrics_enabled": (["--metrics"], True),
             "metrics_interval": (["--metrics-interval", "7"], 7),
             "metrics_history_size": (["--metrics-history-size", "77"], 77),
             "metrics_flush_interval": (["--metrics-flush-interval", "12"], 12),
             "metrics_db_path": (["--db-path", "x.db"], "x.db"),
             "metrics_persist": (["--no-persist"], False),
             "metrics_retention": (["--retention-raw-hours", "3", "--retention-minute-days", "4",
                                    "--retention-hour-days", "5"],
                                   {"raw_hours": 3, "minute_days": 4, "hour_days": 5}),
             "channels": (["--channel", "a=/bin/true"],
                          [{"name": "a", "command": ["/bin/true"], "restart": True}]),
             "app_metrics_udp_port": (["--app-metrics-udp-port", "18557"], 18557),
             "app_metrics_max_series": (["--app-metrics-max-series", "9"], 9),
             "app_metrics_max_rate": (["--app-metrics-max-rate", "99"], 99),
             "log_max_bytes": (["--log-max-bytes", "1048576"], 1048576),
             "log_keep": (["--log-keep", "5"], 5)}

    def test_every_documented_key(self):
        source = os.environ.get("HIRO_SOURCE_DIR") or os.path.join(os.path.dirname(__file__),
                                                                   "..", "..")
        with open(os.path.join(source, "README.md"), encoding="utf-8") as f:
            table = f.read().split("\n## config.json\n", 1)[1].split("\n\n", 2)[0]
        keys = re.findall(r"(?m)^\| `([a-z_]+)` \|", table)
        self.assertGreaterEqual(len(keys), 12)
        for key in keys:
            with self.subTest(key=key):
                self.assertIn(key, self.FLAGS, f"config key {key}: add a setup option (and here)")
                ws = Workspace()
                try:
                    flags, value = self.FLAGS[key]
                    p = ws.cli("setup", *flags)
                    self.assertEqual(p.returncode, 0, p.stderr)
                    self.assertEqual(ws.read_config()[key], value)
                finally:
                    ws.close()


class StartRestartLogs(ServerTest):
    def test_start_admin_ui_port_and_restart(self):
        other = free_port()  # not the configured admin_ui_port
        p = self.ws.start("--admin-ui", "--admin-ui-port", str(other))
        self.assertIn(f"admin UI at http://127.0.0.1:{other}/metrics", p.stdout)
        first = self.ws.server_pid()
        st = json.loads(self.ws.cli("status", "--json").stdout)
        self.assertEqual(st["admin_ui_url"], f"http://127.0.0.1:{other}/metrics")
        p = self.ws.cli("restart", "--metrics")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(f"stopped hirocli server (pid {first})", p.stdout)
        second = self.ws.server_pid()
        self.assertNotEqual(first, second)
        self.assertFalse(pid_alive(first))
        self.assertIn(f"pid {second}", p.stdout)
        self.assertEqual(self.ws.cli("metrics", "show").returncode, 0)  # --metrics took effect
        self.ws.cli("stop", check=True)
        p = self.ws.cli("restart")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("no server was running", p.stdout)
        self.assertTrue(pid_alive(self.ws.server_pid()))

    def test_logs_plugin_and_follow(self):
        self.ws.write_config({"http_port": self.ws.port, "channels": [
            {"name": "talker", "command": ["/bin/sh", "-c", "echo hello-from-talker; sleep 100"]},
            {"name": "ghost", "command": ["/nonexistent/ghost"], "restart": False}]})
        self.ws.start()
        wait_for(lambda: "cannot run /nonexistent/ghost" in self.ws.log(), 10, what="ghost log")
        p = self.ws.cli("logs")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("listening on", p.stdout)
        p = self.ws.cli("logs", "--plugin", "ghost")
        lines = p.stdout.strip().splitlines()
        self.assertTrue(lines and all("ghost" in line for line in lines), p.stdout)
        self.assertEqual(len(self.ws.cli("logs", "-n", "2").stdout.splitlines()), 2)
        follower = subprocess.Popen([HIROCLI, "--workspace", self.ws.dir, "logs", "-f", "-n", "0"],
                                    stdout=subprocess.PIPE, text=True)
        self.addCleanup(lambda: follower.poll() is None and follower.kill())
        log = os.path.join(self.ws.dir, "server.log")
        time.sleep(0.5)
        with open(log, "a") as f:
            f.write("line-one-appended\n")
        first = follower.stdout.readline()
        self.assertIn("line-one-appended", first)
        # Rotation: the file is renamed and a new one started.
        os.rename(log, log + ".1")
        with open(log, "a") as f:
            f.write("line-two-after-rotation\n")
        self.assertIn("line-two-after-rotation", follower.stdout.readline())
        follower.send_signal(signal.SIGINT)
        self.assertEqual(follower.wait(10), 0)
        follower.stdout.close()

    def test_logs_without_a_log(self):
        p = self.ws.cli("logs")
        self.assertEqual(p.returncode, 1)
        self.assertIn("server.log does not exist yet", p.stderr)


if __name__ == "__main__":
    unittest.main()
