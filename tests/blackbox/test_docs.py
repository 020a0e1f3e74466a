"""test_docs - README.md and docs/*.md as a new user meets them (issue 18,
points 1-3): scripts/demo.sh on free ports prints the URLs it really uses;
every shell example (hirocli, curl, sqlite3, head, python3, echo) runs as
written against that quick-start workspace with its output shaped as shown;
the Python csv examples run on the CSV the docs export; the scrape config
passes promtool and every PromQL query is answered by a real Prometheus
scraping the workspace; the README's CLI synopsis is the programs' usage."""
import glob
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

from hirotest import BUILD, Workspace, free_port, http, pid_alive, wait_for

SOURCE = os.environ.get("HIRO_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
DOCS = [os.path.join(SOURCE, "README.md")] + sorted(glob.glob(os.path.join(SOURCE, "docs", "*.md")))
# Shell examples starting with these are run; others (builds, benchmarks,
# package installs, systemctl) are instructions for a machine, listed below.
RUN = ("hirocli", "build/hirocli", "curl", "sqlite3", "head", "python3", "hiro-metrics-export",
       "echo")
PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"
BUILD = os.path.abspath(BUILD)


def fenced_blocks(path):
    """(language, lines, line number) of every ``` block, list indentation removed."""
    out, lang, lines, indent, start = [], None, [], 0, 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f.read().split("\n"), 1):
            stripped = line.lstrip(" ")
            if lang is None and stripped.startswith("```"):
                lang, lines, indent, start = stripped[3:].strip(), [], len(line) - len(stripped), number
            elif lang is not None and stripped.startswith("```") and not stripped[3:].strip():
                out.append((lang, lines, start))
                lang = None
            elif lang is not None:
                lines.append(line[indent:] if line[:indent].strip() == "" else line)
    return out


def complete(command):
    """Whether a shell command's quotes are closed (else it continues)."""
    try:
        shlex.split(command)
        return not command.endswith("\\")
    except ValueError:
        return False


def console_commands(lines):
    """[(command, expected output lines)] of a console block."""
    out, i = [], 0
    while i < len(lines):
        if not lines[i].startswith("$ "):
            i += 1
            continue
        command = lines[i][2:]
        i += 1
        while not complete(command) and i < len(lines):
            command += "\n" + lines[i]
            i += 1
        expected = []
        while i < len(lines) and not lines[i].startswith("$ "):
            expected.append(lines[i])
            i += 1
        while expected and not expected[-1].strip():
            expected.pop()
        out.append((command, expected))
    return out


def promql_expressions(lang, lines):
    """PromQL queries of a ```promql block (split at blank lines, comment lines
    dropped) or the "$ query" lines of an output block."""
    if lang != "promql":
        return [line[2:] for line in lines if line.startswith("$ ")
                and not line[2:].split(" ")[0] in RUN and ("hiro_" in line or line == "$ up")]
    exprs, current = [], []
    for line in lines + [""]:
        if not line.strip():
            if current:
                exprs.append("\n".join(current))
            current = []
        elif current or not line.lstrip().startswith("#"):
            current.append(line)
    return exprs


def json_shape_ok(doc, actual, where="$"):
    """Every key the docs show exists in the real answer (recursively)."""
    if isinstance(doc, dict):
        if not isinstance(actual, dict):
            return f"{where}: object in the docs, {type(actual).__name__} in reality"
        for key, value in doc.items():
            if key not in actual:
                return f"{where}.{key}: shown in the docs, missing in the answer"
            problem = json_shape_ok(value, actual[key], f"{where}.{key}")
            if problem:
                return problem
    elif isinstance(doc, list) and doc:
        if not isinstance(actual, list) or not actual:
            return f"{where}: a non-empty list in the docs, {actual!r:.60} in reality"
        return json_shape_ok(doc[0], actual[0], f"{where}[0]")
    return None


