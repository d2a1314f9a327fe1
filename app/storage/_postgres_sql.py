"""The PostgreSQL schema of the scale-out backend and the translation of filters into SQL.

Layout (version 1): `sfdesk_gallery` (name, meta schema, model pack, vector dimension),
`sfdesk_face` (gallery, id, meta JSONB, detection features JSONB, float32 `vector`) and
`sfdesk_crop` (normalized PNG crops, apart so scans of faces stay small). Face ids are uint64
but `bigint` is signed, so the stored id is `id - 2**63` (as in the SQLite file), which keeps
the order. The vector column has storage PLAIN: a 512-d `vector` is 2 KiB, just above the
TOAST threshold, and TOASTed rows made the exact scan 3x slower (measured: 128 ms instead of
41 ms per query at 50k faces; `halfvec` stays inline too but loses precision). With the vector
inline the row still exceeds the threshold, so PostgreSQL would move the small `meta` and
`features` out of line instead (one TOAST fetch per filtered row): `toast_tuple_target` at its
maximum keeps whole rows inline unless they exceed a page.

Meta filters use the GIN index on `meta` (containment `@>` answers "in" and "subset" on every
type) and per-gallery partial btree indexes on each unsigned and string field (gte/lte), so
the planner can choose between an index path for selective filters and a scan.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from psycopg import sql
from psycopg.types.json import Jsonb

from app.storage._types import IdFilter, MetaFilter, MetaSchema, MetaType

SCHEMA_VERSION = 1
ID_OFFSET = 2**63

TABLES = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE sfdesk_version (version integer NOT NULL);
CREATE TABLE sfdesk_gallery (
    gid serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    schema text NOT NULL,
    model_pack text,
    dim integer
);
CREATE TABLE sfdesk_face (
    gid integer NOT NULL REFERENCES sfdesk_gallery ON DELETE CASCADE,
    fid bigint NOT NULL,
    meta jsonb NOT NULL,
    features jsonb NOT NULL,
    vector vector NOT NULL,
    PRIMARY KEY (gid, fid)
) WITH (toast_tuple_target = 8160);
ALTER TABLE sfdesk_face ALTER COLUMN vector SET STORAGE PLAIN;
CREATE INDEX sfdesk_face_meta ON sfdesk_face USING gin (meta jsonb_path_ops);
CREATE TABLE sfdesk_crop (
    gid integer NOT NULL,
    fid bigint NOT NULL,
    png bytea NOT NULL,
    PRIMARY KEY (gid, fid),
    FOREIGN KEY (gid, fid) REFERENCES sfdesk_face ON DELETE CASCADE
);
"""


COPY_FACES = "COPY sfdesk_face (gid, fid, meta, features, vector) FROM STDIN (FORMAT BINARY)"
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_ROW = struct.Struct(">hii iq")


def copy_faces(rows: Iterable[tuple[int, int, str, str, npt.NDArray[np.float32]]]) -> bytes:
    """The binary COPY stream of face rows (gid, stored id, meta JSON, features JSON, vector).

    Binary because formatting 512 floats as text cost about 100 us per face, the bulk of an
    insert; a vector's binary form (pgvector's `vector_recv`) is int16 dimension, int16 zero,
    then big-endian float32s; JSONB's is a version byte 1 and the text.
    """
    parts = [_COPY_HEADER]
    for gid, fid, meta, features, vector in rows:
        meta_bytes, features_bytes = meta.encode(), features.encode()
        parts += [
            _COPY_ROW.pack(5, 4, gid, 8, fid),
            struct.pack(">ib", len(meta_bytes) + 1, 1),
            meta_bytes,
            struct.pack(">ib", len(features_bytes) + 1, 1),
            features_bytes,
            struct.pack(">ihh", 4 + 4 * len(vector), len(vector), 0),
            vector.astype(">f4").tobytes(),
        ]
    parts.append(struct.pack(">h", -1))
    return b"".join(parts)


def to_sql_id(face_id: int) -> int:
    """The stored (signed) form of a uint64 face id."""
    return face_id - ID_OFFSET


def from_sql_id(value: int) -> int:
    """The uint64 face id of a stored value."""
    return value + ID_OFFSET


def field_indexes(gid: int, schema: MetaSchema) -> list[sql.Composed]:
    """Partial btree indexes of one gallery's ordered (unsigned and string) meta fields."""
    out = []
    for number, (name, spec) in enumerate(sorted(schema.items())):
        if spec.type in (MetaType.UNSIGNED, MetaType.STRING):
            out.append(
                sql.SQL("CREATE INDEX {} ON sfdesk_face (({})) WHERE gid = {}").format(
                    sql.Identifier(f"sfdesk_face_g{gid}_f{number}"),
                    _ordered(spec.type, name),
                    sql.Literal(gid),
                )
            )
    return out


def _ordered(kind: MetaType, name: str) -> sql.Composable:
    """The expression a gte/lte filter on a field compares (strings by code point)."""
    if kind is MetaType.STRING:
        return sql.SQL('(meta ->> {}) COLLATE "C"').format(sql.Literal(name))
    return sql.SQL("(meta -> {})").format(sql.Literal(name))


def where(
    gid: int, schema: MetaSchema, id_filter: IdFilter, meta_filters: Sequence[MetaFilter]
) -> tuple[sql.Composed, list[Any]]:
    """The WHERE condition (and its parameters) selecting the faces that pass every filter.

    Filters must be validated (`check_filter`). A face without a value for a field has no
    key in `meta`, so comparisons give NULL and containment fails: it never matches.
    """
    parts: list[sql.Composable] = [sql.SQL("gid = %s")]
    params: list[Any] = [gid]
    if id_filter.gte is not None:
        parts.append(sql.SQL("fid >= %s"))
        params.append(to_sql_id(id_filter.gte))
    if id_filter.lte is not None:
        parts.append(sql.SQL("fid <= %s"))
        params.append(to_sql_id(id_filter.lte))
    if id_filter.one_of is not None:
        parts.append(sql.SQL("fid = ANY(%s)"))
        params.append([to_sql_id(i) for i in id_filter.one_of])
    for flt in meta_filters:
        kind = schema[flt.field].type
        if flt.op in ("gte", "lte"):
            operator = sql.SQL(">=" if flt.op == "gte" else "<=")
            if kind is MetaType.STRING:
                parts.append(
                    sql.SQL('{} {} (%s COLLATE "C")').format(_ordered(kind, flt.field), operator)
                )
                params.append(flt.values[0])
            else:
                parts.append(sql.SQL("{} {} %s").format(_ordered(kind, flt.field), operator))
                params.append(Jsonb(flt.values[0]))
            continue
        sets = kind in (MetaType.SET_STRING, MetaType.SET_UNSIGNED)
        wanted: list[dict[str, Any]]
        if flt.op == "subset":
            wanted = [{flt.field: list(flt.values)}]
        else:  # "in": equals one of (sets: share at least one value)
            wanted = [{flt.field: [v] if sets else v} for v in flt.values]
        parts.append(
            sql.SQL("({})").format(sql.SQL(" OR ").join([sql.SQL("meta @> %s")] * len(wanted)))
        )
        params.extend(Jsonb(w) for w in wanted)
    return sql.SQL(" AND ").join(parts), params
