"""Small fakes of the server's neighbours (vision engine, storage) for fast unit tests.

They follow the contracts of `app.vision` and `app.storage` closely enough for routing,
validation and error rendering; the real neighbours are exercised by the end-to-end tests.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from app.protocol import ErrorCode, ProtocolError, bad_param
from app.storage import (
    MetaField,
    MetaSchema,
    MetaType,
    MetaValue,
    NewFace,
    Query,
    QueryResult,
    Storage,
    StoredFace,
)
from app.vision import BBox, DetectOptions, DetectResult, FaceAnalysis, Gender

MODEL_PACK = "fake-pack"


def fake_image(faces: int, seed: int) -> bytes:
    """Bytes the fake engine "decodes" into `faces` faces whose vectors derive from `seed`."""
    return f"FAKE:{faces}:{seed}".encode()


def unit_vector(seed: int) -> npt.NDArray[np.float32]:
    vec = np.random.default_rng(seed).standard_normal(512).astype(np.float32)
    return vec / np.linalg.norm(vec)


class FakeEngine:
    """Decodes `fake_image` bytes; anything else is MALFORMED_REQUEST like a corrupt image."""

    model_pack = MODEL_PACK

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.calls = 0

    def detect(self, data: bytes, options: DetectOptions) -> DetectResult:
        self.calls += 1
        self.gate.wait(10)
        try:
            tag, count, seed = data.decode().split(":")
            assert tag == "FAKE"
            n, base = int(count), int(seed)
        except (UnicodeDecodeError, ValueError, AssertionError):
            raise ProtocolError(
                ErrorCode.MALFORMED_REQUEST, "not an image", param="image"
            ) from None
        faces = tuple(self._face(base + i, i, options) for i in range(n))
        return DetectResult(orientation=1, width=640, height=480, faces=faces)

    def _face(self, seed: int, index: int, options: DetectOptions) -> FaceAnalysis:
        return FaceAnalysis(
            bbox=BBox(left=10 + 100 * index, top=20, right=90 + 100 * index, bottom=100),
            detection_score=0.9,
            quality=0.8,
            quality_issues=(),
            landmarks=np.zeros((5, 2), np.float32),
            normalized=np.full((112, 112, 3), seed % 255, np.uint8),
            facen=unit_vector(seed) if options.facen else None,
            gender=Gender("male", 0.9, 0.9) if options.gender else None,
            age=33.0 if options.age else None,
            emotions=(("happy", 0.8), ("neutral", 0.1)) if options.emotions else None,
        )


def _fits(kind: MetaType, value: object) -> bool:
    if kind is MetaType.UNSIGNED:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    if kind is MetaType.STRING:
        return isinstance(value, str)
    item = str if kind is MetaType.SET_STRING else int
    return isinstance(value, list) and all(isinstance(v, item) for v in value)


class FakeStorage(Storage):
    """Galleries in dictionaries; exact scans for queries."""

    def __init__(self, default_schema: MetaSchema) -> None:
        self.default_schema = dict(default_schema)
        self.galleries: dict[str, tuple[MetaSchema, dict[int, StoredFace], dict[int, bytes]]] = {}
        self.lock = threading.Lock()
        self.closed = False

    def _gallery(self, name: str) -> tuple[MetaSchema, dict[int, StoredFace], dict[int, bytes]]:
        if name not in self.galleries:
            raise ProtocolError(ErrorCode.GALLERY_NOT_FOUND, f"no gallery {name!r}")
        return self.galleries[name]

    def _face(self, gallery: str, face_id: int) -> StoredFace:
        faces = self._gallery(gallery)[1]
        if face_id not in faces:
            raise ProtocolError(ErrorCode.NOT_FOUND, f"no face {face_id}")
        return faces[face_id]

    def _check(self, schema: MetaSchema, meta: Mapping[str, Any]) -> dict[str, MetaValue]:
        out: dict[str, MetaValue] = {}
        for key, value in meta.items():
            if key not in schema:
                raise bad_param(f"meta.{key}", value, "unknown meta field")
            if value is not None:
                if not _fits(schema[key].type, value):
                    raise bad_param(f"meta.{key}", value, "wrong type")
                out[key] = value
        return out

    def list_galleries(self) -> list[tuple[str, int]]:
        return sorted((name, len(g[1])) for name, g in self.galleries.items())

    def create_gallery(self, name: str, schema: MetaSchema | None = None) -> None:
        if name in self.galleries:
            raise ProtocolError(ErrorCode.CONFLICT, f"gallery {name!r} exists")
        self.galleries[name] = (dict(schema or self.default_schema), {}, {})

    def drop_gallery(self, name: str) -> None:
        self._gallery(name)
        del self.galleries[name]

    def gallery_schema(self, name: str) -> MetaSchema:
        return self._gallery(name)[0]

    def add_faces_bulk(self, gallery: str, faces: Sequence[NewFace]) -> None:
        """One by one (not atomic), which is enough for the server's single adds."""
        schema, stored, crops = self._gallery(gallery)
        for new in faces:
            checked = self._check(schema, new.meta)
            if new.id in stored:
                raise ProtocolError(ErrorCode.CONFLICT, f"face {new.id} exists")
            for name, spec in schema.items():
                if name not in checked and spec.default is not None:
                    checked[name] = spec.default
            stored[new.id] = StoredFace(
                gallery, new.id, checked, dict(new.features), new.model_pack, new.vector
            )
            if new.normalized_png is not None:
                crops[new.id] = new.normalized_png

    @staticmethod
    def _public(face: StoredFace, with_vector: bool = False) -> StoredFace:
        vector = face.vector if with_vector else None
        return StoredFace(
            face.gallery, face.id, dict(face.meta), face.features, face.model_pack, vector
        )

    def get_face(self, gallery: str, face_id: int, *, with_vector: bool = False) -> StoredFace:
        return self._public(self._face(gallery, face_id), with_vector)

    def update_meta(
        self, gallery: str, face_id: int, meta: Mapping[str, MetaValue | None]
    ) -> StoredFace:
        face = self._face(gallery, face_id)
        checked = self._check(self._gallery(gallery)[0], meta)
        new = StoredFace(
            gallery, face_id, {**face.meta, **checked}, face.features, face.model_pack, face.vector
        )
        self.galleries[gallery][1][face_id] = new
        return self._public(new)

    def delete_face(self, gallery: str, face_id: int) -> None:
        self._face(gallery, face_id)
        del self.galleries[gallery][1][face_id]
        self.galleries[gallery][2].pop(face_id, None)

    def get_normalized(self, gallery: str, face_id: int) -> bytes | None:
        self._face(gallery, face_id)
        return self.galleries[gallery][2].get(face_id)

    def _matches(self, face: StoredFace, query: Query) -> bool:
        f = query.id_filter
        if f.gte is not None and face.id < f.gte or f.lte is not None and face.id > f.lte:
            return False
        if f.one_of is not None and face.id not in f.one_of:
            return False
        for mf in query.meta_filters:
            value: Any = face.meta.get(mf.field)
            if value is None:
                return False
            if mf.op == "gte" and not value >= mf.values[0]:
                return False
            if mf.op == "lte" and not value <= mf.values[0]:
                return False
            if mf.op == "in" and not (
                set(value) & set(mf.values) if isinstance(value, list) else value in mf.values
            ):
                return False
            if mf.op == "subset" and not set(mf.values) <= set(value):
                return False
        return True

    def query(self, gallery: str, query: Query) -> QueryResult:
        faces = [f for f in self._gallery(gallery)[1].values() if self._matches(f, query)]
        if query.probe is not None:
            scored = [(float(np.dot(f.vector, query.probe)), f) for f in faces]  # type: ignore[arg-type]
            scored = [s for s in scored if s[0] >= query.min_cosine]
            if query.after_match is not None:  # strictly after (cosine, id), as the storages
                bound = (-query.after_match.cosine, query.after_match.id)
                scored = [s for s in scored if (-s[0], s[1].id) > bound]
            scored.sort(key=lambda s: (-s[0], s[1].id))
            top = scored[: query.limit]
            return QueryResult(
                faces=tuple(self._public(f) for _, f in top), cosines=tuple(c for c, _ in top)
            )
        descending = query.sort == "-id"
        faces.sort(key=lambda f: f.id, reverse=descending)
        if query.after is not None:
            after = query.after
            faces = [f for f in faces if (f.id < after if descending else f.id > after)]
        page = faces[: query.limit]
        return QueryResult(
            faces=tuple(self._public(f) for f in page), more=len(faces) > query.limit
        )

    def close(self) -> None:
        self.closed = True


def default_schema() -> dict[str, MetaField]:
    return {
        "person_id": MetaField("person_id", MetaType.UNSIGNED),
        "name": MetaField("name", MetaType.STRING),
        "cam_id": MetaField("cam_id", MetaType.STRING, default="none"),
        "tags": MetaField("tags", MetaType.SET_STRING),
        "codes": MetaField("codes", MetaType.SET_UNSIGNED),
    }
