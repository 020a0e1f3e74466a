"""test_http_gzip - JSON answers go out gzip-compressed when the client
accepts gzip (the dashboard's live tick and history reads), byte-identical
after decompression, with Vary; identity otherwise, and small or error
answers stay as they are. Prints the sizes."""
import gzip
import json
import time
import unittest

from hirotest import ServerTest, wait_for
from test_http_security import raw

ACCEPT = "gzip, deflate, br, zstd"


class Gzip(ServerTest):
    config = {"admin_ui_enabled": True, "metrics_enabled": True, "metrics_interval": 1.0}

    def setUp(self):
        super().setUp()
        self.ws.start_foreground()
        wait_for(lambda: self.ws.get("/metrics/status").json()["history_count"] >= 3, 15,
                 what="three snapshots")

    def get(self, port, path, **headers):
        return raw(port, "GET", path, {"Host": f"127.0.0.1:{port}", **headers})

    def test_history_and_latest_compressed_on_both_listeners(self):
        sizes = []
        now = time.time()
        window = f"/metrics/history?from={now - 300:.3f}&to={now:.3f}"
        for port, prefix in ((self.ws.port, ""), (self.ws.ui_port, "/api")):
            for path in (window, "/metrics"):
                status, h, plain = self.get(port, prefix + path)
                self.assertEqual(status, 200, path)
                self.assertNotIn("content-encoding", h)
                status, hz, body = self.get(port, prefix + path, **{"Accept-Encoding": ACCEPT})
                self.assertEqual(status, 200, path)
                self.assertEqual(hz.get("content-encoding"), "gzip", path)
                self.assertEqual(hz.get("vary"), "Accept-Encoding", path)
                self.assertEqual(hz["content-type"], "application/json")
                self.assertEqual(int(hz["content-length"]), len(body))
                if path != "/metrics":  # the latest snapshot may have moved on
                    self.assertEqual(json.loads(gzip.decompress(body)), json.loads(plain), path)
                else:
                    self.assertIn("timestamp", json.loads(gzip.decompress(body)))
                self.assertLess(len(body), len(plain) / 2, path)
                sizes.append(f"{prefix}{path.split('?')[0]} {len(plain)} -> {len(body)}")
        print("\nFIGURES gzip: " + "; ".join(sizes))

    def test_refused_or_absent_gzip_and_small_answers_stay_identity(self):
        for accept in (None, "gzip;q=0", "identity", "br"):
            headers = {"Accept-Encoding": accept} if accept else {}
            status, h, body = self.get(self.ws.port, "/metrics/history?minutes=5", **headers)
            self.assertEqual(status, 200)
            self.assertNotIn("content-encoding", h, accept)
            json.loads(body)
        status, h, body = self.get(self.ws.port, "/metrics/nope", **{"Accept-Encoding": ACCEPT})
        self.assertEqual(status, 404)
        self.assertNotIn("content-encoding", h)
        self.assertIn(b"error", body)


if __name__ == "__main__":
    unittest.main()
