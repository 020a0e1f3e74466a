"""test_events_agree.py - one plugin's lifecycle told four ways: REST
(/metrics/events), the CLI (hirocli metrics events), the CSV exporter
(--table events, after the server recorded them) and Prometheus
(hiro_process_restarts_total, hiro_process_last_exit_code) agree."""
import csv
import io
import json
import os
import subprocess
import time
import unittest

import hirotest
from hirotest import EXPORT, wait_for


class EventsAgree(hirotest.ServerTest):
    config = {"metrics_enabled": True, "metrics_interval": 1.0,
              "channels": [{"name": "flaky", "command": ["/bin/sh", "-c", "sleep 0.5; exit 3"],
                            "restart": True}]}

    def events(self, query):
        return self.ws.get("/metrics/events?" + query).json()

    def prometheus(self):
        out = {}
        for line in self.ws.get("/metrics/prometheus").body.decode().splitlines():
            if line.startswith(("hiro_process_restarts_total{process=\"flaky\"",
                                "hiro_process_last_exit_code{process=\"flaky\"",
                                "hiro_snapshot_timestamp_seconds ")):
                out[line.split("{")[0].split()[0]] = float(line.split()[-1])
        return out

    def test_rest_cli_csv_and_prometheus_agree(self):
        self.ws.start()
        wait_for(lambda: len(self.events("process=flaky&kind=plugin_exited")) >= 2, 30, 0.2,
                 "two exits of the flaky plugin")
        # Prometheus describes the latest snapshot: compare everything up to
        # its timestamp, when it already counts a restart.
        prom = wait_for(lambda: (lambda p: p.get("hiro_process_restarts_total", 0) >= 1 and p)(
            self.prometheus()), 15, 0.2, "a restart in the exposition")
        cutoff = prom["hiro_snapshot_timestamp_seconds"]
        rest = self.events(f"process=flaky&from=0&to={cutoff}")
        starts = [e for e in rest if e["kind"] == "plugin_started"]
        exits = [e for e in rest if e["kind"] == "plugin_exited"]
        self.assertEqual(prom["hiro_process_restarts_total"], len(starts) - 1, rest)
        self.assertEqual(prom["hiro_process_last_exit_code"], exits[-1]["exit_code"])
        self.assertEqual(exits[-1]["exit_code"], 3)

        cli = self.ws.cli("metrics", "events", "--process", "flaky", "--from", "0", "--to",
                          f"{cutoff:.3f}", "--json", check=True)
        self.assertEqual([(e["kind"], e["pid"]) for e in json.loads(cli.stdout)],
                         [(e["kind"], e["pid"]) for e in rest])
        text = self.ws.cli("metrics", "events", "--process", "flaky", "--from", "0", "--to",
                           f"{cutoff:.3f}", check=True).stdout
        self.assertEqual(sum(" plugin_exited " in line for line in text.splitlines()), len(exits))

        self.ws.cli("stop", check=True)
        p = subprocess.run([EXPORT, "--db", os.path.join(self.ws.dir, "metrics.db"), "--table",
                            "events", "--process", "flaky", "--to", f"{cutoff:.3f}"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        rows = list(csv.DictReader(io.StringIO(p.stdout)))
        self.assertEqual([(r["kind"], int(r["pid"] or 0)) for r in rows],
                         [(e["kind"], e["pid"] or 0) for e in rest])
        last_exit = [r for r in rows if r["kind"] == "plugin_exited"][-1]
        self.assertEqual(last_exit["exit_code"], "3")
        self.assertAlmostEqual(float(last_exit["cpu_seconds"]), exits[-1]["cpu_seconds"],
                               places=3)
        for r, e in zip(rows, rest):
            self.assertAlmostEqual(float(r["timestamp"]), e["timestamp"], places=3)

    def test_usage(self):
        db = os.path.join(self.ws.dir, "metrics.db")
        self.ws.start()
        self.ws.cli("stop", check=True)
        p = subprocess.run([EXPORT, "--db", db, "--table", "events", "--resolution", "1m"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 2)
        self.assertIn("not rolled up", p.stderr)
        p = subprocess.run([EXPORT, "--db", db, "--table", "events"], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        header = p.stdout.splitlines()[0].split(",")
        self.assertEqual(header[:5], ["time", "timestamp", "kind", "process", "pid"])
        self.assertIn("server_started", p.stdout)


if __name__ == "__main__":
    unittest.main()
