"""test_cli_top - `hirocli metrics top`, the live view (issue 18, point 10):
plugins sorted by CPU with sparklines of the last minute, plain text when
stdout is not a terminal, a full-screen view on a terminal that q quits and
that leaves the terminal as it found it."""
import os
import pty
import re
import select
import subprocess
import termios
import time
import unittest

from hirotest import DEMO, HIROCLI, ServerTest, Workspace, wait_for

SPARK_UTF8 = "▁▂▃▄▅▆▇█"


class Top(ServerTest):
    def setUp(self):
        super().setUp()
        self.ws.write_config({"http_port": self.ws.port, "metrics_enabled": True,
                              "metrics_interval": 1, "channels": [
                                  {"name": "idle", "command": ["/bin/sleep", "1000"]},
                                  {"name": "busy", "command": [DEMO, "--cpu-ms", "300"]},
                                  {"name": "gone", "command": ["/bin/true"], "restart": False}]})
        self.ws.start()
        wait_for(lambda: self.ws.get("/metrics/status").json()["history_count"] >= 4, 15,
                 what="four snapshots")

    def test_plain_frames_sorted_by_cpu(self):
        p = self.ws.cli("metrics", "top", "-n", "2", "--interval", "0.5", env={"LANG": "C"})
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("\x1b", p.stdout)  # no terminal control in a pipe
        frames = p.stdout.split("\n\n" + "hirocli top")
        self.assertEqual(len(frames), 2, p.stdout)
        for frame in frames:
            names = re.findall(r"(?m)^(server|busy|idle|gone)\s", frame)
            self.assertEqual(names, ["server", "busy", "idle", "gone"], frame)
            self.assertRegex(frame, r"(?m)^PROCESS\s+PID\s+ALIVE\s+CPU %\s+RSS\s+THREADS\s+CPU, "
                                    r"LAST MINUTE$")
            self.assertRegex(frame, r"(?m)^gone\s+\d+\s+no\s+-\s+-\s+-")
            self.assertRegex(frame, r"(?m)^busy\s+\d+\s+yes\s+\d+\.\d\s+\S+ \w?i?B\s+\d+\s+\S{4,}$")
            self.assertRegex(frame, r"(?m)^system\s+CPU [\d.]+ %")
        p = self.ws.cli("metrics", "top", "-n", "1", "--sort", "name", env={"LANG": "C.UTF-8"})
        names = re.findall(r"(?m)^(server|busy|idle|gone)\s", p.stdout)
        self.assertEqual(names, ["server", "busy", "gone", "idle"])
        busy = re.search(r"(?m)^busy\s.*$", p.stdout).group(0)
        self.assertTrue(any(c in busy for c in SPARK_UTF8), busy)

    def read_until(self, fd, pattern, timeout=10):
        data = b""
        deadline = time.monotonic() + timeout
        while not re.search(pattern, data):
            left = deadline - time.monotonic()
            if left <= 0:
                self.fail(f"no {pattern!r} in {data[-400:]!r}")
            r, _, _ = select.select([fd], [], [], left)
            if r:
                try:
                    data += os.read(fd, 65536)
                except OSError:
                    break
        return data

    def test_terminal_view_and_q(self):
        main, sub = pty.openpty()
        os.set_blocking(main, True)
        before = termios.tcgetattr(sub)
        p = subprocess.Popen([HIROCLI, "--workspace", self.ws.dir, "metrics", "top"],
                             stdin=sub, stdout=sub, stderr=sub, env=self.ws.env({"TERM": "xterm"}))
        self.addCleanup(lambda: p.poll() is None and p.kill())
        out = self.read_until(main, rb"PROCESS")
        self.assertIn(b"\x1b[?1049h", out)  # the alternate screen, like top
        self.assertIn(b"q quits", out)
        self.read_until(main, rb"hirocli top", timeout=5)  # a second frame comes
        os.write(main, b"q")
        self.assertEqual(p.wait(5), 0)
        rest = self.read_until(main, rb"\x1b\[\?1049l", timeout=5)
        self.assertIn(b"\x1b[?25h", rest)  # the cursor is back
        self.assertEqual(termios.tcgetattr(sub)[3], before[3])  # echo and line mode restored
        os.close(main)
        os.close(sub)

    def test_ctrl_c_also_restores(self):
        main, sub = pty.openpty()
        before = termios.tcgetattr(sub)
        p = subprocess.Popen([HIROCLI, "--workspace", self.ws.dir, "metrics", "top"],
                             stdin=sub, stdout=sub, stderr=sub, env=self.ws.env())
        self.addCleanup(lambda: p.poll() is None and p.kill())
        self.read_until(main, rb"PROCESS")
        p.send_signal(2)
        self.assertEqual(p.wait(5), 0)
        self.assertEqual(termios.tcgetattr(sub)[3], before[3])
        os.close(main)
        os.close(sub)


class TopWithoutServer(unittest.TestCase):
    def test_no_server(self):
        ws = Workspace()
        self.addCleanup(ws.close)
        p = ws.cli("metrics", "top", "-n", "1")
        self.assertEqual(p.returncode, 1)
        self.assertIn("no server running", p.stderr)

    def test_disabled_collector_says_so(self):
        ws = Workspace()
        self.addCleanup(ws.close)
        ws.start()
        p = ws.cli("metrics", "top", "-n", "1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("metrics collection is disabled", p.stdout)


if __name__ == "__main__":
    unittest.main()
