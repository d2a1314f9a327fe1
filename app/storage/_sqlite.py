"""The embedded default backend: one SQLite file (WAL) plus in-memory search structures.

SQLite is the only durable store; every write commits there first and only then updates the
in-memory `GalleryIndex` (under one write lock, so RAM and file never disagree for longer than
that step). At start-up the RAM side is rebuilt from the file in one sequential pass. Reads use
one SQLite connection per thread, so a long write transaction never blocks them.

`Query.ignore_errors` is accepted and changes nothing here: a single file has no shards that
could fail independently; a sharded backend answers from its live shards when it is set.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from app.protocol import ErrorCode, ProtocolError, bad_param, check_gallery_name
from app.storage._candidates import AVAILABLE as candidates_available
from app.storage._checks import (
    check_listing,
    check_packs,
    check_probe_pack,
    check_query,
    checked_face_id,
    features_json,
    unit_rows,
)
from app.storage._db import (
    connect,
    create_tables,
    from_sql_id,
    storage_errors,
    to_sql_id,
    transaction,
)
from app.storage._gallery import GalleryIndex, SearchTuning
from app.storage._interface import Storage
from app.storage._lock import StoreLock
from app.storage._meta import (
    check_schema,
    meta_after_update,
    meta_for_new_face,
    schema_from_json,
    schema_to_json,
)
from app.storage._types import (
    MetaSchema,
    MetaValue,
    NewFace,
    Query,
    QueryResult,
    StoredFace,
)

_log = logging.getLogger(__name__)
_LOAD_CHUNK = 16384
_FETCH_CHUNK = 500


@dataclass(eq=False)
class _Gallery:
    gid: int
    name: str
    schema: MetaSchema
    model_pack: str | None
    index: GalleryIndex


class SQLiteStorage(Storage):
    """Galleries in one SQLite file with exact two-stage similarity search in memory.

    `synchronous` is SQLite's pragma: NORMAL (default) loses nothing on a process crash and
    at most the last commits on power loss; FULL also covers power loss at about 1/7 of the
    single-insert rate. `background_index` trains candidate code books in a worker thread
    (searches scan exactly meanwhile); False trains them inline at the write that triggers it.
    The store is locked for this object (`StoreLock`, taken here unless `lock` is given) until
    `close()`: another process, or object, opening the same file gets `StoreInUse`.
    """

    def __init__(
        self,
        path: Path,
        *,
        default_schema: MetaSchema,
        synchronous: str = "NORMAL",
        tuning: SearchTuning | None = None,
        background_index: bool = True,
        lock: StoreLock | None = None,
    ) -> None:
        self._path = Path(path)
        self._lock = lock if lock is not None else StoreLock.acquire(self._path)
        self._synchronous = synchronous
        self._default_schema = check_schema(default_schema)
        self._tuning = tuning or SearchTuning()
        self._write_lock = threading.RLock()
        self._galleries: dict[str, _Gallery] = {}
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._indexer = ThreadPoolExecutor(1, "sfdesk-index") if background_index else None
        if not candidates_available:
            _log.info("faiss is not installed: every search is an exact scan")
        try:
            with storage_errors("opening the database"):
                self._writer = connect(self._path, synchronous)
                create_tables(self._writer)
                self._load()
        except BaseException:
            self._lock.release()
            raise

    # ------------------------------------------------------------------ start-up

    def _load(self) -> None:
        by_gid: dict[int, _Gallery] = {}
        for gid, name, schema_json, pack, dim in self._writer.execute(
            "SELECT gid, name, schema, model_pack, dim FROM gallery"
        ):
            schema = schema_from_json(schema_json)
            gallery = _Gallery(
                gid, name, schema, pack, GalleryIndex(schema, dim or 0, self._tuning)
            )
            by_gid[gid] = self._galleries[name] = gallery
        for gid, count in self._writer.execute("SELECT gid, count(*) FROM face GROUP BY gid"):
            by_gid[gid].index.reserve(count)
        cursor = self._writer.execute("SELECT gid, fid, meta, vector FROM face ORDER BY seq")
        while rows := cursor.fetchmany(_LOAD_CHUNK):
            batches: dict[int, list[tuple[int, int, str, bytes]]] = {}
            for row in rows:
                batches.setdefault(row[0], []).append(row)
            for gid, batch in batches.items():
                index = by_gid[gid].index
                vectors = np.frombuffer(b"".join(r[3] for r in batch), np.float32)
                index.append(
                    [from_sql_id(r[1]) for r in batch],
                    vectors.reshape(len(batch), index.dim),
                    json.loads("[" + ",".join(r[2] for r in batch) + "]"),  # one parse per chunk
                )
        for gallery in self._galleries.values():
            self._maybe_build(gallery)

    def _maybe_build(self, gallery: _Gallery) -> None:
        index = gallery.index
        if not index.wants_candidates():
            return
        index.building = True
        if self._indexer is None:
            self._build(gallery)
        else:
            self._indexer.submit(self._build, gallery)

    def _build(self, gallery: _Gallery) -> None:
        try:
            gallery.index.build_candidates()
        except Exception:  # a failed build leaves exact scans in place; never lose the worker
            _log.exception("building the candidate index of gallery %r failed", gallery.name)
            return
        finally:
            gallery.index.building = False
        self._maybe_build(gallery)  # a build made stale by a compaction is redone

    def wait_for_indexing(self) -> None:
        """Block until background code-book builds queued so far have finished."""
        if self._indexer is not None:
            done: Future[None] = self._indexer.submit(lambda: None)
            done.result()

    # ------------------------------------------------------------------ helpers

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            with storage_errors("opening a read connection"):
                conn = connect(self._path, self._synchronous)
                conn.execute("PRAGMA query_only = ON")
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def _gallery(self, name: str) -> _Gallery:
        gallery = self._galleries.get(name)
        if gallery is None:
            raise ProtocolError(
                ErrorCode.GALLERY_NOT_FOUND,
                f"gallery {name!r} does not exist",
                param="gallery",
                value=name,
            )
        return gallery

    @staticmethod
    def _not_found(gallery: _Gallery, face_id: int) -> ProtocolError:
        return ProtocolError(
            ErrorCode.NOT_FOUND,
            f"no face {face_id} in gallery {gallery.name!r}",
            param="id",
            value=face_id,
        )

    def _stored(
        self, gallery: _Gallery, face_id: int, meta: str, features: str, vector: bytes | None
    ) -> StoredFace:
        return StoredFace(
            gallery=gallery.name,
            id=face_id,
            meta=json.loads(meta),
            features=json.loads(features),
            model_pack=gallery.model_pack or "",
            vector=None if vector is None else np.frombuffer(vector, np.float32).copy(),
        )

    # ------------------------------------------------------------------ galleries

    def list_galleries(self) -> list[tuple[str, int]]:
        return sorted((name, g.index.n_alive) for name, g in list(self._galleries.items()))

    def create_gallery(self, name: str, schema: MetaSchema | None = None) -> None:
        check_gallery_name(name)
        checked = self._default_schema if schema is None else check_schema(schema)
        with self._write_lock:
            if name in self._galleries:
                raise ProtocolError(
                    ErrorCode.CONFLICT,
                    f"gallery {name!r} already exists",
                    param="gallery",
                    value=name,
                )
            with storage_errors("creating a gallery"), transaction(self._writer):
                gid = self._writer.execute(
                    "INSERT INTO gallery (name, schema) VALUES (?, ?)",
                    (name, schema_to_json(checked)),
                ).lastrowid
            assert gid is not None
            self._galleries[name] = _Gallery(
                gid, name, checked, None, GalleryIndex(checked, 0, self._tuning)
            )

    def drop_gallery(self, name: str) -> None:
        with self._write_lock:
            gallery = self._gallery(name)
            with storage_errors("dropping a gallery"), transaction(self._writer):
                for table in ("crop", "face", "gallery"):
                    self._writer.execute(f"DELETE FROM {table} WHERE gid = ?", (gallery.gid,))
            del self._galleries[name]

    def gallery_schema(self, name: str) -> MetaSchema:
        return dict(self._gallery(name).schema)

    # ------------------------------------------------------------------ faces

    def add_faces_bulk(self, gallery: str, faces: Sequence[NewFace]) -> None:
        with self._write_lock:
            target = self._gallery(gallery)
            if not faces:
                return
            vectors, metas = self._check_new(target, faces)
            index = target.index
            pack = faces[0].model_pack
            restart = index.n_alive == 0 and (index.n > 0 or index.dim != vectors.shape[1])
            rows = [
                (
                    target.gid,
                    to_sql_id(f.id),
                    json.dumps(m),
                    features_json(f.features),
                    v.tobytes(),
                )
                for f, m, v in zip(faces, metas, vectors, strict=True)
            ]
            crops = [
                (target.gid, to_sql_id(f.id), f.normalized_png) for f in faces if f.normalized_png
            ]
            with storage_errors("adding faces"), transaction(self._writer):
                if pack != target.model_pack or restart:
                    self._writer.execute(
                        "UPDATE gallery SET model_pack = ?, dim = ? WHERE gid = ?",
                        (pack, vectors.shape[1], target.gid),
                    )
                self._writer.executemany(
                    "INSERT INTO face (gid, fid, meta, features, vector) VALUES (?, ?, ?, ?, ?)",
                    rows,
                )
                self._writer.executemany("INSERT INTO crop (gid, fid, png) VALUES (?, ?, ?)", crops)
            target.model_pack = pack
            if restart:
                index.clear(vectors.shape[1])
            index.append([f.id for f in faces], vectors, metas)
            self._maybe_build(target)

    def _check_new(
        self, gallery: _Gallery, faces: Sequence[NewFace]
    ) -> tuple[npt.NDArray[np.float32], list[dict[str, MetaValue]]]:
        """Unit vectors and complete meta of new faces, or the first error among them."""
        index = gallery.index
        seen: set[int] = set()
        for face in faces:
            face_id = checked_face_id(face.id)
            if face_id in index.slot_of or face_id in seen:
                raise ProtocolError(
                    ErrorCode.CONFLICT,
                    f"face {face_id} already exists in gallery {gallery.name!r}",
                    param="id",
                    value=face_id,
                )
            seen.add(face_id)
        current = gallery.model_pack if index.n_alive else None
        check_packs(gallery.name, {face.model_pack for face in faces}, current)
        vectors = unit_rows(
            [face.vector for face in faces], "from", index.dim if index.n_alive else None
        )
        metas = [meta_for_new_face(gallery.schema, face.meta) for face in faces]
        return vectors, metas

    def get_face(self, gallery: str, face_id: int, *, with_vector: bool = False) -> StoredFace:
        target = self._gallery(gallery)
        checked_face_id(face_id)
        with storage_errors("reading a face"):
            row = (
                self._reader()
                .execute(
                    "SELECT meta, features, vector FROM face WHERE gid = ? AND fid = ?",
                    (target.gid, to_sql_id(face_id)),
                )
                .fetchone()
            )
        if row is None:
            raise self._not_found(target, face_id)
        return self._stored(target, face_id, row[0], row[1], row[2] if with_vector else None)

    def update_meta(
        self, gallery: str, face_id: int, meta: Mapping[str, MetaValue | None]
    ) -> StoredFace:
        with self._write_lock:
            target = self._gallery(gallery)
            key = (target.gid, to_sql_id(checked_face_id(face_id)))
            with storage_errors("updating a face"):
                row = self._writer.execute(
                    "SELECT meta, features FROM face WHERE gid = ? AND fid = ?", key
                ).fetchone()
                if row is None:
                    raise self._not_found(target, face_id)
                old = json.loads(row[0])
                new = meta_after_update(target.schema, old, meta)
                text = json.dumps(new)
                if new != old:
                    with transaction(self._writer):
                        self._writer.execute(
                            "UPDATE face SET meta = ? WHERE gid = ? AND fid = ?", (text, *key)
                        )
            if new != old:
                target.index.update(face_id, old, new)
            return self._stored(target, face_id, text, row[1], None)

    def delete_face(self, gallery: str, face_id: int) -> None:
        with self._write_lock:
            target = self._gallery(gallery)
            key = (target.gid, to_sql_id(checked_face_id(face_id)))
            with storage_errors("deleting a face"):
                row = self._writer.execute(
                    "SELECT meta FROM face WHERE gid = ? AND fid = ?", key
                ).fetchone()
                if row is None:
                    raise self._not_found(target, face_id)
                with transaction(self._writer):
                    self._writer.execute("DELETE FROM face WHERE gid = ? AND fid = ?", key)
                    self._writer.execute("DELETE FROM crop WHERE gid = ? AND fid = ?", key)
            target.index.remove(face_id, json.loads(row[0]))
            if target.index.wants_compaction():
                target.index.compact()
                self._maybe_build(target)

    def get_normalized(self, gallery: str, face_id: int) -> bytes | None:
        target = self._gallery(gallery)
        key = (target.gid, to_sql_id(checked_face_id(face_id)))
        with storage_errors("reading a crop"):
            conn = self._reader()
            row = conn.execute("SELECT png FROM crop WHERE gid = ? AND fid = ?", key).fetchone()
            if (
                row is None
                and conn.execute("SELECT 1 FROM face WHERE gid = ? AND fid = ?", key).fetchone()
                is None
            ):
                raise self._not_found(target, face_id)
        return None if row is None else bytes(row[0])

    # ------------------------------------------------------------------ queries

    def query(self, gallery: str, query: Query) -> QueryResult:
        target = self._gallery(gallery)
        index = target.index
        check_query(query)
        meta_filters = index.check_filters(query.id_filter, query.meta_filters)
        if query.probe is None:
            check_listing(query)
            ids, more = index.list_ids(
                query.id_filter, meta_filters, query.sort, query.after, query.limit
            )
            return QueryResult(faces=tuple(self._fetch(target, ids).values()), more=more)
        if not -1.0 <= query.min_cosine <= 1.0:
            raise bad_param("threshold", query.min_cosine, "the threshold is outside [0, 1]")
        if index.n_alive == 0:
            return QueryResult(faces=(), cosines=())
        check_probe_pack(query, target.name, target.model_pack)
        probe = unit_rows([query.probe], "looks_like", index.dim)[0]
        hits = index.search(
            probe, query.id_filter, meta_filters, query.min_cosine, query.limit, query.after_match
        )
        faces = self._fetch(target, [face_id for face_id, _ in hits])
        # A face deleted between the scan and the fetch is left out.
        kept = [(faces[i], cos) for i, cos in hits if i in faces]
        return QueryResult(faces=tuple(f for f, _ in kept), cosines=tuple(c for _, c in kept))

    def _fetch(self, gallery: _Gallery, ids: Sequence[int]) -> dict[int, StoredFace]:
        """The stored faces of `ids`, in that order (absent ones left out)."""
        found: dict[int, tuple[str, str]] = {}
        with storage_errors("reading faces"):
            conn = self._reader()
            for lo in range(0, len(ids), _FETCH_CHUNK):
                chunk = [to_sql_id(i) for i in ids[lo : lo + _FETCH_CHUNK]]
                marks = ",".join("?" * len(chunk))
                for fid, meta, features in conn.execute(
                    f"SELECT fid, meta, features FROM face WHERE gid = ? AND fid IN ({marks})",
                    (gallery.gid, *chunk),
                ):
                    found[from_sql_id(fid)] = (meta, features)
        return {i: self._stored(gallery, i, *found[i], None) for i in ids if i in found}

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        if self._indexer is not None:
            self._indexer.shutdown(wait=True, cancel_futures=True)
        with self._write_lock, self._readers_lock:
            for conn in [*self._readers, self._writer]:
                conn.close()
            self._readers.clear()
        self._lock.release()

    def __repr__(self) -> str:
        return f"SQLiteStorage(path={str(self._path)!r}, galleries={len(self._galleries)})"
