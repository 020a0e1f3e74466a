"""test_api - the REST API against a real server on a free loopback port:
status codes, error bodies, the snapshot shape with real PIDs, history,
configure validation, plugin death and restart, the token rule."""
import json
import os
import signal
import time
import unittest

from hirotest import DEMO, ServerTest, http, pid_alive, wait_for

SNAPSHOT_FIELDS = {
    "timestamp": float,
    "cpu": {"percent": float, "count": int},
    "memory": {"total_bytes": int, "available_bytes": int, "percent": float},
    "process": {"pid": int, "cpu_percent": float, "rss_bytes": int, "vms_bytes": int,
                "num_threads": int},
    "disk": {"total_bytes": int, "used_bytes": int, "free_bytes": int, "percent": float,
             "read_bytes_per_sec": float, "write_bytes_per_sec": float},
    "network": {"bytes_sent_per_sec": float, "bytes_recv_per_sec": float,
                "packets_sent_per_sec": float, "packets_recv_per_sec": float},
}
CHILD_FIELDS = {"name": str, "pid": int, "alive": bool, "cpu_percent": float,
                "rss_bytes": int, "vms_bytes": int, "num_threads": int}


def check_shape(test, obj, shape, where="snapshot"):
    test.assertIsInstance(obj, dict, where)
    for key, kind in shape.items():
        test.assertIn(key, obj, f"{where}.{key} missing")
        if isinstance(kind, dict):
            check_shape(test, obj[key], kind, f"{where}.{key}")
        else:
            value = obj[key]
            test.assertIsInstance(value, kind, f"{where}.{key} = {value!r}")
            if kind is int:
                test.assertNotIsInstance(value, bool, f"{where}.{key}")


def cmdline(pid):
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().split(b"\0")[0].decode()


class DisabledCollector(ServerTest):
    config = {"metrics_enabled": False, "metrics_interval": 1.0}

    def test_503_then_enable_then_disable(self):
        self.ws.start_foreground()
        r = self.ws.get("/metrics")
        self.assertEqual(r.status, 503)
        self.assertEqual(r.headers["Content-Type"], "application/json")
        self.assertIn("disabled", r.json()["error"])
        self.assertFalse(self.ws.get("/metrics/status").json()["enabled"])

        t0 = time.monotonic()
        r = self.ws.post("/metrics/configure", {"enabled": True})
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.json()["enabled"])
        snap = wait_for(lambda: self.ws.get("/metrics").status == 200 and self.ws.get("/metrics").json(),
                        timeout=2.0, step=0.02, what="first snapshot")
        self.assertLess(time.monotonic() - t0, 1.0, "first snapshot later than 1 s")
        self.assertGreater(snap["process"]["rss_bytes"], 0)
        self.assertGreater(snap["memory"]["total_bytes"], 0)

        r = self.ws.post("/metrics/configure", {"enabled": False})
        self.assertFalse(r.json()["enabled"])
        self.assertEqual(self.ws.get("/metrics").status, 503)
        # History stays readable while disabled.
        r = self.ws.get("/metrics/history?minutes=5")
        self.assertEqual(r.status, 200)
        self.assertGreaterEqual(len(r.json()), 1)


