"""test_install - installing hirocli like a real service (issue 18, point
12): cmake --install into a staging prefix and with DESTDIR; the programs,
man pages (rendered without warnings), systemd units (systemd-analyze verify),
logrotate snippet, bash completion; then cpack -G DEB, the package inspected
with dpkg-deb (contents, dependencies, maintainer scripts), unpacked with
dpkg -x into a temporary root, and the unpacked programs run a workspace."""
import glob
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from hirotest import BUILD, Workspace, pid_alive, wait_for

SOURCE = os.environ.get("HIRO_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")

BUILD = os.path.abspath(BUILD)
PROGRAMS = ["hirocli", "hiro-metrics-export", "hiro-channel-demo"]


def read(path):
    with open(path) as f:
        return f.read()


def run(*cmd, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 300)
    p = subprocess.run(list(cmd), **kw)
    if p.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


class Install(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="hiro-install-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def check_tree(self, root, prefix, etc):
        """The files an install of prefix (under root) must hold."""
        for prog in PROGRAMS:
            path = f"{root}{prefix}/bin/{prog}"
            self.assertTrue(os.access(path, os.X_OK), path)
            page = f"{root}{prefix}/share/man/man1/{prog}.1"
            self.assertTrue(os.path.isfile(page), page)
            p = run("groff", "-man", "-Tutf8", "-ww", "-z", page)
            self.assertEqual(p.stderr, "", f"{page}: {p.stderr}")
        version = run(f"{root}{prefix}/bin/hirocli", "--version").stdout
        self.assertRegex(version, r"^hirocli \d+\.\d+\.\d+\n$")
        page = read(f"{root}{prefix}/share/man/man1/hirocli.1")
        for words in ("metrics top", "restart", "logs", "setup"):  # every command's help
            self.assertIn(f'.SS "hirocli {words}"', page)
        for unit in ("hirocli.service", "hirocli@.service"):
            text = read(f"{root}{prefix}/lib/systemd/system/{unit}")
            self.assertIn(f"ExecStart={prefix}/bin/hirocli --workspace /var/lib/hirocli/", text)
            self.assertIn("start --foreground", text)
            for setting in ("NoNewPrivileges=yes", "ProtectSystem=strict", "User=hirocli",
                            "KillMode=mixed", "StateDirectory=hirocli/"):
                self.assertIn(setting, text)
        self.assertIn("postrotate", read(f"{root}{etc}/logrotate.d/hirocli"))
        for name in ("hirocli", "hiro-metrics-export"):
            self.assertTrue(os.path.isfile(
                f"{root}{prefix}/share/bash-completion/completions/{name}"))

    def test_staging_prefix(self):
        stage = os.path.join(self.tmp, "stage")
        run("cmake", "--install", BUILD, "--prefix", stage)
        self.check_tree("", stage, stage + "/etc")
        # The unit is valid for systemd (it names the staged binary, which exists).
        if shutil.which("systemd-analyze"):
            env = dict(os.environ, MANPATH=f"{stage}/share/man")
            for unit in ("hirocli.service", "hirocli@main.service"):
                p = subprocess.run(["systemd-analyze", "verify",
                                    f"{stage}/lib/systemd/system/{unit}"], env=env,
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        # The completion, from the staged programs.
        completion = f"{stage}/share/bash-completion/completions/hirocli"
        script = (f'source {completion}; COMP_WORDS=(hirocli metrics ""); COMP_CWORD=2; _hirocli;'
                  ' echo "${COMPREPLY[*]}"; COMP_WORDS=(hirocli setup --no-m); COMP_CWORD=2;'
                  ' _hirocli; echo "${COMPREPLY[*]}"; COMP_WORDS=(hirocli metrics history --agg "");'
                  ' COMP_CWORD=4; _hirocli; echo "${COMPREPLY[*]}"')
        out = run("bash", "-c", script,
                  env=dict(os.environ, PATH=f"{stage}/bin:/usr/bin:/bin")).stdout.split("\n")
        commands = re.findall(r"(?m)^  (\w+) ", run(f"{stage}/bin/hirocli", "metrics", "--help")
                              .stdout.split("Commands:")[1].split("\n\n")[0])
        self.assertEqual(out[0].split(), commands)  # exactly what --help lists
        self.assertIn("top", commands)
        self.assertEqual(out[1], "--no-metrics")
        self.assertEqual(out[2], "avg min max")

    def test_destdir_usr_goes_to_etc(self):
        root = os.path.join(self.tmp, "root")
        run("cmake", "--install", BUILD, "--prefix", "/usr", env=dict(os.environ, DESTDIR=root))
        self.check_tree(root, "/usr", "/etc")
        self.assertFalse(os.path.exists(f"{root}/usr/etc"))

    @unittest.skipUnless(shutil.which("cpack") and shutil.which("dpkg-deb"), "cpack/dpkg-deb missing")
    def test_deb(self):
        out = os.path.join(self.tmp, "pkg")
        run("cpack", "-G", "DEB", "--config", os.path.join(BUILD, "CPackConfig.cmake"), "-B", out,
            cwd=self.tmp)
        debs = glob.glob(os.path.join(out, "hirocli_*.deb"))
        self.assertEqual(len(debs), 1, os.listdir(out))
        deb = debs[0]
        self.assertRegex(os.path.basename(deb), r"^hirocli_\d+\.\d+\.\d+_amd64\.deb$")
        files = {line.split()[-1].lstrip(".") for line in
                 run("dpkg-deb", "-c", deb).stdout.splitlines() if not line.endswith("/")}
        for path in [f"/usr/bin/{p}" for p in PROGRAMS] + \
                [f"/usr/share/man/man1/{p}.1" for p in PROGRAMS] + \
                ["/usr/lib/systemd/system/hirocli.service",
                 "/usr/lib/systemd/system/hirocli@.service", "/etc/logrotate.d/hirocli",
                 "/usr/share/bash-completion/completions/hirocli"]:
            self.assertIn(path, files)
        self.assertFalse([f for f in files if f.startswith("/usr/local")], files)
        info = run("dpkg-deb", "-I", deb).stdout
        depends = re.search(r"^ Depends: (.*)$", info, re.M).group(1)
        for lib in ("libsqlite3-0", "libmicrohttpd12", "libcjson1", "adduser"):
            self.assertIn(lib, depends)
        self.assertIn("postinst", info)
        self.assertEqual(run("dpkg-deb", "-f", deb, "Package").stdout.strip(), "hirocli")
        control = os.path.join(self.tmp, "control")
        run("dpkg-deb", "-e", deb, control)
        self.assertEqual(read(os.path.join(control, "conffiles")).split(),
                         ["/etc/logrotate.d/hirocli"])
        self.assertIn("adduser --system", read(os.path.join(control, "postinst")))
        run("sh", "-n", os.path.join(control, "postinst"))
        # apt would resolve its dependencies (simulated: nothing is installed).
        if shutil.which("apt-get"):
            p = subprocess.run(["apt-get", "-s", "install", deb], capture_output=True, text=True,
                               timeout=120)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertRegex(p.stdout, r"(?m)^Inst hirocli ")
        # Unpacked into a temporary root, the programs run a workspace.
        root = os.path.join(self.tmp, "root")
        run("dpkg", "-x", deb, root)
        hirocli = f"{root}/usr/bin/hirocli"
        ws = Workspace({"metrics_enabled": True, "metrics_interval": 1,
                        "channels": [{"name": "demo",
                                      "command": [f"{root}/usr/bin/hiro-channel-demo"]}]})
        self.addCleanup(ws.close)
        run(hirocli, "--workspace", ws.dir, "start")
        try:
            show = run(hirocli, "--workspace", ws.dir, "metrics", "show").stdout
            self.assertRegex(show, r"(?m)^demo\s+\d+\s+yes")
            wait_for(lambda: ws.get("/metrics/status").json()["persistence"]["written_snapshots"]
                     >= 1, 10, what="a written snapshot")
            csv = run(f"{root}/usr/bin/hiro-metrics-export", "--db", f"{ws.dir}/metrics.db").stdout
            self.assertTrue(csv.startswith("time,timestamp,samples,"), csv[:80])
        finally:
            run(hirocli, "--workspace", ws.dir, "stop")



@unittest.skipUnless(shutil.which("logrotate"), "logrotate not installed (scripts/deps.sh --test)")
class Logrotate(unittest.TestCase):
    """The shipped snippet, pointed at a temporary workspace: valid for
    logrotate, and a forced rotation leaves the server writing a new log."""

    def snippet_for(self, ws):
        text = read(os.path.join(SOURCE, "packaging", "logrotate", "hirocli"))
        text = text.replace("/var/lib/hirocli/*", ws.dir).replace("su hirocli hirocli", "su root root")
        path = os.path.join(ws.dir, "logrotate.conf")
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o644)
        return path

    def test_snippet_is_valid(self):
        ws = Workspace()
        self.addCleanup(ws.close)
        p = subprocess.run(["logrotate", "-d", "-s", os.path.join(ws.dir, "state"),
                            self.snippet_for(ws)], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertNotIn("error", (p.stdout + p.stderr).lower())

    def test_rotation_with_sighup(self):
        ws = Workspace()
        self.addCleanup(ws.close)
        ws.start()
        pid = ws.server_pid()
        log = os.path.join(ws.dir, "server.log")
        conf = self.snippet_for(ws)
        subprocess.run(["kill", "-HUP", str(pid)], timeout=10)
        time.sleep(0.5)
        if not pid_alive(pid):
            self.skipTest("this server does not survive SIGHUP yet (issue 13 point 6 reopens the "
                          "log on SIGHUP); the snippet's postrotate relies on it")
        run("logrotate", "-f", "-s", os.path.join(ws.dir, "state"), conf)
        rotated = glob.glob(log + "-*")
        self.assertEqual(len(rotated), 1, os.listdir(ws.dir))
        self.assertTrue(pid_alive(pid))
        wait_for(lambda: os.path.exists(log), 5, what="a new server.log")
        ws.cli("metrics", "configure", "--enable", check=True)  # something to log
        self.assertTrue(ws.cli("status").returncode == 0)


if __name__ == "__main__":
    unittest.main()
