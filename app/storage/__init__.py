"""Galleries, faces, typed meta and exact similarity search: embedded SQLite plus scale-out.

`PostgresStorage`, `PostgresTuning` and `ShardedPostgresStorage` are imported on first use, so
the SQLite default never needs psycopg.
"""

from typing import TYPE_CHECKING

from app.storage._gallery import SearchTuning
from app.storage._interface import Storage
from app.storage._lock import LockHolder, StoreInUse, StoreLock
from app.storage._postgres_migrate import GalleryCopy, migrate, open_location
from app.storage._ranking import After
from app.storage._sqlite import SQLiteStorage
from app.storage._types import (
    IdFilter,
    MetaField,
    MetaFilter,
    MetaSchema,
    MetaType,
    MetaValue,
    NewFace,
    Query,
    QueryResult,
    Sort,
    StoredFace,
)

if TYPE_CHECKING:
    from app.storage._postgres import PostgresStorage
    from app.storage._postgres_search import PostgresTuning
    from app.storage._postgres_shards import ShardedPostgresStorage


def __getattr__(name: str) -> object:
    if name == "PostgresStorage":
        from app.storage._postgres import PostgresStorage

        return PostgresStorage
    if name == "PostgresTuning":
        from app.storage._postgres_search import PostgresTuning

        return PostgresTuning
    if name == "ShardedPostgresStorage":
        from app.storage._postgres_shards import ShardedPostgresStorage

        return ShardedPostgresStorage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "After",
    "GalleryCopy",
    "IdFilter",
    "LockHolder",
    "MetaField",
    "MetaFilter",
    "MetaSchema",
    "MetaType",
    "MetaValue",
    "NewFace",
    "PostgresStorage",
    "PostgresTuning",
    "Query",
    "QueryResult",
    "SQLiteStorage",
    "SearchTuning",
    "ShardedPostgresStorage",
    "Sort",
    "Storage",
    "StoreInUse",
    "StoreLock",
    "StoredFace",
    "migrate",
    "open_location",
]
