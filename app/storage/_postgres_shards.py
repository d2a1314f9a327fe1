"""Galleries spread over several PostgreSQL databases (shards) by face id.

Every shard holds every gallery (schema and model pack alike); a face lives on shard
`id % len(shards)`, so single-face calls reach one shard and listings and searches ask all of
them in parallel and merge the pages (each shard's answer is exact, so the merge is too). When
a shard fails, a query is STORAGE_ERROR unless `ignore_errors` is set: then it is answered from
the shards that work. Gallery changes go to every shard, the first one deciding conflicts.
Spreading by id keeps shards balanced for any gallery size; the price is that a listing or a
search costs one query per shard, and so does the model-pack check of an add.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from app.protocol import ErrorCode, ProtocolError, bad_param
from app.storage._interface import Storage
from app.storage._postgres import PostgresStorage
from app.storage._postgres_search import PostgresTuning
from app.storage._types import MetaSchema, MetaValue, NewFace, Query, QueryResult, StoredFace

_T = TypeVar("_T")


class ShardedPostgresStorage(Storage):
    """One logical store over the PostgreSQL databases at `dsns` (in a fixed order)."""

    def __init__(
        self,
        dsns: Sequence[str],
        *,
        default_schema: MetaSchema,
        connect_timeout: int = 10,
        tuning: PostgresTuning | None = None,
        background_index: bool = True,
    ) -> None:
        if len(dsns) < 2:
            raise ValueError("a sharded store needs at least two databases")
        self._shards = [
            PostgresStorage(
                dsn,
                default_schema=default_schema,
                connect_timeout=connect_timeout,
                tuning=tuning,
                background_index=background_index,
            )
            for dsn in dsns
        ]
        self._pool = ThreadPoolExecutor(len(dsns), "sfdesk-shard")

    def _index(self, face_id: int) -> int:
        # Anything but an int goes to the first shard, which says BAD_PARAM.
        return face_id % len(self._shards) if isinstance(face_id, int) else 0

    def _shard(self, face_id: int) -> PostgresStorage:
        return self._shards[self._index(face_id)]

    def _on_all(
        self, call: Callable[[PostgresStorage], _T], ignore_errors: bool = False
    ) -> list[_T]:
        """`call` on every shard in parallel; shard failures are skipped if `ignore_errors`."""
        futures = [self._pool.submit(call, shard) for shard in self._shards]
        out: list[_T] = []
        failed: ProtocolError | None = None
        for future in futures:
            try:
                out.append(future.result())
            except ProtocolError as exc:
                if exc.code is not ErrorCode.STORAGE_ERROR:
                    raise
                failed = failed or exc
        if failed is not None and (not ignore_errors or not out):
            raise failed
        return out

    # ------------------------------------------------------------------ galleries

    def list_galleries(self) -> list[tuple[str, int]]:
        totals: dict[str, int] = {}
        for listing in self._on_all(lambda shard: shard.list_galleries()):
            for name, count in listing:
                totals[name] = totals.get(name, 0) + count
        return sorted(totals.items())

    def create_gallery(self, name: str, schema: MetaSchema | None = None) -> None:
        self._shards[0].create_gallery(name, schema)
        for shard in self._shards[1:]:
            try:
                shard.create_gallery(name, schema)
            except ProtocolError as exc:  # left over from an interrupted drop: start afresh
                if exc.code is not ErrorCode.CONFLICT:
                    raise
                shard.drop_gallery(name)
                shard.create_gallery(name, schema)

    def drop_gallery(self, name: str) -> None:
        for shard in reversed(self._shards):  # the first shard, which decides, goes last
            shard.drop_gallery(name)

    def gallery_schema(self, name: str) -> MetaSchema:
        return self._shards[0].gallery_schema(name)

    # ------------------------------------------------------------------ faces

    def add_faces_bulk(self, gallery: str, faces: Sequence[NewFace]) -> None:
        """Atomic per shard only: on an error, shards written before it keep their faces."""
        self._check_pack(gallery, {face.model_pack for face in faces})
        by_shard: dict[int, list[NewFace]] = {}
        for face in faces:
            by_shard.setdefault(self._index(face.id), []).append(face)
        for index, part in sorted(by_shard.items()):
            self._shards[index].add_faces_bulk(gallery, part)

    def _check_pack(self, gallery: str, packs: set[str]) -> None:
        """BAD_PARAM when another shard holds faces of another model pack (each shard checks
        only its own faces). Shards that are down are not asked; a race between two first
        faces of different packs on different shards is not caught."""
        if len(packs) != 1:
            return  # the shard says BAD_PARAM
        pages = self._on_all(lambda shard: shard.query(gallery, Query(limit=1)), True)
        held = {page.faces[0].model_pack for page in pages if page.faces}
        if held - packs:
            raise bad_param(
                "from",
                sorted(packs),
                f"gallery {gallery!r} holds vectors of model pack {sorted(held)[0]!r}; "
                "vectors of different packs cannot be compared",
            )

    def get_face(self, gallery: str, face_id: int, *, with_vector: bool = False) -> StoredFace:
        return self._shard(face_id).get_face(gallery, face_id, with_vector=with_vector)

    def update_meta(
        self, gallery: str, face_id: int, meta: Mapping[str, MetaValue | None]
    ) -> StoredFace:
        return self._shard(face_id).update_meta(gallery, face_id, meta)

    def delete_face(self, gallery: str, face_id: int) -> None:
        self._shard(face_id).delete_face(gallery, face_id)

    def get_normalized(self, gallery: str, face_id: int) -> bytes | None:
        return self._shard(face_id).get_normalized(gallery, face_id)

    # ------------------------------------------------------------------ queries

    def query(self, gallery: str, query: Query) -> QueryResult:
        pages = self._on_all(lambda shard: shard.query(gallery, query), query.ignore_errors)
        if query.probe is None:
            descending = query.sort == "-id"
            merged = heapq.merge(
                *(page.faces for page in pages), key=lambda f: -f.id if descending else f.id
            )
            faces = list(merged)
            return QueryResult(
                faces=tuple(faces[: query.limit]),
                more=len(faces) > query.limit or any(page.more for page in pages),
            )
        hits = heapq.merge(
            *(zip(page.faces, page.cosines or (), strict=True) for page in pages),
            key=lambda hit: (-hit[1], hit[0].id),
        )
        best = list(hits)[: query.limit]
        return QueryResult(
            faces=tuple(face for face, _ in best), cosines=tuple(cos for _, cos in best)
        )

    def build_search_index(self, gallery: str) -> bool:
        """Build the gallery's HNSW index on every shard big enough (in parallel); True when
        every shard has one afterwards (each shard plans its own searches)."""
        return all(self._on_all(lambda shard: shard.build_search_index(gallery)))

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        for shard in self._shards:
            shard.close()

    def __repr__(self) -> str:
        return f"ShardedPostgresStorage({', '.join(repr(s) for s in self._shards)})"
