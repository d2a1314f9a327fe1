"""Fixtures of the storage tests: stores on real SQLite files in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from storage_helpers import SCHEMA, StoreFactory

from app.storage import SQLiteStorage


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
def store(open_store: StoreFactory) -> SQLiteStorage:
    """A fresh store with the test schema as its default."""
    return open_store()
