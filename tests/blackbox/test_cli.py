"""test_cli - the hirocli command line: help, argument errors, setup writing
config.json, and the server-facing commands (start/stop/status/metrics)."""
import http.server as httpserver
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading
import unittest

from hirotest import (DEMO, EXPORT, HIROCLI, ServerTest, Workspace, pid_alive,
                      wait_for)

COMMANDS = ["setup", "start", "stop", "status", "metrics"]
METRICS_COMMANDS = ["status", "show", "history", "configure", "export"]
SETUP_OPTIONS = ["--metrics", "--no-metrics", "--metrics-interval", "--metrics-history-size",
                 "--port", "--host", "--admin-ui", "--no-admin-ui", "--admin-ui-port",
                 "--channel", "--remove-channel", "--no-channels", "--token", "--no-token"]


def run(*args, env=None):
    """hirocli without any workspace option."""
    e = dict(os.environ)
    e.update(env or {})
    return subprocess.run([HIROCLI, *args], capture_output=True, text=True, timeout=60, env=e)


class WorkspaceTest(unittest.TestCase):
    """A fresh workspace per test, no server."""

    def setUp(self):
        self.ws = Workspace()
        self.addCleanup(self.ws.close)

    def config_path(self):
        return os.path.join(self.ws.dir, "config.json")

    def config_bytes(self):
        with open(self.config_path(), "rb") as f:
            return f.read()

    def assertUsageError(self, p, *words):
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("usage: hirocli", p.stderr)
        for w in words:
            self.assertIn(w, p.stderr)
        self.assertEqual(p.stdout, "")


class HelpTest(unittest.TestCase):
    def test_top_level_help_lists_commands_and_exit_codes(self):
        for flag in ("--help", "-h"):
            p = run(flag)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(p.stdout.startswith("usage: hirocli"))
            for c in COMMANDS:
                self.assertRegex(p.stdout, rf"\n  {c} ")
            self.assertIn("Exit codes", p.stdout)
            self.assertIn("--workspace", p.stdout)
            self.assertIn("--version", p.stdout)
            self.assertEqual(p.stderr, "")

    def test_each_command_has_help(self):
        for c in COMMANDS:
            p = run(c, "--help")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(p.stdout.startswith(f"usage: hirocli {c}"), p.stdout)

    def test_each_metrics_command_has_help(self):
        p = run("metrics", "--help")
        for c in METRICS_COMMANDS:
            self.assertRegex(p.stdout, rf"\n  {c} ")
        for c in METRICS_COMMANDS:
            p = run("metrics", c, "--help")
            # export --help also runs the exporter's own help, which may not be built yet
            if c != "export":
                self.assertEqual(p.returncode, 0, p.stderr)
            self.assertTrue(p.stdout.startswith(f"usage: hirocli metrics {c}"), p.stdout)

    def test_help_lists_exactly_the_options_that_exist(self):
        expected = {
            "setup": SETUP_OPTIONS,
            "start": ["--metrics", "--admin-ui", "--port", "--foreground"],
            "metrics history": ["--minutes", "--from", "--to", "--max-points", "--agg", "--json"],
            "metrics configure": ["--enable", "--disable", "--interval", "--history-size",
                                  "--json"],
        }
        for cmd, opts in expected.items():
            text = run(*cmd.split(), "--help").stdout
            listed = dict(re.findall(r"^  (--[a-z-]+)( \S+)?", text, re.M))
            for o in opts:
                self.assertIn(o, listed, cmd)
            # every listed option is accepted (no "unknown option")
            for o, metavar in listed.items():
                value = [] if not metavar else ["avg" if "|" in metavar else "1"]
                p = run(*cmd.split(), o, *value, "--help")
                self.assertEqual(p.returncode, 0, f"{cmd} {o}: {p.stderr}")

    def test_version(self):
        p = run("--version")
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^hirocli \d+\.\d+\.\d+\n$")


