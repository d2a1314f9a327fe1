"""Connections that are too many, too idle, too slow or too malformed, against real servers.

- Idle connections and connections that send their headers a byte at a time are closed once
  `http.header_timeout_seconds` is up; a body that stalls is cut off by the rate floor.
- Beyond `http.max_connections` a new connection gets 429 and is closed; beyond
  `http.max_requests` requests in progress or `http.max_body_bytes_in_flight` bytes of bodies, a
  request gets 429 before its body is sent (the probe sends only the headers and reads the
  answer), with and without `--token`.
- Requests the HTTP parser refuses (bad Content-Length, a URL or headers too long) get a
  `{code, reason}` body; `%2F` in a path does not act as a separator; a JSON key twice is
  BAD_PARAM.
Every wait is bounded; a connection the server should close but keeps open fails the test.
"""

from __future__ import annotations

import json
import selectors
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from api_checks import error_body_problem
from reliability_harness import Start, detection, write_config
from server_harness import ServerProcess

from app.protocol import ErrorCode

#: How long a probe waits for the server to close a connection it must close (several times
#: the configured deadline, so a loaded machine does not fail the test).
CLOSE_WAIT = 20.0
MiB = 1024 * 1024


def address(server: ServerProcess) -> tuple[str, int]:
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


@contextmanager
def connections(server: ServerProcess, count: int) -> Iterator[list[socket.socket]]:
    socks = [socket.create_connection(address(server), timeout=10) for _ in range(count)]
    try:
        yield socks
    finally:
        for sock in socks:
            sock.close()


def closed_by_server(sock: socket.socket, within: float = CLOSE_WAIT) -> bytes:
    """Everything the server sends until it closes `sock`; fails if it is still open after
    `within` seconds."""
    sock.settimeout(within)
    received = b""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return received
        except TimeoutError:
            break
        if not chunk:
            return received
        received += chunk
    pytest.fail(f"the server kept the connection open for {within} s (got {received[:200]!r})")


def answered(
    socks: list[socket.socket], expected: int, within: float = 10.0
) -> list[socket.socket]:
    """The sockets of `socks` the server has sent something on (or closed), waiting up to
    `within` seconds for `expected` of them and then half a second more for any other."""
    found: set[socket.socket] = set()
    with selectors.DefaultSelector() as sel:
        for sock in socks:
            sel.register(sock, selectors.EVENT_READ)
        deadline = time.monotonic() + within
        while len(found) < expected and time.monotonic() < deadline:
            found |= {key.fileobj for key, _ in sel.select(0.2)}  # type: ignore[misc]
        found |= {key.fileobj for key, _ in sel.select(0.5)}  # type: ignore[misc]
    return [sock for sock in socks if sock in found]


