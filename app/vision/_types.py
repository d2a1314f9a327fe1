"""The vision engine's value types: what a caller asks for and what a detected face carries.

These are the contract between `app.vision` and its users (the server, the `detect` command):
plain frozen dataclasses and numpy arrays, nothing tied to HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

Detector = Literal["nnd", "normalized"]

#: FindFace's emotion names, in the order the expression model's classes map onto them.
EMOTIONS: tuple[str, ...] = ("neutral", "happy", "sad", "surprise", "fear", "angry", "disgust")


@dataclass(frozen=True)
class BBox:
    """A face box in source-image pixels; `right`/`bottom` are the x2/y2 corner (exclusive)."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top


@dataclass(frozen=True)
class DetectOptions:
    """What to compute for each face; detection, landmarks and quality are always done."""

    facen: bool = False
    gender: bool = False
    age: bool = False
    emotions: bool = False
    autorotate: bool = False
    detector: Detector = "nnd"


@dataclass(frozen=True)
class Gender:
    """Gender estimate: `name` is "male" or "female", `confidence` in [0, 1], `value` raw."""

    name: Literal["male", "female"]
    confidence: float
    value: float


@dataclass(frozen=True)
class HeadPose:
    """Head pose in degrees (signs as in face-models.md §2.7)."""

    yaw: float
    pitch: float
    roll: float


@dataclass(frozen=True, eq=False)
class FaceAnalysis:
    """Everything the engine found out about one face.

    `quality` in [0, 1] combines detector score, size, pose and sharpness for best-shot
    selection; `quality_issues` names what lowers it ("too_small", "blurred", "turned_away").
    `facen` is the L2-normalised 512-d float32 feature vector when requested. `normalized` is
    the aligned 112x112 BGR uint8 crop the feature vector was computed from. `landmarks` are
    the five alignment points (eyes, nose tip, mouth corners; 5 x 2, source-image pixels).
    `emotions` lists all seven (name, probability) pairs, most probable first.
    """

    bbox: BBox
    detection_score: float
    quality: float
    quality_issues: tuple[str, ...]
    landmarks: npt.NDArray[np.float32]
    normalized: npt.NDArray[np.uint8]
    pose: HeadPose | None = None
    facen: npt.NDArray[np.float32] | None = None
    gender: Gender | None = None
    age: float | None = None
    emotions: tuple[tuple[str, float], ...] | None = None
    #: How decided the age model's coarse bucket is (0..1); age itself is approximate.
    age_confidence: float | None = None


@dataclass(frozen=True, eq=False)
class DetectResult:
    """The faces found in one image, with the EXIF orientation (1..8) it was uploaded with."""

    orientation: int
    width: int
    height: int
    faces: tuple[FaceAnalysis, ...] = field(default_factory=tuple)
