"""test_safety_log - signals and runaway plugins cannot take the server or
the disk down (issue 13, point 6): SIGHUP reopens server.log (logrotate's
`postrotate kill -HUP`) instead of killing the server; the server rotates
server.log itself at log_max_bytes, keeping log_keep files; each plugin's
stdout/stderr reaches the log through a pipe, one "[NAME] line" at a time,
held to 64 KiB/s (burst 256 KiB) with what is dropped counted in the log."""
import os
import signal
import sys
import time
import unittest

from hirotest import ServerTest, pid_alive, wait_for

# A plugin printing a numbered line every 0.1 s (stdout, unbuffered).
TICKER = [sys.executable, "-u", "-c",
          "import time\ni = 0\nwhile True:\n    i += 1\n    print('tick', i)\n"
          "    time.sleep(0.1)"]
# A plugin printing about 40 KB/s: under the rate limit, over a small log_max_bytes.
CHATTY = [sys.executable, "-u", "-c",
          "import time\ni = 0\nwhile True:\n    i += 1\n    print('chatty', i, 'x' * 200)\n"
          "    time.sleep(0.005)"]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LogTest(ServerTest):
    def path(self, name="server.log"):
        return os.path.join(self.ws.dir, name)

    def read(self, name="server.log"):
        try:
            with open(self.path(name), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def ticks(self, name="server.log"):
        return [int(l.split("[ticker] tick ")[1]) for l in self.read(name).splitlines()
                if "[ticker] tick " in l]


class SighupReopens(LogTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0,
              "channels": [{"name": "ticker", "command": TICKER}]}

    def test_sighup_keeps_running_and_reopens(self):
        self.ws.start()
        pid = self.ws.server_pid()
        wait_for(lambda: len(self.ticks()) >= 3, 10, what="plugin lines in server.log")
        os.kill(pid, signal.SIGHUP)
        wait_for(lambda: "received SIGHUP: reopened" in self.read(), 5, what="the reopen line")
        self.assertTrue(pid_alive(pid), "SIGHUP killed the server")
        self.assertEqual(self.ws.get("/metrics").status, 200)

        # logrotate: rename, then SIGHUP; the server continues in a new file.
        os.rename(self.path(), self.path("server.log.1"))
        os.kill(pid, signal.SIGHUP)
        wait_for(lambda: "received SIGHUP: reopened" in self.read(), 5,
                 what="a new server.log after the rename")
        wait_for(lambda: len(self.ticks()) >= 3, 5, what="plugin lines in the new server.log")
        rotated = self.ticks("server.log.1")
        time.sleep(1.0)
        self.assertEqual(self.ticks("server.log.1"), rotated, "still writing the renamed file")
        new = self.ticks()
        self.assertGreater(len(new), 5)
        # Nothing lost in between: the numbers continue across the two files.
        self.assertEqual(rotated + new, list(range(rotated[0], new[-1] + 1)))
        self.assertEqual(oct(os.stat(self.path()).st_mode & 0o777), "0o600")
        self.assertTrue(pid_alive(pid))
        # Still the same server, and it stops cleanly.
        self.assertEqual(self.ws.server_pid(), pid)
        self.ws.cli("stop", check=True)
        self.assertIn("server stopped", self.read())

    def test_foreground_sighup_is_not_a_stop(self):
        # systemd's `reload` sends SIGHUP to `start --foreground`.
        p = self.ws.start_foreground()
        wait_for(lambda: self.ws.get("/metrics").status == 200, 10, what="first snapshot")
        p.send_signal(signal.SIGHUP)
        time.sleep(1)
        self.assertIsNone(p.poll(), "SIGHUP stopped the foreground server")
        self.assertEqual(self.ws.get("/metrics").status, 200)
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err.decode())
        self.assertIn("received SIGHUP: logging to stderr, nothing to reopen", err.decode())
        self.assertIn("server stopped", err.decode())


