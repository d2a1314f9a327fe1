"""The storage interface every backend implements (SQLite default, PostgreSQL scale-out).

All methods are synchronous and thread-safe; the server calls them from a worker thread.
Failures are `app.protocol.ProtocolError`s: GALLERY_NOT_FOUND, NOT_FOUND, CONFLICT,
BAD_PARAM (meta types, unknown fields with `param` = "meta.<field>"), STORAGE_ERROR.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from app.storage._types import MetaSchema, MetaValue, NewFace, Query, QueryResult, StoredFace


class Storage(abc.ABC):
    """Durable galleries of faces with typed meta and exact similarity search."""

    @abc.abstractmethod
    def list_galleries(self) -> list[tuple[str, int]]:
        """(name, number of faces) of every gallery, sorted by name."""

    @abc.abstractmethod
    def create_gallery(self, name: str, schema: MetaSchema | None = None) -> None:
        """Create a gallery with its own meta schema (None: the server-wide default schema).

        CONFLICT when it exists.
        """

    @abc.abstractmethod
    def drop_gallery(self, name: str) -> None:
        """Delete a gallery and all its faces; GALLERY_NOT_FOUND when absent."""

    @abc.abstractmethod
    def gallery_schema(self, name: str) -> MetaSchema:
        """The meta schema of a gallery; GALLERY_NOT_FOUND when absent."""

    def add_face(
        self,
        gallery: str,
        face_id: int,
        *,
        vector: npt.NDArray[np.float32],
        model_pack: str,
        features: Mapping[str, object],
        meta: Mapping[str, MetaValue],
        normalized_png: bytes | None,
    ) -> StoredFace:
        """Store a face durably before returning; CONFLICT when the id is taken.

        Meta is validated against the gallery schema; missing fields take their defaults, and
        fields without a default stay absent (missing from `StoredFace.meta`). The gallery
        takes the model pack of its first face; another pack is BAD_PARAM with param "from".
        This adds it through `add_faces_bulk`, so backends implement only that.
        """
        face = NewFace(face_id, vector, model_pack, features, meta, normalized_png)
        self.add_faces_bulk(gallery, [face])
        return self.get_face(gallery, face_id)

    @abc.abstractmethod
    def add_faces_bulk(self, gallery: str, faces: Sequence[NewFace]) -> None:
        """Store many faces at once (migrations, benchmarks): all of them or, on error, none.

        The same checks as `add_face`.
        """

    @abc.abstractmethod
    def get_face(self, gallery: str, face_id: int, *, with_vector: bool = False) -> StoredFace:
        """One face; GALLERY_NOT_FOUND or NOT_FOUND."""

    @abc.abstractmethod
    def update_meta(
        self, gallery: str, face_id: int, meta: Mapping[str, MetaValue | None]
    ) -> StoredFace:
        """Change only the given meta keys (a None value leaves the key unchanged)."""

    @abc.abstractmethod
    def delete_face(self, gallery: str, face_id: int) -> None:
        """Delete one face; NOT_FOUND when absent."""

    @abc.abstractmethod
    def get_normalized(self, gallery: str, face_id: int) -> bytes | None:
        """The stored normalized crop (PNG bytes) of a face, None if it has none."""

    @abc.abstractmethod
    def query(self, gallery: str, query: Query) -> QueryResult:
        """List or search a gallery; results equal an exact scan of what is stored.

        `query.ignore_errors`: a backend made of parts that can fail independently (shards)
        raises STORAGE_ERROR when one fails, unless it is set, in which case it answers from
        the parts that work. A backend with a single part (the SQLite file) accepts it and is
        unaffected. Filters on fields a face does not have (no value, no default) never match.
        """

    @abc.abstractmethod
    def close(self) -> None:
        """Flush and release everything; the store stays consistent if this is never called."""