class ArgumentErrorTest(WorkspaceTest):
    def test_no_command(self):
        self.assertUsageError(run(), "missing command")

    def test_unknown_command(self):
        self.assertUsageError(self.ws.cli("frobnicate"), "unknown command 'frobnicate'")
        self.assertUsageError(self.ws.cli("metrics", "frobnicate"), "unknown command")

    def test_unknown_option(self):
        for args in (["setup", "--bogus"], ["start", "--bogus"], ["stop", "-x"],
                     ["status", "extra"], ["metrics", "show", "--bogus"], ["--bogus", "status"]):
            self.assertUsageError(self.ws.cli(*args))

    def test_missing_value(self):
        self.assertUsageError(self.ws.cli("setup", "--port"), "--port needs a value")
        self.assertUsageError(self.ws.cli("setup", "--port", "--metrics"), "needs a value")

    def test_strict_numbers(self):
        for bad in ("2x", "", "0x10", "nan", "inf", " 3"):
            self.assertUsageError(self.ws.cli("setup", "--metrics-interval", bad))
        for bad in ("80x", "1.5", "1e3"):
            self.assertUsageError(self.ws.cli("setup", "--port", bad))

    def test_out_of_range(self):
        for args in (["setup", "--port", "70000"], ["setup", "--port", "0"],
                     ["setup", "--admin-ui-port", "-1"], ["setup", "--metrics-history-size", "0"],
                     ["setup", "--metrics-interval", "3601"], ["start", "--port", "65536"],
                     ["metrics", "configure", "--interval", "0.5"],
                     ["metrics", "history", "--minutes", "0"]):
            self.assertUsageError(self.ws.cli(*args), "between")

    def test_conflicting_flags(self):
        for pair in (["--metrics", "--no-metrics"], ["--admin-ui", "--no-admin-ui"],
                     ["--token", "t", "--no-token"]):
            self.assertUsageError(self.ws.cli("setup", *pair), "cannot be used together")
        self.assertUsageError(self.ws.cli("metrics", "configure", "--enable", "--disable"))
        self.assertUsageError(self.ws.cli("metrics", "history", "--minutes", "5", "--from", "1"))

    def test_option_twice(self):
        self.assertUsageError(self.ws.cli("setup", "--port", "1000", "--port", "1001"), "twice")

    def test_bad_choice(self):
        self.assertUsageError(self.ws.cli("metrics", "history", "--agg", "median"), "avg|min|max")

    def test_configure_needs_a_change(self):
        self.assertUsageError(self.ws.cli("metrics", "configure"), "nothing to change")

    def test_bad_channel_spec(self):
        for spec in ("noequals", "=cmd", "name=", "na me=cmd", "x" * 64 + "=/bin/true"):
            self.assertUsageError(self.ws.cli("setup", "--channel", spec))

    def test_errors_leave_config_untouched(self):
        before = self.config_bytes()
        self.ws.cli("setup", "--metrics", "--port", "70000")
        self.assertEqual(self.config_bytes(), before)


