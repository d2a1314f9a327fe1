"""The life of a gallery's HNSW index in PostgreSQL: built once the gallery is big, then kept.

Each gallery gets its own partial index `sfdesk_face_g<gid>_hnsw` on `vector::vector(<dim>)`
with `vector_cosine_ops` and `WHERE gid = <gid>`, so one gallery's graph holds only its own
faces and a filtered search never walks through other galleries' rows. (The column itself has
no fixed dimension because galleries of different model packs share the table; the cast in the
index expression gives it one.)

It is built lazily, when a search finds the gallery has at least `min_faces` faces: a bulk load
or a migration then copies rows without paying for the graph and the graph is built once, after
the copy (building per row costs far more, see docs/scaling.md). Once it exists PostgreSQL keeps
it up to date on every insert, delete and vacuum. The build is `CREATE INDEX CONCURRENTLY`,
so inserts and searches go on meanwhile, under a session advisory lock per gallery so that of
several server processes sharing the database only one builds. A concurrent build leaves an
*invalid* index behind when its process dies; whoever next holds the lock knows no build is
running, drops that index and builds it again. Until the index is valid, searches scan exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import psycopg
from psycopg import sql

#: Advisory lock class of index builds (the second key is the gallery id).
_BUILD_LOCK = 0x5FDE5D
#: pgvector's limit on the dimension of an HNSW index over `vector`.
MAX_HNSW_DIM = 2000

IndexState = Literal["valid", "invalid", "absent"]


@dataclass(frozen=True)
class HnswBuild:
    """How graphs are built: pgvector's `m` and `ef_construction`, and the build's memory.

    Above pgvector's defaults (16, 64) because recall matters more than build time here: at
    100k clustered faces m 32 / ef_construction 128 found every planted match at ef_search
    400 (m 16 / 64: 98.5 %), for a build 3.8 times as long (193 s against 51 s). The graph
    must fit in `maintenance_work_mem` or the build slows down many times (about 2.6 KiB per
    512-d face); `workers` parallel maintenance workers help it.
    """

    m: int = 32
    ef_construction: int = 128
    maintenance_work_mem: str = "4GB"
    workers: int = 2


def index_name(gid: int) -> str:
    """The name of a gallery's HNSW index (`drop_gallery` drops `sfdesk_face_g<gid>_*`)."""
    return f"sfdesk_face_g{gid}_hnsw"


def index_state(conn: psycopg.Connection[Any], gid: int) -> IndexState:
    """Whether the gallery's index exists and is valid (usable by the planner)."""
    row = conn.execute(
        "SELECT i.indisvalid FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid "
        "WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace",
        (index_name(gid),),
    ).fetchone()
    if row is None:
        return "absent"
    return "valid" if row[0] else "invalid"


def drop_index(conn: psycopg.Connection[Any], gid: int) -> None:
    """Drop a gallery's index (in the caller's transaction), e.g. when its dimension changes."""
    conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(index_name(gid))))


def build_index(conn: psycopg.Connection[Any], gid: int, dim: int, build: HnswBuild) -> bool:
    """Build the gallery's index on `conn` (autocommit, not shared) unless another session is.

    Returns True when the index is valid afterwards, False when another session holds the
    build lock (it is building now). Cancelling `conn` leaves an invalid index, rebuilt next time.
    """
    locked = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (_BUILD_LOCK, gid)).fetchone()
    if locked is None or not locked[0]:
        return False
    try:
        state = index_state(conn, gid)
        if state == "valid":
            return True
        name = sql.Identifier(index_name(gid))
        if state == "invalid":  # nobody builds it (we hold the lock): a crashed build's leftover
            conn.execute(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(name))
        conn.execute(
            "SELECT set_config('maintenance_work_mem', %s, false)", (build.maintenance_work_mem,)
        )
        conn.execute(
            "SELECT set_config('max_parallel_maintenance_workers', %s, false)",
            (str(build.workers),),
        )
        conn.execute(
            sql.SQL(
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS {} ON sfdesk_face USING hnsw "
                "((vector::vector({})) vector_cosine_ops) WITH (m = {}, ef_construction = {}) "
                "WHERE gid = {}"
            ).format(
                name,
                sql.Literal(dim),
                sql.Literal(build.m),
                sql.Literal(build.ef_construction),
                sql.Literal(gid),
            )
        )
        return index_state(conn, gid) == "valid"
    finally:
        if not conn.broken and not conn.closed:
            conn.execute("SELECT pg_advisory_unlock(%s, %s)", (_BUILD_LOCK, gid))
