"""Helpers of the server tests: a stdlib HTTP client, server subprocesses, the app over fakes."""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

import pytest
from server_fakes import FakeEngine, FakeStorage

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 fork for its TestClient; httpx works and is what we ship.
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from app.common import ServerSettings

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class FakeApp:
    """The app over fakes, with a Starlette TestClient."""

    client: TestClient
    engine: FakeEngine
    storage: FakeStorage
    settings: ServerSettings
