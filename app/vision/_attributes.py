"""Face attributes: gender and age (SSR-Net), expression and head pose (face-models.md §2.4-2.7).

Every entry point takes the BGR image and orders channels per network after resizing the crop.
Gender and age see a 1.4x scaled crop in BGR with ImageNet normalisation; expression sees a
centred 1.2x crop in RGB scaled to 0..1; pose sees a 1.5x crop in RGB with ImageNet
normalisation. Age is approximate: the model compresses adults toward 30-50 years.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.vision._geometry import (
    FloatArray,
    ImageArray,
    crop,
    expanded_crop_rect,
    scaled_crop_rect,
)
from app.vision._sessions import OnnxModel, blob
from app.vision._timing import StageTimer
from app.vision._types import Gender, HeadPose

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_INV_STD = 1.0 / np.array([0.229, 0.224, 0.225], dtype=np.float32)

#: SSR output scale: years for age, 1 (male) .. 0 (female) for gender.
AGE_RANGE = 101.0
GENDER_RANGE = 1.0
#: Gender value at and above which a face is called male (face-models.md §6).
MALE_THRESHOLD = 0.5
#: The expression model's classes (FER-2013 order) under FindFace's names.
EXPRESSION_CLASSES: tuple[str, ...] = (
    "angry",
    "disgust",
    "fear",
    "happy",
    "sad",
    "surprise",
    "neutral",
)

SSR_CROP = 1.4
EXPRESSION_CROP = 1.2
POSE_CROP = 1.5


def softmax(logits: FloatArray) -> FloatArray:
    """Numerically stable softmax over the last axis."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    result: FloatArray = (shifted / shifted.sum(axis=-1, keepdims=True)).astype(np.float32)
    return result


def ssr_decode(outputs: Sequence[FloatArray], value_range: float) -> float:
    """Decode SSR-Net's three stages: outputs are probs 1..3, deltas 1..3, offsets 1..3."""
    probs, deltas, offsets = outputs[0:3], outputs[3:6], outputs[6:9]
    index = np.arange(3, dtype=np.float64)
    total, divisor = 0.0, 1.0
    for p, d, eta in zip(probs, deltas, offsets, strict=True):
        divisor *= 3.0 * (1.0 + float(np.ravel(d)[0]))
        total += float(np.sum((index + np.ravel(eta)) * np.ravel(p))) / divisor
    return total * value_range


def _prepare(bgr_patch: ImageArray, size: int, *, rgb: bool, imagenet: bool) -> FloatArray:
    """Resize a BGR patch, order its channels as the network wants, scale to 0..1, NCHW;
    with `imagenet`, also normalise each channel by the ImageNet mean and std (in one pass:
    (v / 255 - mean) / std = (v - 255 mean) / (255 std))."""
    if imagenet:
        return blob(
            bgr_patch,
            IMAGENET_INV_STD / 255.0,
            mean=IMAGENET_MEAN * 255.0,
            size=(size, size),
            swap_rb=rgb,
        )
    return blob(bgr_patch, 1.0 / 255.0, size=(size, size), swap_rb=rgb)


@dataclass(frozen=True)
class AgeEstimate:
    """Approximate age in years; `confidence` is how decided the model's coarse age bucket is."""

    years: float
    confidence: float


class SsrRegressor:
    """An SSR-Net style regressor (fr_gender or fr_age) on the 1.4x scaled BGR crop."""

    def __init__(self, model: OnnxModel) -> None:
        self.model = model
        self.size = model.input_shape[-1]

    def __repr__(self) -> str:
        return f"SsrRegressor({self.model.name!r})"

    def run(
        self, bgr: ImageArray, square_box: FloatArray, timer: StageTimer | None = None
    ) -> list[FloatArray]:
        """The raw nine outputs for the face in `square_box`."""
        height, width = bgr.shape[:2]
        rect = scaled_crop_rect(square_box, SSR_CROP, width, height)
        tensor = _prepare(crop(bgr, rect), self.size, rgb=False, imagenet=True)
        return self.model.run(tensor, timer)

    def gender(
        self, bgr: ImageArray, square_box: FloatArray, timer: StageTimer | None = None
    ) -> Gender:
        """Male when the value is >= 0.5; confidence is the clipped value or its complement."""
        value = ssr_decode(self.run(bgr, square_box, timer), GENDER_RANGE)
        clipped = min(max(value, 0.0), 1.0)
        if value >= MALE_THRESHOLD:
            return Gender(name="male", confidence=clipped, value=value)
        return Gender(name="female", confidence=1.0 - clipped, value=value)

    def age(
        self, bgr: ImageArray, square_box: FloatArray, timer: StageTimer | None = None
    ) -> AgeEstimate:
        """Approximate age in years (see the module docstring)."""
        outputs = self.run(bgr, square_box, timer)
        return AgeEstimate(
            years=ssr_decode(outputs, AGE_RANGE), confidence=float(np.max(outputs[0]))
        )


class ExpressionClassifier:
    """The seven expressions (softmax scores, best first) on a centred 1.2x RGB crop."""

    def __init__(self, model: OnnxModel) -> None:
        self.model = model
        self.size = model.input_shape[-1]

    def __repr__(self) -> str:
        return f"ExpressionClassifier({self.model.name!r})"

    def emotions(
        self, bgr: ImageArray, square_box: FloatArray, timer: StageTimer | None = None
    ) -> tuple[tuple[str, float], ...]:
        """(name, probability) for all seven expressions, most probable first."""
        height, width = bgr.shape[:2]
        rect = expanded_crop_rect(square_box, EXPRESSION_CROP, width, height)
        tensor = _prepare(crop(bgr, rect), self.size, rgb=True, imagenet=False)
        (logits,) = self.model.run(tensor, timer)
        probs = softmax(logits[0])
        order = np.argsort(-probs, kind="stable")
        return tuple((EXPRESSION_CLASSES[i], float(probs[i])) for i in order)


class PoseEstimator:
    """Yaw, pitch and roll in degrees (HopeNet-style 66 bins) on a 1.5x RGB crop."""

    def __init__(self, model: OnnxModel) -> None:
        self.model = model
        self.size = model.input_shape[-1]
        bins = model.output_shapes[model.output_names[0]][-1]
        self._angles = np.arange(bins, dtype=np.float32) * 3.0 - 99.0

    def __repr__(self) -> str:
        return f"PoseEstimator({self.model.name!r})"

    def pose(
        self, bgr: ImageArray, square_box: FloatArray, timer: StageTimer | None = None
    ) -> HeadPose:
        """The head pose of the face in `square_box`."""
        height, width = bgr.shape[:2]
        rect = expanded_crop_rect(square_box, POSE_CROP, width, height)
        tensor = _prepare(crop(bgr, rect), self.size, rgb=True, imagenet=True)
        yaw, pitch, roll = self.model.run(tensor, timer)
        return HeadPose(*(float(softmax(out[0]) @ self._angles) for out in (yaw, pitch, roll)))
