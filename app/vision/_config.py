"""`VisionConfig`: the engine's tunables (threads, input limits, detector and quality settings)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VisionConfig:
    """Settings of a `FaceEngine`; the defaults are the recommendations of face-models.md.

    `threads` is each ONNX session's intra-op thread count: keep 1 and run several requests
    in parallel instead (face-models.md §5.5). `max_image_pixels` must stay below Pillow's own
    decompression-bomb limit (about 89 million pixels), which is enforced as well.
    """

    threads: int = 1
    max_image_bytes: int = 32 * 1024 * 1024
    max_image_pixels: int = 40_000_000
    min_image_side: int = 16
    detection_threshold: float = 0.65
    nms_iou: float = 0.4
    #: Images whose longer side is at least this also get the 2x2 tile pass.
    tile_min_side: int = 1000
    tile_threshold: float = 0.9
    #: A box more than this fraction inside a larger kept box is dropped after tiling.
    max_containment: float = 0.6
    #: Autorotate: the turned views keep only detections this sure (the upright view uses
    #: `detection_threshold`), since a turned view of a photo often shows hands as faces.
    rotated_threshold: float = 0.9
    #: Detections of different orientations overlapping more than this are one face (autorotate).
    autorotate_iou: float = 0.5
    #: Below this box height a face is flagged "too_small" (face-models.md §6).
    min_face_height: int = 40
    #: Laplacian variance of the aligned grey 112x112 crop below which a face is "blurred".
    blur_variance: float = 60.0
    #: |yaw| or |pitch| (degrees) above which a face is "turned_away".
    max_yaw: float = 45.0
    max_pitch: float = 30.0

    def __post_init__(self) -> None:
        if self.threads < 1:
            raise ValueError(f"threads must be >= 1, got {self.threads}")
        if self.max_image_bytes < 1 or self.max_image_pixels < 1 or self.min_image_side < 1:
            raise ValueError("image limits must be positive")
