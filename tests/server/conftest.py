"""Fixtures of the server tests: an in-process app over fakes, and real server subprocesses.

`server_factory` starts `python -m app server --port 0 --data <tmp>` (real models, real SQLite)
and waits for its `ready` event; `Http` is a tiny stdlib client for talking to it.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import pytest
from server_fakes import FakeEngine, FakeStorage, default_schema

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 fork for its TestClient; httpx works and is what we ship.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from app.common import ServerSettings
from app.server import MemoryCache, create_app

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 120.0


@dataclass
class Reply:
    """One HTTP answer: status, headers, raw body and (when JSON) the parsed body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Http:
    """A minimal HTTP/1.1 client over http.client; one connection per request."""

    url: str
    token: str | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, Any]] | Mapping[str, Any] | None = None,
        body: bytes | None = None,
        json_body: Any = None,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 60.0,
    ) -> Reply:
        parsed = urllib.parse.urlsplit(self.url)
        conn = HTTPConnection(parsed.hostname or "", parsed.port, timeout=timeout)
        if params:
            path += "?" + urllib.parse.urlencode(params, doseq=True)
        all_headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            content_type = content_type or "application/json"
        if content_type:
            all_headers["Content-Type"] = content_type
        if self.token is not None:
            all_headers.setdefault("Authorization", f"Bearer {self.token}")
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            return Reply(response.status, dict(response.headers), response.read())
        finally:
            conn.close()

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Reply:
        return self.request("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> Reply:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.request("DELETE", path, **kw)


@dataclass
class ServerProcess:
    """A running `python -m app server` subprocess and the events it printed."""

    proc: subprocess.Popen[bytes]
    events: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def http(self, token: str | None = None) -> Http:
        return Http(self.url, token)

    def read_event(self, timeout: float) -> dict[str, Any] | None:
        """The next stdout event, None at EOF; fails after `timeout` seconds."""
        assert self.proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        try:
            if not sel.select(timeout):
                pytest.fail(f"no server event within {timeout} s")
        finally:
            sel.close()
        line = self.proc.stdout.readline()
        if not line:
            return None
        event: dict[str, Any] = json.loads(line)
        self.events.append(event)
        return event

    def wait_ready(self) -> dict[str, Any]:
        """Read events until `ready` (returned) or `error`/EOF (returned as is)."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            event = self.read_event(max(0.1, deadline - time.monotonic()))
            if event is None or event["event"] in ("ready", "error"):
                if event is not None and event["event"] == "ready":
                    self.url = event["url"]
                return event or {"event": "eof"}

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout)


ServerFactory = Callable[..., ServerProcess]


def spawn_server(data_dir: Path, *args: str, env: Mapping[str, str] | None = None) -> ServerProcess:
    """Start a server subprocess (not waiting for it)."""
    cmd = [sys.executable, "-m", "app", "server", "--port", "0", "--data", str(data_dir), *args]
    proc = subprocess.Popen(
        cmd,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL if not os.environ.get("SFDESK_TEST_SERVER_LOG") else None,
        env={**os.environ, **(env or {})},
    )
    return ServerProcess(proc)


@pytest.fixture
def server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFactory]:
    """Start ready servers on demand: `server_factory(*args, data_dir=None)`."""
    started: list[ServerProcess] = []

    def start(*args: str, data_dir: Path | None = None, expect_ready: bool = True) -> ServerProcess:
        server = spawn_server(data_dir or tmp_path_factory.mktemp("server-data"), *args)
        started.append(server)
        event = server.wait_ready()
        if expect_ready and event["event"] != "ready":
            pytest.fail(f"server did not start: {event}")
        return server

    yield start
    for server in started:
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait(10)
        if server.proc.stdout is not None:
            server.proc.stdout.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One real server (real models, real SQLite file) shared by a test module."""
    server = spawn_server(tmp_path_factory.mktemp("live-server"))
    event = server.wait_ready()
    if event["event"] != "ready":
        server.proc.kill()
        pytest.fail(f"server did not start: {event}")
    yield server
    server.stop()
    if server.proc.stdout is not None:
        server.proc.stdout.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def memcached() -> Iterator[Callable[[], None]]:
    """A real memcached on a free loopback port; yields a function that stops it.

    Fails (never skips) when memcached is not installed: CI must provide it.
    """
    binary = shutil.which("memcached")
    if binary is None:
        pytest.fail("memcached is not installed (apt-get install memcached)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-m", "16", "-u", "root"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("memcached did not start")
            time.sleep(0.05)

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)

    stop.port = port  # type: ignore[attr-defined]
    yield stop
    stop()


@dataclass
class FakeApp:
    """The app over fakes, with a Starlette TestClient."""

    client: TestClient
    engine: FakeEngine
    storage: FakeStorage
    settings: ServerSettings


@pytest.fixture
def make_app() -> Iterator[Callable[..., FakeApp]]:
    """Build the app over fakes with some settings changed: `make_app(token="t", ...)`."""
    clients: list[TestClient] = []

    def build(**changes: Any) -> FakeApp:
        settings = ServerSettings(**changes)
        engine = FakeEngine()
        storage = FakeStorage(default_schema())
        cache = MemoryCache(
            ttl_seconds=settings.cache.ttl_seconds, max_items=settings.cache.max_items
        )
        client = TestClient(create_app(settings, storage, engine, cache))
        client.__enter__()
        clients.append(client)
        return FakeApp(client, engine, storage, settings)

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def fake_app(make_app: Callable[..., FakeApp]) -> FakeApp:
    return make_app()
