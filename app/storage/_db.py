"""The SQLite file: tables, pragmas, uint64 id mapping and translation of SQLite failures.

Layout (schema version 1): `gallery` (name, meta schema JSON, model pack, vector dimension),
`face` (one row per face: gallery, id, meta JSON, detection features JSON, float32 unit
vector BLOB) and `crop` (the normalized PNG crop, kept apart so scans of `face` stay small).
Face ids are uint64 but SQLite integers are signed 64-bit, so the stored id is `id - 2**63`,
which keeps the order and maps 0..2**64-1 onto the whole INTEGER range losslessly.
Pages are 16 KiB so a face row (about 2.3 KiB) does not waste most of a page.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.protocol import ErrorCode, ProtocolError

SCHEMA_VERSION = 1
SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
_ID_OFFSET = 2**63

_TABLES = """
CREATE TABLE IF NOT EXISTS gallery (
    gid INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    schema TEXT NOT NULL,
    model_pack TEXT,
    dim INTEGER
);
CREATE TABLE IF NOT EXISTS face (
    seq INTEGER PRIMARY KEY,
    gid INTEGER NOT NULL,
    fid INTEGER NOT NULL,
    meta TEXT NOT NULL,
    features TEXT NOT NULL,
    vector BLOB NOT NULL,
    UNIQUE (gid, fid)
);
CREATE TABLE IF NOT EXISTS crop (
    gid INTEGER NOT NULL,
    fid INTEGER NOT NULL,
    png BLOB NOT NULL,
    PRIMARY KEY (gid, fid)
);
"""


def to_sql_id(face_id: int) -> int:
    """The stored (signed) form of a uint64 face id."""
    return face_id - _ID_OFFSET


def from_sql_id(value: int) -> int:
    """The uint64 face id of a stored value."""
    return value + _ID_OFFSET


@contextmanager
def storage_errors(action: str) -> Iterator[None]:
    """Turn any SQLite failure (disk full, locked, I/O, corrupt) into STORAGE_ERROR."""
    try:
        yield
    except sqlite3.Error as exc:
        raise ProtocolError(ErrorCode.STORAGE_ERROR, f"{action} failed: {exc}") from exc


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction, committed on success and rolled back on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.execute("COMMIT")


def connect(path: Path, synchronous: str) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit) with the file's pragmas."""
    if synchronous.upper() not in SYNCHRONOUS:
        raise ValueError(
            f"synchronous must be one of {', '.join(SYNCHRONOUS)}, not {synchronous!r}"
        )
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10.0)
    conn.execute("PRAGMA page_size = 16384")  # only takes effect while the file is still empty
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
    return conn


def create_tables(conn: sqlite3.Connection) -> None:
    """Create the tables of a new file, or check the version of an existing one."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version not in (0, SCHEMA_VERSION):
        raise ProtocolError(
            ErrorCode.STORAGE_ERROR, f"database schema version {version} is not supported"
        )
    with transaction(conn):
        for statement in _TABLES.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
