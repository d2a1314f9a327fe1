"""Galleries, faces, typed meta and exact similarity search: embedded SQLite plus scale-out."""

from app.storage._interface import Storage
from app.storage._types import (
    IdFilter,
    MetaField,
    MetaFilter,
    MetaSchema,
    MetaType,
    MetaValue,
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
    "Query",
    "QueryResult",
    "Sort",
    "Storage",
    "StoredFace",
]
