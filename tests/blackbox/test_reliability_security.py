"""test_reliability_security - loopback by default, the bearer token rule
(wrong tokens of every shape get 401), no endpoint or log line reveals the
token or the environment, files are not world-writable even under umask 000,
and symlinks planted at server.pid, server.log or the database (and its -wal)
are never followed to overwrite another file."""
import os
import signal
import stat
import subprocess
import unittest

from hirotest import pid_alive, HIROCLI, ServerTest, http, wait_for, server_pid, stop_quietly



TOKEN = "tok-8f3a9c1e5d7b2a46"
CANARY = "canary-environment-value-51c2e7"


def listening(port):
    """Local addresses listening on port, from /proc/net/tcp{,6}."""
    found = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                rows = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            cols = row.split()
            addr, hexport = cols[1].split(":")
            if int(hexport, 16) == port and cols[3] == "0A":  # TCP_LISTEN
                found.append(addr)
    return found


class Security(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0, "admin_ui_enabled": True}

    def setUp(self):
        super().setUp()
        self.addCleanup(stop_quietly, self.ws)

    def test_listeners_are_loopback_by_default(self):
        self.assertNotIn("http_host", self.ws.read_config())
        self.ws.start_foreground()
        for port in (self.ws.port, self.ws.ui_port):
            addrs = listening(port)
            self.assertTrue(addrs, f"nothing listens on {port}")
            for a in addrs:  # 127.0.0.1 in /proc's little-endian hex
                self.assertIn(a, ("0100007F", "00000000000000000000000001000000"), port)

    def test_every_wrong_token_shape_is_refused(self):
        cfg = self.ws.read_config()
        cfg["api_token"] = TOKEN
        self.ws.write_config(cfg)
        self.ws.start_foreground()
        wrong = [None, "", "Bearer", "Bearer ", f"bearer {TOKEN}", f"Bearer  {TOKEN}",
                 f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Bearer {TOKEN.upper()}",
                 f"Basic {TOKEN}", f"Bearer {TOKEN[1:]}", f"Bearer {'x' * 10000}",
                 f"Bearer {TOKEN} ", f"Bearer {TOKEN[:8]}"]
        for header in wrong:
            headers = {"Authorization": header} if header is not None else {}
            r = self.ws.post("/metrics/configure", {"interval": 7}, headers=headers)
            self.assertEqual(r.status, 401, header)
            self.assertNotIn(TOKEN, r.body.decode(errors="replace"))
        self.assertEqual(self.ws.get("/metrics/status").json()["interval"], 1.0)
        r = self.ws.post("/metrics/configure", {"interval": 7},
                         headers={"Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(r.status, 200)

    def test_no_endpoint_reveals_the_token_or_environment(self):
        cfg = self.ws.read_config()
        cfg["api_token"] = TOKEN
        self.ws.write_config(cfg)
        self.ws.start_foreground(env={"HIRO_CANARY": CANARY})
        wait_for(lambda: self.ws.get("/metrics").status == 200, 5, what="a snapshot")
        rest = ["/metrics", "/metrics/history?minutes=5", "/metrics/status",
                "/metrics/prometheus", "/nope", "/metrics/history?minutes=x",
                "/metrics/history?agg=" + TOKEN, "/metrics/configure"]
        ui = ["/metrics", "/api/metrics", "/api/metrics/status", "/api/metrics/history",
              "/api/metrics/prometheus", "/", "/index.html", "/nope"]
        urls = [self.ws.url + p for p in rest] + \
               [f"http://127.0.0.1:{self.ws.ui_port}{p}" for p in ui]
        checked = 0
        for url in urls:
            for method in ("GET", "POST", "HEAD"):
                r = http(method, url, body=b"{}" if method == "POST" else None)
                text = r.body.decode(errors="replace") + repr(r.headers)
                self.assertNotIn(TOKEN, text, f"{method} {url}")
                self.assertNotIn(CANARY, text, f"{method} {url}")
                checked += 1
        self.assertGreater(checked, 40)
        self.assertNotIn(TOKEN, self.ws.log())
        self.assertNotIn(CANARY, self.ws.log())

    def test_files_are_not_world_writable_even_under_umask_000(self):
        old = os.umask(0)
        try:
            self.ws.cli("setup", "--metrics", check=True)
            self.ws.start()
            wait_for(lambda: self.ws.get("/metrics/status").json()["persistence"]
                     ["written_snapshots"] >= 1, 10, what="a write")
        finally:
            os.umask(old)
        modes = {}
        for name in ("config.json", "metrics.db", "metrics.db-wal", "metrics.db-shm",
                     "server.pid", "server.log"):
            path = os.path.join(self.ws.dir, name)
            if os.path.exists(path):
                modes[name] = stat.S_IMODE(os.stat(path).st_mode)
        self.assertEqual(set(modes) >= {"config.json", "metrics.db", "server.pid", "server.log"},
                         True, modes)
        for name, mode in modes.items():
            self.assertEqual(mode & 0o002, 0, f"{name} is world-writable ({oct(mode)})")
        print("\nFIGURES modes " + str({k: oct(v) for k, v in modes.items()}))

    def plant(self, name, victim_text=b"victim: must stay as it is\n"):
        victim = os.path.join(self.ws.dir, "victim-" + name)
        with open(victim, "wb") as f:
            f.write(victim_text)
        os.symlink(victim, os.path.join(self.ws.dir, name))
        return victim, victim_text

    def assert_untouched(self, victim, text):
        with open(victim, "rb") as f:
            self.assertEqual(f.read(), text)

    def test_symlink_at_server_pid_is_not_followed(self):
        victim, text = self.plant("server.pid")
        p = self.ws.cli("start")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("server.pid", p.stderr)
        self.assert_untouched(victim, text)

    def test_symlink_at_server_log_is_not_followed(self):
        victim, text = self.plant("server.log")
        p = self.ws.cli("start")
        self.assertNotEqual(p.returncode, 0)
        self.assert_untouched(victim, text)

    def test_symlink_at_database_is_not_followed(self):
        victim, text = self.plant("metrics.db")
        p = self.ws.cli("start")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("symbolic link", p.stderr)
        self.assert_untouched(victim, text)
        self.assertFalse(self.ws.port_open())

    def test_symlink_at_database_wal_is_not_followed(self):
        victim, text = self.plant("metrics.db-wal")
        p = self.ws.cli("start")
        if p.returncode == 0:
            wait_for(lambda: self.ws.get("/metrics/status").json()["persistence"]
                     ["written_snapshots"] >= 1, 10, what="a write")
            self.ws.cli("stop", check=True)
        self.assert_untouched(victim, text)


if __name__ == "__main__":
    unittest.main()
