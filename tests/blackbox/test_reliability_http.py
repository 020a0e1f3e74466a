"""test_reliability_http - hostile HTTP clients against a recording server:
slow (slowloris-style) clients, a connection flood over the limit, many
concurrent clients, oversized request lines and headers, invalid UTF-8 and NUL
bytes in query values, huge minutes/max_points, and configure storms. After
each: the server is alive, answers at once, and its memory stayed bounded.

libmicrohttpd limits (src/http/http.c): 512 connections, 10 s inactivity
timeout, 64 KiB of request memory per connection, 2 poll threads (epoll: no
thread per connection, so a slow client holds only a socket)."""
import http.client
import json
import os
import random
import resource
import socket
import threading
import time
import unittest

from hirotest import HIROCLI, ServerTest, pid_alive, wait_for

CONNECTION_LIMIT = 512
with open(HIROCLI, "rb") as _f:
    ASAN = b"__asan_init" in _f.read()
# ASan's allocator touches what it hands out (history_size 1000000 allocates
# the ring's slots): a looser bound there.
RSS_GROWTH_KIB = (512 if ASAN else 64) * 1024
IDLE_TIMEOUT = 10.0


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def raw_request(port, data, timeout=5.0):
    """Send raw bytes, return (status or None, body bytes). None: the server
    closed the connection without an HTTP answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        chunks = []
        try:
            while True:
                b = s.recv(65536)
                if not b:
                    break
                chunks.append(b)
                head = b"".join(chunks)
                if b"\r\n\r\n" in head:
                    hdr, body = head.split(b"\r\n\r\n", 1)
                    length = [int(l.split(b":")[1]) for l in hdr.split(b"\r\n")
                              if l.lower().startswith(b"content-length:")]
                    if length and len(body) >= length[0]:
                        break
        except (ConnectionResetError, socket.timeout):
            pass
    data = b"".join(chunks)
    if not data.startswith(b"HTTP/1."):
        return None, data
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""


def raise_fd_limit(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(n, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class HostileHttp(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0, "metrics_persist": True}

    def setUp(self):
        super().setUp()
        self.proc = self.ws.start_foreground()
        self.pid = self.proc.pid
        wait_for(lambda: self.ws.get("/metrics").status == 200, 5, what="first snapshot")
        self.rss_start = rss_kib(self.pid)

    def assert_healthy(self, what):
        self.assertTrue(pid_alive(self.pid), f"server died after {what}")
        t0 = time.monotonic()
        r = self.ws.get("/metrics/status", timeout=5)
        self.assertEqual(r.status, 200, what)
        self.assertLess(time.monotonic() - t0, 1.0, f"slow answer after {what}")
        grown = rss_kib(self.pid) - self.rss_start
        self.assertLess(grown, RSS_GROWTH_KIB, f"RSS grew {grown} KiB after {what}")

    def timed_get(self, path):
        t0 = time.monotonic()
        r = self.ws.get(path, timeout=5)
        return r.status, time.monotonic() - t0

    def test_slow_clients_do_not_starve_others(self):
        raise_fd_limit(4096)
        slow = []
        for _ in range(200):  # well under the limit
            s = socket.create_connection(("127.0.0.1", self.ws.port))
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            slow.append(s)
        self.addCleanup(lambda: [s.close() for s in slow])
        latencies = []
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            for s in slow:  # trickle: one header byte per client per round
                try:
                    s.send(b"X")
                except OSError:
                    pass
            for path in ("/metrics", "/metrics/history?minutes=1", "/metrics/status"):
                status, dt = self.timed_get(path)
                self.assertEqual(status, 200, path)
                latencies.append(dt)
            time.sleep(0.2)
        latencies.sort()
        print(f"\nFIGURES slowloris {{\"slow_clients\": 200, \"requests\": {len(latencies)}, "
              f"\"p50_ms\": {latencies[len(latencies) // 2] * 1000:.1f}, "
              f"\"max_ms\": {latencies[-1] * 1000:.1f}}}")
        self.assertLess(latencies[-1], 1.0)
        # Silent from now on: the inactivity timeout closes them.
        t0 = time.monotonic()

        def all_closed():
            for s in slow:
                s.setblocking(False)
                try:
                    if s.recv(4096) == b"":
                        continue
                except BlockingIOError:
                    return False
                except OSError:
                    continue
            return True
        wait_for(all_closed, IDLE_TIMEOUT + 5, 0.25, "idle slow clients to be closed")
        print(f"FIGURES idle_close {{\"seconds\": {time.monotonic() - t0:.1f}}}")
        self.assert_healthy("slow clients")

    def test_connection_flood_over_the_limit(self):
        want = CONNECTION_LIMIT + 200
        if raise_fd_limit(want + 100) < want + 100:
            self.skipTest("file descriptor limit too low for the flood")
        flood = []
        self.addCleanup(lambda: [s.close() for s in flood])
        for _ in range(want):
            try:
                flood.append(socket.create_connection(("127.0.0.1", self.ws.port), timeout=2))
            except OSError:
                break
        self.assertTrue(pid_alive(self.pid))
        # Silent connections hold their slots for at most the idle timeout:
        # service comes back by itself even though the flood stays open.
        t0 = time.monotonic()

        def answers():
            try:
                return self.ws.get("/metrics/status", timeout=1).status == 200
            except OSError:
                return False
        wait_for(answers, IDLE_TIMEOUT + 5, 0.2, "service back during the flood")
        print(f"\nFIGURES flood {{\"connections\": {len(flood)}, "
              f"\"seconds_until_served\": {time.monotonic() - t0:.1f}}}")
        for s in flood:
            s.close()
        flood.clear()
        self.assert_healthy("connection flood")

    def test_many_concurrent_clients(self):
        paths = ["/metrics", "/metrics/history?minutes=1", "/metrics/status",
                 "/metrics/prometheus", "/metrics/history?minutes=600&max_points=50"]
        errors, served = [], [0]
        lock = threading.Lock()

        def client(k):
            conn = http.client.HTTPConnection("127.0.0.1", self.ws.port, timeout=10)
            try:
                for j in range(40):
                    path = paths[(k + j) % len(paths)]
                    conn.request("GET", path)
                    r = conn.getresponse()
                    body = r.read()
                    if r.status != 200 or (path != "/metrics/prometheus" and not json.loads(body)):
                        errors.append((path, r.status))
                    with lock:
                        served[0] += 1
            except Exception as e:  # noqa: BLE001 - any failure is a test failure
                errors.append(repr(e))
            finally:
                conn.close()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(64)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(served[0], 64 * 40)
        self.assert_healthy("64 concurrent keep-alive clients")

    def test_oversized_request_lines_and_headers(self):
        port = self.ws.port
        cases = {
            "url 100 KiB": b"GET /metrics/history?minutes=" + b"1" * 100_000 + b" HTTP/1.1\r\n"
                           b"Host: 127.0.0.1\r\n\r\n",
            "header 100 KiB": b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 100_000 +
                              b"\r\n\r\n",
            "2000 headers": b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                            b"".join(b"X-%d: v\r\n" % i for i in range(2000)) + b"\r\n",
            "1000 query args": b"GET /metrics/history?" +
                               b"&".join(b"a%d=%d" % (i, i) for i in range(1000)) +
                               b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            "body length 1e18": b"POST /metrics/configure HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                b"Content-Length: 1000000000000000000\r\n\r\n{",
            "bad content-length": b"POST /metrics/configure HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  b"Content-Length: -5\r\n\r\n{}",
            "not http": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + os.urandom(500),
            "no host 1.1": b"GET /metrics HTTP/1.1\r\n\r\n",
        }
        for name, data in cases.items():
            status, body = raw_request(port, data)
            # An error status, or the connection closed without an answer;
            # never a crash or a hang.
            self.assertTrue(status is None or 400 <= status < 500 or status == 200, (name, status))
            self.assertTrue(pid_alive(self.pid), name)
        # A large but legal header still works.
        status, body = raw_request(port, b"GET /metrics/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Ok: " +
                                   b"b" * 16_000 + b"\r\n\r\n")
        self.assertEqual(status, 200)
        self.assert_healthy("oversized requests")

    def test_invalid_utf8_and_nul_in_query_values(self):
        port = self.ws.port
        values = [b"%00", b"1%00", b"%001", b"%ff%fe", b"\xff\xfe", b"\xc3\x28", b"%c3%28",
                  b"%ed%a0%80", b"1e5%00x", b"%", b"%zz", b"%0", b"\x7f", b"%0d%0aX-Evil:%201",
                  b"avg%00", b"\xe2\x82"]
        keys = [b"minutes", b"from", b"to", b"max_points", b"agg", b"%00", b"\xff"]
        answered = 0
        for key in keys:
            for v in values:
                path = b"/metrics/history?" + key + b"=" + v
                status, body = raw_request(port, b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                           b"Connection: close\r\n\r\n")
                self.assertTrue(pid_alive(self.pid), path)
                if status is None:
                    continue  # refused at the HTTP layer (e.g. raw control bytes)
                answered += 1
                self.assertIn(status, (200, 400), path)
                parsed = json.loads(body.decode("utf-8"))  # valid UTF-8 JSON, always
                if status == 400:
                    self.assertIn("error", parsed)
                if key in (b"minutes", b"from", b"to", b"max_points", b"agg"):
                    self.assertEqual(status, 400, path)
        # A raw NUL in the request line: libmicrohttpd hands the path over as a
        # C string, so it ends at the NUL ("/metrics" is served); either way a
        # well-formed answer or a refusal, never a crash.
        status, body = raw_request(port, b"GET /metrics\x00/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        self.assertTrue(status is None or status in (200, 400, 404), status)
        if status:
            json.loads(body)
        # NUL and invalid UTF-8 in a configure body.
        for body in (b'{"interval":\x00 2}', b'{"\xff\xfe":1}', b'{"interval": 2, "\x00": 1}',
                     b'{"enabled": tru\xc3\x28}'):
            r = self.ws.post("/metrics/configure", body)
            self.assertEqual(r.status, 400, body)
            self.assertIn("error", json.loads(r.body.decode("utf-8")))  # strict UTF-8
        self.assertGreater(answered, 50)
        self.assert_healthy("invalid UTF-8 and NUL bytes")

    def test_huge_minutes_and_max_points_are_bounded(self):
        wait_for(lambda: self.ws.get("/metrics/status").json()["persistence"]["rows"]["raw"] >= 2,
                 5, what="rows on disk")
        ok = ["minutes=1e300", "minutes=1e9", "minutes=525600000&max_points=100000",
              "from=0&to=1e15", "from=0&max_points=100000", "from=0&to=1e15&max_points=100000&agg=max",
              "minutes=0.000001", "from=1e15&to=1e15", "minutes=1e-300"]
        bad = ["minutes=1e400", "max_points=1e20", "max_points=100001", "max_points=1.5",
               "from=-1e300", "to=-1", "minutes=nan", "minutes=inf", "minutes=-inf",
               "max_points=-1", "from=" + "9" * 400]
        worst = 0.0
        for q in ok + bad:
            status, dt = self.timed_get("/metrics/history?" + q)
            worst = max(worst, dt)
            self.assertEqual(status, 200 if q in ok else 400, q)
            self.assertLess(dt, 2.0, q)
        # history_size at its maximum: the ring is sized lazily enough that RSS
        # stays bounded; then back.
        r = self.ws.post("/metrics/configure", {"history_size": 1000000})
        self.assertEqual(r.status, 200)
        time.sleep(1.5)
        self.assert_healthy("history_size 1000000")
        r = self.ws.post("/metrics/configure", {"history_size": 1800})
        self.assertEqual(r.status, 200)
        print(f"\nFIGURES huge_params {{\"queries\": {len(ok) + len(bad)}, "
              f"\"worst_ms\": {worst * 1000:.1f}, \"rss_kib\": {rss_kib(self.pid)}}}")
        self.assert_healthy("huge minutes/max_points")

    def test_configure_storm_ends_in_a_requested_state(self):
        rng = random.Random(7)
        # Every request sets all three fields together; the final state must be
        # exactly one request's triple, never a mix of two.
        requests = [{"enabled": rng.random() < 0.5, "interval": 1 + k / 8,
                     "history_size": 100 + k} for k in range(32 * 10)]
        errors = []

        def client(k):
            conn = http.client.HTTPConnection("127.0.0.1", self.ws.port, timeout=10)
            try:
                for j in range(10):
                    body = json.dumps(requests[k * 10 + j])
                    conn.request("POST", "/metrics/configure", body,
                                 {"Content-Type": "application/json"})
                    r = conn.getresponse()
                    answer = json.loads(r.read())
                    if r.status != 200:
                        errors.append(answer)
                        continue
                    triple = {key: answer[key] for key in ("enabled", "interval", "history_size")}
                    if triple not in requests:
                        errors.append(("mixed answer", triple))
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))
            finally:
                conn.close()
        for _round in range(2):
            threads = [threading.Thread(target=client, args=(k,)) for k in range(32)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            self.assertEqual(errors, [])
            st = self.ws.get("/metrics/status").json()
            final = {key: st[key] for key in ("enabled", "interval", "history_size")}
            self.assertIn(final, requests)
        self.assert_healthy("configure storm")


if __name__ == "__main__":
    unittest.main()
