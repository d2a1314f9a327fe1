"""Result objects: immutable where they are values, readable reprs, strict reading of JSON."""

from __future__ import annotations

import dataclasses
import json

import httpx
import pytest

from app.sfapi_client import (
    BBox,
    DetectFace,
    DetectResponse,
    Face,
    FaceId,
    GalleryInfo,
    ListResponse,
)

BIG = 2**64 - 1


def test_bbox_reads_as_attributes_and_as_a_tuple() -> None:
    box = BBox.from_json({"left": -3, "top": 4, "right": 50, "bottom": 60})
    assert (box.left, box.top, box.right, box.bottom) == (-3, 4, 50, 60)
    x1, y1, x2, y2 = box
    assert (x1, y2) == (-3, 60)


def test_faceid_is_a_namedtuple() -> None:
    ref = FaceId("g", 5)
    assert ref == ("g", 5)
    assert ref._fields == ("gallery", "face")
    assert repr(ref) == "FaceId(gallery='g', face=5)"


def test_value_objects_are_immutable() -> None:
    face = Face(FaceId("g", 1), {}, {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        face.meta = {}  # type: ignore[misc]
    det = DetectFace("d", BBox(0, 0, 1, 1), {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        det.id = "e"  # type: ignore[misc]


def test_list_likes_carry_their_extra_field_in_repr() -> None:
    assert repr(DetectResponse([], 6)) == "DetectResponse([], orientation=6)"
    page = ListResponse([Face(FaceId("g", 1), {}, {"a": 1}, 0.5)], "next")
    assert repr(page) == (
        "ListResponse([Face(id=FaceId(gallery='g', face=1), features={}, meta={'a': 1}, "
        "confidence=0.5)], next_page='next')"
    )
    assert isinstance(page, list)
    assert page[0].confidence == 0.5


def test_uint64_ids_survive_the_http_json_round_trip() -> None:
    # httpx decodes with json.loads, which keeps integers exact at any size.
    text = json.dumps({"id": {"gallery": "g", "face": BIG}, "features": {}, "meta": {"n": BIG}})
    data = httpx.Response(200, content=text.encode()).json()
    face = Face.from_json(data, "g")
    assert face.id.face == BIG
    assert face.meta["n"] == BIG
    assert face.confidence is None


def test_a_float_face_id_is_refused() -> None:
    with pytest.raises(TypeError):
        Face.from_json({"id": {"gallery": "g", "face": 1.8e19}, "features": {}, "meta": {}}, "g")


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"faces": {}},
        {"faces": [{"id": "x"}]},
        {"faces": [{"id": "x", "bbox": {"left": 0}, "features": {}}]},
        {"faces": [{"id": "x", "bbox": [0, 0, 1, 1], "features": {}}]},
        {"faces": [], "orientation": "1"},
        {"faces": [{"id": "x", "bbox": {}, "features": {}, "facen": "not base64!"}]},
    ],
)
def test_malformed_detect_responses_raise(data: object) -> None:
    with pytest.raises((KeyError, TypeError, ValueError)):
        DetectResponse.from_json(data)


def test_gallery_info_reads_the_schema() -> None:
    info = GalleryInfo.from_json(
        {"name": "g", "number_of_faces": 0, "meta_schema": {"tags": {"type": "set[string]"}}}
    )
    assert info.meta_schema["tags"].type == "set[string]"
    assert info.meta_schema["tags"].default is None
