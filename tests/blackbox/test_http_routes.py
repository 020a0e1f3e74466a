"""test_http_routes - every path answers a wrong method with 405 and an Allow
header listing the methods that path really allows (on both listeners);
configure bodies with a duplicate key get 400 and change nothing."""
import json
import unittest

from hirotest import ServerTest, wait_for
from test_http_security import raw

GET = "GET, HEAD"


class Routes(ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0, "admin_ui_enabled": True}

    def setUp(self):
        super().setUp()
        self.ws.start_foreground()

    def request(self, port, method, path, body=None):
        headers = {"Host": f"127.0.0.1:{port}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return raw(port, method, path, headers, body)

    def test_405_says_what_the_path_allows(self):
        rest, ui = self.ws.port, self.ws.ui_port
        table = [  # (port, path, allowed)
            (rest, "/metrics", GET),
            (rest, "/metrics/history", GET),
            (rest, "/metrics/status", GET),
            (rest, "/metrics/prometheus", GET),
            (rest, "/metrics/configure", "POST"),
            (ui, "/api/metrics", GET),
            (ui, "/api/metrics/history", GET),
            (ui, "/api/metrics/status", GET),
            (ui, "/api/metrics/prometheus", GET),
            (ui, "/api/metrics/configure", "POST"),
            (ui, "/", GET),
            (ui, "/metrics", GET),
            (ui, "/metrics/", GET),
            (ui, "/assets/app.js", GET),
        ]
        for port, path, allowed in table:
            allowed_set = {m.strip() for m in allowed.split(",")}
            for method in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
                body = "{}" if method in ("POST", "PUT", "PATCH") else None
                status, headers, text = self.request(port, method, path, body)
                if method in allowed_set:
                    self.assertNotEqual(status, 405, f"{method} {path}")
                    self.assertNotIn("allow", headers, f"{method} {path}")
                    continue
                self.assertEqual(status, 405, f"{method} {path} on {port}")
                self.assertEqual(headers.get("allow"), allowed, f"{method} {path} on {port}")
                if method != "HEAD":  # no body in an answer to HEAD
                    self.assertIn(allowed, json.loads(text)["error"])

    def test_unknown_paths_are_404_without_allow(self):
        for port, path in ((self.ws.port, "/nope"), (self.ws.port, "/api/metrics"),
                           (self.ws.port, "/assets/app.js"), (self.ws.ui_port, "/api/nope"),
                           (self.ws.ui_port, "/apimetrics"), (self.ws.ui_port, "/metrics/status")):
            for method in ("GET", "POST"):
                status, headers, _ = self.request(port, method, path,
                                                  "{}" if method == "POST" else None)
                self.assertEqual(status, 404, f"{method} {path} on {port}")
                self.assertNotIn("allow", headers)
        status, _, body = self.request(self.ws.ui_port, "GET", "/assets/nope.js")
        self.assertEqual(status, 404)
        self.assertIn("error", json.loads(body))

    def test_duplicate_keys_in_configure_are_refused(self):
        wait_for(lambda: self.ws.get("/metrics").status == 200, 10, what="a snapshot")
        for port, prefix in ((self.ws.port, ""), (self.ws.ui_port, "/api")):
            for body in ('{"enabled": false, "enabled": true}',
                         '{"enabled": true, "enabled": false}',
                         '{"interval": 5, "history_size": 10, "interval": 5}'):
                status, _, text = self.request(port, "POST", prefix + "/metrics/configure", body)
                self.assertEqual(status, 400, body)
                self.assertIn("more than once", json.loads(text)["error"])
        status = self.ws.get("/metrics/status").json()
        self.assertEqual((status["enabled"], status["interval"], status["history_size"]),
                         (True, 1.0, 1800))


if __name__ == "__main__":
    unittest.main()
