"""The scale-out backend: galleries in PostgreSQL with pgvector, shared by many server processes.

Nothing is cached in the process that another process's write could make stale: each call
reads the gallery row (id, schema, model pack) in its own transaction, id conflicts are
decided by the primary key, and the first face of an empty gallery fixes its model pack under
a row lock. Search (`_postgres_search`) scans exactly, or takes HNSW candidates from the
gallery's own index once the gallery is big and the filter broad (`_postgres_index`); either
way the rows are rescored here in float32 from the stored vectors, sorted and cut, so every
returned score is exact. Connections are per thread (psycopg 3, autocommit; transactions are
explicit); an index build runs in a thread of its own on its own connection.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
from psycopg import errors, sql
from psycopg.conninfo import conninfo_to_dict
from psycopg.types.json import Jsonb

from app.protocol import ErrorCode, ProtocolError, bad_param, check_gallery_name
from app.storage._checks import (
    check_filters,
    check_listing,
    check_packs,
    check_probe_pack,
    check_query,
    checked_face_id,
    features_json,
    unit_rows,
)
from app.storage._interface import Storage
from app.storage._meta import (
    check_schema,
    meta_after_update,
    meta_for_new_face,
    schema_from_json,
    schema_to_json,
)
from app.storage._postgres_index import build_index, drop_index, index_state
from app.storage._postgres_search import (
    _RESCORE_EXTRA,
    PostgresTuning,
    SearchPath,
    search_rows,
    wants_index,
)
from app.storage._postgres_sql import (
    COPY_FACES,
    SCHEMA_VERSION,
    TABLES,
    copy_faces,
    field_indexes,
    from_sql_id,
    to_sql_id,
    where,
)
from app.storage._ranking import MARGIN, page_complete, rank
from app.storage._types import (
    IdFilter,
    MetaSchema,
    MetaValue,
    NewFace,
    Query,
    QueryResult,
    StoredFace,
)

_log = logging.getLogger(__name__)
_SETUP_LOCK = 0x5FDE5C  # advisory lock: one process creates the tables at a time
#: With background builds, a gallery's size is checked for an index at most this often
#: (a capped count of up to `hnsw_min_faces` rows), and a build left to another process is
#: not retried sooner.
_BUILD_CHECK_S = 60.0
_CONFLICT_KEY = re.compile(r"\(gid, fid\)=\(\d+, (-?\d+)\)")


@dataclass(frozen=True)
class _Gallery:
    gid: int
    name: str
    schema: MetaSchema
    model_pack: str | None
    dim: int | None


class _PackChange(Exception):
    """Adding needs to set the gallery's model pack: retry holding the gallery row exclusively."""


