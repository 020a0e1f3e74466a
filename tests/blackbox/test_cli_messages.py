"""test_cli_messages - what hirocli says when something is off (issue 18,
points 4, 5, 7, 8, 9; issue 13 point 8's limits): each message names the real
reason, and the exit code says whether the command failed."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from hirotest import (DEMO, EXPORT, HIROCLI, ServerTest, Workspace, free_port, pid_alive,
                      wait_for)


def run_as_nobody(*args, env=None):
    """hirocli as the unprivileged user nobody (runuser, as root only)."""
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent"}
    e.update(env or {})
    return subprocess.run(["runuser", "-u", "nobody", "--", HIROCLI, *args], env=e,
                          capture_output=True, text=True, timeout=60)


def one_line(p):
    return p.stderr.strip().splitlines()


class FirstSnapshot(unittest.TestCase):
    """Point 4: right after start --metrics, show shows a snapshot."""

    def test_show_right_after_start_metrics(self):
        for attempt in range(5):
            with self.subTest(attempt=attempt):
                ws = Workspace()
                try:
                    ws.start("--metrics")
                    p = ws.cli("metrics", "show")
                    self.assertEqual(p.returncode, 0, p.stderr)
                    self.assertIn("snapshot at", p.stdout)
                    self.assertNotIn("disabled", p.stderr)
                finally:
                    ws.close()


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("runuser"), "needs root and runuser")
class NotAWorkspace(unittest.TestCase):
    """Point 5: "not running" only when it is known not to run."""

    def test_nobody_against_a_root_workspace(self):
        ws = Workspace()
        self.addCleanup(ws.close)
        ws.start()
        os.chmod(ws.dir, 0o700)
        pid_file = os.path.join(ws.dir, "server.pid")
        for cmd in (["status"], ["stop"], ["metrics", "show"], ["logs"]):
            with self.subTest(cmd=cmd):
                p = run_as_nobody("--workspace", ws.dir, *cmd)
                self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
                self.assertEqual(one_line(p), [f"hirocli: cannot read {pid_file}: Permission denied"])
                self.assertNotIn("not running", p.stdout + p.stderr)
        self.assertTrue(pid_alive(ws.server_pid()))  # and nobody stopped it

    def test_workspace_that_is_a_file_or_missing(self):
        d = tempfile.mkdtemp(prefix="hiro-notws-")
        self.addCleanup(shutil.rmtree, d, True)
        a_file = os.path.join(d, "file")
        open(a_file, "w").close()
        missing = os.path.join(d, "missing")
        for cmd in (["status"], ["stop"], ["logs"], ["metrics", "show"], ["metrics", "status"],
                    ["metrics", "export"], ["status", "--json"]):
            with self.subTest(cmd=cmd):
                p = subprocess.run([HIROCLI, "--workspace", a_file, *cmd], capture_output=True,
                                   text=True, timeout=30)
                self.assertEqual(p.returncode, 1)
                self.assertEqual(one_line(p), [f"hirocli: {a_file}: not a workspace (it is a "
                                               "file, not a directory)"])
                p = subprocess.run([HIROCLI, "--workspace", missing, *cmd], capture_output=True,
                                   text=True, timeout=30)
                self.assertEqual(p.returncode, 1)
                self.assertIn(f"{missing}: no such workspace", p.stderr)
                self.assertNotIn("not running", p.stdout)
                self.assertFalse(os.path.exists(missing))  # and nothing was created


@unittest.skipUnless(os.geteuid() == 0 and shutil.which("runuser"), "needs root and runuser")
class NobodyOwnWorkspace(unittest.TestCase):
    """A user without privileges runs the whole flow in a workspace of its own."""

    def test_setup_start_show_stop_as_nobody(self):
        home = tempfile.mkdtemp(prefix="hiro-nobody-")
        self.addCleanup(shutil.rmtree, home, True)
        os.chmod(home, 0o777)
        ws = os.path.join(home, "ws")
        port, ui_port = free_port(), free_port()

        def nobody(*args):
            return run_as_nobody("--workspace", ws, *args)
        try:
            p = nobody("setup", "--metrics", "--metrics-interval", "1", "--port", str(port),
                       "--admin-ui-port", str(ui_port), "--channel", f"demo={DEMO}")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(os.stat(ws).st_uid, 65534)
            p = nobody("start", "--admin-ui")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn(f"http://127.0.0.1:{port}", p.stdout)
            p = nobody("metrics", "show")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertRegex(p.stdout, r"(?m)^demo\s+\d+\s+yes")
            p = nobody("status", "--json")
            self.assertEqual(json.loads(p.stdout)["plugins"][0]["state"], "running")
            self.assertEqual(nobody("logs", "-n", "1").returncode, 0)
        finally:
            p = nobody("stop")
        self.assertEqual(p.returncode, 0, p.stderr)


class UnknownKeys(unittest.TestCase):
    """Point 7: typos are warned about at setup and start, and kept."""

    def test_warned_at_setup_and_start_and_kept(self):
        ws = Workspace({"metrics_enabeld": True, "metrics_retention": {"raw_hour": 5},
                        "_note": "mine"})
        self.addCleanup(ws.close)
        p = ws.cli("setup", "--metrics-interval", "3")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('unknown key "metrics_enabeld" is ignored (did you mean "metrics_enabled"?)',
                      p.stderr)
        self.assertIn('unknown key "metrics_retention.raw_hour" is ignored (did you mean '
                      '"raw_hours"?)', p.stderr)
        self.assertNotIn("_note", p.stderr)
        cfg = ws.read_config()
        self.assertEqual((cfg["metrics_enabeld"], cfg["metrics_retention"]["raw_hour"],
                          cfg["_note"]), (True, 5, "mine"))
        p = ws.cli("start")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn('did you mean "metrics_enabled"?', p.stderr)
        self.assertIn("server running", p.stdout)
        self.assertIn('did you mean "metrics_enabled"?', ws.log())  # the log has it too


class SetupValidation(unittest.TestCase):
    """Point 8: setup refuses what start would refuse, and says how to fix it."""

    def setUp(self):
        self.ws = Workspace()
        self.addCleanup(self.ws.close)

    def config_bytes(self):
        with open(os.path.join(self.ws.dir, "config.json"), "rb") as f:
            return f.read()

    def test_host(self):
        before = self.config_bytes()
        p = self.ws.cli("setup", "--host", "999.1.1.1")
        self.assertEqual(p.returncode, 2)
        self.assertIn("--host 999.1.1.1 is not a valid IPv4 address", p.stderr)
        p = self.ws.cli("setup", "--host", "192.0.2.77")  # TEST-NET-1: not on this machine
        self.assertEqual(p.returncode, 2)
        self.assertIn("is not an address of this machine", p.stderr)
        p = self.ws.cli("setup", "--host", "0.0.0.0")
        self.assertEqual(p.returncode, 1)
        self.assertIn("api_token", p.stderr)
        self.assertIn("--token-file", p.stderr)
        self.assertEqual(self.config_bytes(), before)
        p = self.ws.cli("setup", "--host", "0.0.0.0", "--token", "tok-123")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.ws.read_config()["http_host"], "0.0.0.0")

    def test_shell_quoting(self):
        p = self.ws.cli("setup", "--channel", "f=/bin/sh -c 'sleep 1; exit 3'",
                        "--channel", 'g=/bin/echo "a b" c\\ d \'e"f\'')
        self.assertEqual(p.returncode, 0, p.stderr)
        ch = {c["name"]: c for c in self.ws.read_config()["channels"]}
        self.assertEqual(ch["f"]["command"], ["/bin/sh", "-c", "sleep 1; exit 3"])
        self.assertEqual(ch["g"]["command"], ["/bin/echo", "a b", "c d", 'e"f'])
        self.assertEqual(list(ch["f"]), ["name", "command", "restart"])
        before = self.config_bytes()
        for spec, words in (("x=/bin/sh -c 'oops", "unterminated single quote"),
                            ('x=/bin/echo "oops', "unterminated double quote"),
                            ("x=/bin/echo a; rm b", "unquoted ';'"),
                            ("x=/bin/echo a > b", "unquoted '>'"),
                            ("my plugin=/bin/true", "names may not contain spaces"),
                            ("server=/bin/true", '"server" is reserved')):
            with self.subTest(spec=spec):
                p = self.ws.cli("setup", "--channel", spec)
                self.assertEqual(p.returncode, 2, p.stderr)
                self.assertIn(words, p.stderr)
                self.assertEqual(self.config_bytes(), before)

    def test_relative_and_missing_commands(self):
        cwd = tempfile.mkdtemp(prefix="hiro-cwd-")
        self.addCleanup(shutil.rmtree, cwd, True)
        p = subprocess.run([HIROCLI, "--workspace", self.ws.dir, "setup", "--channel",
                            "rel=build/x --flag", "--channel", "bare=no-such-program-xyz"],
                           cwd=cwd, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        stored = os.path.join(cwd, "build", "x")
        self.assertIn(f"stored as {stored}", p.stdout)
        ch = {c["name"]: c["command"] for c in self.ws.read_config()["channels"]}
        self.assertEqual(ch["rel"], [stored, "--flag"])
        self.assertIn(f'channel "rel": command {stored} does not exist', p.stderr)
        self.assertIn('channel "bare": command no-such-program-xyz is not found in PATH', p.stderr)
        p = self.ws.cli("start")
        self.assertEqual(p.returncode, 0, p.stderr)  # the server runs; the plugin cannot
        self.assertIn(f"{stored} does not exist; the plugin cannot start", p.stderr)

    def test_reserved_name_and_plugin_limit_in_config(self):
        self.ws.write_config({"http_port": self.ws.port,
                              "channels": [{"name": "server", "command": ["/bin/true"]}]})
        p = self.ws.cli("start")
        self.assertEqual(p.returncode, 1)
        self.assertIn('key "channels[0].name": "server" is reserved', p.stderr)
        self.ws.write_config({"http_port": self.ws.port, "channels": [
            {"name": f"p{i}", "command": ["/bin/sleep", "100"]} for i in range(1025)]})
        p = self.ws.cli("start")
        self.assertEqual(p.returncode, 1)
        self.assertIn("has 1025 entries; at most 1024 channel plugins are supported", p.stderr)
        self.assertFalse(self.ws.port_open())


class Numbers(unittest.TestCase):
    """Point 9: limits printed as plain numbers, one limit for max_points."""

    def setUp(self):
        self.ws = Workspace()
        self.addCleanup(self.ws.close)

    def test_plain_numbers_and_one_max_points_limit(self):
        for args, text in ((["metrics", "history", "--max-points", "100001"],
                            "--max-points must be between 1 and 100000 (got 100001)"),
                           (["setup", "--metrics-history-size", "0"],
                            "between 1 and 1000000"),
                           (["metrics", "history", "--minutes", "0"], "between 0.001 and")):
            with self.subTest(args=args):
                p = self.ws.cli(*args)
                self.assertEqual(p.returncode, 2)
                self.assertIn(text, p.stderr)
                self.assertNotRegex(p.stderr, r"\de[+-]\d")
        for cmd in (["metrics", "history"], ["setup"], ["metrics", "top"]):
            out = self.ws.cli(*cmd, "--help").stdout
            self.assertNotRegex(out, r"\de[+-]\d", cmd)
        self.assertIn("(1 to 100000)", self.ws.cli("metrics", "history", "--help").stdout)

    def test_token_is_never_echoed(self):
        p = self.ws.cli("setup", "--token", "s3cret-xyz")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("api_token: (set)", p.stdout)
        self.assertNotIn("s3cret-xyz", p.stdout + p.stderr)
        token_file = os.path.join(self.ws.dir, "token")
        with open(token_file, "w") as f:
            f.write("from-file-tok\n")
        p = self.ws.cli("setup", "--token-file", token_file)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.ws.read_config()["api_token"], "from-file-tok")
        self.assertNotIn("from-file-tok", p.stdout + p.stderr)
        p = subprocess.run([HIROCLI, "--workspace", self.ws.dir, "setup", "--token-file", "-",
                            "--json"], input="stdin-tok\n", capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(self.ws.read_config()["api_token"], "stdin-tok")
        self.assertNotIn("stdin-tok", p.stdout)
        self.assertEqual(json.loads(p.stdout)["changes"]["api_token"],
                         {"old": "(set)", "new": "(set)"})
        p = self.ws.cli("setup", "--token-file", os.path.join(self.ws.dir, "nope"))
        self.assertEqual(p.returncode, 2)
        self.assertIn("No such file", p.stderr)
        p = self.ws.cli("setup", "--no-token")
        self.assertIn("api_token: (removed)", p.stdout)


class NumbersWithServer(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1}

    def test_setup_while_running_says_how_to_apply(self):
        self.ws.start()
        p = self.ws.cli("setup", "--metrics-interval", "2", "--port", str(self.ws.port))
        self.assertEqual(p.returncode, 0, p.stderr)
        pid = self.ws.server_pid()
        self.assertIn(f"the server running in this workspace (pid {pid}) uses the new settings "
                      "from its next start: hirocli restart", p.stdout)
        self.assertIn("hirocli metrics configure --interval 2", p.stdout)

    def test_env_warning_on_the_terminal(self):
        p = self.ws.cli("start", env={"HIRO_METRICS": "maybe"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("warning: ignoring HIRO_METRICS=maybe: expected 1/true/yes/on or "
                      "0/false/no/off", p.stderr)

    @unittest.skipUnless(os.path.exists(EXPORT), "exporter not built")
    def test_export_unknown_process_warns(self):
        self.ws.start()
        wait_for(lambda: self.ws.get("/metrics/status").json()["persistence"]["written_snapshots"]
                 >= 1, 10, what="a written snapshot")
        p = self.ws.cli("metrics", "export", "--table", "processes", "--process", "nosuch")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("warning: no rows for --process nosuch", p.stderr)
        self.assertEqual(len(p.stdout.strip().splitlines()), 1)  # the header only
        p = self.ws.cli("metrics", "export", "--table", "processes", "--process", "server")
        self.assertNotIn("warning", p.stderr)


if __name__ == "__main__":
    unittest.main()
