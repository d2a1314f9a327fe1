"""Helpers shared by the vision tests: encoding test images and picking faces."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from app.vision import DetectResult, FaceAnalysis


@dataclass(frozen=True)
class Analysed:
    """A photo (a row of the shared manifest) and what the engine found in it, with vectors."""

    photo: Any
    result: DetectResult


def encode(image: Image.Image | npt.NDArray[np.uint8], fmt: str = "PNG", **save: object) -> bytes:
    """Bytes of `image` (a PIL image, or a BGR array) in `fmt`."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(np.ascontiguousarray(image[:, :, ::-1]))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def largest(result: DetectResult) -> FaceAnalysis:
    """The face with the largest box."""
    return max(result.faces, key=lambda f: f.bbox.width * f.bbox.height)


def cosine(a: FaceAnalysis, b: FaceAnalysis) -> float:
    """Cosine similarity of two faces' feature vectors."""
    assert a.facen is not None and b.facen is not None
    return float(a.facen @ b.facen)