class SetupTest(WorkspaceTest):
    def test_metrics_and_interval(self):
        p = self.ws.cli("setup", "--metrics", "--metrics-interval", "3", check=True)
        cfg = self.ws.read_config()
        self.assertIs(cfg["metrics_enabled"], True)
        self.assertEqual(cfg["metrics_interval"], 3.0)
        self.assertEqual(cfg["http_port"], self.ws.port)
        self.assertIn("metrics_enabled: false -> true", p.stdout)
        self.assertIn("metrics_interval", p.stdout)

    def test_keeps_unknown_keys(self):
        self.ws.write_config({"http_port": self.ws.port, "my_key": {"x": 1}})
        self.ws.cli("setup", "--metrics", check=True)
        cfg = self.ws.read_config()
        self.assertEqual(cfg["my_key"], {"x": 1})
        self.assertIs(cfg["metrics_enabled"], True)

    def test_all_scalar_options(self):
        self.ws.cli("setup", "--no-metrics", "--metrics-history-size", "600", "--port", "18555",
                    "--host", "127.0.0.1", "--admin-ui", "--admin-ui-port", "18556",
                    "--token", "s3cret", check=True)
        cfg = self.ws.read_config()
        self.assertEqual((cfg["metrics_enabled"], cfg["metrics_history_size"], cfg["http_port"],
                          cfg["http_host"], cfg["admin_ui_enabled"], cfg["admin_ui_port"],
                          cfg["api_token"]),
                         (False, 600, 18555, "127.0.0.1", True, 18556, "s3cret"))
        self.ws.cli("setup", "--no-token", "--no-admin-ui", check=True)
        cfg = self.ws.read_config()
        self.assertIsNone(cfg["api_token"])
        self.assertIs(cfg["admin_ui_enabled"], False)

    def test_equals_form_and_workspace_after_command(self):
        p = run("setup", f"--workspace={self.ws.dir}", "--metrics-interval=4")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.ws.read_config()["metrics_interval"], 4.0)
        p = run("setup", "--workspace", self.ws.dir, "--metrics")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIs(self.ws.read_config()["metrics_enabled"], True)

    def test_workspace_from_environment(self):
        p = run("setup", "--metrics", env={"HIRO_WORKSPACE": self.ws.dir})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIs(self.ws.read_config()["metrics_enabled"], True)

    def test_interval_below_minimum_rejected(self):
        before = self.config_bytes()
        p = self.ws.cli("setup", "--metrics-interval", "0.5")
        self.assertIn(p.returncode, (1, 2))
        self.assertIn("--metrics-interval", p.stderr)
        self.assertEqual(self.config_bytes(), before)

    def test_port_out_of_range_rejected(self):
        before = self.config_bytes()
        p = self.ws.cli("setup", "--port", "70000")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--port", p.stderr)
        self.assertEqual(self.config_bytes(), before)

    def test_channel(self):
        self.ws.cli("setup", "--channel", "demo=/bin/sleep 100", check=True)
        self.assertEqual(self.ws.read_config()["channels"],
                         [{"name": "demo", "command": ["/bin/sleep", "100"], "restart": True}])

    def test_channel_replace_remove_clear(self):
        self.ws.write_config({"http_port": self.ws.port, "channels": [
            {"name": "a", "command": ["/bin/true"], "restart": False},
            {"name": "b", "command": ["/bin/true"], "restart": True}]})
        self.ws.cli("setup", "--channel", "a=/bin/sleep  7\t8", "--channel", "c=/bin/cat",
                    check=True)
        ch = self.ws.read_config()["channels"]
        self.assertEqual([c["name"] for c in ch], ["a", "b", "c"])
        self.assertEqual(ch[0], {"name": "a", "command": ["/bin/sleep", "7", "8"],
                                 "restart": False})
        self.ws.cli("setup", "--remove-channel", "b", check=True)
        self.assertEqual([c["name"] for c in self.ws.read_config()["channels"]], ["a", "c"])
        p = self.ws.cli("setup", "--remove-channel", "zzz")
        self.assertEqual(p.returncode, 2)
        self.ws.cli("setup", "--no-channels", "--channel", "d=/bin/cat", check=True)
        self.assertEqual([c["name"] for c in self.ws.read_config()["channels"]], ["d"])
        self.ws.cli("setup", "--no-channels", check=True)
        self.assertEqual(self.ws.read_config()["channels"], [])

    def test_broken_config_is_not_touched(self):
        with open(self.config_path(), "w") as f:
            f.write('{"metrics_enabled": tru')
        before = self.config_bytes()
        for args in (["--metrics"], ["--channel", "x=/bin/true"]):
            p = self.ws.cli("setup", *args)
            self.assertEqual(p.returncode, 1, p.stdout)
            self.assertIn("config.json", p.stderr)
            self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)
            self.assertEqual(self.config_bytes(), before)

    def test_no_options_changes_nothing(self):
        before = self.config_bytes()
        p = self.ws.cli("setup", check=True)
        self.assertIn(self.config_path(), p.stdout)
        self.assertIn("no changes", p.stdout)
        self.assertEqual(self.config_bytes(), before)
        os.unlink(self.config_path())
        self.ws.cli("setup", check=True)
        self.assertFalse(os.path.exists(self.config_path()))

    def test_same_value_reports_no_changes(self):
        self.ws.cli("setup", "--metrics", check=True)
        p = self.ws.cli("setup", "--metrics", check=True)
        self.assertIn("no changes", p.stdout)

    def test_missing_file_is_created(self):
        os.unlink(self.config_path())
        self.ws.cli("setup", "--port", str(self.ws.port), check=True)
        self.assertEqual(self.ws.read_config()["http_port"], self.ws.port)


