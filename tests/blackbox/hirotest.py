"""hirotest - shared harness for black-box tests: real binaries, a temporary
workspace, free loopback ports, and cleanup of every process started."""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

BUILD = os.environ.get("HIRO_BUILD_DIR") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build")
HIROCLI = os.path.join(BUILD, "hirocli")
DEMO = os.path.join(BUILD, "hiro-channel-demo")
EXPORT = os.path.join(BUILD, "hiro-metrics-export")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(pred, timeout=10.0, step=0.05, what="condition"):
    """Poll pred() until it returns a truthy value; fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(step)


def pid_alive(pid):
    """True when pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def server_pid(ws):
    """The pid of the server running in workspace ws (0 when none)."""
    return ws.server_pid()


def stop_quietly(ws):
    """Cleanup for servers started in the background: stop, then make sure."""
    pid = ws.server_pid()
    if pid and pid_alive(pid):
        ws.cli("stop", timeout=30)
    if pid and pid_alive(pid):
        os.kill(pid, signal.SIGKILL)


def rss_kib(pid):
    """Resident memory of pid in KiB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


PROMETHEUS = "/usr/bin/prometheus"


def start_prometheus(test, config_yaml):
    """A real Prometheus server with config_yaml (its scrape configuration) on
    a free loopback port, stopped and removed at test cleanup. Returns
    query(promql): the result list of an instant query, or a falsy value
    while Prometheus is not answering yet."""
    import shutil
    import tempfile
    import urllib.parse
    tmp = tempfile.mkdtemp(prefix="hiro-prom-")
    test.addCleanup(shutil.rmtree, tmp, True)
    config = os.path.join(tmp, "prometheus.yml")
    with open(config, "w") as f:
        f.write(config_yaml)
    port = free_port()
    log = open(os.path.join(tmp, "prometheus.log"), "w+")
    test.addCleanup(log.close)
    prom = subprocess.Popen([PROMETHEUS, f"--config.file={config}",
                             f"--storage.tsdb.path={tmp}/data",
                             f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=log, stderr=subprocess.STDOUT)

    def stop():
        if prom.poll() is None:
            prom.send_signal(signal.SIGTERM)
            try:
                prom.wait(15)
            except subprocess.TimeoutExpired:
                prom.kill()
                prom.wait()
    test.addCleanup(stop)

    def query(promql):
        url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        try:
            r = http("GET", url, timeout=5)
        except OSError:
            return []  # not listening yet
        if prom.poll() is not None:
            log.seek(0)
            raise AssertionError(f"prometheus exited {prom.returncode}:\n{log.read()}")
        return r.status == 200 and r.json()["data"]["result"]
    return query


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)


def http(method, url, body=None, headers=None, timeout=10):
    data = body if isinstance(body, (bytes, type(None))) else (
        body.encode() if isinstance(body, str) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None and "Content-Type" not in (headers or {}):
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, dict(r.headers), r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, dict(e.headers), e.read())


class Workspace:
    """A temporary workspace with its config.json and helpers to run hirocli."""

    def __init__(self, config=None):
        self.dir = tempfile.mkdtemp(prefix="hiro-test-")
        self.port = free_port()
        self.ui_port = free_port()
        self.procs = []
        # Commit every snapshot at once: most tests watch writes happen.
        # Group commit (the default) is tested where it matters: test_storage
        # and test_reliability_crash set metrics_flush_interval themselves.
        base = {"http_port": self.port, "admin_ui_port": self.ui_port,
                "metrics_flush_interval": 0}
        if config is not None:
            base.update(config)
        self.write_config(base)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def write_config(self, cfg):
        with open(os.path.join(self.dir, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)

    def read_config(self):
        with open(os.path.join(self.dir, "config.json")) as f:
            return json.load(f)

    def env(self, extra=None):
        env = dict(os.environ)
        env.pop("HIRO_METRICS", None)
        env.pop("HIRO_ADMIN_UI", None)
        env["HIRO_WORKSPACE"] = self.dir
        env.update(extra or {})
        return env

    def cli(self, *args, env=None, timeout=60, check=False):
        """Run hirocli with this workspace; returns CompletedProcess (text)."""
        p = subprocess.run([HIROCLI, "--workspace", self.dir, *args], env=self.env(env),
                           capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise AssertionError(f"hirocli {' '.join(args)} failed ({p.returncode}):\n"
                                 f"{p.stdout}\n{p.stderr}")
        return p

    def start(self, *args, env=None):
        """hirocli start (background); returns the CompletedProcess."""
        return self.cli("start", *args, env=env, check=True)

    def start_foreground(self, *args, env=None):
        """hirocli start --foreground as a child process; waits for the port."""
        p = subprocess.Popen([HIROCLI, "--workspace", self.dir, "start", "--foreground", *args],
                             env=self.env(env), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.procs.append(p)
        wait_for(lambda: self.port_open() or p.poll() is not None, 15, what="server port")
        # The admin UI listener opens just after the REST one.
        if p.poll() is None and self.admin_ui_expected(args, env):
            wait_for(lambda: self.port_open(self.ui_port) or p.poll() is not None, 15,
                     what="admin UI port")
        if p.poll() is not None:
            out, err = p.communicate()
            raise AssertionError(f"server exited {p.returncode}: {err.decode()}")
        return p

    def admin_ui_expected(self, args, env):
        if "--admin-ui" in args or (env or {}).get("HIRO_ADMIN_UI") == "1":
            return True
        try:
            cfg = self.read_config()
        except (OSError, ValueError):
            return False
        return isinstance(cfg, dict) and cfg.get("admin_ui_enabled") is True and \
            "--admin-ui-port" not in args

    def port_open(self, port=None):
        with socket.socket() as s:
            s.settimeout(0.2)
            return s.connect_ex(("127.0.0.1", port or self.port)) == 0

    def get(self, path, **kw):
        return http("GET", self.url + path, **kw)

    def post(self, path, body=None, **kw):
        return http("POST", self.url + path, body=body, **kw)

    def server_pid(self):
        try:
            with open(os.path.join(self.dir, "server.pid")) as f:
                return int(f.readline().strip() or 0)  # line 2 is "port N"
        except (FileNotFoundError, ValueError):
            return 0

    def log(self):
        try:
            with open(os.path.join(self.dir, "server.log")) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def close(self):
        pid = self.server_pid()
        if pid and pid_alive(pid):
            self.cli("stop", timeout=30)
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            for stream in (p.stdout, p.stderr):
                if stream:
                    stream.close()
        pid = self.server_pid()
        if pid and pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


class ServerTest(unittest.TestCase):
    """Base class: self.ws is a fresh Workspace, closed after each test."""
    config = None

    def setUp(self):
        self.ws = Workspace(self.config)
        self.addCleanup(self.ws.close)
