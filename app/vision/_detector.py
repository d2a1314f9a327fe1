"""The face detector (fr_detect, Ultra-Light RFB-320) with letterboxing and the 2x2 tile pass.

Recipe of face-models.md §2.1: letterbox to 4:3, RGB, (v - 127) / 128, keep score >= 0.65,
score-ordered IoU-NMS 0.4. Large images additionally run four overlapping tiles (62.5 % of each
side) at score >= 0.9, drop tile boxes touching an inner tile edge, merge everything with
IoU-NMS 0.4 and drop boxes lying more than 60 % inside a larger kept box.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from app.vision._config import VisionConfig
from app.vision._geometry import FloatArray, ImageArray, drop_contained, letterbox, nms
from app.vision._sessions import OnnxModel, blob
from app.vision._timing import StageTimer

#: Fraction of each image side one tile covers; two tiles per side overlap by 25 %.
TILE_FRACTION = 0.625
#: Detections with more candidates than this before NMS keep only the best ones.
MAX_CANDIDATES = 750
#: A tile box closer than this (tile pixels) to an inner tile edge is cut by the tile.
EDGE_MARGIN = 2.0


class FaceDetector:
    """Finds face boxes (corner form, source pixels, not yet squared) and their scores."""

    def __init__(self, model: OnnxModel, config: VisionConfig) -> None:
        self.model = model
        self.config = config
        _, _, self.in_h, self.in_w = model.input_shape

    def __repr__(self) -> str:
        return f"FaceDetector({self.model.name!r}, input={self.in_w}x{self.in_h})"

    def _run(
        self, bgr: ImageArray, threshold: float, timer: StageTimer | None
    ) -> tuple[FloatArray, FloatArray]:
        canvas, lb = letterbox(bgr, self.in_w, self.in_h)
        # (v - 127) / 128 in RGB order, NCHW; swapping after the resize touches few pixels.
        tensor = blob(canvas, 1.0 / 128.0, mean=127.0, swap_rb=True)
        scores_out, boxes_out = self.model.run(tensor, timer)
        scores = scores_out[0, :, 1]
        mask = scores >= threshold
        scores, boxes = scores[mask], boxes_out[0][mask]
        if len(scores) > MAX_CANDIDATES:
            best = np.argsort(-scores, kind="stable")[:MAX_CANDIDATES]
            scores, boxes = scores[best], boxes[best]
        boxes = lb.to_image(boxes)
        keep = nms(boxes, scores, self.config.nms_iou)
        return boxes[keep], scores[keep].astype(np.float32)

    def _tiles(
        self, bgr: ImageArray, timer: StageTimer | None
    ) -> tuple[list[FloatArray], list[FloatArray]]:
        height, width = bgr.shape[:2]
        tw, th = int(width * TILE_FRACTION), int(height * TILE_FRACTION)
        all_boxes: list[FloatArray] = []
        all_scores: list[FloatArray] = []
        for x0 in (0, width - tw):
            for y0 in (0, height - th):
                boxes, scores = self._run(
                    bgr[y0 : y0 + th, x0 : x0 + tw], self.config.tile_threshold, timer
                )
                # The inner edges are those shared with the other tiles, not the image border.
                inner_right, inner_bottom = x0 == 0, y0 == 0
                cut = (
                    (boxes[:, 2] >= tw - EDGE_MARGIN)
                    if inner_right
                    else (boxes[:, 0] <= EDGE_MARGIN)
                ) | (
                    (boxes[:, 3] >= th - EDGE_MARGIN)
                    if inner_bottom
                    else (boxes[:, 1] <= EDGE_MARGIN)
                )
                boxes = boxes[~cut] + np.array([x0, y0, x0, y0], dtype=np.float32)
                all_boxes.append(boxes)
                all_scores.append(scores[~cut])
        return all_boxes, all_scores

    def detect(
        self,
        bgr: ImageArray,
        timer: StageTimer | None = None,
        *,
        tiles: bool | None = None,
        threshold: float | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """Boxes (N x 4) and scores (N) in a BGR image, best first.

        `tiles` None means "only if the longer side is at least `tile_min_side`"; `threshold`
        None means the configured `detection_threshold` for the whole-image pass.
        """
        threshold = self.config.detection_threshold if threshold is None else threshold
        boxes, scores = self._run(bgr, threshold, timer)
        if tiles is None:
            tiles = max(bgr.shape[:2]) >= self.config.tile_min_side
        if not tiles:
            return boxes, scores
        tile_boxes, tile_scores = self._tiles(bgr, timer)
        boxes = np.concatenate([boxes, *tile_boxes]).astype(np.float32)
        scores = np.concatenate([scores, *tile_scores]).astype(np.float32)
        keep: npt.NDArray[np.intp] = nms(boxes, scores, self.config.nms_iou)
        boxes, scores = boxes[keep], scores[keep]
        keep = drop_contained(boxes, self.config.max_containment)
        return boxes[keep], scores[keep]
