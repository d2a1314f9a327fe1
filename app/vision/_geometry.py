"""Box and point geometry of the pipeline: letterboxing, NMS, square and scaled crops, alignment.

Pure numpy functions with no model in sight, so they can be unit-tested exactly. Boxes are
float arrays of corner form (x1, y1, x2, y2) in pixels unless said otherwise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.vision._raster import resize_bilinear, warp_affine

FloatArray = npt.NDArray[np.float32]
ImageArray = npt.NDArray[np.uint8]

#: The standard ArcFace 112x112 five-point template: eyes, nose tip, mouth corners.
ARCFACE_TEMPLATE: FloatArray = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float32,
)
ALIGNED_SIZE = 112


@dataclass(frozen=True)
class Letterbox:
    """An image padded right/bottom to the network's aspect ratio: the padded size in pixels."""

    padded_w: float
    padded_h: float

    def to_image(self, boxes01: FloatArray) -> FloatArray:
        """Map boxes normalised to the network input (0..1) back to source-image pixels."""
        scale = np.array([self.padded_w, self.padded_h] * 2, dtype=np.float32)
        result: FloatArray = (boxes01 * scale).astype(np.float32)
        return result


def letterbox(image: ImageArray, in_w: int, in_h: int) -> tuple[ImageArray, Letterbox]:
    """`image` padded with black right/bottom to in_w:in_h, then resized (bilinear) to in_w x in_h.

    Only the part of the output that sees the image is computed (the rest stays black), with the
    pixel mapping of a bilinear resize of the padded image.
    """
    h, w = image.shape[:2]
    box = Letterbox(padded_w=max(w, h * in_w / in_h), padded_h=max(h, w * in_h / in_w))
    step_x, step_y = box.padded_w / in_w, box.padded_h / in_h
    # The last output pixel whose sample falls short of the image's far edge, plus one.
    used_w = min(in_w, math.ceil((w + 0.5) / step_x - 0.5))
    used_h = min(in_h, math.ceil((h + 0.5) / step_y - 0.5))
    canvas = np.zeros((in_h, in_w, *image.shape[2:]), dtype=np.uint8)
    canvas[:used_h, :used_w] = resize_bilinear(
        image, used_w, used_h, step=(step_x, step_y), black_outside=True
    )
    return canvas, box


def box_areas(boxes: FloatArray) -> FloatArray:
    """Areas of corner-form boxes (zero for degenerate ones)."""
    result: FloatArray = np.clip(boxes[:, 2] - boxes[:, 0], 0, None) * np.clip(
        boxes[:, 3] - boxes[:, 1], 0, None
    )
    return result


def intersections(box: FloatArray, boxes: FloatArray) -> FloatArray:
    """Intersection area of one box with each of `boxes`."""
    iw = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    ih = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    result: FloatArray = iw * ih
    return result


def iou(box: FloatArray, boxes: FloatArray) -> FloatArray:
    """Intersection over union of one box with each of `boxes`."""
    inter = intersections(box, boxes)
    union = box_areas(box[None, :])[0] + box_areas(boxes) - inter
    result: FloatArray = np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0).astype(
        np.float32
    )
    return result


def nms(boxes: FloatArray, scores: FloatArray, threshold: float) -> npt.NDArray[np.intp]:
    """Indices of the boxes kept by greedy IoU non-maximum suppression, best score first."""
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size:
        best = int(order[0])
        keep.append(best)
        rest = order[1:]
        order = rest[iou(boxes[best], boxes[rest]) <= threshold]
    return np.asarray(keep, dtype=np.intp)


def drop_contained(boxes: FloatArray, max_fraction: float) -> npt.NDArray[np.intp]:
    """Indices of the boxes not lying more than `max_fraction` inside a larger box of the set."""
    areas = box_areas(boxes)
    keep: list[int] = []
    for i in range(len(boxes)):
        larger = areas > areas[i]
        inside = intersections(boxes[i], boxes[larger]) / max(float(areas[i]), 1e-12)
        if not np.any(inside > max_fraction):
            keep.append(i)
    return np.asarray(keep, dtype=np.intp)


def square_boxes(boxes: FloatArray, width: int, height: int) -> FloatArray:
    """Squares of side = box height about each box centre, clipped to the image."""
    cx = (boxes[:, 0] + boxes[:, 2]) / 2
    cy = (boxes[:, 1] + boxes[:, 3]) / 2
    half = (boxes[:, 3] - boxes[:, 1]) / 2
    out = np.stack([cx - half, cy - half, cx + half, cy + half], axis=1)
    out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, width)
    out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, height)
    return out.astype(np.float32)