class RunningServer(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0, "metrics_persist": False,
              "channels": [{"name": "demo", "command": [DEMO, "--cpu-ms", "20"], "restart": True},
                           {"name": "oneshot", "command": ["/bin/sleep", "1000"], "restart": False}]}

    def setUp(self):
        super().setUp()
        self.proc = self.ws.start_foreground()
        wait_for(lambda: self.ws.get("/metrics").status == 200, 5, what="first snapshot")

    def latest(self):
        return self.ws.get("/metrics").json()

    def newer_snapshot(self, than):
        return wait_for(lambda: (lambda s: s if s["timestamp"] > than else None)(self.latest()),
                        timeout=5, what="a newer snapshot")

    def child(self, snap, name):
        return next(c for c in snap["children"] if c["name"] == name)

    def test_snapshot_shape_and_real_pids(self):
        snap = self.newer_snapshot(self.latest()["timestamp"])
        check_shape(self, snap, SNAPSHOT_FIELDS)
        self.assertEqual(snap["process"]["pid"], self.proc.pid)
        self.assertEqual({c["name"] for c in snap["children"]}, {"demo", "oneshot"})
        for c in snap["children"]:
            check_shape(self, c, CHILD_FIELDS, f"children[{c['name']}]")
            self.assertTrue(c["alive"])
            self.assertTrue(pid_alive(c["pid"]))
        self.assertEqual(cmdline(self.child(snap, "demo")["pid"]), DEMO)
        self.assertEqual(cmdline(self.child(snap, "oneshot")["pid"]), "/bin/sleep")
        self.assertGreater(self.child(snap, "demo")["rss_bytes"], 1 << 20)
        self.assertTrue(0 <= snap["cpu"]["percent"] <= 100)
        self.assertLessEqual(abs(snap["timestamp"] - time.time()), 5)

    def test_history_order_and_minutes(self):
        wait_for(lambda: len(self.ws.get("/metrics/history?minutes=5").json()) >= 3, 6,
                 what="three snapshots")
        r = self.ws.get("/metrics/history?minutes=5")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["X-Metrics-Source"], "memory")
        self.assertEqual(r.headers["X-Metrics-Resolution"], "raw")
        stamps = [s["timestamp"] for s in r.json()]
        self.assertEqual(stamps, sorted(stamps))
        check_shape(self, r.json()[-1], SNAPSHOT_FIELDS)
        # A window shorter than the data: only the newest snapshots.
        time.sleep(1.1)
        short = self.ws.get("/metrics/history?minutes=0.02").json()  # 1.2 s
        self.assertGreaterEqual(len(short), 1)
        self.assertLess(len(short), len(self.ws.get("/metrics/history?minutes=5").json()))
        self.assertGreaterEqual(short[0]["timestamp"], time.time() - 1.2 - 0.5)
        # from/to
        r = self.ws.get(f"/metrics/history?from={stamps[0]}&to={stamps[1]}")
        self.assertEqual([s["timestamp"] for s in r.json()], stamps[:2])
        # max_points thins without a disk tier, keeping the newest
        r = self.ws.get("/metrics/history?minutes=5&max_points=1")
        self.assertEqual(len(r.json()), 1)

    def test_history_bad_values(self):
        for query in ("minutes=-1", "minutes=abc", "minutes=0", "minutes=", "max_points=0",
                      "agg=median", "from=20&to=10", "minutes=1%00", "minutes=%ff%fe"):
            r = self.ws.get("/metrics/history?" + query)
            self.assertEqual(r.status, 400, query)
            self.assertIn("error", r.json(), query)

    def status(self):
        return self.ws.get("/metrics/status").json()

    def test_configure_validation_is_all_or_nothing(self):
        before = self.status()
        cases = [
            ({"interval": 0.5}, 400),
            ({"enabled": False, "interval": 0.5}, 400),   # one valid, one invalid
            ({"history_size": 10, "bogus": 1}, 400),      # unknown field
            ({"interval": "2"}, 400),
            ({"history_size": 0}, 400),
            ("not json", 400),
            ("[1,2]", 400),
        ]
        for body, code in cases:
            r = self.ws.post("/metrics/configure", body)
            self.assertEqual(r.status, code, body)
            self.assertIn("error", r.json())
        after = self.status()
        for key in ("enabled", "interval", "history_size"):
            self.assertEqual(before[key], after[key], key)
        r = self.ws.post("/metrics/configure", "x" * (70 * 1024))
        self.assertEqual(r.status, 413)
        self.assertIn("error", r.json())
        self.assertEqual(self.status()["interval"], before["interval"])

    def test_configure_applies_and_shrink_keeps_newest(self):
        wait_for(lambda: self.status()["history_count"] >= 4, 8, what="four snapshots")
        newest = self.ws.get("/metrics/history?minutes=5").json()[-2:]
        r = self.ws.post("/metrics/configure", {"history_size": 2, "interval": 2.5})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["history_size"], 2)
        self.assertEqual(r.json()["interval"], 2.5)
        self.assertEqual(r.json()["history_count"], 2)
        kept = self.ws.get("/metrics/history?minutes=5").json()
        self.assertEqual([s["timestamp"] for s in kept], [s["timestamp"] for s in newest])

    def test_unknown_path_and_wrong_method(self):
        r = self.ws.get("/nope")
        self.assertEqual(r.status, 404)
        self.assertIn("error", r.json())
        r = http("DELETE", self.ws.url + "/metrics")
        self.assertEqual(r.status, 405)
        self.assertIn("error", r.json())
        r = self.ws.get("/metrics/configure")
        self.assertEqual(r.status, 405)
        r = self.ws.post("/metrics", {})
        self.assertEqual(r.status, 405)

    def test_killed_plugin_is_dead_then_restarted(self):
        snap = self.latest()
        demo_pid = self.child(snap, "demo")["pid"]
        oneshot_pid = self.child(snap, "oneshot")["pid"]
        os.kill(oneshot_pid, signal.SIGKILL)
        os.kill(demo_pid, signal.SIGKILL)
        snap = self.newer_snapshot(time.time())
        self.assertFalse(self.child(snap, "oneshot")["alive"])
        self.assertEqual(self.child(snap, "oneshot")["pid"], oneshot_pid)
        # restart: true brings demo back with a new pid (backoff 0.5 s)
        back = wait_for(lambda: (lambda c: c if c["alive"] and c["pid"] != demo_pid else None)(
            self.child(self.latest(), "demo")), 6, what="demo restarted")
        self.assertEqual(cmdline(back["pid"]), DEMO)
        self.assertFalse(self.child(self.latest(), "oneshot")["alive"])  # restart: false

    def test_prometheus_text(self):
        r = self.ws.get("/metrics/prometheus")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        text = r.body.decode()
        self.assertIn(f'hiro_process_resident_memory_bytes{{process="server",pid="{self.proc.pid}"}}', text)
        self.assertIn('process="demo"', text)


