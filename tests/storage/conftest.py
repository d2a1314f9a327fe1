"""Fixtures of the storage tests: stores on real SQLite files in tmp_path or real PostgreSQL.

`store` runs a test on both backends; `open_store` and `sqlite_store` are for tests of the
SQLite backend's own machinery (its file, its in-memory index). One PostgreSQL server (with
pgvector) serves the whole session; every test gets a schema of its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pg_server import PgServer
from storage_helpers import SCHEMA, StoreFactory

from app.storage import PostgresStorage, SQLiteStorage, Storage

_db_numbers = itertools.count()


@pytest.fixture
def pg_dsn(pg_server: PgServer) -> str:
    """The DSN of a new, empty schema of database "sfdesk" for this test."""
    return pg_server.create_schema("sfdesk", f"t{next(_db_numbers)}")


@pytest.fixture
def open_store(tmp_path: Path) -> Iterator[StoreFactory]:
    """Opens stores on `tmp_path/faces.sqlite` (inline indexing); closes them all at the end."""
    opened: list[SQLiteStorage] = []

    def factory(**kwargs: object) -> SQLiteStorage:
        options: dict[str, object] = {"default_schema": SCHEMA, "background_index": False}
        options.update(kwargs)
        store = SQLiteStorage(tmp_path / "faces.sqlite", **options)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def sqlite_store(open_store: StoreFactory) -> SQLiteStorage:
    """A fresh SQLite store with the test schema as its default."""
    return open_store()


@pytest.fixture(params=["sqlite", "postgres"])
def open_any(request: pytest.FixtureRequest) -> Iterator[Callable[[], Storage]]:
    """Opens stores of one backend (both in turn) on the same data; closes them at the end."""
    opened: list[Storage] = []
    if request.param == "sqlite":
        path = request.getfixturevalue("tmp_path") / "faces.sqlite"

        def factory() -> Storage:
            return SQLiteStorage(path, default_schema=SCHEMA, background_index=False)
    else:
        dsn = request.getfixturevalue("pg_dsn")

        def factory() -> Storage:
            return PostgresStorage(dsn, default_schema=SCHEMA)

    def opening() -> Storage:
        store = factory()
        opened.append(store)
        return store

    yield opening
    for store in opened:
        store.close()


@pytest.fixture
def store(open_any: Callable[[], Storage]) -> Storage:
    """A fresh store with the test schema as its default, on each backend."""
    return open_any()