def scaled_crop_rect(box: FloatArray, factor: float, width: int, height: int) -> tuple[int, ...]:
    """The integer (x, y, w, h) crop of face-models.md §2's shared "scaled crop" rule.

    The box is scaled by `factor` about its centre (less if the image is too small), then
    shifted, not clipped, to lie inside the image.
    """
    x, y = int(box[0]), int(box[1])
    w, h = max(1, int(box[2] - box[0])), max(1, int(box[3] - box[1]))
    s = min((height - 1) / h, (width - 1) / w, factor)
    new_w, new_h = w * s, h * s
    left = x + w / 2 - new_w / 2
    top = y + h / 2 - new_h / 2
    left = min(max(left, 0.0), width - 1 - new_w)
    top = min(max(top, 0.0), height - 1 - new_h)
    return int(left), int(top), max(1, int(new_w)), max(1, int(new_h))


def expanded_crop_rect(
    box: FloatArray, factor: float, width: int, height: int
) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the box grown `factor` times about its centre, clipped to the image."""
    w, h = box[2] - box[0], box[3] - box[1]
    x1, y1 = box[0] - w * (factor - 1) / 2, box[1] - h * (factor - 1) / 2
    x2, y2 = x1 + w * factor, y1 + h * factor
    left, top = max(0, int(x1)), max(0, int(y1))
    right, bottom = min(width, int(np.ceil(x2))), min(height, int(np.ceil(y2)))
    return left, top, max(1, right - left), max(1, bottom - top)


def crop(image: ImageArray, rect: tuple[int, ...]) -> ImageArray:
    """The (x, y, w, h) sub-image; a view, not a copy."""
    x, y, w, h = rect
    return image[y : y + h, x : x + w]


def five_points(landmarks68: FloatArray) -> FloatArray:
    """The 5 alignment points (eyes, nose tip, mouth corners) from iBUG-68 landmarks."""
    lm = landmarks68
    return np.stack(
        [
            lm[[37, 38, 40, 41]].mean(axis=0),
            lm[[43, 44, 46, 47]].mean(axis=0),
            lm[30],
            lm[[48, 60]].mean(axis=0),
            lm[[54, 64]].mean(axis=0),
        ]
    ).astype(np.float32)


def similarity_transform(src: FloatArray, dst: FloatArray) -> npt.NDArray[np.float64]:
    """The 2x3 least-squares similarity (rotation, uniform scale, shift) mapping src onto dst.

    Closed form, deterministic (unlike a robust estimator's random sampling): with the points
    centred and read as complex numbers v (source) and w (target), the factor z = scale *
    e^(i angle) minimising sum |w - z v|^2 is sum(conj(v) w) / sum |v|^2 (Umeyama's result).
    """
    src64, dst64 = src.astype(np.float64), dst.astype(np.float64)
    src_mean, dst_mean = src64.mean(axis=0), dst64.mean(axis=0)
    (sx, sy), (dx, dy) = (src64 - src_mean).T, (dst64 - dst_mean).T
    norm = float((sx * sx + sy * sy).sum())
    a, b = (
        (float((sx * dx + sy * dy).sum()) / norm, float((sx * dy - sy * dx).sum()) / norm)
        if norm > 0
        else (1.0, 0.0)
    )
    linear = np.array([[a, -b], [b, a]])
    shift = dst_mean - linear @ src_mean
    result: npt.NDArray[np.float64] = np.hstack([linear, shift[:, None]])
    return result


def align_face(image: ImageArray, points5: FloatArray) -> ImageArray:
    """The 112x112 crop with the five points moved onto the ArcFace template (black border)."""
    matrix = similarity_transform(points5, ARCFACE_TEMPLATE)
    return warp_affine(image, matrix, ALIGNED_SIZE, ALIGNED_SIZE)


def rotate(image: ImageArray, quarter_turns: int) -> ImageArray:
    """The image turned counter-clockwise by `quarter_turns` x 90 degrees (contiguous copy)."""
    return np.ascontiguousarray(np.rot90(image, quarter_turns))


def unrotate_points(points: FloatArray, quarter_turns: int, width: int, height: int) -> FloatArray:
    """Map (x, y) points of `rotate(image, k)` back into `image` of size width x height."""
    x, y = points[..., 0], points[..., 1]
    k = quarter_turns % 4
    if k == 0:
        ox, oy = x, y
    elif k == 1:
        ox, oy = width - y, x
    elif k == 2:
        ox, oy = width - x, height - y
    else:
        ox, oy = y, height - x
    return np.stack([ox, oy], axis=-1).astype(np.float32)


def unrotate_boxes(boxes: FloatArray, quarter_turns: int, width: int, height: int) -> FloatArray:
    """Map corner-form boxes of `rotate(image, k)` back into `image` of size width x height."""
    corners = unrotate_points(boxes.reshape(-1, 2, 2), quarter_turns, width, height)
    return np.concatenate([corners.min(axis=1), corners.max(axis=1)], axis=1).astype(np.float32)
