"""test_http_security - other web pages cannot drive or read the server.

On both listeners (REST and admin UI): a Host header that does not name the
server is refused (DNS rebinding); configure refuses a foreign Origin and a
body that is not application/json, so the exact attack seen in the field (a
page on another origin sending a no-cors text/plain POST {"enabled":false})
changes nothing. The admin listener's own token rule: reads need no token
there, configure needs it when one is set, and the status says so. A 401
carries WWW-Authenticate: Bearer."""
import http.client
import json
import socket
import unittest

from hirotest import ServerTest, wait_for

TOKEN = "tok-5e1d9b7c3a"


def raw(port, method, path, headers=None, body=None):
    """One request with exactly these headers (no Host, Accept-Encoding or
    Content-Type added unless given). Returns (status, headers dict, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        data = body.encode() if isinstance(body, str) else body
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if data is not None:
            conn.putheader("Content-Length", str(len(data)))
        conn.endheaders(data)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def loopback_name():
    """A host name that resolves only to loopback but is not "localhost" or
    a numeric loopback address: the server treats it as non-loopback (every
    REST endpoint then needs the token) while the test stays on loopback."""
    for name in (socket.gethostname(), "localhost.localdomain", "ip6-localhost"):
        try:
            addrs = {a[4][0] for a in socket.getaddrinfo(name, None, socket.AF_INET)}
        except socket.gaierror:
            continue
        if addrs and all(a.startswith("127.") for a in addrs):
            return name
    return None


class Listeners(ServerTest):
    """Both listeners up, collector on, no token."""
    config = {"metrics_enabled": True, "metrics_interval": 1.0, "admin_ui_enabled": True}

    def setUp(self):
        super().setUp()
        self.ws.start_foreground()
        wait_for(lambda: self.ws.get("/metrics").status == 200, 10, what="a snapshot")

    def ports(self):
        """(port, path prefix of the API) of each listener."""
        return [(self.ws.port, ""), (self.ws.ui_port, "/api")]

    def status(self):
        return self.ws.get("/metrics/status").json()

    def host(self, port):
        return f"127.0.0.1:{port}"

    def configure(self, port, prefix, headers, body='{"interval": 7}'):
        return raw(port, "POST", prefix + "/metrics/configure", headers, body)


class HostHeader(Listeners):
    def test_foreign_host_is_refused_on_every_path_of_both_listeners(self):
        paths = {self.ws.port: ["/metrics", "/metrics/status", "/metrics/history?minutes=1",
                                "/metrics/prometheus", "/nope"],
                 self.ws.ui_port: ["/metrics", "/", "/assets/app.js", "/api/metrics",
                                   "/api/metrics/status", "/api/metrics/history?minutes=1",
                                   "/nope"]}
        bad = ["evil.example", "evil.example:{p}", "127.0.0.1.nip.io:{p}",
               "localhost.evil.example", "127.0.0.2:{p}", "[::1]:{p}", ""]
        checked = 0
        for port, plist in paths.items():
            for path in plist:
                for h in bad:
                    host = h.format(p=port)
                    status, headers, body = raw(port, "GET", path, {"Host": host})
                    self.assertEqual(status, 403, f"{port} {path} Host {host!r}")
                    self.assertIn("Host header", json.loads(body)["error"])
                    self.assertNotIn(b"timestamp", body)  # nothing of the data leaks
                    checked += 1
        self.assertGreater(checked, 60)

    def test_own_names_are_accepted_with_or_without_port(self):
        for port, prefix in self.ports():
            for host in (f"127.0.0.1:{port}", "127.0.0.1", "localhost", f"localhost:{port}",
                         f"LocalHost:{port}", "localhost:8123"):
                status, _, body = raw(port, "GET", prefix + "/metrics/status", {"Host": host})
                self.assertEqual(status, 200, f"{port} Host {host}")
        # HTTP/1.0 without any Host header (no browser sends that)
        with socket.create_connection(("127.0.0.1", self.ws.port), timeout=5) as s:
            s.sendall(b"GET /metrics/status HTTP/1.0\r\n\r\n")
            reply = b""
            while chunk := s.recv(65536):
                reply += chunk
        self.assertTrue(reply.startswith(b"HTTP/1.1 200") or reply.startswith(b"HTTP/1.0 200"),
                        reply[:80])

    def test_rebinding_page_cannot_configure_either(self):
        before = self.status()
        for port, prefix in self.ports():
            status, _, _ = self.configure(port, prefix, {
                "Host": f"rebind.evil.example:{port}", "Content-Type": "application/json",
                "Origin": f"http://rebind.evil.example:{port}"}, '{"enabled": false}')
            self.assertEqual(status, 403)
        self.assertEqual(self.status()["enabled"], before["enabled"])


class ConfigureOrigin(Listeners):
    def test_the_exact_attack_changes_nothing(self):
        """fetch(url, {method: 'POST', mode: 'no-cors', body: '{"enabled":false}'})
        from a page on another origin, as Chromium sends it."""
        for port, prefix in self.ports():
            attack = {"Host": self.host(port), "Content-Type": "text/plain;charset=UTF-8",
                      "Origin": "http://evil.example:8000", "Sec-Fetch-Site": "cross-site",
                      "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Dest": "empty",
                      "Referer": "http://evil.example:8000/"}
            status, _, body = self.configure(port, prefix, attack, '{"enabled":false}')
            self.assertIn(status, (403, 415), body)
            self.assertIn("error", json.loads(body))
            # The same without Origin and Sec-Fetch-* (an older browser): the
            # content type alone stops it.
            plain = {"Host": self.host(port), "Content-Type": "text/plain"}
            status, _, body = self.configure(port, prefix, plain, '{"enabled":false}')
            self.assertEqual(status, 415, body)
            self.assertIn("application/json", json.loads(body)["error"])
        status = self.status()
        self.assertTrue(status["enabled"])
        wait_for(lambda: self.status()["history_count"] > status["history_count"], 5,
                 what="the collector still sampling")

    def test_foreign_origins_are_refused(self):
        for port, prefix in self.ports():
            other = self.ws.ui_port if port == self.ws.port else self.ws.port
            for origin in ("http://evil.example", f"http://evil.example:{port}", "null",
                           f"http://127.0.0.1:{other}", "http://localhost:3000",
                           f"http://127.0.0.1.evil.example:{port}", "file://",
                           f"https://evil.example:{port}"):
                status, _, body = self.configure(port, prefix, {
                    "Host": self.host(port), "Content-Type": "application/json",
                    "Origin": origin})
                self.assertEqual(status, 403, f"{port} Origin {origin}")
                self.assertIn("Origin", json.loads(body)["error"])
            status, _, body = self.configure(port, prefix, {
                "Host": self.host(port), "Content-Type": "application/json",
                "Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "cross-site"})
            self.assertEqual(status, 403, "Sec-Fetch-Site: cross-site")
        self.assertEqual(self.status()["interval"], 1.0)

    def test_own_origin_and_non_browsers_are_accepted(self):
        interval = 2.0
        for port, prefix in self.ports():
            for headers in ({"Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"},
                            {"Origin": f"http://localhost:{port}"},
                            {}):  # curl, hirocli
                interval += 1
                h = {"Host": self.host(port), "Content-Type": "application/json", **headers}
                status, _, body = self.configure(port, prefix, h, json.dumps({"interval": interval}))
                self.assertEqual(status, 200, f"{port} {headers}: {body}")
                self.assertEqual(json.loads(body)["interval"], interval)

    def test_content_type_must_be_json(self):
        for port, prefix in self.ports():
            for ct in (None, "text/plain", "application/x-www-form-urlencoded",
                       "multipart/form-data; boundary=x", "application/jsonp", "text/json"):
                h = {"Host": self.host(port)}
                if ct:
                    h["Content-Type"] = ct
                status, _, body = self.configure(port, prefix, h)
                self.assertEqual(status, 415, f"{port} Content-Type {ct}")
            for ct in ("application/json; charset=utf-8", "Application/JSON"):
                status, _, body = self.configure(port, prefix,
                                                 {"Host": self.host(port), "Content-Type": ct},
                                                 '{"interval": 1}')
                self.assertEqual(status, 200, f"{port} Content-Type {ct}: {body}")


class TokenOnLoopback(ServerTest):
    """A token on a loopback host: only configure needs it, on both listeners."""
    config = {"metrics_enabled": True, "metrics_interval": 1.0, "admin_ui_enabled": True,
              "api_token": TOKEN}

    def test_configure_needs_the_token_on_both_listeners_and_status_says_so(self):
        self.ws.start_foreground()
        for port, prefix in ((self.ws.port, ""), (self.ws.ui_port, "/api")):
            base = {"Host": f"127.0.0.1:{port}", "Content-Type": "application/json"}
            status, headers, body = raw(port, "GET", prefix + "/metrics/status", base)
            self.assertEqual(status, 200)
            self.assertIs(json.loads(body)["configure_requires_token"], True)
            status, headers, body = raw(port, "POST", prefix + "/metrics/configure", base,
                                        '{"interval": 4}')
            self.assertEqual(status, 401)
            self.assertTrue(headers.get("www-authenticate", "").startswith("Bearer"), headers)
            status, headers, body = raw(port, "POST", prefix + "/metrics/configure",
                                        {**base, "Authorization": f"Bearer {TOKEN}",
                                         "Origin": f"http://127.0.0.1:{port}"},
                                        '{"interval": 4}')
            self.assertEqual(status, 200, body)
        # a valid token does not excuse a foreign origin
        status, _, _ = raw(self.ws.port, "POST", "/metrics/configure",
                           {"Host": f"127.0.0.1:{self.ws.port}", "Content-Type": "application/json",
                            "Authorization": f"Bearer {TOKEN}", "Origin": "http://evil.example"},
                           '{"interval": 5}')
        self.assertEqual(status, 403)

    def test_without_token_status_says_configure_is_open(self):
        cfg = self.ws.read_config()
        del cfg["api_token"]
        self.ws.write_config(cfg)
        self.ws.start_foreground()
        self.assertIs(self.ws.get("/metrics/status").json()["configure_requires_token"], False)


@unittest.skipUnless(loopback_name(), "no host name that resolves only to loopback")
class TokenOnNonLoopbackHost(ServerTest):
    """http_host that is not a loopback address (the server cannot tell it
    resolves to loopback): every REST endpoint needs the token, the admin
    listener (always loopback) serves the dashboard's reads without one."""

    def setUp(self):
        super().setUp()
        cfg = self.ws.read_config()
        cfg.update({"http_host": loopback_name(), "api_token": TOKEN, "metrics_enabled": True,
                    "metrics_interval": 1.0, "admin_ui_enabled": True})
        self.ws.write_config(cfg)
        self.ws.start_foreground()

    def test_dashboard_reads_work_without_token_and_rest_needs_it(self):
        ui = self.ws.ui_port
        host = {"Host": f"127.0.0.1:{ui}"}
        wait_for(lambda: raw(ui, "GET", "/api/metrics", host)[0] == 200, 10,
                 what="a snapshot on the admin listener")
        for path in ("/api/metrics", "/api/metrics/status", "/api/metrics/history?minutes=5",
                     "/metrics", "/assets/app.js"):
            status, _, body = raw(ui, "GET", path, host)
            self.assertEqual(status, 200, path)
        status, _, body = raw(ui, "GET", "/api/metrics/status", host)
        self.assertIs(json.loads(body)["configure_requires_token"], True)
        # configure on the admin listener still needs the token
        h = {**host, "Content-Type": "application/json", "Origin": f"http://127.0.0.1:{ui}"}
        status, headers, _ = raw(ui, "POST", "/api/metrics/configure", h, '{"interval": 3}')
        self.assertEqual(status, 401)
        self.assertTrue(headers["www-authenticate"].startswith("Bearer"))
        status, _, _ = raw(ui, "POST", "/api/metrics/configure",
                           {**h, "Authorization": f"Bearer {TOKEN}"}, '{"interval": 3}')
        self.assertEqual(status, 200)
        # the REST listener: every endpoint needs the token, 401 says how
        rest = {"Host": f"127.0.0.1:{self.ws.port}"}
        for path in ("/metrics", "/metrics/status", "/metrics/history", "/metrics/prometheus"):
            status, headers, _ = raw(self.ws.port, "GET", path, rest)
            self.assertEqual(status, 401, path)
            self.assertTrue(headers["www-authenticate"].startswith("Bearer"), path)
            status, _, _ = raw(self.ws.port, "GET", path,
                               {**rest, "Authorization": f"Bearer {TOKEN}"})
            self.assertEqual(status, 200, path)

    def test_configured_name_and_token_holders_pass_the_host_check(self):
        name = loopback_name()
        status, _, _ = raw(self.ws.port, "GET", "/metrics/status",
                           {"Host": f"{name}:{self.ws.port}", "Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(status, 200)
        # A scraper that knows the token may name the server as it likes
        # (a DNS alias, a proxy); a page that DNS rebinding pointed here does not.
        status, _, _ = raw(self.ws.port, "GET", "/metrics/status",
                           {"Host": "alias.example", "Authorization": f"Bearer {TOKEN}"})
        self.assertEqual(status, 200)
        status, _, _ = raw(self.ws.port, "GET", "/metrics/status",
                           {"Host": "alias.example", "Authorization": "Bearer wrong"})
        self.assertEqual(status, 403)


if __name__ == "__main__":
    unittest.main()
