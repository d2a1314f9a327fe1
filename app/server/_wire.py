"""JSON shapes the server sends for stored faces, and path-parameter parsing shared by resources."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from app.protocol import check_gallery_name, confidence_from_cosine, parse_uint64
from app.storage import StoredFace


def face_json(face: StoredFace, cosine: float | None = None) -> dict[str, Any]:
    """A Face: `{"id": {"gallery", "face"}, "features", "meta"}` (+ `confidence` in searches)."""
    out: dict[str, Any] = {"id": {"gallery": face.gallery, "face": face.id}}
    if cosine is not None:
        out["confidence"] = confidence_from_cosine(cosine)
    out["features"] = face.features
    out["meta"] = face.meta
    return out


def gallery_param(request: Request, key: str = "gallery") -> str:
    """The gallery name in the path, validated."""
    return check_gallery_name(request.path_params[key])


def face_id_param(request: Request) -> int:
    """The uint64 face id in the path, parsed exactly."""
    return parse_uint64(request.path_params["face_id"], "face_id")
