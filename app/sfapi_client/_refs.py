"""Reducing the accepted forms of a face or detection reference to what goes on the wire."""

from __future__ import annotations

from app.sfapi_client._models import DetectFace, Face, FaceId
from app.sfapi_client._types import DetectionRef, FaceRef, FaceSource

#: Decimal digits of the largest uint64 (longer strings are refused before int() reads them).
_MAX_ID_DIGITS = 20


def stored_face_id(face: Face | FaceId) -> FaceId:
    """The `FaceId` of a `Face` or a `FaceId` (any `(gallery, face)` pair; the face id may be
    a decimal string)."""
    if isinstance(face, Face):
        return face.id
    if isinstance(face, tuple) and len(face) == 2:
        return FaceId(face[0], face_number_of(face[1]))
    raise TypeError(f"expected a Face, FaceId or int face id, got {face!r}")


def face_number_of(face: int | str) -> int:
    """A bare face id: an int, or its decimal string (FindFace accepts `'101'` for 101)."""
    if isinstance(face, str):
        text = face.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > _MAX_ID_DIGITS:
            raise ValueError(f"a face id string must be a decimal uint64, got {face!r}")
        return int(text)
    if isinstance(face, int) and not isinstance(face, bool):
        return face
    raise TypeError(f"expected a Face, FaceId or face id (int or str), got {face!r}")


def face_id(face: FaceRef, gallery: str) -> FaceId:
    """The `FaceId` of `face`; a bare id (int or decimal string) is a face of `gallery`."""
    if isinstance(face, Face | tuple):
        return stored_face_id(face)
    return FaceId(gallery, face_number_of(face))


def face_number(face: FaceRef, gallery: str) -> int:
    """The id of `face` within `gallery`; ValueError if it names a face of another gallery."""
    ref = face_id(face, gallery)
    if ref.gallery != gallery:
        raise ValueError(f"{ref!r} is not a face of gallery {gallery!r}")
    return ref.face


def detection_id(detection: DetectionRef) -> str:
    """The cache id of a detection given as a `DetectFace` or as the id itself."""
    if isinstance(detection, DetectFace):
        return detection.id
    if isinstance(detection, str):
        return detection
    raise TypeError(f"expected a DetectFace or detection id string, got {detection!r}")


def face_source(face: FaceId) -> str:
    """The protocol's reference to a stored face: `faces/<gallery>/<face id>`."""
    return f"faces/{face.gallery}/{face.face}"


def source_ref(source: FaceSource) -> str:
    """The `from` value of a new face: `detection:<id>` or `faces/<gallery>/<face id>`."""
    if isinstance(source, DetectFace | str):
        return f"detection:{detection_id(source)}"
    return face_source(stored_face_id(source))