class Docs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="hiro-docs-")
        cls.port, cls.ui_port = free_port(), free_port()
        cls.demo = os.path.join(cls.scratch, ".hiro-demo")
        cls.other = os.path.join(cls.scratch, "ws")
        os.makedirs(cls.other)
        with open(os.path.join(cls.other, "config.json"), "w") as f:
            json.dump({"http_port": free_port(), "admin_ui_port": free_port()}, f)
        os.symlink(BUILD, os.path.join(cls.scratch, "build"))
        cls.env = dict(os.environ, PATH=BUILD + ":" + os.environ.get("PATH", ""),
                       HIRO_WORKSPACE=cls.demo, LANG="C.UTF-8", HIRO_BUILD_DIR=BUILD)
        for var in ("HIRO_METRICS", "HIRO_ADMIN_UI"):
            cls.env.pop(var, None)
        cls.demo_out = cls.run_demo("--port", str(cls.port), "--admin-ui-port", str(cls.ui_port))
        # Enough history for the examples (a minute of CSV, a few rollup-free reads).
        wait_for(lambda: http("GET", f"http://127.0.0.1:{cls.port}/metrics/status")
                 .json()["history_count"] >= 8, 30, 0.2, "eight snapshots in the demo")
        cls.generated_db = os.path.join(cls.scratch, "metrics.db")
        bench = os.path.join(BUILD, "bench_export")
        if os.access(bench, os.X_OK):  # the 3-day database the storage examples query
            subprocess.run([bench, "--generate", cls.generated_db, "--days", "3", "--plugins", "3"],
                           capture_output=True, timeout=300, check=True)
        cls.not_run = []

    @classmethod
    def run_demo(cls, *args):
        p = subprocess.run(["bash", os.path.join(SOURCE, "scripts", "demo.sh"), "--no-build",
                            "--workspace", cls.demo, *args], capture_output=True, text=True,
                           env=cls.env, timeout=120)
        if p.returncode != 0:
            raise AssertionError(f"demo.sh failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
        return p.stdout

    @classmethod
    def tearDownClass(cls):
        for ws in (cls.demo, cls.other):
            subprocess.run([os.path.join(BUILD, "hirocli"), "--workspace", ws, "stop"],
                           capture_output=True, timeout=60)
        if cls.not_run:
            print("\n  not run (instructions for a machine): " + "; ".join(sorted(set(cls.not_run))),
                  file=sys.stderr)
        shutil.rmtree(cls.scratch, ignore_errors=True)

    # --- point 1: scripts/demo.sh ---

    def test_demo_prints_the_ports_it_uses(self):
        out = self.demo_out
        self.assertIn(f"hirocli server running at http://127.0.0.1:{self.port} ", out)
        self.assertIn(f"admin UI at http://127.0.0.1:{self.ui_port}/metrics", out)
        self.assertIn(f"dashboard:   http://127.0.0.1:{self.ui_port}/metrics", out)
        self.assertIn(f"curl -s http://127.0.0.1:{self.port}/metrics | python3 -m json.tool", out)
        self.assertNotIn("18080", out)
        self.assertNotIn("18081", out)
        url = re.search(r"curl -s (\S+) ", out).group(1)
        self.assertEqual(http("GET", url).status, 200)
        # A second run without ports keeps the workspace's (its config.json).
        again = self.run_demo()
        self.assertIn(f"running at http://127.0.0.1:{self.port} ", again)
        self.assertIn(f"dashboard:   http://127.0.0.1:{self.ui_port}/metrics", again)
        wait_for(lambda: http("GET", url).status == 200, 10, what="the demo again")

    # --- point 3: the synopsis ---

    def test_readme_synopsis_is_the_usage_text(self):
        p = subprocess.run([sys.executable, os.path.join(SOURCE, "packaging", "gen-man.py"),
                            "--synopsis", os.path.join(BUILD, "hirocli")],
                           capture_output=True, text=True, timeout=60, check=True)
        with open(DOCS[0], encoding="utf-8") as f:
            readme = f.read()
        section = readme.split("\n## The CLI\n", 1)[1]
        block = re.search(r"```\n(.*?)\n```", section, re.S).group(1)
        self.assertEqual(block, p.stdout.rstrip("\n"),
                         "README's CLI synopsis differs from --help; paste the output of "
                         "python3 packaging/gen-man.py --synopsis build/hirocli")
        self.assertNotIn("Config:", readme)  # the program prints "config:"
        # The exporter's synopsis, in README.md and docs/export.md.
        p = subprocess.run([sys.executable, os.path.join(SOURCE, "packaging", "gen-man.py"),
                            "--synopsis", os.path.join(BUILD, "hiro-metrics-export")],
                           capture_output=True, text=True, timeout=60, check=True)
        for path in (DOCS[0], os.path.join(SOURCE, "docs", "export.md")):
            with open(path, encoding="utf-8") as f:
                self.assertTrue("```\n" + p.stdout in f.read(),
                                f"{path}: the hiro-metrics-export synopsis differs from its "
                                f"--help; it is:\n{p.stdout}")
        metrics_help = subprocess.run([os.path.join(BUILD, "hirocli"), "metrics", "--help"],
                                      capture_output=True, text=True).stdout
        self.assertIn("export reads the workspace's database directly and needs no server",
                      metrics_help)

    # --- point 2: every example ---

    def substitute(self, text):
        """The docs' workspace paths and ports -> this run's (one pass)."""
        table = {"/work/main/.hiro-demo": self.demo, "/work/main/build": BUILD,
                 ".hiro-demo": self.demo, "/tmp/ws": self.other,
                 "18080": str(self.port), "18081": str(self.ui_port)}
        pattern = "|".join(re.escape(k) for k in sorted(table, key=len, reverse=True))
        return re.sub(pattern, lambda m: table[m.group(0)], text)

    def normalize(self, line):
        for a, b in ((self.demo, "<WS>"), (self.other, "<WS2>"), (BUILD, "<BUILD>"),
                     (os.path.join(self.scratch, "build"), "<BUILD>"), (self.scratch, "<TMP>")):
            line = line.replace(a, b)
        line = re.sub(r"(?<![\w-])\d+(\.\d+)?", "N", line)
        line = re.sub(r"\b[KMGT]?i?B\b", "U", line)
        return " ".join(line.split())

    def restore_demo(self):
        subprocess.run(["hirocli", "--workspace", self.demo, "metrics", "configure", "--enable",
                        "--interval", "1"], env=self.env, capture_output=True, timeout=30)

    def run_shell(self, cmd):
        p = subprocess.run(["bash", "-c", cmd + " 2>&1"], cwd=self.scratch, env=self.env,
                           capture_output=True, text=True, timeout=120)
        actual = [line.rstrip("\r") for line in p.stdout.split("\n")]
        while actual and not actual[-1].strip():
            actual.pop()
        return p, actual

    def check_command(self, command, expected):
        cmd = self.substitute(command)
        p, actual = self.run_shell(cmd)
        # A query of the demo's 1-minute tier has rows once a minute has closed.
        deadline = time.monotonic() + 90
        while (cmd.startswith("sqlite3") and self.demo in cmd and expected and not actual
               and p.returncode == 0 and time.monotonic() < deadline):
            time.sleep(2)
            p, actual = self.run_shell(cmd)
        if "configure" in cmd:
            self.restore_demo()
        expected = [self.substitute(line) for line in expected]
        if expected and expected[0].startswith("hirocli: ") and "warning" not in expected[0]:
            self.assertNotEqual(p.returncode, 0, f"{cmd}: expected to fail, as documented")
        else:
            self.assertEqual(p.returncode, 0, f"{cmd} failed:\n{p.stdout}")
        if not expected:
            return
        self.assertTrue(actual, f"{cmd}: no output; the docs show {expected[0]!r}")
        doc_json = None
        for text in ("\n".join(expected),  # as shown, or with its "..." elisions taken out
                     re.sub(r",\s*\.\.\.", "", "\n".join(expected)).replace("...", "")):
            try:
                doc_json = json.loads(text)
                break
            except ValueError:
                pass
        if doc_json is not None:
            problem = json_shape_ok(doc_json, json.loads("\n".join(actual)))
            self.assertIsNone(problem, f"{cmd}: {problem}")
        elif "..." in expected[0]:
            head = self.normalize(expected[0].split("...")[0])
            self.assertTrue(self.normalize(actual[0]).startswith(head),
                            f"{cmd}:\n  docs:    {expected[0]}\n  program: {actual[0]}")
        else:
            self.assertEqual(self.normalize(actual[0]), self.normalize(expected[0]),
                             f"{cmd}:\n  docs:    {expected[0]}\n  program: {actual[0]}")

    def check_plugin_python(self, code):
        """A snippet that runs inside a plugin (it reads HIRO_* variables the
        server sets): run as a channel plugin; the server must attribute its
        application metrics to it."""
        script = os.path.join(self.scratch, f"plugin_{abs(hash(code))}.py")
        with open(script, "w") as f:
            f.write(code)
        ws = Workspace({"metrics_enabled": True, "metrics_interval": 1, "channels": [
            {"name": "snippet", "command": [sys.executable, script], "restart": False}]})
        try:
            ws.start()

            def published():
                r = ws.get("/metrics")
                if r.status != 200:
                    return None
                kids = [c for c in r.json()["children"] if c["name"] == "snippet"]
                return kids and kids[0].get("app")
            wait_for(published, 15, 0.2, "the snippet's application metrics")
        finally:
            ws.close()

    def check_python(self, code, expected):
        if "HIRO_STATSD_SOCKET" in code or "HIRO_PLUGIN_NAME" in code:
            return self.check_plugin_python(code)
        if re.search(r"^\s*import pandas", code, re.M):
            try:
                import pandas  # noqa: F401
            except ImportError:
                self.not_run.append("a pandas example (pandas is not installed)")
                return
        p = subprocess.run([sys.executable, "-c", code], cwd=self.scratch, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, f"python example failed:\n{code}\n{p.stderr}")
        if expected:
            first = p.stdout.split("\n")[0]
            self.assertEqual(self.normalize(first), self.normalize(expected[0]),
                             f"python example:\n  docs:    {expected[0]}\n  program: {first}")

    def run_document(self, path):
        ran = 0
        blocks = fenced_blocks(path)
        for index, (lang, lines, line_no) in enumerate(blocks):
            where = f"{os.path.basename(path)}:{line_no}"
            if lang == "console":
                for command, expected in console_commands(lines):
                    if command.split()[0] not in RUN:
                        self.not_run.append(command.split("\n")[0])
                        continue
                    if "sqlite3" in command.split()[0] and not os.path.exists(self.generated_db):
                        self.not_run.append("sqlite3 examples (bench_export not built)")
                        continue
                    with self.subTest(where=where, command=command.split("\n")[0][:70]):
                        self.check_command(command, expected)
                        ran += 1
            elif lang == "python":
                follows = blocks[index + 1] if index + 1 < len(blocks) else None
                output = follows[1] if follows and follows[0] == "" and \
                    follows[2] - (line_no + len(lines) + 1) <= 2 else []
                with self.subTest(where=where, python=lines[0][:40] if lines else ""):
                    self.check_python("\n".join(lines), output)
                    ran += 1
        return ran

    def test_every_example_runs_as_written(self):
        total = 0
        for path in DOCS:
            total += self.run_document(path)
        # The README alone has more than 20; an extractor that finds nothing must fail.
        self.assertGreaterEqual(total, 25)

    # --- Prometheus: the scrape config and every query ---

    @unittest.skipUnless(os.access(PROMETHEUS, os.X_OK) and os.access(PROMTOOL, os.X_OK),
                         "prometheus not installed (scripts/deps.sh --test)")
    def test_scrape_config_and_promql(self):
        token = os.path.join(self.scratch, "hirocli.token")
        with open(token, "w") as f:
            f.write("not-needed-on-loopback\n")
        configs, queries = [], []
        for path in DOCS:
            for lang, lines, line_no in fenced_blocks(path):
                if lang == "yaml" and any("scrape_configs" in line for line in lines):
                    configs.append((path, "\n".join(lines)))
                queries += [(path, q) for q in promql_expressions(lang, lines)]
        self.assertGreaterEqual(len(configs), 2)
        self.assertGreaterEqual(len(queries), 10)
        for path, text in configs:
            text = text.replace("/etc/prometheus/hirocli.token", token)
            config = os.path.join(self.scratch, "check.yml")
            with open(config, "w") as f:
                f.write(text)
            p = subprocess.run([PROMTOOL, "check", "config", config], capture_output=True,
                               text=True, timeout=60)
            self.assertEqual(p.returncode, 0, f"{path}: {p.stdout}{p.stderr}")
        # The README's config, pointed at the demo and scraping every second.
        text = configs[0][1].replace("/etc/prometheus/hirocli.token", token)
        text = re.sub(r'targets: \["build-01\.example\.net:18080"\]',
                      f'targets: ["127.0.0.1:{self.port}"]', text, count=1)
        text = re.sub(r'(?m)^(\s+)- targets: \["build-0[12][^\n]*\n\s+labels:[^\n]*\n', "", text)
        text = re.sub(r"scrape_interval: \d+s", "scrape_interval: 1s", text)
        text = "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n" + text
        config = os.path.join(self.scratch, "prometheus.yml")
        with open(config, "w") as f:
            f.write(text)
        self.assertIn(f"127.0.0.1:{self.port}", text)
        port = free_port()
        log = open(os.path.join(self.scratch, "prometheus.log"), "w+")
        self.addCleanup(log.close)
        prom = subprocess.Popen([PROMETHEUS, f"--config.file={config}",
                                 f"--storage.tsdb.path={self.scratch}/prom",
                                 f"--web.listen-address=127.0.0.1:{port}"],
                                stdout=log, stderr=subprocess.STDOUT)

        def stop():
            prom.send_signal(signal.SIGTERM)
            try:
                prom.wait(15)
            except subprocess.TimeoutExpired:
                prom.kill()
                prom.wait()
        self.addCleanup(stop)

        def query(q):
            url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": q})
            try:
                return http("GET", url, timeout=10)
            except OSError:
                return None

        def scraped():
            r = query('count_over_time(up{job="hirocli"}[1m])')
            return r and r.status == 200 and r.json()["data"]["result"] and \
                float(r.json()["data"]["result"][0]["value"][1]) >= 5
        wait_for(scraped, 60, 0.5, "five scrapes of the demo")
        exposition = http("GET", f"http://127.0.0.1:{self.port}/metrics/prometheus").body.decode()
        for path, q in queries:
            with self.subTest(where=os.path.basename(path), query=q[:70]):
                for name in set(re.findall(r"\bhiro_[a-z_]+\b", q)):
                    self.assertIn(f"\n{name}", "\n" + exposition, f"{name} is not exposed")
                r = query(q)
                self.assertIsNotNone(r)
                self.assertEqual(r.status, 200, r.body[:300])
                self.assertEqual(r.json()["status"], "success")


if __name__ == "__main__":
    unittest.main()
