"""JSON shapes the server sends for stored faces, and path-parameter parsing shared by resources."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from app.protocol import check_gallery_name, confidence_from_cosine, parse_uint64, readable_text
from app.storage import StoredFace


def readable(value: Any) -> Any:
    """Stored JSON data with its strings made encodable (see `app.protocol.readable_text`).

    Text that is not valid Unicode is refused on the way in, but a store written before that
    rule may hold some; this keeps such a face readable instead of failing every answer.
    """
    if isinstance(value, str):
        return readable_text(value)
    if isinstance(value, list):
        return [readable(item) for item in value]
    if isinstance(value, dict):
        return {readable_text(key): readable(item) for key, item in value.items()}
    return value


def face_json(face: StoredFace, cosine: float | None = None) -> dict[str, Any]:
    """A Face: `{"id": {"gallery", "face"}, "features", "meta"}` (+ `confidence` in searches)."""
    out: dict[str, Any] = {"id": {"gallery": face.gallery, "face": face.id}}
    if cosine is not None:
        out["confidence"] = confidence_from_cosine(cosine)
    out["features"] = face.features
    out["meta"] = readable(face.meta)
    return out


def gallery_param(request: Request, key: str = "gallery") -> str:
    """The gallery name in the path, validated."""
    return check_gallery_name(request.path_params[key])


def face_id_param(request: Request) -> int:
    """The uint64 face id in the path, parsed exactly."""
    return parse_uint64(request.path_params["face_id"], "face_id")
