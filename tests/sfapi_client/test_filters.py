"""Filter objects: construction rules, equality and repr (their query form is in test_requests)."""

from __future__ import annotations

import pytest

from app.sfapi_client import BBox, DetectFace, Face, FaceId, filters


def test_oneof_needs_a_value() -> None:
    # "one of nothing" matches no face, which an empty query cannot express.
    with pytest.raises(ValueError, match="at least one"):
        filters.Id.oneof()
    with pytest.raises(ValueError, match="at least one"):
        filters.Meta("cam").oneof()


@pytest.mark.parametrize(
    "make",
    [
        lambda: filters.Id.lte("5"),
        lambda: filters.Id.gte(True),
        lambda: filters.Meta("a").gte(1.5),
        lambda: filters.Meta("a").subset(None),
        lambda: filters.Detection(5, 0.5),
        lambda: filters.Face(17.0, 0.5),
    ],
    ids=["id-str", "id-bool", "meta-float", "meta-none", "detection-int", "face-float"],
)
def test_wrong_value_types_are_refused(make: object) -> None:
    with pytest.raises(TypeError):
        make()  # type: ignore[operator]


def test_filters_compare_by_value() -> None:
    assert filters.Id.lte(5) == filters.Id.lte(5)
    assert filters.Id.lte(5) != filters.Id.gte(5)
    assert filters.Detection("d1", 0.5) == filters.Detection(
        DetectFace("d1", BBox(0, 0, 1, 1), {}), 0.5
    )
    assert filters.Face(FaceId("g", 1), 0.5) == filters.Face(Face(FaceId("g", 1), {}, {}), 0.5)
    assert filters.Face(1, 0.5) != filters.Face(FaceId("g", 1), 0.5)
    assert len({filters.Id.lte(5), filters.Id.lte(5)}) == 1


def test_reprs_are_readable() -> None:
    assert repr(filters.Id.oneof(1, 2)) == "Filter('id:in=1&id:in=2')"
    assert repr(filters.Meta("cam")) == "Meta('cam')"
    assert repr(filters.Detection("d1", 0.77)) == "Detection('d1', threshold=0.77)"
    assert repr(filters.Face(FaceId("g", 1), 0.5)) == (
        "Face(FaceId(gallery='g', face=1), threshold=0.5)"
    )


def test_a_bare_face_id_is_resolved_against_the_listed_gallery() -> None:
    flt = filters.Face(7, 0.6)
    assert flt.query("a") == [("looks_like", "faces/a/7"), ("threshold", "0.6")]
    assert flt.query("b")[0] == ("looks_like", "faces/b/7")