class TokenRules(ServerTest):
    def test_non_loopback_host_needs_a_token(self):
        cfg = self.ws.read_config()
        cfg["http_host"] = "0.0.0.0"
        self.ws.write_config(cfg)
        before = open(os.path.join(self.ws.dir, "config.json")).read()
        p = self.ws.cli("start")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("api_token", p.stderr)
        self.assertFalse(self.ws.port_open())
        self.assertEqual(open(os.path.join(self.ws.dir, "config.json")).read(), before)

    def test_configure_needs_the_bearer_token(self):
        cfg = self.ws.read_config()
        cfg["api_token"] = "s3cret-token"
        cfg["metrics_enabled"] = True
        self.ws.write_config(cfg)
        self.ws.start_foreground()
        r = self.ws.post("/metrics/configure", {"interval": 3})
        self.assertEqual(r.status, 401)
        r = self.ws.post("/metrics/configure", {"interval": 3},
                         headers={"Authorization": "Bearer wrong"})
        self.assertEqual(r.status, 401)
        r = self.ws.post("/metrics/configure", {"interval": 3},
                         headers={"Authorization": "Bearer s3cret-token",
                                  "Content-Type": "application/json"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["interval"], 3.0)
        for path in ("/metrics/status", "/metrics/history", "/metrics/prometheus"):
            self.assertNotIn("s3cret-token", self.ws.get(path).body.decode())


class EnvOverride(ServerTest):
    config = {"metrics_enabled": False}

    def test_hiro_metrics_env_enables_for_one_run(self):
        before = open(os.path.join(self.ws.dir, "config.json")).read()
        self.ws.start_foreground(env={"HIRO_METRICS": "YES"})
        self.assertTrue(self.ws.get("/metrics/status").json()["enabled"])
        self.assertEqual(open(os.path.join(self.ws.dir, "config.json")).read(), before)

    def test_bad_env_value_is_ignored_with_a_warning(self):
        p = self.ws.start_foreground(env={"HIRO_METRICS": "maybe"})
        self.assertFalse(self.ws.get("/metrics/status").json()["enabled"])
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=15)
        self.assertEqual(p.returncode, 0)
        self.assertIn("HIRO_METRICS", err.decode())


class BrokenConfig(ServerTest):
    def test_bad_key_stops_start_and_names_it(self):
        path = os.path.join(self.ws.dir, "config.json")
        with open(path, "w") as f:
            f.write('{"metrics_interval": "fast", "http_port": %d}' % self.ws.port)
        before = open(path).read()
        p = self.ws.cli("start")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("metrics_interval", p.stderr)
        self.assertIn("config.json", p.stderr)
        self.assertEqual(open(path).read(), before)
        self.assertFalse(self.ws.port_open())

    def test_port_taken_is_reported(self):
        import socket
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", self.ws.port))
            s.listen()
            p = self.ws.cli("start")
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("in use", p.stderr.lower())
        self.assertEqual(self.ws.server_pid(), 0)


if __name__ == "__main__":
    unittest.main()
