"""Galleries, faces, typed meta and exact similarity search: embedded SQLite plus scale-out."""

from app.storage._gallery import SearchTuning
from app.storage._interface import Storage
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

__all__ = [
    "IdFilter",
    "MetaField",
    "MetaFilter",
    "MetaSchema",
    "MetaType",
    "MetaValue",
    "NewFace",
    "Query",
    "QueryResult",
    "SQLiteStorage",
    "SearchTuning",
    "Sort",
    "Storage",
    "StoredFace",
]
