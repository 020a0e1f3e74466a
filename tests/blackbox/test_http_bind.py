"""test_http_bind - every bind error names the listener and the config key
that chose its address, and admin_ui_port == http_port is caught before
binding with the real reason."""
import socket
import unittest

from hirotest import ServerTest, free_port


def occupy(port):
    """A socket listening on 127.0.0.1:port (close it when done)."""
    s = socket.socket()
    s.bind(("127.0.0.1", port))
    s.listen(1)
    return s


class BindErrors(ServerTest):
    def set_config(self, **kw):
        cfg = self.ws.read_config()
        cfg.update(kw)
        self.ws.write_config(cfg)

    def assert_start_fails_with(self, expected, *args):
        p = self.ws.cli("start", *args)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(expected, p.stderr)
        self.assertEqual(self.ws.server_pid(), 0)  # no server left behind
        self.assertIn(expected, self.ws.log())
        return p

    def test_admin_port_equal_to_http_port_is_named(self):
        self.set_config(admin_ui_enabled=True, admin_ui_port=self.ws.port)
        self.assert_start_fails_with(
            f"admin UI listener: cannot bind 127.0.0.1:{self.ws.port} (admin_ui_port): "
            f"port already used by the REST API (http_port)")

    def test_admin_port_equal_to_start_port_option(self):
        port = free_port()
        self.set_config(admin_ui_enabled=True, admin_ui_port=port)
        self.assert_start_fails_with("port already used by the REST API (--port)",
                                     "--port", str(port))

    def test_rest_port_taken(self):
        s = occupy(self.ws.port)
        self.addCleanup(s.close)
        self.assert_start_fails_with(
            f"REST API listener: cannot bind 127.0.0.1:{self.ws.port} (http_port): "
            "port already in use by another program")

    def test_start_port_option_taken(self):
        port = free_port()
        s = occupy(port)
        self.addCleanup(s.close)
        self.assert_start_fails_with(f"REST API listener: cannot bind 127.0.0.1:{port} (--port)",
                                     "--port", str(port))

    def test_admin_port_taken(self):
        s = occupy(self.ws.ui_port)
        self.addCleanup(s.close)
        self.set_config(admin_ui_enabled=True)
        self.assert_start_fails_with(
            f"admin UI listener: cannot bind 127.0.0.1:{self.ws.ui_port} (admin_ui_port): "
            "port already in use by another program")

    def test_address_not_on_this_machine(self):
        # 192.0.2.1 (TEST-NET-1) is nobody's address: bind fails, nothing listens.
        self.set_config(http_host="192.0.2.1", api_token="t0ken-for-this-test")
        self.assert_start_fails_with(
            f"REST API listener: cannot bind 192.0.2.1:{self.ws.port} (http_port): "
            "no such address on this machine")

    def test_unresolvable_host(self):
        self.set_config(http_host="no-such-host.invalid", api_token="t0ken-for-this-test")
        self.assert_start_fails_with(
            "REST API listener: cannot resolve host 'no-such-host.invalid' (http_host)")


if __name__ == "__main__":
    unittest.main()
