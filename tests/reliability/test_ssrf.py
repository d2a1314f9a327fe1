"""URL fetching as a probe of the internal network: no contact, and nothing told apart.

Under the default policy (public hosts only) a `text/x-url` body naming an internal address, by
IP or by a name resolving to one, over http or https, on an open or a closed port, is refused
before any packet reaches that address (a listener counts TCP connections, so a TLS hello would
show), and every refusal has the same text, so the answers do not map which internal ports are
open or which internal names exist. Hosts that are not valid names (a 300-character label) are
BAD_PARAM, not an internal error.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from reliability_harness import detect_url, refused_naming
from server_harness import ServerProcess


class CountingListener:
    """A loopback TCP port that accepts and counts connections (and sends nothing)."""

    def __init__(self) -> None:
        self.accepted = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port: int = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            conn.close()


@pytest.fixture
def listener() -> Iterator[CountingListener]:
    counting = CountingListener()
    yield counting
    counting.sock.close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_internal_targets_are_refused_alike_and_never_contacted(
    shared_server: ServerProcess, listener: CountingListener
) -> None:
    http = shared_server.http()
    reasons = set()
    for port in (listener.port, closed_port()):
        for scheme in ("http", "https"):
            for host in ("127.0.0.1", "localhost", "127.0.0.2", "[::1]", "[::ffff:127.0.0.1]"):
                reply = detect_url(http, f"{scheme}://{host}:{port}/x.jpg")
                refused_naming(reply, "url")
                reasons.add(reply.json["reason"])
    for url in ("http://nonexistent.invalid/x.jpg", "https://10.255.255.1/x.jpg"):
        reasons.add(detect_url(http, url).json["reason"])
    assert len(reasons) == 1, reasons
    assert listener.accepted == 0


def test_host_names_that_are_no_names_are_bad_param(shared_server: ServerProcess) -> None:
    http = shared_server.http()
    for host in ("a" * 300 + ".example", "a..b.example", "xn--" + "a" * 70 + ".example"):
        refused_naming(detect_url(http, f"http://{host}/x.jpg"), "url")
