"""test_prometheus - GET /metrics/prometheus against a real server: promtool
accepts the exposition, families are whole and label values escaped, 503 with a
text body while disabled, the token rule on loopback, and a real Prometheus
server scrapes the endpoint and answers PromQL through its HTTP API."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from hirotest import DEMO, HIROCLI, PROMETHEUS, Workspace, start_prometheus, wait_for

PROMTOOL = "/usr/bin/promtool"
MISSING = "not installed; scripts/deps.sh --test installs the Debian package 'prometheus'"
WEIRD = 'we"ird\\name'              # a plugin name with a quote and a backslash
WEIRD_ESCAPED = 'we\\"ird\\\\name'  # how it must appear in a label value
TOKEN = "prom-s3cret-token"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$')


def families(text):
    """Parse the exposition into {name: (type, [(labels, value)])}; fails on a
    sample outside its family, a family declared twice or split in two."""
    out, current = {}, None
    for line in text.splitlines():
        if line.startswith("# HELP "):
            current = line.split()[2]
            assert current not in out, f"family {current} declared twice"
            out[current] = [None, []]
        elif line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            assert name == current, f"TYPE {name} without its HELP"
            out[name][0] = kind
        else:
            m = SAMPLE.match(line)
            assert m, f"not a sample line: {line!r}"
            # A summary's _sum and _count samples belong to its family.
            own = (current, current + "_sum", current + "_count") \
                if out.get(current, [None])[0] == "summary" else (current,)
            assert m.group(1) in own, f"{m.group(1)} outside its family ({current})"
            out[current][1].append((m.group(2) or "", m.group(3)))
    return out


def scraped(ws, marker=b""):
    """The exposition body once the endpoint answers 200 with marker in it, else False."""
    r = ws.get("/metrics/prometheus")
    return r.status == 200 and marker in r.body and r.body


def promtool_check(text):
    p = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=30)
    return p.returncode, (p.stdout + p.stderr).strip()


class Exposition(unittest.TestCase):
    """One server for the class: metrics on, interval 1 s, persistence on, an
    api_token, a running plugin with an awkward name and one that exited."""

    @classmethod
    def setUpClass(cls):
        cls.ws = Workspace({"metrics_enabled": True, "metrics_interval": 1.0, "api_token": TOKEN,
                            "channels": [{"name": WEIRD, "command": [DEMO]},
                                         {"name": "gone", "command": ["/bin/true"],
                                          "restart": False}]})
        cls.addClassCleanup(cls.ws.close)
        cls.proc = cls.ws.start_foreground()

        def ready():
            r = cls.ws.get("/metrics/prometheus")
            text = r.body.decode()
            done = (r.status == 200 and f'hiro_process_alive{{process="{WEIRD_ESCAPED}"' in text
                    and re.search(r'hiro_process_alive\{process="gone",pid="\d+"\} 0', text))
            return done and (r, text)
        cls.resp, cls.text = wait_for(ready, 15, 0.1, "both plugins in the exposition")

    def test_content_type_and_promtool(self):
        self.assertEqual(self.resp.headers["Content-Type"],
                         "text/plain; version=0.0.4; charset=utf-8")
        if not os.access(PROMTOOL, os.X_OK):
            self.skipTest(f"{PROMTOOL} {MISSING}")
        rc, out = promtool_check(self.text)
        self.assertEqual(rc, 0, f"promtool check metrics:\n{out}\n--- exposition:\n{self.text}")
        self.assertEqual(out, "", "promtool has lint remarks")

    def test_families_whole_named_and_typed(self):
        fams = families(self.text)
        for name, (kind, samples) in fams.items():
            # Summaries: the plugins' application timers (docs/app-metrics.md).
            self.assertIn(kind, ("counter", "gauge", "summary"), name)
            self.assertEqual(kind == "counter", name.endswith("_total"), name)
            self.assertTrue(samples, f"{name} has no samples")
        for name in ("hiro_process_cpu_seconds_total", "hiro_process_resident_memory_bytes",
                     "hiro_process_virtual_memory_bytes", "hiro_process_threads",
                     "hiro_process_alive", "hiro_system_memory_total_bytes",
                     "hiro_disk_used_bytes", "hiro_disk_read_bytes_total",
                     "hiro_network_received_packets_total", "hiro_collector_ticks_total",
                     "hiro_collector_last_tick_cpu_seconds", "hiro_store_queue_depth",
                     "hiro_store_dropped_snapshots_total", "hiro_snapshot_timestamp_seconds"):
            self.assertIn(name, fams)

    def test_integral_values_print_as_integers(self):
        fams = families(self.text)
        for name in ("hiro_process_resident_memory_bytes", "hiro_process_threads",
                     "hiro_process_alive", "hiro_system_cpus", "hiro_collector_interval_seconds",
                     "hiro_collector_ticks_total"):
            for labels, value in fams[name][1]:
                self.assertRegex(value, r"^\d+$", f"{name}{labels}")

    def test_label_escaping_and_the_dead_plugin(self):
        pid = self.proc.pid
        self.assertIn(f'hiro_process_resident_memory_bytes{{process="server",pid="{pid}"}} ',
                      self.text)
        self.assertRegex(self.text, r'hiro_process_cpu_seconds_total\{process="'
                         + re.escape(WEIRD_ESCAPED) + r'",pid="\d+"\} \d')
        self.assertNotIn(f'process="{WEIRD}"', self.text)  # the raw, unescaped form
        # An exited plugin is only alive=0 (plus its lifecycle: restarts and
        # last exit code): no stale zeros in gauges or counters. (The tick
        # right after the exit also carries its exact final CPU counter.)
        time.sleep(2.5)
        text = self.ws.get("/metrics/prometheus").body.decode()
        gone = [line for line in text.splitlines() if 'process="gone"' in line]
        states = ("hiro_process_alive{", "hiro_process_restarts_total{",
                  "hiro_process_last_exit_code{")
        self.assertEqual([g for g in gone if not g.startswith(states)], [], gone)
        self.assertTrue(any(g.startswith("hiro_process_alive{") and g.endswith(" 0")
                            for g in gone), gone)

    def test_token_rule_on_loopback(self):
        # On loopback reads stay open even with a token; a scrape with the token
        # is accepted too. Non-loopback hosts need it for every endpoint
        # (test_api covers that such a host cannot start without a token).
        self.assertEqual(self.ws.get("/metrics/prometheus").status, 200)
        self.assertEqual(self.ws.get("/metrics/prometheus", headers=BEARER).status, 200)
        self.assertEqual(self.ws.post("/metrics/configure", {"interval": 1}).status, 401)
        self.assertNotIn(TOKEN, self.ws.get("/metrics/prometheus").body.decode())

    def test_real_prometheus_scrapes_and_answers_promql(self):
        if not os.access(PROMETHEUS, os.X_OK):
            self.skipTest(f"{PROMETHEUS} {MISSING}")
        tmp = tempfile.mkdtemp(prefix="hiro-prom-")
        self.addCleanup(shutil.rmtree, tmp, True)
        token_file = os.path.join(tmp, "token")
        with open(token_file, "w") as f:
            f.write(TOKEN)
        config = os.path.join(tmp, "prometheus.yml")
        with open(config, "w") as f:  # the scrape config docs/prometheus.md shows
            f.write(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: hirocli
    metrics_path: /metrics/prometheus
    authorization:
      credentials_file: {token_file}
    static_configs:
      - targets: ["127.0.0.1:{self.ws.port}"]
        labels: {{workspace: "test-ws"}}
""")
        p = subprocess.run([PROMTOOL, "check", "config", config], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

        with open(config) as f:
            query = start_prometheus(self, f.read())

        rate_q = 'rate(hiro_process_cpu_seconds_total{process="server"}[5s])'
        rss_q = 'hiro_process_resident_memory_bytes{process="server"}'
        rate = wait_for(lambda: query(rate_q), 40, 0.5, f"prometheus to answer {rate_q}")
        rss = wait_for(lambda: query(rss_q), 5, 0.5, f"prometheus to answer {rss_q}")
        json_rss = self.ws.get("/metrics").json()["process"]["rss_bytes"]
        print(f"\n  {rss_q} = {rss[0]['value'][1]} (JSON rss_bytes {json_rss})"
              f"\n  {rate_q} = {rate[0]['value'][1]}", file=sys.stderr)

        self.assertEqual(len(rss), 1, rss)
        labels = rss[0]["metric"]
        self.assertEqual((labels["pid"], labels["workspace"], labels["job"]),
                         (str(self.proc.pid), "test-ws", "hirocli"))
        rss_value = float(rss[0]["value"][1])
        self.assertGreater(rss_value, 0)
        self.assertTrue(0.5 < rss_value / json_rss < 2, (rss_value, json_rss))
        self.assertEqual(len(rate), 1, rate)
        self.assertGreaterEqual(float(rate[0]["value"][1]), 0.0)

        # Prometheus read the escaped label value back as the plugin's real name.
        alive = {r["metric"]["process"]: r["value"][1] for r in query("hiro_process_alive")}
        self.assertEqual(alive, {"server": "1", WEIRD: "1", "gone": "0"})


class Disabled(unittest.TestCase):
    def test_503_text_while_disabled_and_the_token_to_enable(self):
        ws = Workspace({"metrics_enabled": False, "metrics_interval": 1.0, "api_token": TOKEN})
        self.addCleanup(ws.close)
        ws.start_foreground()
        r = ws.get("/metrics/prometheus")
        self.assertEqual(r.status, 503)
        self.assertTrue(r.headers["Content-Type"].startswith("text/plain"), r.headers)
        self.assertIn("disabled", r.body.decode())
        self.assertNotIn("{", r.body.decode())  # text for a person, not a JSON error

        self.assertEqual(ws.post("/metrics/configure", {"enabled": True}).status, 401)
        self.assertEqual(ws.post("/metrics/configure", {"enabled": True}, headers=BEARER).status,
                         200)
        body = wait_for(lambda: scraped(ws), 3, 0.05, "an exposition after enabling")
        self.assertIn(b'hiro_process_alive{process="server"', body)
        ws.post("/metrics/configure", {"enabled": False}, headers=BEARER)
        self.assertEqual(ws.get("/metrics/prometheus").status, 503)


class InvalidUtf8Name(unittest.TestCase):
    def test_invalid_bytes_become_replacement_characters(self):
        ws = Workspace()
        self.addCleanup(ws.close)
        with open(os.path.join(ws.dir, "config.json"), "wb") as f:
            f.write(b'{"http_port": %d, "admin_ui_port": %d, "metrics_enabled": true, '
                    b'"metrics_persist": false, "channels": [{"name": "bad\xffbyte pl\xc3\xbcgin", '
                    b'"command": ["/bin/sleep", "100"]}]}' % (ws.port, ws.ui_port))
        p = subprocess.Popen([HIROCLI, "--workspace", ws.dir, "start", "--foreground"], env=ws.env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        ws.procs.append(p)
        wait_for(lambda: ws.port_open() or p.poll() is not None, 15, what="server port")
        if p.poll() is not None:
            self.skipTest("the server refuses a plugin name that is not UTF-8; nothing to escape")
        body = wait_for(lambda: scraped(ws, b"byte pl"), 5, 0.05, "the plugin in the exposition")
        body.decode("utf-8")  # strict: raises on any invalid byte
        self.assertIn('process="bad\ufffdbyte pl\u00fcgin"', body.decode())
        if os.access(PROMTOOL, os.X_OK):
            rc, out = promtool_check(body.decode())
            self.assertEqual(rc, 0, out)


if __name__ == "__main__":
    unittest.main()
