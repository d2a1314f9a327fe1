"""Fixtures of the reliability tests: real server subprocesses (real models, real SQLite files).

The process helpers live in `tests/server/server_harness.py`; that directory is put on the import
path here so these tests start servers exactly as the server's own end-to-end tests do.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

from reliability_harness import Start, reap  # noqa: E402
from server_harness import ServerProcess, spawn_server  # noqa: E402


@pytest.fixture
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Start]:
    """Start ready servers on demand: `start_server(*args, data_dir=None)`; killed at teardown."""
    started: list[ServerProcess] = []

    def start(*args: str, data_dir: Path | None = None) -> ServerProcess:
        server = spawn_server(data_dir or tmp_path_factory.mktemp("reliability-data"), *args)
        started.append(server)
        event = server.wait_ready()
        if event["event"] != "ready":
            pytest.fail(f"server did not start: {event}")
        return server

    yield start
    for server in started:
        reap(server)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One real server per test module, its data directory at `shared_server.data_dir`."""
    data_dir = tmp_path_factory.mktemp("shared-server")
    server = spawn_server(data_dir)
    event = server.wait_ready()
    if event["event"] != "ready":
        server.proc.kill()
        pytest.fail(f"server did not start: {event}")
    server.data_dir = data_dir  # type: ignore[attr-defined]
    yield server
    server.stop()
    if server.proc.stdout is not None:
        server.proc.stdout.close()