class PostgresStorage(Storage):
    """Galleries in one PostgreSQL database (pgvector >= 0.8) at `dsn`.

    `tuning` says from which gallery size an HNSW index is built and used. A search that finds
    a big gallery without one starts the build: in a background thread (`background_index`,
    answering exactly meanwhile; galleries are checked at most once a minute) or before
    answering. `paths` counts how searches ran.
    """

    def __init__(
        self,
        dsn: str,
        *,
        default_schema: MetaSchema,
        connect_timeout: int = 10,
        tuning: PostgresTuning | None = None,
        background_index: bool = True,
    ) -> None:
        self._dsn = dsn
        self._connect_timeout = connect_timeout
        self._default_schema = check_schema(default_schema)
        self.tuning = tuning or PostgresTuning()
        self._background = background_index
        self._local = threading.local()
        self._conns: list[psycopg.Connection[Any]] = []
        self._conns_lock = threading.Lock()
        self._builder: threading.Thread | None = None
        self._build_checks: dict[int, float] = {}
        self._build_conn: psycopg.Connection[Any] | None = None
        self._paths_lock = threading.Lock()
        #: How searches were answered: "exact" (no index), "exact-capped" (selective filter),
        #: "hnsw", "hnsw-short" (HNSW found too few rows: answered by the exact scan).
        self.paths: Counter[SearchPath] = Counter()
        with self._errors("opening the database"):
            conn = self._conn()
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SETUP_LOCK,))
                found = conn.execute("SELECT to_regclass('sfdesk_version')").fetchone()
                if found is None or found[0] is None:  # a new database (or schema)
                    for statement in TABLES.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute("INSERT INTO sfdesk_version VALUES (%s)", (SCHEMA_VERSION,))
                row = conn.execute("SELECT version FROM sfdesk_version").fetchone()
                if row is None or row[0] != SCHEMA_VERSION:
                    raise ProtocolError(
                        ErrorCode.STORAGE_ERROR,
                        f"database schema version {row and row[0]} is not supported",
                    )

    # ------------------------------------------------------------------ helpers

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn any database failure (down, disk full, lost connection) into STORAGE_ERROR."""
        try:
            yield
        except psycopg.Error as exc:
            raise ProtocolError(ErrorCode.STORAGE_ERROR, f"{action} failed: {exc}") from exc

    def _connect(self) -> psycopg.Connection[Any]:
        """A new autocommit connection, closed by `close`."""
        conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=self._connect_timeout)
        with self._conns_lock:
            self._conns = [c for c in self._conns if not c.closed] + [conn]
        return conn

    def _conn(self) -> psycopg.Connection[Any]:
        """This thread's connection, reconnecting after a lost one."""
        conn: psycopg.Connection[Any] | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            conn = self._local.conn = self._connect()
        return conn

    def _gallery(self, conn: psycopg.Connection[Any], name: str, lock: str = "") -> _Gallery:
        row = conn.execute(
            "SELECT gid, schema, model_pack, dim FROM sfdesk_gallery WHERE name = %s " + lock,
            (name,),
        ).fetchone()
        if row is None:
            raise ProtocolError(
                ErrorCode.GALLERY_NOT_FOUND,
                f"gallery {name!r} does not exist",
                param="gallery",
                value=name,
            )
        gid, schema, pack, dim = row
        return _Gallery(gid, name, schema_from_json(schema), pack, dim)

    @staticmethod
    def _not_found(gallery: _Gallery, face_id: int) -> ProtocolError:
        return ProtocolError(
            ErrorCode.NOT_FOUND,
            f"no face {face_id} in gallery {gallery.name!r}",
            param="id",
            value=face_id,
        )

    @staticmethod
    def _conflict(gallery: str, face_id: int | None) -> ProtocolError:
        return ProtocolError(
            ErrorCode.CONFLICT,
            f"face {face_id} already exists in gallery {gallery!r}",
            param="id",
            value=face_id,
        )

    @staticmethod
    def _stored(
        gallery: _Gallery, fid: int, meta: Any, features: Any, vector: bytes | None
    ) -> StoredFace:
        return StoredFace(
            gallery=gallery.name,
            id=from_sql_id(fid),
            meta=meta,
            features=features,
            model_pack=gallery.model_pack or "",
            vector=None if vector is None else _from_wire(vector),
        )

    # ------------------------------------------------------------------ galleries

    def list_galleries(self) -> list[tuple[str, int]]:
        with self._errors("listing galleries"):
            rows = self._conn().execute(
                "SELECT g.name, (SELECT count(*) FROM sfdesk_face f WHERE f.gid = g.gid) "
                "FROM sfdesk_gallery g"
            )
            return sorted((name, int(count)) for name, count in rows)

    def create_gallery(self, name: str, schema: MetaSchema | None = None) -> None:
        check_gallery_name(name)
        checked = self._default_schema if schema is None else check_schema(schema)
        with self._errors("creating a gallery"):
            conn = self._conn()
            try:
                with conn.transaction():
                    row = conn.execute(
                        "INSERT INTO sfdesk_gallery (name, schema) VALUES (%s, %s) RETURNING gid",
                        (name, schema_to_json(checked)),
                    ).fetchone()
                    assert row is not None
                    for statement in field_indexes(row[0], checked):
                        conn.execute(statement)
            except errors.UniqueViolation as exc:
                raise ProtocolError(
                    ErrorCode.CONFLICT,
                    f"gallery {name!r} already exists",
                    param="gallery",
                    value=name,
                ) from exc

    def drop_gallery(self, name: str) -> None:
        with self._errors("dropping a gallery"):
            conn = self._conn()
            with conn.transaction():
                gallery = self._gallery(conn, name, "FOR UPDATE")
                indexes = conn.execute(
                    "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND tablename = 'sfdesk_face' AND indexname LIKE %s",
                    (f"sfdesk\\_face\\_g{gallery.gid}\\_%",),
                ).fetchall()
                for (index,) in indexes:
                    conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index)))
                conn.execute("DELETE FROM sfdesk_gallery WHERE gid = %s", (gallery.gid,))

    def gallery_schema(self, name: str) -> MetaSchema:
        with self._errors("reading a gallery"):
            return dict(self._gallery(self._conn(), name).schema)

    # ------------------------------------------------------------------ faces

    def add_faces_bulk(self, gallery: str, faces: Sequence[NewFace]) -> None:
        with self._errors("adding faces"):
            try:
                self._add(gallery, faces, "FOR SHARE")
            except _PackChange:
                self._add(gallery, faces, "FOR UPDATE")

    def _add(self, name: str, faces: Sequence[NewFace], lock: str) -> None:
        """One transaction; the gallery row lock keeps its pack and existence fixed meanwhile."""
        conn = self._conn()
        with conn.transaction():
            gallery = self._gallery(conn, name, lock)
            if not faces:
                return
            seen: set[int] = set()
            for face in faces:
                face_id = checked_face_id(face.id)
                if face_id in seen:
                    raise self._conflict(name, face_id)
                seen.add(face_id)
            taken = conn.execute(
                "SELECT fid FROM sfdesk_face WHERE gid = %s AND fid = ANY(%s) LIMIT 1",
                (gallery.gid, [to_sql_id(i) for i in seen]),
            ).fetchone()
            if taken is not None:
                raise self._conflict(name, from_sql_id(taken[0]))
            empty = (
                conn.execute(
                    "SELECT 1 FROM sfdesk_face WHERE gid = %s LIMIT 1", (gallery.gid,)
                ).fetchone()
                is None
            )
            current = None if empty else gallery.model_pack
            check_packs(name, {face.model_pack for face in faces}, current)
            vectors = unit_rows([f.vector for f in faces], "from", None if empty else gallery.dim)
            metas = [meta_for_new_face(gallery.schema, f.meta) for f in faces]
            rows = [
                (gallery.gid, to_sql_id(f.id), json.dumps(m), features_json(f.features), v)
                for f, m, v in zip(faces, metas, vectors, strict=True)
            ]
            pack, dim = faces[0].model_pack, vectors.shape[1]
            if (pack, dim) != (gallery.model_pack, gallery.dim):
                if lock != "FOR UPDATE":
                    raise _PackChange
                if dim != gallery.dim:  # the old graph's dimension would refuse the new rows
                    drop_index(conn, gallery.gid)
                conn.execute(
                    "UPDATE sfdesk_gallery SET model_pack = %s, dim = %s WHERE gid = %s",
                    (pack, dim, gallery.gid),
                )
            try:
                with conn.cursor() as cursor:
                    with cursor.copy(COPY_FACES) as copy:
                        copy.write(copy_faces(rows))
                    cursor.executemany(
                        "INSERT INTO sfdesk_crop (gid, fid, png) VALUES (%s, %s, %s)",
                        [
                            (gallery.gid, to_sql_id(f.id), f.normalized_png)
                            for f in faces
                            if f.normalized_png
                        ],
                    )
            except errors.UniqueViolation as exc:  # another process added the id meanwhile
                found = _CONFLICT_KEY.search(str(exc.diag.message_detail or ""))
                raise self._conflict(name, from_sql_id(int(found[1])) if found else None) from exc

    def get_face(self, gallery: str, face_id: int, *, with_vector: bool = False) -> StoredFace:
        with self._errors("reading a face"):
            conn = self._conn()
            target = self._gallery(conn, gallery)
            fid = to_sql_id(checked_face_id(face_id))
            row = conn.execute(
                "SELECT meta, features, "
                + ("vector_send(vector)" if with_vector else "NULL::bytea")
                + " FROM sfdesk_face WHERE gid = %s AND fid = %s",
                (target.gid, fid),
            ).fetchone()
        if row is None:
            raise self._not_found(target, face_id)
        return self._stored(target, fid, *row)

    def update_meta(
        self, gallery: str, face_id: int, meta: Mapping[str, MetaValue | None]
    ) -> StoredFace:
        with self._errors("updating a face"):
            conn = self._conn()
            with conn.transaction():
                target = self._gallery(conn, gallery)
                fid = to_sql_id(checked_face_id(face_id))
                row = conn.execute(
                    "SELECT meta, features FROM sfdesk_face WHERE gid = %s AND fid = %s FOR UPDATE",
                    (target.gid, fid),
                ).fetchone()
                if row is None:
                    raise self._not_found(target, face_id)
                new = meta_after_update(target.schema, row[0], meta)
                if new != row[0]:
                    conn.execute(
                        "UPDATE sfdesk_face SET meta = %s WHERE gid = %s AND fid = %s",
                        (Jsonb(new), target.gid, fid),
                    )
        return self._stored(target, fid, new, row[1], None)

    def delete_face(self, gallery: str, face_id: int) -> None:
        with self._errors("deleting a face"):
            conn = self._conn()
            target = self._gallery(conn, gallery)
            deleted = conn.execute(
                "DELETE FROM sfdesk_face WHERE gid = %s AND fid = %s",
                (target.gid, to_sql_id(checked_face_id(face_id))),
            ).rowcount
        if not deleted:
            raise self._not_found(target, face_id)

    def get_normalized(self, gallery: str, face_id: int) -> bytes | None:
        with self._errors("reading a crop"):
            conn = self._conn()
            target = self._gallery(conn, gallery)
            row = conn.execute(
                "SELECT c.png FROM sfdesk_face f LEFT JOIN sfdesk_crop c "
                "ON c.gid = f.gid AND c.fid = f.fid WHERE f.gid = %s AND f.fid = %s",
                (target.gid, to_sql_id(checked_face_id(face_id))),
            ).fetchone()
        if row is None:
            raise self._not_found(target, face_id)
        return None if row[0] is None else bytes(row[0])

    # ------------------------------------------------------------------ queries

    def query(self, gallery: str, query: Query) -> QueryResult:
        with self._errors("querying a gallery"):
            conn = self._conn()
            target = self._gallery(conn, gallery)
            check_query(query)
            meta_filters = check_filters(target.schema, query.id_filter, query.meta_filters)
            condition, params = where(target.gid, target.schema, query.id_filter, meta_filters)
            if query.probe is None:
                return self._list(conn, target, query, condition, params)
            return self._search(conn, target, query, condition, params)

    def _list(
        self,
        conn: psycopg.Connection[Any],
        target: _Gallery,
        query: Query,
        condition: sql.Composed,
        params: list[Any],
    ) -> QueryResult:
        check_listing(query)
        ascending = query.sort == "id"
        if query.after is not None:
            condition = sql.SQL("{} AND fid {} %s").format(
                condition, sql.SQL(">" if ascending else "<")
            )
            params = [*params, to_sql_id(query.after)]
        rows = conn.execute(
            sql.SQL(
                "SELECT fid, meta, features, NULL::bytea FROM sfdesk_face WHERE {} "
                "ORDER BY fid {} LIMIT %s"
            ).format(condition, sql.SQL("" if ascending else "DESC")),
            [*params, query.limit + 1],
        ).fetchall()
        faces = tuple(self._stored(target, *row) for row in rows[: query.limit])
        return QueryResult(faces=faces, more=len(rows) > query.limit)

    def _search(
        self,
        conn: psycopg.Connection[Any],
        target: _Gallery,
        query: Query,
        condition: sql.Composed,
        params: list[Any],
    ) -> QueryResult:
        if not -1.0 <= query.min_cosine <= 1.0:
            raise bad_param("threshold", query.min_cosine, "the threshold is outside [0, 1]")
        if (
            target.dim is None
            or conn.execute(
                "SELECT 1 FROM sfdesk_face WHERE gid = %s LIMIT 1", (target.gid,)
            ).fetchone()
            is None
        ):
            return QueryResult(faces=(), cosines=())
        check_probe_pack(query, target.name, target.model_pack)
        probe = unit_rows([query.probe], "looks_like", target.dim)[0]
        # With HNSW off (the default) even an index another process built is not used.
        hnsw_on = self.tuning.hnsw_min_faces is not None
        indexed = hnsw_on and index_state(conn, target.gid) == "valid"
        if (
            not indexed
            and self._check_due(target.gid)
            and wants_index(conn, target.gid, target.dim, self.tuning)
        ):
            indexed = self._build(target.gid, target.dim)
        filtered = bool(query.meta_filters) or query.id_filter != IdFilter()
        wire = _to_wire(probe)
        after = query.after_match
        if after is not None:  # only rows that can lie after the previous page's last face
            condition = sql.SQL("{} AND (vector <#> %s::vector) >= %s").format(condition)
            params = [*params, wire, -(after.cosine + MARGIN)]
        fetch = query.limit
        while True:
            path, rows = search_rows(
                conn,
                indexed,
                target.gid,
                target.dim,
                condition,
                params,
                filtered,
                wire,
                query.min_cosine,
                fetch,
                self.tuning,
            )
            with self._paths_lock:
                self.paths[path] += 1
            vectors = np.stack([_from_wire(row[3]) for row in rows]) if rows else None
            # The exact paths read the best `fetch + 64` rows: enough unless many rows sit within
            # the float margin of the page's end (duplicates of one face); then read more.
            if (
                vectors is None
                or path.startswith("hnsw")
                or page_complete(
                    vectors @ probe,
                    len(rows) < fetch + _RESCORE_EXTRA,
                    query.min_cosine,
                    after,
                    query.limit,
                )
            ):
                break
            fetch *= 4
        if vectors is None:
            return QueryResult(faces=(), cosines=())
        ids = [from_sql_id(row[0]) for row in rows]
        hits = rank(ids, vectors, probe, query.min_cosine, after, query.limit)
        by_id = {face_id: row for face_id, row in zip(ids, rows, strict=True)}
        return QueryResult(
            faces=tuple(
                self._stored(target, by_id[i][0], by_id[i][1], by_id[i][2], None) for i, _ in hits
            ),
            cosines=tuple(cosine for _, cosine in hits),
        )

    # ------------------------------------------------------------------ HNSW indexes

    def build_search_index(self, gallery: str) -> bool:
        """Build the gallery's HNSW index now if HNSW is on and the gallery big enough for one
        (migrations and bulk loads call this after copying). True when a valid index exists
        afterwards; always False with HNSW off (the default), which never builds one."""
        if self.tuning.hnsw_min_faces is None:
            return False
        with self._errors("building a search index"):
            conn = self._conn()
            target = self._gallery(conn, gallery)
            if target.dim is None:
                return False
            if index_state(conn, target.gid) == "valid":
                return True
            if not wants_index(conn, target.gid, target.dim, self.tuning):
                return False
            with self._connect() as building:
                return build_index(building, target.gid, target.dim, self.tuning.build)

    def _check_due(self, gid: int) -> bool:
        """Whether to check now if a gallery without a valid index needs one."""
        if not self._background:
            return True
        now = time.monotonic()
        with self._conns_lock:
            if now - self._build_checks.get(gid, -_BUILD_CHECK_S) < _BUILD_CHECK_S:
                return False
            self._build_checks[gid] = now
        return True

    def _build(self, gid: int, dim: int) -> bool:
        """Build a gallery's index now, or start a background build (one per process at a
        time); True when the index is valid on return."""
        if not self._background:
            with self._errors("building a search index"), self._connect() as conn:
                return build_index(conn, gid, dim, self.tuning.build)
        with self._conns_lock:
            if self._builder is not None and self._builder.is_alive():
                return False
            self._builder = threading.Thread(
                target=self._build_in_background, args=(gid, dim), name="sfdesk-hnsw", daemon=True
            )
            self._builder.start()
        return False

    def _build_in_background(self, gid: int, dim: int) -> None:
        try:
            with self._connect() as conn:
                self._build_conn = conn
                if build_index(conn, gid, dim, self.tuning.build):
                    _log.info("HNSW index of gallery %d is ready", gid)
        except psycopg.Error as exc:  # searches stay exact; the next one tries again
            _log.warning("building the HNSW index of gallery %d failed: %s", gid, exc)
        finally:
            self._build_conn = None

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        building = self._build_conn
        if building is not None:  # leaves an invalid index, rebuilt by the next build
            building.cancel_safe()
        if self._builder is not None:
            self._builder.join()
        with self._conns_lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()

    def __repr__(self) -> str:
        info = conninfo_to_dict(self._dsn)
        where_ = f"{info.get('host', '')}:{info.get('port', '')}/{info.get('dbname', '')}"
        return f"PostgresStorage({where_!r})"


def _to_wire(vector: npt.NDArray[np.float32]) -> str:
    """pgvector's text form; 9 significant digits give back the same float32 exactly."""
    return "[" + ",".join(f"{x:.9g}" for x in vector.tolist()) + "]"


def _from_wire(data: bytes) -> npt.NDArray[np.float32]:
    """A vector from `vector_send` (int16 dim, int16 unused, big-endian float32s)."""
    out: npt.NDArray[np.float32] = np.frombuffer(data, ">f4", offset=4).astype(np.float32)
    return out
