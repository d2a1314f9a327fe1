"""Resolving face references (`detection:<id>`, `faces/<gallery>/<id>`) to vectors and features.

Used by `from` when adding a face and by `looks_like` when searching; a reference to something
that does not exist is SOURCE_NOT_FOUND, to a gallery that does not exist SOURCE_GALLERY_NOT_FOUND.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from app.protocol import ErrorCode, ProtocolError, bad_param, check_gallery_name, parse_uint64
from app.server._services import Services


@dataclass(frozen=True, eq=False)
class Source:
    """What a reference points to."""

    vector: npt.NDArray[np.float32]
    model_pack: str
    features: dict[str, Any]
    normalized_png: bytes | None


def _not_found(param: str, ref: str, what: str) -> ProtocolError:
    return ProtocolError(ErrorCode.SOURCE_NOT_FOUND, f"{what} not found", param=param, value=ref)


async def resolve(svc: Services, ref: object, param: str) -> Source:
    """The source named by `ref` (the value of the body key or query parameter `param`)."""
    if not isinstance(ref, str):
        raise bad_param(param, ref, 'must be "detection:<id>" or "faces/<gallery>/<id>"')
    if ref.startswith("detection:"):
        det_id = ref.removeprefix("detection:")
        detection = await svc.blocking(lambda: svc.cache.get(det_id)) if det_id else None
        if detection is None:
            raise _not_found(param, ref, f"detection {det_id!r} (unknown or expired)")
        return Source(
            detection.vector, detection.model_pack, detection.features, detection.normalized_png
        )
    parts = ref.split("/")
    if len(parts) != 3 or parts[0] != "faces":
        raise bad_param(param, ref, 'must be "detection:<id>" or "faces/<gallery>/<id>"')
    gallery = check_gallery_name(parts[1], param)
    face_id = parse_uint64(parts[2], param)

    def load() -> Source:
        try:
            face = svc.storage.get_face(gallery, face_id, with_vector=True)
            png = svc.storage.get_normalized(gallery, face_id)
        except ProtocolError as exc:
            if exc.code is ErrorCode.GALLERY_NOT_FOUND:
                raise ProtocolError(
                    ErrorCode.SOURCE_GALLERY_NOT_FOUND,
                    f"gallery {gallery!r} not found",
                    param=param,
                    value=ref,
                ) from exc
            if exc.code is ErrorCode.NOT_FOUND:
                raise _not_found(param, ref, f"face {face_id} of gallery {gallery!r}") from exc
            raise
        assert face.vector is not None
        return Source(face.vector, face.model_pack, face.features, png)

    return await svc.blocking(load)
