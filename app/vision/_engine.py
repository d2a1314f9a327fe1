"""`FaceEngine`: the whole face-analysis pipeline over one model pack, shared by all threads.

detect -> square boxes -> 68 landmarks -> 5 points -> similarity alignment to 112x112 ->
head pose and quality -> (on request) feature vector, gender, age, expression. Sessions are
created once; the expression model (28 MB, the slowest) is loaded on first use only. Every call
keeps its state on the stack, so `detect` and `detect_array` may run in parallel threads.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.common import default_model_dir
from app.protocol import bad_param
from app.vision._attributes import ExpressionClassifier, PoseEstimator, SsrRegressor
from app.vision._config import VisionConfig
from app.vision._detector import FaceDetector
from app.vision._embedding import Embedder
from app.vision._geometry import (
    ALIGNED_SIZE,
    ARCFACE_TEMPLATE,
    FloatArray,
    ImageArray,
    align_face,
    drop_contained,
    five_points,
    nms,
    rotate,
    square_boxes,
    unrotate_boxes,
    unrotate_points,
)
from app.vision._image import DecodedImage, ImageLimits, decode_image
from app.vision._landmarks import Landmarker
from app.vision._manifest import Manifest, ModelPack, load_manifest
from app.vision._packs import require_pack
from app.vision._quality import assess_quality, sharpness
from app.vision._raster import resize_area
from app.vision._sessions import OnnxModel
from app.vision._timing import StageTimer
from app.vision._types import BBox, DetectOptions, DetectResult, FaceAnalysis

#: Which file of the pack plays which part.
MODEL_FILES = {
    "detector": "fr_detect.onnx",
    "landmarks": "fr_landmark.onnx",
    "feature": "fr_feature.onnx",
    "gender": "fr_gender.onnx",
    "age": "fr_age.onnx",
    "expression": "fr_expression.onnx",
    "pose": "fr_pose.onnx",
}
_DETECTORS = ("nnd", "normalized")


@dataclass(frozen=True)
class _Candidate:
    """A detection in one orientation of the image: its box there, and its score."""

    quarter_turns: int
    box: FloatArray
    score: float


def _to_bbox(box: FloatArray) -> BBox:
    left, top, right, bottom = (int(round(float(v))) for v in box)
    return BBox(left=left, top=top, right=right, bottom=bottom)


class FaceEngine:
    """Face detection and analysis on one verified model pack (see the module docstring).

    `model_pack` (e.g. "faceplugin-0.0.1") names the pack that produced every vector, so
    vectors of different packs are never compared.
    """

    def __init__(
        self,
        model_dir: Path | None = None,
        config: VisionConfig | None = None,
        *,
        pack: str | None = None,
        manifest: Manifest | None = None,
    ) -> None:
        self.config = config or VisionConfig()
        self.pack: ModelPack = (manifest or load_manifest()).pack(pack)
        self.model_dir = model_dir or default_model_dir()
        self._root = require_pack(self.pack, self.model_dir)
        self._limits = ImageLimits(
            max_bytes=self.config.max_image_bytes,
            max_pixels=self.config.max_image_pixels,
            min_side=self.config.min_image_side,
        )
        self.detector = FaceDetector(self._model("detector"), self.config)
        self.landmarker = Landmarker(self._model("landmarks"))
        self.embedder = Embedder(self._model("feature"))
        self.gender_model = SsrRegressor(self._model("gender"))
        self.age_model = SsrRegressor(self._model("age"))
        self.pose_model = PoseEstimator(self._model("pose"))
        self._expression: ExpressionClassifier | None = None
        self._expression_lock = threading.Lock()

    @property
    def model_pack(self) -> str:
        """The id of the model pack in use, to tag feature vectors with."""
        return self.pack.pack_id

    @property
    def embedding_dim(self) -> int:
        """The length of the feature vectors this engine produces."""
        return self.embedder.dim

    def __repr__(self) -> str:
        return (
            f"FaceEngine(pack={self.model_pack!r}, model_dir={str(self.model_dir)!r}, "
            f"threads={self.config.threads}, expression_loaded={self._expression is not None})"
        )

    def _model(self, part: str) -> OnnxModel:
        name = MODEL_FILES[part]
        return OnnxModel(self._root / name, self.pack.files[name], self.config.threads)

    @property
    def expression_model(self) -> ExpressionClassifier:
        """The expression classifier, loaded on first use (thread-safe)."""
        with self._expression_lock:
            if self._expression is None:
                self._expression = ExpressionClassifier(self._model("expression"))
            return self._expression

    # ------------------------------------------------------------------ public entry points

    def decode(self, data: bytes) -> DecodedImage:
        """Validate and decode image bytes with this engine's limits."""
        return decode_image(data, self._limits)

    def detect(
        self,
        data: bytes,
        options: DetectOptions | None = None,
        *,
        timer: StageTimer | None = None,
    ) -> DetectResult:
        """Decode `data` (JPEG/PNG/WEBP/BMP) and analyse every face in it."""
        with _stage(timer, "decode"):
            image = self.decode(data)
        return self.detect_array(image.bgr, options, orientation=image.orientation, timer=timer)

    def detect_array(
        self,
        bgr: ImageArray,
        options: DetectOptions | None = None,
        *,
        orientation: int = 1,
        timer: StageTimer | None = None,
    ) -> DetectResult:
        """Analyse an upright 8-bit BGR image (H x W x 3), e.g. a video frame."""
        options = options or DetectOptions()
        if options.detector not in _DETECTORS:
            raise bad_param("detector", options.detector, "detector must be nnd or normalized")
        if bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.dtype != np.uint8:
            raise ValueError(f"expected an H x W x 3 uint8 BGR image, got {bgr.shape} {bgr.dtype}")
        height, width = bgr.shape[:2]
        if options.detector == "normalized":
            faces: tuple[FaceAnalysis, ...] = (self._normalized_face(bgr, options, timer),)
        else:
            faces = self._detect_faces(bgr, options, timer)
        return DetectResult(orientation=orientation, width=width, height=height, faces=faces)

    # ------------------------------------------------------------------ detection

    def _detect_faces(
        self, bgr: ImageArray, options: DetectOptions, timer: StageTimer | None
    ) -> tuple[FaceAnalysis, ...]:
        height, width = bgr.shape[:2]
        images = {
            k: rotate(bgr, k) if k else bgr for k in (range(4) if options.autorotate else (0,))
        }
        with _stage(timer, "detect"):
            candidates = []
            for k, image in images.items():
                threshold = self.config.rotated_threshold if k else None
                boxes, scores = self.detector.detect(image, timer, threshold=threshold)
                squares = square_boxes(boxes, image.shape[1], image.shape[0])
                candidates += [
                    _Candidate(k, box, float(s)) for box, s in zip(squares, scores, strict=True)
                ]
            if options.autorotate:
                candidates = self._merge_orientations(candidates, width, height)
        faces = []
        for cand in candidates:
            face = self._analyse(images[cand.quarter_turns], cand.box, cand.score, options, timer)
            if cand.quarter_turns:
                face = dataclasses.replace(
                    face,
                    bbox=_to_bbox(
                        unrotate_boxes(cand.box[None], cand.quarter_turns, width, height)[0]
                    ),
                    landmarks=unrotate_points(face.landmarks, cand.quarter_turns, width, height),
                )
            faces.append(face)
        return tuple(faces)

    def _merge_orientations(
        self, candidates: list[_Candidate], width: int, height: int
    ) -> list[_Candidate]:
        """Keep the best-scoring detection of each face found in several orientations.

        Boxes overlapping a better one by IoU > `autorotate_iou`, or lying mostly inside a
        larger one, are the same face seen turned.
        """
        if not candidates:
            return candidates
        upright = np.stack(
            [unrotate_boxes(c.box[None], c.quarter_turns, width, height)[0] for c in candidates]
        )
        scores = np.array([c.score for c in candidates], dtype=np.float32)
        keep = nms(upright, scores, self.config.autorotate_iou)
        keep = keep[drop_contained(upright[keep], self.config.max_containment)]
        return [candidates[i] for i in keep]

    # ------------------------------------------------------------------ per-face analysis

    def _analyse(
        self,
        bgr: ImageArray,
        box: FloatArray,
        score: float,
        options: DetectOptions,
        timer: StageTimer | None,
    ) -> FaceAnalysis:
        """Landmarks, alignment, pose and quality, then what `options` ask for."""
        with _stage(timer, "landmarks"):
            points = five_points(self.landmarker.landmarks(bgr, box, timer))
        with _stage(timer, "align"):
            aligned = align_face(bgr, points)
        with _stage(timer, "quality"):
            pose = self.pose_model.pose(bgr, box, timer)
            quality, issues = assess_quality(
                detection_score=score,
                face_height=float(box[3] - box[1]),
                pose=pose,
                sharpness_value=sharpness(aligned),
                config=self.config,
            )
        face = FaceAnalysis(
            bbox=_to_bbox(box),
            detection_score=score,
            quality=quality,
            quality_issues=issues,
            landmarks=points,
            normalized=aligned,
            pose=pose,
        )
        return self._attributes(face, bgr, box, options, timer)

    def _normalized_face(
        self, bgr: ImageArray, options: DetectOptions, timer: StageTimer | None
    ) -> FaceAnalysis:
        """The input is already an aligned face crop: one face covering all of it."""
        height, width = bgr.shape[:2]
        box = np.array([0, 0, width, height], dtype=np.float32)
        with _stage(timer, "align"):
            aligned = resize_area(bgr, ALIGNED_SIZE, ALIGNED_SIZE)
        with _stage(timer, "quality"):
            # No pose: the pose model wants context around the face that a tight crop lacks.
            quality, issues = assess_quality(
                detection_score=1.0,
                face_height=float(height),
                pose=None,
                sharpness_value=sharpness(aligned),
                config=self.config,
            )
        scale = np.array([width / ALIGNED_SIZE, height / ALIGNED_SIZE], dtype=np.float32)
        face = FaceAnalysis(
            bbox=_to_bbox(box),
            detection_score=1.0,
            quality=quality,
            quality_issues=issues,
            landmarks=ARCFACE_TEMPLATE * scale,
            normalized=aligned,
        )
        return self._attributes(face, bgr, box, options, timer)

    def _attributes(
        self,
        face: FaceAnalysis,
        bgr: ImageArray,
        box: FloatArray,
        options: DetectOptions,
        timer: StageTimer | None,
    ) -> FaceAnalysis:
        """`face` with the feature vector and the attributes `options` ask for."""
        facen, gender, age, emotions = face.facen, face.gender, None, face.emotions
        if options.facen:
            with _stage(timer, "embed"):
                facen = self.embedder.embed(face.normalized, timer)
        with _stage(timer, "attributes"):
            if options.gender:
                gender = self.gender_model.gender(bgr, box, timer)
            if options.age:
                age = self.age_model.age(bgr, box, timer)
            if options.emotions:
                emotions = self.expression_model.emotions(bgr, box, timer)
        return dataclasses.replace(
            face,
            facen=facen,
            gender=gender,
            age=age.years if age else face.age,
            age_confidence=age.confidence if age else face.age_confidence,
            emotions=emotions,
        )


@contextmanager
def _stage(timer: StageTimer | None, name: str) -> Iterator[None]:
    """`timer.stage(name)` when timing, else nothing."""
    if timer is None:
        yield
    else:
        with timer.stage(name):
            yield