class NoServerTest(WorkspaceTest):
    def assertNoServer(self, p):
        self.assertEqual(p.returncode, 1, p.stdout)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn("no server running", lines[0])
        self.assertIn(self.ws.dir, lines[0])

    def test_metrics_commands_without_server(self):
        for args in (["show"], ["status"], ["history"], ["show", "--json"],
                     ["configure", "--enable"]):
            p = self.ws.cli("metrics", *args)
            self.assertNoServer(p)
            self.assertEqual(p.stdout, "")
        self.assertIn("hirocli start", self.ws.cli("metrics", "show").stderr)

    def test_stop_without_server(self):
        self.assertNoServer(self.ws.cli("stop"))

    def test_status_without_server(self):
        p = self.ws.cli("status")
        self.assertEqual(p.returncode, 1)
        self.assertIn("not running", p.stdout)

    def test_metrics_with_broken_config(self):
        with open(self.config_path(), "w") as f:
            f.write("{")
        p = self.ws.cli("metrics", "show")
        self.assertEqual(p.returncode, 1)
        self.assertIn("config.json", p.stderr)


class StubHandler(httpserver.BaseHTTPRequestHandler):
    """Answers like a server in trouble: 503 for /metrics, 400 elsewhere; and
    /metrics/status in chunked encoding to exercise the client's decoder."""
    protocol_version = "HTTP/1.1"
    seen = []
    status = {"enabled": True, "interval": 2.5, "history_size": 1800, "history_count": 7,
              "uptime_seconds": 14.0, "persistence": {"db_path": "/x/metrics.db",
                                                      "size_bytes": 3 * 1024 * 1024}}

    def reply_chunked(self, obj):
        body = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for i in range(0, len(body), 10):
            part = body[i:i + 10]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")

    def log_message(self, *args):
        pass

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        StubHandler.seen.append((self.command, self.path, self.headers.get("Authorization")))
        if self.path == "/metrics/status" and self.command == "GET":
            self.reply_chunked(self.status)
        elif self.path == "/metrics":
            self.reply(503, {"error": "metrics collector is disabled"})
        else:
            self.reply(400, {"error": "boom: bad parameter"})

    do_POST = do_GET


class StubServerTest(WorkspaceTest):
    """Error replies, rendered by the CLI, from a stand-in HTTP server."""

    def setUp(self):
        super().setUp()
        self.ws.write_config({"http_port": self.ws.port, "api_token": "tok123"})
        StubHandler.seen = []
        self.httpd = httpserver.ThreadingHTTPServer(("127.0.0.1", self.ws.port), StubHandler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.addCleanup(self.httpd.server_close)
        self.addCleanup(self.httpd.shutdown)

    def test_503_means_disabled(self):
        self.addCleanup(setattr, StubHandler, "status", StubHandler.status)
        StubHandler.status = dict(StubHandler.status, enabled=False)
        p = self.ws.cli("metrics", "show")
        self.assertEqual(p.returncode, 1)
        self.assertIn("metrics collection is disabled", p.stderr)
        self.assertIn("hirocli metrics configure --enable", p.stderr)

    def test_503_while_enabled_means_starting(self):
        # Enabled but no snapshot yet: "starting", after waiting a moment for one.
        p = self.ws.cli("metrics", "show")
        self.assertEqual(p.returncode, 1)
        self.assertIn("metrics collection is starting", p.stderr)
        self.assertNotIn("disabled", p.stderr)

    def test_error_body_is_reported(self):
        p = self.ws.cli("metrics", "history", "--minutes", "2", "--rows", "--agg", "max")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr.strip(), "hirocli: server said: boom: bad parameter")
        method, path, auth = StubHandler.seen[-1]
        self.assertEqual((method, auth), ("GET", "Bearer tok123"))
        self.assertTrue(path.startswith("/metrics/history?from="), path)
        self.assertIn("&agg=max", path)

    def test_chunked_reply(self):
        p = self.ws.cli("metrics", "status")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"interval\s+2\.5 s")
        self.assertIn("7 of 1800 snapshots", p.stdout)
        self.assertIn("3.0 MiB", p.stdout)
        self.assertEqual(json.loads(self.ws.cli("metrics", "status", "--json").stdout),
                         StubHandler.status)

    def test_configure_posts_and_sends_token(self):
        p = self.ws.cli("metrics", "configure", "--disable", "--interval", "5")
        self.assertEqual(p.returncode, 1)
        self.assertEqual(StubHandler.seen[-1],
                         ("POST", "/metrics/configure", "Bearer tok123"))


