"""The face quality score for best-shot selection, and the issues that lower it.

`quality` is the geometric mean of four factors in [0, 1], so one bad factor pulls it down
however good the others are: detector confidence, face size, pose (how frontal) and sharpness
(variance of the Laplacian of the aligned grey 112x112 crop, which also catches faces that were
upscaled from too few pixels).
"""

from __future__ import annotations

import math

import numpy as np

from app.vision._config import VisionConfig
from app.vision._geometry import ImageArray
from app.vision._raster import grey, laplacian
from app.vision._types import HeadPose

#: Detector scores at or below this count as zero confidence.
SCORE_FLOOR = 0.5


def sharpness(aligned_bgr: ImageArray) -> float:
    """Variance of the Laplacian of the aligned crop's grey image (higher is sharper)."""
    return float(laplacian(grey(aligned_bgr)).var())


def assess_quality(
    *,
    detection_score: float,
    face_height: float,
    pose: HeadPose | None,
    sharpness_value: float,
    config: VisionConfig,
) -> tuple[float, tuple[str, ...]]:
    """(quality in [0, 1], issues) for one face; issues in a fixed order."""
    issues: list[str] = []
    det = min(max((detection_score - SCORE_FLOOR) / (1.0 - SCORE_FLOOR), 0.0), 1.0)
    size = min(face_height / (2.0 * config.min_face_height), 1.0)
    if face_height < config.min_face_height:
        issues.append("too_small")
    sharp = sharpness_value / (sharpness_value + config.blur_variance)
    if sharpness_value < config.blur_variance:
        issues.append("blurred")
    frontal = 1.0
    if pose is not None:
        turn = max(
            abs(pose.yaw) / (2.0 * config.max_yaw), abs(pose.pitch) / (2.0 * config.max_pitch)
        )
        frontal = min(max(1.0 - turn, 0.0), 1.0)
        if abs(pose.yaw) > config.max_yaw or abs(pose.pitch) > config.max_pitch:
            issues.append("turned_away")
    factors = np.array([det, size, frontal, sharp], dtype=np.float64)
    quality = float(math.prod(factors) ** (1.0 / len(factors)))
    return quality, tuple(issues)
