"""test_http_assets - what a browser moves to load the dashboard, from the
server's side. Crawls the page and everything it pulls in (HTML references,
ES module imports), fetches each with and without gzip, and checks: the
strong ETag is the content hash, the gzip copy decompresses to the same bytes
and has its own ETag, If-None-Match gives a bodyless 304, Vary and
Cache-Control are set, and nothing is fetched from outside (offline). Prints
the bytes per cold load and per reload."""
import gzip
import hashlib
import os
import re
import unittest

from hirotest import ServerTest
from test_http_security import raw

SOURCE = os.environ.get("HIRO_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
ASSETS = os.path.join(SOURCE, "src", "ui", "assets")
CHROME_ACCEPT = "gzip, deflate, br, zstd"
REF = re.compile(rb'(?:src|href)="(/assets/[^"]+)"')
IMPORT = re.compile(rb'''(?:import|from)\s*\(?\s*['"]\./([^'"]+)['"]''')


def wire_bytes(status, headers, body):
    """Status line, headers and body: a reload of 304s costs only the headers."""
    head = len(f"HTTP/1.1 {status} X\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in headers.items())
    return head + 2 + len(body)


class Assets(ServerTest):
    config = {"admin_ui_enabled": True}

    def setUp(self):
        super().setUp()
        self.ws.start_foreground()

    def get(self, path, **headers):
        return raw(self.ws.ui_port, "GET", path, {"Host": f"127.0.0.1:{self.ws.ui_port}", **headers})

    def crawl(self):
        """The page and every asset a cold load fetches, in discovery order."""
        todo, seen = ["/metrics"], []
        while todo:
            path = todo.pop(0)
            if path in seen:
                continue
            seen.append(path)
            status, _, body = self.get(path)
            self.assertEqual(status, 200, path)
            found = [m.decode() for m in REF.findall(body)]
            if path.endswith(".js"):
                found += ["/assets/" + m.decode() for m in IMPORT.findall(body)]
            todo += found
        return seen

    def test_every_file_has_a_strong_content_etag_and_a_matching_gzip_copy(self):
        paths = self.crawl()
        embedded = {"/assets/" + f for f in os.listdir(ASSETS) if f != "index.html"}
        for path in sorted(set(paths) | embedded):
            status, h, plain = self.get(path)
            self.assertEqual(status, 200, path)
            etag = h["etag"]
            self.assertRegex(etag, r'^"[0-9a-f]{24}"$', path)  # strong: no W/
            self.assertEqual(etag.strip('"'), hashlib.sha256(plain).hexdigest()[:24], path)
            self.assertEqual(h["cache-control"], "no-cache", path)
            self.assertEqual(h.get("x-content-type-options"), "nosniff", path)
            self.assertNotIn("content-encoding", h, path)

            status, hz, body = self.get(path, **{"Accept-Encoding": CHROME_ACCEPT})
            self.assertEqual(status, 200, path)
            if "content-encoding" in hz:  # tiny files are not worth it
                self.assertEqual(hz["content-encoding"], "gzip", path)
                self.assertEqual(gzip.decompress(body), plain, path)
                self.assertLess(len(body), len(plain), path)
                self.assertNotEqual(hz["etag"], etag, path)  # two representations
                self.assertEqual(h["vary"], "Accept-Encoding", path)
                self.assertEqual(hz["vary"], "Accept-Encoding", path)
            else:
                self.assertLess(len(plain), 1024, f"{path} is large but has no gzip copy")

            for tag, enc in ((etag, None), (hz["etag"], CHROME_ACCEPT)):
                extra = {"If-None-Match": tag}
                if enc:
                    extra["Accept-Encoding"] = enc
                status, h304, body304 = self.get(path, **extra)
                self.assertEqual(status, 304, f"{path} If-None-Match {tag}")
                self.assertEqual(body304, b"")
                self.assertEqual(h304["etag"], tag)
            status, _, _ = self.get(path, **{"If-None-Match": '"0000"'})
            self.assertEqual(status, 200)
            status, hh, body = raw(self.ws.ui_port, "HEAD", path,
                                   {"Host": f"127.0.0.1:{self.ws.ui_port}"})
            self.assertEqual((status, body, hh["etag"]), (200, b"", etag), path)

    def test_bytes_per_cold_load_and_reload(self):
        paths = self.crawl()
        self.assertIn("/assets/app.js", paths)
        self.assertIn("/assets/echarts.min.js", paths)
        plain = gz = reload_ = 0
        for path in paths:
            plain += wire_bytes(*self.get(path))
            status, h, body = self.get(path, **{"Accept-Encoding": CHROME_ACCEPT})
            gz += wire_bytes(status, h, body)
            status, h304, body304 = self.get(path, **{"Accept-Encoding": CHROME_ACCEPT,
                                                      "If-None-Match": h["etag"]})
            self.assertEqual(status, 304, path)
            reload_ += wire_bytes(status, h304, body304)
        print(f"\nFIGURES dashboard cold load: {len(paths)} requests, {plain} bytes identity, "
              f"{gz} bytes gzip ({100 * gz / plain:.0f} %); reload: {reload_} bytes (all 304)")
        self.assertLess(gz, plain * 0.4)  # gzip -9 of minified JS and HTML: ~3x
        self.assertLess(reload_, 600 * len(paths))  # headers only

    def test_page_needs_nothing_from_outside(self):
        for path in self.crawl():
            _, _, body = self.get(path)
            if path.endswith((".html", ".css")) or path == "/metrics":
                self.assertNotRegex(body, rb'(?:src|href)="(?:https?:)?//', path)
                self.assertNotRegex(body, rb'url\((?:["\']?)(?:https?:)?//', path)
            if path.endswith(".js") and "echarts" not in path:
                self.assertNotRegex(body, rb'''(?:import|from|fetch)\s*\(?\s*['"`]https?://''',
                                    path)


if __name__ == "__main__":
    unittest.main()