class ExportTest(WorkspaceTest):
    @unittest.skipIf(os.path.exists(EXPORT), "the real exporter sits next to hirocli")
    def test_export_runs_exporter_from_path_with_db(self):
        bindir = tempfile.mkdtemp(prefix="hiro-bin-")
        self.addCleanup(shutil.rmtree, bindir, True)
        fake = os.path.join(bindir, "hiro-metrics-export")
        with open(fake, "w") as f:
            f.write('#!/bin/sh\nfor a in "$@"; do echo "$a"; done\nexit 7\n')
        os.chmod(fake, stat.S_IRWXU)
        p = self.ws.cli("metrics", "export", "--last", "1h", "-o", "x.csv",
                        env={"PATH": bindir + ":" + os.environ.get("PATH", "")})
        self.assertEqual(p.returncode, 7, p.stderr)
        self.assertEqual(p.stdout.splitlines(),
                         ["--db", os.path.join(self.ws.dir, "metrics.db"), "--last", "1h",
                          "-o", "x.csv"])

    @unittest.skipUnless(os.path.exists(EXPORT), "hiro-metrics-export not built")
    def test_export_help_shows_both(self):
        p = self.ws.cli("metrics", "export", "--help")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("usage: hirocli metrics export", p.stdout)
        self.assertIn("--db", p.stdout)


class ServerCliTest(ServerTest):
    """Commands against the real server."""

    def show(self):
        p = self.ws.cli("metrics", "show")
        return p if p.returncode == 0 else None

    def test_start_status_stop(self):
        p = self.ws.start()
        self.assertIn(self.ws.url, p.stdout)
        pid = self.ws.server_pid()
        self.assertIn(f"pid {pid}", p.stdout)
        self.assertTrue(self.ws.port_open())
        p = self.ws.cli("status")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("running", p.stdout)
        self.assertIn(str(pid), p.stdout)
        self.assertIn(f":{self.ws.port}", p.stdout)
        self.assertIn("metrics: disabled", p.stdout)
        p = self.ws.cli("stop")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("stopped", p.stdout)
        self.assertFalse(pid_alive(pid))
        self.assertFalse(self.ws.port_open())
        self.assertEqual(self.ws.cli("status").returncode, 1)

    def test_start_twice_fails_clearly(self):
        self.ws.start()
        p = self.ws.cli("start")
        self.assertEqual(p.returncode, 1)
        self.assertIn("already running", p.stderr)
        self.assertEqual(len(p.stderr.strip().splitlines()), 1, p.stderr)

    def test_start_with_broken_config_fails(self):
        with open(os.path.join(self.ws.dir, "config.json"), "w") as f:
            f.write('{"http_port": ')
        p = self.ws.cli("start")
        self.assertEqual(p.returncode, 1)
        self.assertIn("config.json", p.stderr)

    def test_start_metrics_leaves_config_untouched(self):
        path = os.path.join(self.ws.dir, "config.json")
        with open(path, "rb") as f:
            before = f.read()
        self.ws.start("--metrics")
        p = wait_for(self.show, 10, what="metrics show")
        self.assertIn("server", p.stdout)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertFalse(self.ws.read_config().get("metrics_enabled", False))

    def test_start_admin_ui_prints_its_url(self):
        p = self.ws.start("--admin-ui")
        self.assertIn(f"http://127.0.0.1:{self.ws.ui_port}", p.stdout)

    def test_metrics_disabled(self):
        self.ws.start()
        p = self.ws.cli("metrics", "show")
        self.assertEqual(p.returncode, 1)
        self.assertIn("metrics collection is disabled", p.stderr)

    def test_configure_and_status(self):
        self.ws.start()
        p = self.ws.cli("metrics", "configure", "--enable", "--interval", "1.5",
                        "--history-size", "100")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"enabled\s+yes")
        self.assertIn("1.5 s", p.stdout)
        self.assertIn("of 100 snapshots", p.stdout)
        st = self.ws.get("/metrics/status").json()
        self.assertEqual((st["enabled"], st["interval"], st["history_size"]), (True, 1.5, 100))
        p = self.ws.cli("metrics", "status")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("uptime", p.stdout)
        self.assertIn("persistence", p.stdout)
        st = json.loads(self.ws.cli("metrics", "status", "--json").stdout)
        self.assertEqual(st["history_size"], 100)
        p = self.ws.cli("metrics", "configure", "--disable")
        self.assertRegex(p.stdout, r"enabled\s+no")

    def test_history(self):
        self.ws.start("--metrics")
        wait_for(lambda: self.ws.get("/metrics/status").json()["history_count"] >= 2, 10,
                 what="two snapshots")
        p = self.ws.cli("metrics", "history", "--minutes", "5")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("MIN", p.stdout)  # the summary (test_history_cli has more)
        p = self.ws.cli("metrics", "history", "--minutes", "5", "--rows")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("SERVER CPU %", p.stdout)
        rows = re.findall(r"^[ ~]\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", p.stdout, re.M)
        self.assertGreaterEqual(len(rows), 2, p.stdout)
        snaps = json.loads(self.ws.cli("metrics", "history", "--json").stdout)["points"]
        self.assertIsInstance(snaps, list)
        self.assertGreaterEqual(len(snaps), 2)

    def test_port_override_reaches_server_started_elsewhere(self):
        other = Workspace()
        self.addCleanup(other.close)
        other.start("--metrics")
        p = wait_for(lambda: (lambda r: r if r.returncode == 0 else None)(
            self.ws.cli("metrics", "status", "--port", str(other.port))), 10, what="status")
        self.assertIn("enabled", p.stdout)


