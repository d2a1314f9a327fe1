"""Fixtures for the client tests: a fake transport that records requests, and the real server.

`fake` answers through `httpx.MockTransport` (no network): tests queue replies and read back the
requests the client made. `sfapi_server` starts `python -m app server --port 0` once per session
on a free loopback port with a temporary data directory; `client` is a `Client` connected to it.
`locked_server` is a second, deliberately constrained server for the errors a healthy one never
gives (UNAUTHORIZED, OVER_CAPACITY, CACHE_ERROR).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sfapi_fakes import Fake

from app.sfapi_client import Client

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Start-up includes loading the ONNX models; generous, because CI machines are shared.
SERVER_START_TIMEOUT = 120.0


@pytest.fixture
async def fake() -> AsyncIterator[Fake]:
    fake = Fake()
    yield fake
    await fake.client.aclose()


def _wait_for_ready(proc: subprocess.Popen[bytes], events: Path) -> str:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        for line in events.read_text().splitlines():
            event = json.loads(line)
            if event.get("event") == "ready":
                return str(event["url"])
            if event.get("event") == "error":
                raise RuntimeError(f"server failed to start: {event}")
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before it was ready")
        time.sleep(0.1)
    raise RuntimeError(f"server not ready after {SERVER_START_TIMEOUT} s")


@contextmanager
def running_server(work: Path, config: str, *args: str) -> Iterator[str]:
    """Run `python -m app server` with a TOML `config` and extra `args`; yields its URL."""
    events, log, config_file = work / "events.jsonl", work / "server.log", work / "config.toml"
    config_file.write_text(config)
    with events.open("wb") as out, log.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "server", "--host", "127.0.0.1", "--port", "0"]
            + ["--data", str(work / "data"), "--config", str(config_file)]
            + ["--parent-pid", str(os.getpid()), *args],
            cwd=REPO_ROOT,
            stdout=out,
            stderr=err,
        )
    try:
        try:
            url = _wait_for_ready(proc, events)
        except RuntimeError as exc:
            pytest.fail(f"{exc}\n--- server log ---\n{log.read_text()[-4000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def sfapi_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a real sfdesk server on a free loopback port, for the whole session.

    It may return feature vectors and fetch images from loopback URLs (for the tests of
    `return_facen` and `detect(url=)`); otherwise it runs with the default settings.
    """
    config = 'allow_return_facen = true\n[url_fetch]\nallowed_hosts = ["127.0.0.1"]\n'
    with running_server(tmp_path_factory.mktemp("sfapi-server"), config) as url:
        yield url


@pytest.fixture(scope="session")
def locked_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(url, token) of a server that wants that token, has one inference slot and a broken cache.

    It produces the errors a healthy default server never does: UNAUTHORIZED, OVER_CAPACITY
    and CACHE_ERROR (its memcached address is a bound socket that does not listen).
    """
    with socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        config = (
            'workers = 1\nqueue_size = 1\n[cache]\nbackend = "memcached"\n'
            f'memcached_servers = ["127.0.0.1:{dead.getsockname()[1]}"]\n'
        )
        with running_server(
            tmp_path_factory.mktemp("locked-server"), config, "--token", "test-token"
        ) as url:
            yield url, "test-token"


@pytest.fixture
async def client(sfapi_server: str) -> AsyncIterator[Client]:
    async with Client(sfapi_server) as client:
        yield client
