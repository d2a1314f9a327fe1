"""Unit tests of the pipeline's geometry: NMS, letterbox mapping, crops, alignment, rotation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.vision._geometry import (
    ALIGNED_SIZE,
    ARCFACE_TEMPLATE,
    align_face,
    drop_contained,
    expanded_crop_rect,
    five_points,
    iou,
    letterbox,
    nms,
    rotate,
    scaled_crop_rect,
    similarity_transform,
    square_boxes,
    unrotate_boxes,
    unrotate_points,
)


def boxes(*rows: tuple[float, float, float, float]) -> np.ndarray:
    return np.array(rows, dtype=np.float32)


def test_iou_of_identical_disjoint_and_half_overlapping_boxes() -> None:
    a = boxes((0, 0, 10, 10))[0]
    got = iou(a, boxes((0, 0, 10, 10), (20, 20, 30, 30), (5, 0, 15, 10)))
    assert got == pytest.approx([1.0, 0.0, 50 / 150])


def test_nms_keeps_the_best_score_not_the_first_box() -> None:
    b = boxes((0, 0, 10, 10), (1, 1, 11, 11), (50, 50, 60, 60))
    keep = nms(b, np.array([0.7, 0.9, 0.8], dtype=np.float32), 0.4)
    assert keep.tolist() == [1, 2]


def test_nms_keeps_boxes_overlapping_at_or_below_the_threshold() -> None:
    b = boxes((0, 0, 10, 10), (5, 0, 15, 10))  # IoU 1/3
    assert sorted(nms(b, np.array([0.9, 0.8], dtype=np.float32), 0.4).tolist()) == [0, 1]
    assert nms(b, np.array([0.9, 0.8], dtype=np.float32), 0.3).tolist() == [0]


def test_drop_contained_removes_a_box_mostly_inside_a_larger_one() -> None:
    b = boxes((0, 0, 100, 100), (10, 10, 40, 40), (90, 90, 130, 130))
    assert drop_contained(b, 0.6).tolist() == [0, 2]


@pytest.mark.parametrize("size", [(640, 480), (480, 640), (1000, 300), (320, 240)])
def test_letterbox_keeps_aspect_pads_black_and_maps_boxes_back(size: tuple[int, int]) -> None:
    w, h = size
    image = np.full((h, w, 3), 200, dtype=np.uint8)
    canvas, lb = letterbox(image, 320, 240)
    assert canvas.shape == (240, 320, 3)
    # The image keeps its aspect: the padded size is 4:3 and at least the image.
    assert lb.padded_w / lb.padded_h == pytest.approx(4 / 3)
    assert lb.padded_w >= w and lb.padded_h >= h
    used_w, used_h = round(320 * w / lb.padded_w), round(240 * h / lb.padded_h)
    assert (
        canvas[used_h + 1 :, :].max(initial=0) == 0 and canvas[:, used_w + 1 :].max(initial=0) == 0
    )
    assert canvas[: used_h - 1, : used_w - 1].min() == 200
    # A box covering the used area maps back onto the whole image.
    mapped = lb.to_image(boxes((0, 0, used_w / 320, used_h / 240)))[0]
    assert mapped == pytest.approx([0, 0, w, h], abs=2.5)


def test_square_boxes_have_side_height_about_the_centre_and_are_clipped() -> None:
    got = square_boxes(boxes((40, 10, 60, 50), (0, 0, 10, 40)), 200, 100)
    assert got[0] == pytest.approx([30, 10, 70, 50])
    assert got[1] == pytest.approx([0, 0, 25, 40])  # clipped at the left border


def test_scaled_crop_rect_grows_about_the_centre_and_shifts_inside() -> None:
    assert scaled_crop_rect(boxes((40, 40, 60, 60))[0], 1.5, 200, 200) == (35, 35, 30, 30)
    x, y, w, h = scaled_crop_rect(boxes((0, 0, 40, 40))[0], 1.5, 200, 200)
    assert (x, y) == (0, 0) and (w, h) == (60, 60)  # shifted, not clipped
    x, y, w, h = scaled_crop_rect(boxes((0, 0, 80, 80))[0], 2.0, 100, 100)
    assert w <= 99 and h <= 99 and x >= 0 and y >= 0  # factor reduced to fit


def test_expanded_crop_rect_grows_about_the_centre_and_clips() -> None:
    assert expanded_crop_rect(boxes((40, 40, 60, 60))[0], 1.5, 200, 200) == (35, 35, 30, 30)
    assert expanded_crop_rect(boxes((0, 0, 40, 40))[0], 1.5, 200, 200) == (0, 0, 50, 50)


def test_five_points_from_68() -> None:
    lm = np.zeros((68, 2), dtype=np.float32)
    lm[[37, 38, 40, 41]] = [[10, 10], [12, 10], [12, 12], [10, 12]]
    lm[[43, 44, 46, 47]] = [[30, 10], [32, 10], [32, 12], [30, 12]]
    lm[30] = [21, 20]
    lm[[48, 60]] = [[12, 30], [14, 30]]
    lm[[54, 64]] = [[30, 30], [28, 30]]
    assert five_points(lm).tolist() == [[11, 11], [31, 11], [21, 20], [13, 30], [29, 30]]


def test_similarity_transform_recovers_rotation_scale_and_shift() -> None:
    angle, scale, shift = math.radians(25), 1.7, np.array([13.0, -4.0])
    rot = scale * np.array(
        [[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]]
    )
    src = ARCFACE_TEMPLATE.astype(np.float64)
    dst = src @ rot.T + shift
    m = similarity_transform(src.astype(np.float32), dst.astype(np.float32))
    assert m[:, :2] == pytest.approx(rot, abs=1e-5)
    assert m[:, 2] == pytest.approx(shift, abs=1e-4)


def test_similarity_transform_is_least_squares_under_noise() -> None:
    rng = np.random.default_rng(1)
    noisy = ARCFACE_TEMPLATE + rng.normal(0, 1.0, ARCFACE_TEMPLATE.shape).astype(np.float32)
    m = similarity_transform(noisy, ARCFACE_TEMPLATE)
    mapped = noisy @ m[:, :2].T + m[:, 2]
    assert np.abs(mapped - ARCFACE_TEMPLATE).mean() < 1.5


def test_align_face_moves_the_points_onto_the_template() -> None:
    # Draw five dots where a face 3x the template size, rotated 20 degrees, would have them.
    center = np.array([150.0, 150.0])
    angle = math.radians(20)
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    points = ((ARCFACE_TEMPLATE - 56) * 3) @ rot.T + center
    image = np.zeros((300, 300, 3), dtype=np.uint8)
    ys, xs = np.mgrid[0:300, 0:300]
    for p in points:
        image[(xs - round(p[0])) ** 2 + (ys - round(p[1])) ** 2 <= 36] = 255
    aligned = align_face(image, points.astype(np.float32))
    assert aligned.shape == (ALIGNED_SIZE, ALIGNED_SIZE, 3) and aligned.dtype == np.uint8
    for t in ARCFACE_TEMPLATE:
        assert aligned[round(t[1]), round(t[0])].min() > 200


@pytest.mark.parametrize("k", [0, 1, 2, 3])
def test_unrotate_maps_points_and_boxes_of_a_rotated_image_back(k: int) -> None:
    h, w = 40, 60
    image = np.zeros((h, w, 3), dtype=np.uint8)
    image[10:20, 30:45] = 255  # a bright box x 30..45, y 10..20
    turned = rotate(image, k)
    ys, xs = np.nonzero(turned[:, :, 0])
    box_turned = boxes((xs.min(), ys.min(), xs.max() + 1, ys.max() + 1))
    assert unrotate_boxes(box_turned, k, w, h)[0] == pytest.approx([30, 10, 45, 20])
    centre = unrotate_points(np.array([[xs.mean() + 0.5, ys.mean() + 0.5]], np.float32), k, w, h)
    assert centre[0] == pytest.approx([37.5, 15.0])