class ChannelServerTest(ServerTest):
    """A server with two demo plugins."""

    def setUp(self):
        super().setUp()
        self.ws.write_config({"http_port": self.ws.port, "admin_ui_port": self.ws.ui_port,
                              "channels": [{"name": "demo1", "command": [DEMO]},
                                           {"name": "demo2", "command": [DEMO]}]})

    def snapshot_with_plugins(self):
        r = self.ws.get("/metrics")
        if r.status != 200:
            return None
        snap = r.json()
        ok = (len(snap["children"]) == 2 and all(c["alive"] for c in snap["children"])
              and snap["process"])
        return snap if ok else None

    def test_show_table(self):
        self.ws.start("--metrics")
        wait_for(self.snapshot_with_plugins, 15, what="snapshot with two plugins")
        p = self.ws.cli("metrics", "show")
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout
        for word in ("PROCESS", "PID", "ALIVE", "CPU %", "RSS", "VMS", "THREADS"):
            self.assertIn(word, out)
        self.assertRegex(out, rf"(?m)^server\s+{self.ws.server_pid()}\s+yes\s+\d+\.\d")
        self.assertRegex(out, r"(?m)^demo1\s+\d+\s+yes\s")
        self.assertRegex(out, r"(?m)^demo2\s+\d+\s+yes\s")
        self.assertRegex(out, r"(?m)^plugins total \(2\)")
        self.assertRegex(out, r"\d+\.\d (KiB|MiB|GiB)")
        self.assertRegex(out, r"(?m)^system\s+CPU [\d.]+ %")
        self.assertRegex(out, r"(?m)^disk /\s+[\d.]+ % used")
        self.assertRegex(out, r"(?m)^network\s+sent [\d.]+ \w*B/s")
        for line in out.splitlines():
            self.assertEqual(line, line.rstrip())
        snap = json.loads(self.ws.cli("metrics", "show", "--json").stdout)
        self.assertEqual(sorted(c["name"] for c in snap["children"]), ["demo1", "demo2"])

    def test_stop_leaves_no_processes(self):
        self.ws.start("--metrics")
        snap = wait_for(self.snapshot_with_plugins, 15, what="snapshot with two plugins")
        pids = [self.ws.server_pid()] + [c["pid"] for c in snap["children"]]
        self.assertTrue(all(pid_alive(p) for p in pids))
        p = self.ws.cli("stop")
        self.assertEqual(p.returncode, 0, p.stderr)
        for pid in pids:
            wait_for(lambda: not pid_alive(pid), 5, what=f"pid {pid} gone")
        self.assertFalse(self.ws.port_open())


if __name__ == "__main__":
    unittest.main()
