"""Unit tests of the attribute decoders (SSR-Net, softmax) and the quality score."""

from __future__ import annotations

import numpy as np
import pytest

from app.vision import EMOTIONS, HeadPose, VisionConfig
from app.vision._attributes import EXPRESSION_CLASSES, softmax, ssr_decode
from app.vision._quality import assess_quality


def ssr_outputs(
    probs: list[list[float]], deltas: list[float], offsets: list[list[float]]
) -> list[np.ndarray]:
    return [
        *(np.array([p], dtype=np.float32) for p in probs),
        *(np.array([[d]], dtype=np.float32) for d in deltas),
        *(np.array([o], dtype=np.float32) for o in offsets),
    ]


def test_ssr_decode_follows_the_three_stage_formula() -> None:
    probs = [[0.2, 0.3, 0.5], [0.1, 0.6, 0.3], [0.3, 0.3, 0.4]]
    deltas = [0.1, -0.2, 0.05]
    offsets = [[0.0, 0.1, -0.1], [0.2, 0.0, 0.0], [0.0, 0.0, 0.3]]
    d1, d2, d3 = (3 * (1 + d) for d in deltas)
    a = sum((i + offsets[0][i]) * probs[0][i] for i in range(3)) / d1
    b = sum((i + offsets[1][i]) * probs[1][i] for i in range(3)) / d1 / d2
    c = sum((i + offsets[2][i]) * probs[2][i] for i in range(3)) / d1 / d2 / d3
    out = ssr_outputs(probs, deltas, offsets)
    assert ssr_decode(out, 101.0) == pytest.approx((a + b + c) * 101, rel=1e-5)
    assert ssr_decode(out, 1.0) == pytest.approx(a + b + c, rel=1e-5)


def test_ssr_decode_spans_zero_to_nearly_the_range() -> None:
    zero = ssr_outputs([[1, 0, 0]] * 3, [0, 0, 0], [[0, 0, 0]] * 3)
    top = ssr_outputs([[0, 0, 1]] * 3, [0, 0, 0], [[0, 0, 0]] * 3)
    assert ssr_decode(zero, 101.0) == 0.0
    # 2/3 + 2/9 + 2/27 = 26/27 of the range.
    assert ssr_decode(top, 101.0) == pytest.approx(101 * 26 / 27)


def test_softmax_is_a_distribution_and_stable_for_large_logits() -> None:
    p = softmax(np.array([[1000.0, 1001.0, 999.0]], dtype=np.float32))
    assert p.sum() == pytest.approx(1.0) and int(p.argmax()) == 1


def test_expression_classes_are_findface_emotion_names() -> None:
    assert sorted(EXPRESSION_CLASSES) == sorted(EMOTIONS) and len(EXPRESSION_CLASSES) == 7


def test_quality_is_highest_for_a_large_sharp_frontal_confident_face() -> None:
    cfg = VisionConfig()
    good, issues = assess_quality(
        detection_score=0.99,
        face_height=200,
        pose=HeadPose(0, 0, 0),
        sharpness_value=500,
        config=cfg,
    )
    assert issues == () and 0.8 < good <= 1.0
    for kwargs, issue in [
        ({"face_height": 20}, "too_small"),
        ({"sharpness_value": 5}, "blurred"),
        ({"pose": HeadPose(70, 0, 0)}, "turned_away"),
        ({"pose": HeadPose(0, -40, 0)}, "turned_away"),
    ]:
        args = {
            "detection_score": 0.99,
            "face_height": 200.0,
            "pose": HeadPose(0, 0, 0),
            "sharpness_value": 500.0,
            **kwargs,
        }
        worse, worse_issues = assess_quality(config=cfg, **args)  # type: ignore[arg-type]
        assert issue in worse_issues and 0.0 <= worse < good
