"""sf-api rendering of detections, facen/PNG encodings and detection ids."""

from __future__ import annotations

import base64
import io
import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

import app.vision
from app.protocol import ProtocolError
from app.vision import (
    EMOTIONS,
    BBox,
    DetectResult,
    FaceAnalysis,
    Gender,
    HeadPose,
    decode_facen,
    encode_facen,
    encode_png,
    is_detection_id,
    new_detection_id,
    render_detect_response,
)

VECTOR = (np.arange(512, dtype=np.float32) - 256) / 1000


def face(**attrs: object) -> FaceAnalysis:
    base: dict[str, object] = {
        "bbox": BBox(10, 20, 110, 120),
        "detection_score": 0.98,
        "quality": 0.8,
        "quality_issues": ("blurred",),
        "landmarks": np.zeros((5, 2), np.float32),
        "normalized": np.zeros((112, 112, 3), np.uint8),
        "pose": HeadPose(1.0, 2.0, 3.0),
    }
    return FaceAnalysis(**{**base, **attrs})  # type: ignore[arg-type]


FULL = face(
    facen=VECTOR,
    gender=Gender("female", 0.9, 0.1),
    age=33.4,
    age_confidence=0.4,
    emotions=(("happy", 0.7), ("neutral", 0.2), *((n, 0.02) for n in EMOTIONS[2:])),
)


def test_package_all_is_sorted_and_complete() -> None:
    assert app.vision.__all__ == sorted(app.vision.__all__)
    for name in app.vision.__all__:
        assert hasattr(app.vision, name), name


def test_detect_response_without_attributes() -> None:
    result = DetectResult(orientation=3, width=200, height=150, faces=(FULL,))
    body = render_detect_response(result, ["dc4i8atakjh2mua8ffng"])
    assert body == {
        "orientation": 3,
        "faces": [
            {
                "id": "dc4i8atakjh2mua8ffng",
                "bbox": {"left": 10, "top": 20, "right": 110, "bottom": 120},
                "features": {"score": 0.98, "quality": 0.8, "quality_issues": ["blurred"]},
            }
        ],
    }
    json.dumps(body)  # plain JSON types only


def test_old_style_attributes() -> None:
    result = DetectResult(1, 200, 150, (FULL,))
    body = render_detect_response(
        result, ["x" * 20], old_style={"gender", "age", "emotions"}, return_facen=True
    )
    features = body["faces"][0]["features"]
    assert features["gender"] == {"gender": "FEMALE", "score": 0.9}
    assert features["age"] == pytest.approx(33.4)
    assert [e["emotion"] for e in features["emotions"]][:2] == ["happy", "neutral"]
    assert len(features["emotions"]) == 7
    np.testing.assert_array_equal(decode_facen(body["faces"][0]["facen"], 512), VECTOR)
    json.dumps(body)


def test_new_style_attributes_mixed_with_old_style() -> None:
    body = render_detect_response(
        DetectResult(1, 200, 150, (FULL,)),
        ["x" * 20],
        old_style=("age",),
        new_style=("gender", "emotions"),
    )
    features = body["faces"][0]["features"]
    assert features["gender"] == {"name": "female", "confidence": 0.9}
    assert features["emotions"] == {"name": "happy", "confidence": 0.7}
    assert features["age"] == pytest.approx(33.4)
    assert "facen" not in body["faces"][0]
    new_age = render_detect_response(
        DetectResult(1, 200, 150, (FULL,)), ["x" * 20], new_style=("age",)
    )["faces"][0]["features"]["age"]
    assert new_age == {"name": 33, "confidence": 0.4}


def test_rendering_refuses_inconsistent_requests() -> None:
    result = DetectResult(1, 200, 150, (face(),))
    with pytest.raises(ValueError, match="both styles"):
        render_detect_response(result, ["a" * 20], old_style={"age"}, new_style={"age"})
    with pytest.raises(ValueError, match="unknown attributes"):
        render_detect_response(result, ["a" * 20], new_style={"beard"})
    with pytest.raises(ValueError, match="not computed"):
        render_detect_response(result, ["a" * 20], old_style={"gender"})
    with pytest.raises(ValueError, match="not computed"):
        render_detect_response(result, ["a" * 20], return_facen=True)
    with pytest.raises(ValueError, match="ids"):
        render_detect_response(result, [])


def test_facen_is_base64_of_little_endian_float32() -> None:
    text = encode_facen(VECTOR)
    raw = base64.b64decode(text)
    assert len(raw) == 2048
    np.testing.assert_array_equal(np.frombuffer(raw, "<f4"), VECTOR)
    np.testing.assert_array_equal(decode_facen(text), VECTOR)


@pytest.mark.parametrize(
    "text", ["not base64!", base64.b64encode(b"abc").decode(), encode_facen(VECTOR[:10])]
)
def test_decode_facen_refuses_bad_values_with_bad_param(text: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        decode_facen(text, 512, param="looks_like")
    assert caught.value.code == "BAD_PARAM" and caught.value.param == "looks_like"


def test_encode_png_round_trips_the_crop_through_pillow_in_rgb_order() -> None:
    crop = np.random.default_rng(0).integers(0, 256, (112, 112, 3), dtype=np.uint8)
    png = encode_png(crop)
    assert png.startswith(b"\x89PNG")
    with Image.open(io.BytesIO(png)) as decoded:
        assert decoded.format == "PNG" and decoded.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(decoded), crop[:, :, ::-1])


def test_encode_png_keeps_a_grey_image_grey_and_refuses_other_arrays() -> None:
    plane = np.arange(64, dtype=np.uint8).reshape(8, 8)
    with Image.open(io.BytesIO(encode_png(plane))) as decoded:
        assert decoded.mode == "L"
        np.testing.assert_array_equal(np.asarray(decoded), plane)
    for bad in (np.zeros((8, 8, 4), np.uint8), np.zeros((8, 8, 3), np.float32)):
        with pytest.raises(ValueError, match="PNG"):
            encode_png(bad)


def test_detection_ids_are_unique_xid_style_strings() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = list(pool.map(lambda _: new_detection_id(), range(4000)))
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 20 and is_detection_id(i) for i in ids)
    assert not is_detection_id("ABCDEFGHIJ0123456789") and not is_detection_id("short")