def answer(sock: socket.socket, timeout: float = 30.0) -> tuple[int, dict[str, Any]]:
    """Read one HTTP answer with a Content-Length: its status and JSON body."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed without an answer: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed in the middle of the answer"
        body += chunk
    status = int(lines[0].split()[1])
    problem = error_body_problem(status, body[:length]) if status >= 400 else None
    assert problem is None, problem
    parsed: dict[str, Any] = json.loads(body[:length])
    return status, parsed


def request_head(
    method: str, path: str, *, length: int | None = None, extra: str = "", kind: str = "image/jpeg"
) -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}"
    if length is not None:
        head += f"Content-Type: {kind}\r\nContent-Length: {length}\r\n"
    return (head + "\r\n").encode()


def config(tmp_path: Path, **http: Any) -> str:
    return str(write_config(tmp_path / "server.toml", http=http))


# ---------------------------------------------------------------- deadlines


def test_idle_and_slow_header_connections_are_closed(start_server: Start, tmp_path: Path) -> None:
    server = start_server("--config", config(tmp_path, header_timeout_seconds=1.0))
    http = server.http()
    with connections(server, 200) as idle, connections(server, 5) as slow:
        started = time.monotonic()
        # Slow headers: a byte every 0.2 s, for ever if the server let it.
        line = request_head("GET", "/v2/galleries")
        for i in range(20):
            for sock in slow:
                try:
                    sock.send(line[i : i + 1])
                except OSError:
                    pass  # already closed by the server: what we want
            time.sleep(0.2)
        assert http.get("/v2/galleries").status == 200  # real requests still get through
        for sock in idle + slow:
            assert closed_by_server(sock) == b""
        print(f"205 idle or slow connections closed within {time.monotonic() - started:.1f} s")
    # A kept-alive connection is closed too once it idles past the deadline after an answer.
    with connections(server, 1) as (sock,):
        sock.sendall(request_head("GET", "/v2/status"))
        assert answer(sock)[0] == 200
        assert closed_by_server(sock) == b""


def test_stalled_bodies_are_cut_and_refused_before_read(
    start_server: Start, tmp_path: Path, faces_dir: Path
) -> None:
    """40 uploads declare 16 MiB: two fit the body budget, 38 get 429 before sending a byte;
    the two that send 15 MiB at once and then stall are cut off by the rate floor (the default
    8 KiB/s over every 2 s), and the budget is free again."""
    server = start_server(
        "--config",
        config(
            tmp_path,
            body_grace_seconds=2.0,
            max_body_bytes_in_flight=32 * MiB,
        ),
    )
    with connections(server, 40) as socks:
        for sock in socks:
            sock.sendall(request_head("POST", "/v2/detect", length=16 * MiB))
        # The refused ones are answered at once; the admitted ones wait for their body.
        refused = answered(socks, 38)
        admitted = [sock for sock in socks if sock not in refused]
        assert len(admitted) == 2, len(admitted)
        for sock in refused:
            status, body = answer(sock)
            assert (status, body["code"]) == (429, ErrorCode.OVER_CAPACITY.value), body
        for sock in admitted:
            sock.sendall(b"\0" * (15 * MiB))
        for sock in admitted:
            closed_by_server(sock)  # the stalled body is cut off
    photo = (faces_dir / "face_recognition" / "obama1.jpg").read_bytes()
    reply = server.http().post("/v2/detect", body=photo, content_type="image/jpeg")
    assert reply.status == 200, reply.body


def test_without_token_an_upload_gets_401_before_its_body_and_is_cut_off(
    start_server: Start, tmp_path: Path
) -> None:
    server = start_server(
        "--host",
        "127.0.0.1",
        "--token",
        "s3cret",
        "--config",
        config(tmp_path, body_grace_seconds=1.0, min_body_rate=1_000_000),
    )
    with connections(server, 10) as socks:
        for sock in socks:
            sock.sendall(request_head("POST", "/v2/detect", length=16 * MiB))
        for sock in socks:
            status, body = answer(sock)
            assert (status, body["code"]) == (401, ErrorCode.UNAUTHORIZED.value)
        for sock in socks:
            closed_by_server(sock)  # it never sends the body it announced


def test_connections_and_requests_beyond_the_caps_get_429(
    start_server: Start, tmp_path: Path
) -> None:
    server = start_server("--config", config(tmp_path, max_connections=30, max_requests=4))
    http = server.http()
    with connections(server, 40) as socks:
        refused = answered(socks, 10)
        assert len(refused) == 10, len(refused)
        for sock in refused:
            data = closed_by_server(sock)
            head, _, body = data.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 429"), data
            assert error_body_problem(429, body) is None
    with connections(server, 5) as socks:
        # Four uploads in progress (headers sent, body pending) fill max_requests.
        for sock in socks[:4]:
            sock.sendall(request_head("POST", "/v2/detect", length=1000))
        time.sleep(0.5)  # let the server take them in (not a pass/fail condition)
        socks[4].sendall(request_head("GET", "/v2/galleries"))
        status, body = answer(socks[4])
        assert (status, body["code"]) == (429, ErrorCode.OVER_CAPACITY.value), body
    assert http.get("/v2/galleries").status == 200


# ---------------------------------------------------------------- malformed requests


@pytest.mark.parametrize(
    "raw",
    [
        b"POST /v2/galleries/g HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n",
        b"POST /v2/galleries/g HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n",
        b"POST /v2/galleries/g HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\n"
        b"Content-Length: 2\r\n\r\n",
        b"GET /v2/galleries/" + b"a" * 1_000_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        b"GET /v2/galleries HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"b" * 10**6 + b"\r\n\r\n",
        b"GET /v2/galleries HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n",
    ],
    ids=["cl-text", "cl-negative", "cl-twice", "long-url", "long-header", "bad-header"],
)
def test_unparsable_requests_get_a_protocol_error_body(
    shared_server: ServerProcess, raw: bytes
) -> None:
    with connections(shared_server, 1) as (sock,):
        sock.sendall(raw)
        status, body = answer(sock)
        assert (status, body["code"]) == (400, ErrorCode.MALFORMED_REQUEST.value), body


def test_encoded_slash_is_not_a_separator(shared_server: ServerProcess, faces_dir: Path) -> None:
    http = shared_server.http()
    assert http.post("/v2/galleries/slash").status == 200
    ref = detection(http, (faces_dir / "face_recognition" / "obama1.jpg").read_bytes())
    assert http.post("/v2/galleries/slash/faces/1", json_body={"from": ref}).status == 200
    for path in ("/v2/galleries/slash%2Ffaces%2F1", "/v2/galleries/slash%2ffaces/1"):
        for method in ("GET", "DELETE", "PATCH"):
            reply = http.request(method, path, json_body={"meta": {}})
            assert reply.status == 400, (method, path, reply.body)
            assert reply.json["param"] == "path" and reply.json["code"] == "BAD_PARAM"
    assert http.get("/v2/galleries/slash/faces/1").status == 200  # nothing was deleted


def test_a_json_key_given_twice_is_refused(shared_server: ServerProcess) -> None:
    http = shared_server.http()
    for path, body, param in (
        ("/v2/galleries/dup", b'{"meta_schema": {}, "meta_schema": {}}', "meta_schema"),
        ("/v2/galleries/dup2", b'{"meta_schema": {"x": "string", "x": "unsigned"}}', "x"),
    ):
        reply = http.post(path, body=body, content_type="application/json")
        assert reply.status == 400, reply.body
        assert (reply.json["code"], reply.json["param"]) == ("BAD_PARAM", param)
    assert http.get("/v2/galleries/dup").status == 404
