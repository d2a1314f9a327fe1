"""Copying galleries between backends (SQLite <-> PostgreSQL), checked by counts and checksums.

Only the `Storage` interface is used, so any backend can be source or target. Galleries are
created on the target with the source's schema (an existing one is a CONFLICT: nothing is
merged) and filled in bulk transactions of `batch` faces; a PostgreSQL target then builds the
gallery's HNSW index once, after the copy, rather than row by row. At the end both sides are
read again and compared per gallery: the number of faces and a SHA-256 over ids, meta,
detection features, model pack and crops in id order must be equal, and every vector must agree
to float32 rounding (the target stores unit vectors, and re-normalising one may change its last
bit).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from app.protocol import ErrorCode, ProtocolError
from app.storage._interface import Storage
from app.storage._sqlite import SQLiteStorage
from app.storage._types import NewFace, Query, StoredFace

_PAGE = 1000
_VECTOR_TOLERANCE = 1e-6


@dataclass(frozen=True)
class GalleryCopy:
    """The check of one copied gallery: faces on each side and the shared checksum."""

    name: str
    faces: int
    checksum: str


def open_location(location: str, sqlite_name: str) -> Storage:
    """A store at a `postgresql://` URL, a SQLite file, or a directory holding `sqlite_name`."""
    if location.startswith(("postgresql://", "postgres://")):
        from app.storage._postgres import PostgresStorage

        return PostgresStorage(location, default_schema={})
    path = Path(location)
    if path.is_dir():
        path = path / sqlite_name
    return SQLiteStorage(path, default_schema={}, background_index=False)


def migrate(
    source: Storage,
    target: Storage,
    galleries: Sequence[str] | None = None,
    *,
    batch: int = 500,
    progress: Callable[[str, int], None] | None = None,
) -> list[GalleryCopy]:
    """Copy `galleries` (default: all) from `source` to `target` and check the copies.

    STORAGE_ERROR when a check fails; the target then holds the (incomplete) copies to inspect.
    """
    names = [name for name, _ in source.list_galleries()] if galleries is None else galleries
    out = []
    for name in names:
        target.create_gallery(name, source.gallery_schema(name))
        pending: list[NewFace] = []
        copied = 0
        for face in _faces(source, name):
            pending.append(
                NewFace(
                    face.id,
                    _vector(face),
                    face.model_pack,
                    face.features,
                    face.meta,
                    source.get_normalized(name, face.id),
                )
            )
            if len(pending) >= batch:
                target.add_faces_bulk(name, pending)
                copied += len(pending)
                pending = []
                if progress is not None:
                    progress(name, copied)
        target.add_faces_bulk(name, pending)
        build_search_index = getattr(target, "build_search_index", None)
        if build_search_index is not None:
            build_search_index(name)
        out.append(_check(source, target, name))
    return out


def _faces(store: Storage, gallery: str) -> Iterator[StoredFace]:
    """Every face of a gallery with its vector, in id order (keyset pages)."""
    after: int | None = None
    while True:
        page = store.query(gallery, Query(limit=_PAGE, after=after))
        for face in page.faces:
            yield store.get_face(gallery, face.id, with_vector=True)
        if not page.more:
            return
        after = page.faces[-1].id


def _vector(face: StoredFace) -> npt.NDArray[np.float32]:
    assert face.vector is not None, "asked for with_vector"
    return face.vector


def _check(source: Storage, target: Storage, gallery: str) -> GalleryCopy:
    sums = [hashlib.sha256(), hashlib.sha256()]
    counts = [0, 0]
    pairs = zip(_faces(source, gallery), _faces(target, gallery), strict=False)
    for before, after in pairs:
        for k, (store, face) in enumerate(((source, before), (target, after))):
            counts[k] += 1
            crop = store.get_normalized(gallery, face.id) or b""
            record = [face.id, face.meta, face.features, face.model_pack, crop.hex()]
            sums[k].update(json.dumps(record, sort_keys=True).encode() + b"\n")
        if before.id == after.id and (
            np.max(np.abs(_vector(before) - _vector(after))) > _VECTOR_TOLERANCE
        ):
            raise _failed(gallery, f"the vector of face {before.id} differs")
    have = dict(source.list_galleries()).get(gallery), dict(target.list_galleries()).get(gallery)
    if have[0] != have[1] or counts[0] != counts[1] or counts[0] != have[0]:
        raise _failed(gallery, f"{have[0]} faces in the source, {have[1]} in the target")
    if sums[0].hexdigest() != sums[1].hexdigest():
        raise _failed(gallery, "the checksums of source and target differ")
    return GalleryCopy(gallery, counts[0], sums[0].hexdigest())


def _failed(gallery: str, why: str) -> ProtocolError:
    return ProtocolError(ErrorCode.STORAGE_ERROR, f"the copy of gallery {gallery!r} failed: {why}")