class Rotation(LogTest):
    LIMIT = 65536
    config = {"log_max_bytes": LIMIT, "log_keep": 2,
              "channels": [{"name": "chatty", "command": CHATTY},
                           {"name": "ticker", "command": TICKER}]}

    def test_rotated_at_the_limit_keeping_two(self):
        self.ws.start()
        wait_for(lambda: os.path.exists(self.path("server.log.2")), 30,
                 what="two rotations")
        time.sleep(2)  # more rotations: server.log.3 must never appear
        for name in ("server.log", "server.log.1", "server.log.2"):
            size = os.path.getsize(self.path(name))
            self.assertLessEqual(size, self.LIMIT, name)
        self.assertGreater(os.path.getsize(self.path("server.log.1")), self.LIMIT * 0.9)
        self.assertFalse(os.path.exists(self.path("server.log.3")))
        # Every line is whole: rotation happens between lines.
        for name in ("server.log.1", "server.log.2"):
            for line in self.read(name).splitlines():
                self.assertRegex(line, r"^\d{4}-\d\d-\d\dT[\d:.]+Z (info|warn|error|debug) ")
        # Nothing lost: the ticker's numbers run on across the files.
        ticks = self.ticks("server.log.2") + self.ticks("server.log.1") + self.ticks()
        self.assertEqual(ticks, list(range(ticks[0], ticks[-1] + 1)))
        self.assertEqual(self.ws.get("/metrics/status").status, 200)

    def test_bad_values_are_refused(self):
        for cfg, key in (({"log_max_bytes": 100}, "log_max_bytes"),
                         ({"log_keep": -1}, "log_keep"), ({"log_keep": 100}, "log_keep"),
                         ({"log_max_bytes": "10M"}, "log_max_bytes")):
            base = {"http_port": self.ws.port}
            base.update(cfg)
            self.ws.write_config(base)
            p = self.ws.cli("start")
            self.assertNotEqual(p.returncode, 0, cfg)
            self.assertIn(key, p.stderr, cfg)


class RunawayPlugin(LogTest):
    """`yes` as a plugin for 5 s: the log stays small, the drops are counted,
    the server keeps recording and spends little CPU on it."""
    config = {"metrics_enabled": True, "metrics_interval": 1.0,
              "channels": [{"name": "yes", "command": ["yes"]},
                           {"name": "ticker", "command": TICKER}]}

    def test_yes_cannot_fill_the_disk(self):
        self.ws.start()
        pid = self.ws.server_pid()
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(5)
        cpu, wall = cpu_seconds(pid) - cpu0, time.monotonic() - t0
        size = os.path.getsize(self.path())
        log = self.read()
        # Burst 256 KiB + 64 KiB/s of log for the yes plugin, the rest is ours.
        self.assertLess(size, 256 * 1024 + 64 * 1024 * (wall + 2) + 64 * 1024)
        self.assertLess(size, 10 * 1024 * 1024)  # the default log_max_bytes
        drops = [l for l in log.splitlines() if "channel yes: output over the limit" in l]
        self.assertGreaterEqual(len(drops), 3, "no drop count in the log")
        total = int(drops[-1].split(", ")[-1].split()[0])
        self.assertGreater(total, 1_000_000)  # yes writes far more than 64 KiB/s
        self.assertIn("[yes] y", log)
        # The other plugin is not held back by yes: every tick arrived.
        ticks = self.ticks()
        self.assertGreater(len(ticks), 30)
        self.assertEqual(ticks, list(range(1, ticks[-1] + 1)))
        st = self.ws.get("/metrics/status").json()
        self.assertIsNone(st["persistence"]["last_error"])
        self.assertLess(cpu / wall, 0.5, f"server CPU {cpu:.2f} s in {wall:.1f} s")
        print(f"\nFIGURES runaway_plugin {{\"log_bytes\": {size}, \"dropped_bytes\": {total}, "
              f"\"server_cpu_share\": {cpu / wall:.3f}}}")


if __name__ == "__main__":
    unittest.main()
