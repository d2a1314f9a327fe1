"""Fixtures of the server tests: the app over fakes, real server subprocesses, a real memcached.

`server_factory` starts `python -m app server --port 0 --data <tmp>` (real models, real SQLite)
and waits for its `ready` event; helpers live in `server_harness.py` (a unique module name, so
test modules never import another directory's `conftest`).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pg_server import PgServer
from server_fakes import FakeEngine, FakeStorage, default_schema
from server_harness import (
    FakeApp,
    ServerFactory,
    ServerProcess,
    TestClient,
    free_port,
    spawn_server,
)

from app.common import ServerSettings
from app.server import MemoryCache, create_app


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


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def live_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """One real server (real models; a real SQLite file, then real PostgreSQL) per test module."""
    data = tmp_path_factory.mktemp("live-server")
    storage: tuple[str, ...] = ()
    if request.param == "postgres":
        pg: PgServer = request.getfixturevalue("pg_server")
        storage = ("--storage", pg.create_schema("sfdesk", data.name.replace("-", "_")))
    server = spawn_server(data, *storage)
    event = server.wait_ready()
    if event["event"] != "ready":
        server.proc.kill()
        pytest.fail(f"server did not start: {event}")
    yield server
    server.stop()
    if server.proc.stdout is not None:
        server.proc.stdout.close()


@pytest.fixture(params=["sqlite", "postgres"])
def storage_args(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, ...]:
    """Server arguments choosing each storage backend in turn (a fresh PostgreSQL schema)."""
    if request.param == "sqlite":
        return ()
    pg: PgServer = request.getfixturevalue("pg_server")
    return ("--storage", pg.create_schema("sfdesk", tmp_path.name.replace("-", "_")))


@pytest.fixture
def memcached() -> Iterator[Callable[[], None]]:
    """A real memcached on a free loopback port; yields a function that stops it.

    CI (`CI` set, where `.ci/run` installs Debian's memcached) fails without it; elsewhere the
    test is skipped with a visible reason, so the README's test command works on a machine that
    only has Python and npm.
    """
    binary = shutil.which("memcached")
    if binary is None:
        message = "memcached is not installed (Debian: apt-get install memcached)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
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
        # A loopback base URL, as real clients use (the default "testserver" is no such name).
        client = TestClient(create_app(settings, storage, engine, cache), "http://127.0.0.1")
        client.__enter__()
        clients.append(client)
        return FakeApp(client, engine, storage, settings)

    yield build
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def fake_app(make_app: Callable[..., FakeApp]) -> FakeApp:
    return make_app()
