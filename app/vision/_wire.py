"""Rendering detections as sf-api JSON, and the wire encodings of vectors and face crops.

`render_detect_response` gives the body of `POST /v2/detect` (sfapi-protocol.md §2.1-2.2 with
the sfdesk `features` extensions): every face carries "score", "quality" and "quality_issues";
attributes requested old-style (`gender=on`) and new-style (`attribute=gender`) are rendered in
their own shapes, so one response can mix both. `facen` is base64 of little-endian float32.
"""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from app.protocol import bad_param
from app.vision._types import DetectResult, FaceAnalysis

#: The attributes that can be requested, in either style.
ATTRIBUTES: tuple[str, ...] = ("age", "emotions", "gender")

_FACEN_DTYPE = np.dtype("<f4")


def encode_facen(vector: npt.NDArray[np.float32]) -> str:
    """Base64 of the vector as little-endian float32."""
    return base64.b64encode(np.asarray(vector, dtype=_FACEN_DTYPE).tobytes()).decode("ascii")


def decode_facen(
    text: str, dim: int | None = None, *, param: str = "facen"
) -> npt.NDArray[np.float32]:
    """The float32 vector of a base64 `facen`; BAD_PARAM naming `param` when it is not one."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as exc:
        raise bad_param(param, text[:40], "facen must be base64") from exc
    if not raw or len(raw) % 4 or (dim is not None and len(raw) != 4 * dim):
        expected = f"{dim} float32 values" if dim is not None else "float32 values"
        raise bad_param(param, text[:40], f"facen must hold {expected}, got {len(raw)} bytes")
    vector = np.frombuffer(raw, dtype=_FACEN_DTYPE).astype(np.float32)
    if not np.all(np.isfinite(vector)):
        raise bad_param(param, text[:40], "facen holds non-finite values")
    return vector


def encode_png(image: npt.NDArray[np.uint8]) -> bytes:
    """PNG bytes of an 8-bit BGR (or grey) image, e.g. a face's 112x112 `normalized` crop."""
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or image.shape[2:] not in ((), (3,)):
        raise ValueError(f"cannot encode a {image.shape} {image.dtype} image as PNG")
    out = io.BytesIO()
    # Level 1 is zlib's fastest: the crops are small and encoded on every detection.
    Image.fromarray(image if image.ndim == 2 else image[:, :, ::-1]).save(
        out, "PNG", compress_level=1
    )
    return out.getvalue()


def _check_styles(old_style: Collection[str], new_style: Collection[str]) -> None:
    unknown = (set(old_style) | set(new_style)) - set(ATTRIBUTES)
    if unknown:
        raise ValueError(f"unknown attributes {sorted(unknown)}; known: {list(ATTRIBUTES)}")
    both = set(old_style) & set(new_style)
    if both:
        raise ValueError(f"attributes requested in both styles: {sorted(both)}")


def _missing(name: str) -> ValueError:
    return ValueError(f"attribute {name!r} was not computed; set it in DetectOptions")


def render_features(
    face: FaceAnalysis, *, old_style: Collection[str] = (), new_style: Collection[str] = ()
) -> dict[str, Any]:
    """The `features` object of one face: score, quality, issues and the requested attributes."""
    _check_styles(old_style, new_style)
    features: dict[str, Any] = {
        "score": face.detection_score,
        "quality": face.quality,
        "quality_issues": list(face.quality_issues),
    }
    if "gender" in old_style or "gender" in new_style:
        if face.gender is None:
            raise _missing("gender")
        if "gender" in old_style:
            gender_old = {"gender": face.gender.name.upper(), "score": face.gender.confidence}
            features["gender"] = gender_old
        else:
            features["gender"] = {"name": face.gender.name, "confidence": face.gender.confidence}
    if "age" in old_style or "age" in new_style:
        if face.age is None:
            raise _missing("age")
        if "age" in old_style:
            features["age"] = face.age
        else:
            features["age"] = {"name": int(round(face.age)), "confidence": face.age_confidence}
    if "emotions" in old_style or "emotions" in new_style:
        if not face.emotions:
            raise _missing("emotions")
        if "emotions" in old_style:
            features["emotions"] = [{"emotion": n, "score": s} for n, s in face.emotions]
        else:
            top_name, top_score = face.emotions[0]
            features["emotions"] = {"name": top_name, "confidence": top_score}
    return features


def render_face(
    face: FaceAnalysis,
    detection_id: str,
    *,
    old_style: Collection[str] = (),
    new_style: Collection[str] = (),
    return_facen: bool = False,
) -> dict[str, Any]:
    """One DetectedFace: id, bbox, features and (with `return_facen`) the base64 facen."""
    out: dict[str, Any] = {
        "id": detection_id,
        "bbox": {
            "left": face.bbox.left,
            "top": face.bbox.top,
            "right": face.bbox.right,
            "bottom": face.bbox.bottom,
        },
        "features": render_features(face, old_style=old_style, new_style=new_style),
    }
    if return_facen:
        if face.facen is None:
            raise _missing("facen")
        out["facen"] = encode_facen(face.facen)
    return out


def render_detect_response(
    result: DetectResult,
    ids: Sequence[str],
    *,
    old_style: Collection[str] = (),
    new_style: Collection[str] = (),
    return_facen: bool = False,
) -> dict[str, Any]:
    """The DetectResponse `{"orientation", "faces"}`; `ids[i]` is the id of `result.faces[i]`."""
    if len(ids) != len(result.faces):
        raise ValueError(f"{len(ids)} ids for {len(result.faces)} faces")
    return {
        "orientation": result.orientation,
        "faces": [
            render_face(
                face, det_id, old_style=old_style, new_style=new_style, return_facen=return_facen
            )
            for face, det_id in zip(result.faces, ids, strict=True)
        ],
    }
