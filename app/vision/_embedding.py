"""The face feature vector ("facen"): fr_feature on the aligned BGR crop, L2-normalised (§2.3)."""

from __future__ import annotations

import numpy as np

from app.vision._geometry import FloatArray, ImageArray
from app.vision._sessions import OnnxModel, blob
from app.vision._timing import StageTimer


def l2_normalise(vector: FloatArray) -> FloatArray:
    """`vector` scaled to unit length (unchanged if it is all zeros)."""
    norm = float(np.linalg.norm(vector))
    result: FloatArray = (vector / norm if norm > 0 else vector).astype(np.float32)
    return result


class Embedder:
    """Turns an aligned 112x112 BGR face into a unit-length feature vector."""

    def __init__(self, model: OnnxModel) -> None:
        self.model = model
        self.dim = model.output_shapes[model.output_names[0]][-1]

    def __repr__(self) -> str:
        return f"Embedder({self.model.name!r}, dim={self.dim})"

    def embed(self, aligned_bgr: ImageArray, timer: StageTimer | None = None) -> FloatArray:
        """The L2-normalised vector; the network sees BGR, (v - 127) / 128, NCHW."""
        tensor = blob(aligned_bgr, 1.0 / 128.0, mean=127.0)
        (out,) = self.model.run(tensor, timer)
        return l2_normalise(out[0])
