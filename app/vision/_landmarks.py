"""The 68-point landmark model (fr_landmark) on the square face box (face-models.md §2.2)."""

from __future__ import annotations

import numpy as np

from app.vision._geometry import FloatArray, ImageArray, crop, scaled_crop_rect
from app.vision._raster import grey, resize_bilinear
from app.vision._sessions import OnnxModel
from app.vision._timing import StageTimer


class Landmarker:
    """Finds the 68 iBUG landmarks (source pixels, float) of a face given its square box."""

    def __init__(self, model: OnnxModel) -> None:
        self.model = model
        self.size = model.input_shape[-1]

    def __repr__(self) -> str:
        return f"Landmarker({self.model.name!r})"

    def landmarks(
        self, bgr: ImageArray, square_box: FloatArray, timer: StageTimer | None = None
    ) -> FloatArray:
        """68 x 2 points: scaled crop (factor 1), grey, 64x64, / 256, mapped back by the crop."""
        height, width = bgr.shape[:2]
        rect = scaled_crop_rect(square_box, 1.0, width, height)
        patch = grey(resize_bilinear(crop(bgr, rect), self.size, self.size))
        (out,) = self.model.run((patch.astype(np.float32) / 256.0)[None, None], timer)
        x, y, w, h = rect
        points = out.reshape(-1, 2) * np.array([w, h], dtype=np.float32)
        result: FloatArray = points + np.array([x, y], dtype=np.float32)
        return result
