"""What each client method puts on the wire, and how it reads the answer (fake transport)."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from sfapi_fakes import Fake, body, query

from app.sfapi_client import (
    BBox,
    Client,
    Conflict,
    DetectFace,
    DetectResponse,
    Face,
    FaceId,
    GalleryInfo,
    GalleryListItem,
    ListResponse,
    MetaField,
    ServerStatus,
    filters,
)

DET_ID = "ck3p0a2u1d9fq7m4s0bg"
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32
DETECTION = {
    "id": DET_ID,
    "bbox": {"left": 412, "top": 96, "right": 618, "bottom": 302},
    "features": {"score": 0.99, "quality": 0.8, "quality_issues": []},
}
BIG = 2**64 - 1  # the largest uint64: must never pass through a float


def face_json(face: int = 17, gallery: str = "g", **extra: Any) -> dict[str, Any]:
    return {
        "id": {"gallery": gallery, "face": face},
        "features": {"score": 0.9},
        "meta": {"cam_id": "gate-2"},
        **extra,
    }


# ------------------------------------------------------------------ Client


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({}, []),
        ({"facen": True}, [("facen", "true")]),
        (
            {"facen": True, "gender": True, "age": True, "emotions": True},
            [("facen", "true"), ("gender", "true"), ("age", "true"), ("emotions", "true")],
        ),
        (
            {"return_facen": True, "autorotate": True, "detector": "normalized"},
            [("return_facen", "true"), ("autorotate", "true"), ("detector", "normalized")],
        ),
    ],
)
async def test_detect_sends_the_image_and_flags(
    fake: Fake, flags: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    fake.reply(json={"orientation": 1, "faces": [DETECTION]})
    result = await fake.client.detect(image=JPEG, **flags)
    req = fake.last
    assert (req.method, req.url.path) == ("POST", "/v2/detect")
    assert query(req) == expected
    assert req.headers["content-type"] == "image/jpeg"
    assert req.content == JPEG
    assert isinstance(result, DetectResponse)
    assert result.orientation == 1
    assert result == [
        DetectFace(DET_ID, BBox(412, 96, 618, 302), DETECTION["features"])  # type: ignore[arg-type]
    ]
    assert result.faces == list(result)


@pytest.mark.parametrize(
    ("image", "content_type"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 8, "image/png"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "image/webp"),
        (b"BM" + b"\0" * 16, "image/bmp"),
        (b"not an image", "application/octet-stream"),
    ],
)
async def test_detect_labels_the_image_type(fake: Fake, image: bytes, content_type: str) -> None:
    fake.reply(json={"orientation": 1, "faces": []})
    assert await fake.client.detect(image=image) == []
    assert fake.last.headers["content-type"] == content_type


async def test_detect_by_url_sends_a_text_x_url_body(fake: Fake) -> None:
    fake.reply(json={"orientation": 6, "faces": []})
    result = await fake.client.detect(url="http://cam.local/a.jpg", facen=True)
    assert fake.last.headers["content-type"] == "text/x-url"
    assert fake.last.content == b"http://cam.local/a.jpg"
    assert result.orientation == 6


@pytest.mark.parametrize("kwargs", [{}, {"image": JPEG, "url": "http://x/a.jpg"}])
async def test_detect_wants_exactly_one_image_source(fake: Fake, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        await fake.client.detect(**kwargs)
    assert fake.requests == []


async def test_detect_decodes_a_returned_facen(fake: Fake) -> None:
    vector = bytes(range(16))
    fake.reply(
        json={
            "orientation": 1,
            "faces": [{**DETECTION, "facen": base64.b64encode(vector).decode()}],
        }
    )
    (face,) = await fake.client.detect(image=JPEG, facen=True, return_facen=True)
    assert face.facen == vector


async def test_gallery_handles_need_no_request(fake: Fake) -> None:
    gallery = fake.client.gallery("visitors")
    assert gallery.name == "visitors"
    assert fake.client["visitors"].name == "visitors"
    assert gallery.client is fake.client
    assert fake.requests == []
    assert repr(gallery) == "<Gallery 'visitors' of 'http://sfapi.test'>"


async def test_list_galleries(fake: Fake) -> None:
    fake.reply(json={"galleries": [{"name": "a", "number_of_faces": 3}]})
    assert await fake.client.list_galleries() == [GalleryListItem("a", 3)]
    assert (fake.last.method, fake.last.url.path) == ("GET", "/v2/galleries")


async def test_status(fake: Fake) -> None:
    fake.reply(json={"status": "ok", "version": "0.1.0", "model_pack": "faceplugin-0.0.1"})
    assert await fake.client.status() == ServerStatus("ok", "0.1.0", "faceplugin-0.0.1")
    assert (fake.last.method, fake.last.url.path) == ("GET", "/v2/status")


@pytest.mark.parametrize(
    "detection", [DET_ID, DetectFace(DET_ID, BBox(0, 0, 1, 1), {})], ids=["str", "DetectFace"]
)
async def test_detection_normalized(fake: Fake, detection: DetectFace | str) -> None:
    fake.reply(content=b"\x89PNG...", headers={"content-type": "image/png"})
    assert await fake.client.detection_normalized(detection) == b"\x89PNG..."
    assert (fake.last.method, fake.last.url.path) == ("GET", f"/v2/detect/{DET_ID}/normalized")


async def test_token_becomes_a_bearer_header() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"galleries": []})

    async with Client("http://x", token="s3cret", transport=httpx.MockTransport(handler)) as c:
        await c.list_galleries()
    assert seen[0].headers["authorization"] == "Bearer s3cret"
    assert seen[0].headers["user-agent"].startswith("sfdesk-sfapi-client/")


async def test_a_url_prefix_is_kept() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    async with Client("http://x/sfapi", transport=httpx.MockTransport(handler)) as c:
        await c.gallery("g").drop()
    assert seen[0].url.path == "/sfapi/v2/galleries/g"


# ------------------------------------------------------------------ Gallery: galleries


async def test_create_without_schema_sends_no_body(fake: Fake) -> None:
    fake.reply(json={"name": "g"})
    assert await fake.client.gallery("g").create() is None
    assert (fake.last.method, fake.last.url.path) == ("POST", "/v2/galleries/g")
    assert fake.last.content == b""


async def test_create_with_a_meta_schema(fake: Fake) -> None:
    fake.reply(201)
    await fake.client.gallery("g").create(
        meta_schema={"person_id": "unsigned", "tags": {"type": "set[string]", "default": ["x"]}}
    )
    assert body(fake.last) == {
        "meta_schema": {
            "person_id": {"type": "unsigned"},
            "tags": {"type": "set[string]", "default": ["x"]},
        }
    }


async def test_drop_accepts_any_2xx(fake: Fake) -> None:
    fake.reply(204)
    await fake.client.gallery("g").drop()
    assert (fake.last.method, fake.last.url.path) == ("DELETE", "/v2/galleries/g")


async def test_info(fake: Fake) -> None:
    fake.reply(
        json={
            "name": "g",
            "number_of_faces": 2,
            "meta_schema": {"name": {"type": "string"}, "n": {"type": "unsigned", "default": 0}},
        }
    )
    info = await fake.client.gallery("g").info()
    assert info == GalleryInfo("g", 2, {"name": MetaField("string"), "n": MetaField("unsigned", 0)})
    assert (fake.last.method, fake.last.url.path) == ("GET", "/v2/galleries/g")


async def test_gallery_names_are_quoted_as_one_path_segment(fake: Fake) -> None:
    fake.reply(204)
    await fake.client.gallery("a/b c").drop()
    assert fake.last.url.raw_path == b"/v2/galleries/a%2Fb%20c"


# ------------------------------------------------------------------ Gallery: listing


async def test_list_defaults(fake: Fake) -> None:
    fake.reply(json={"faces": [face_json(17), face_json(18)], "next_page": None})
    result = await fake.client.gallery("g").list()
    assert (fake.last.method, fake.last.url.path) == ("GET", "/v2/galleries/g/faces")
    assert query(fake.last) == [("limit", "1000")]
    assert isinstance(result, ListResponse)
    assert [f.id for f in result] == [FaceId("g", 17), FaceId("g", 18)]
    assert result.next_page is None


async def test_list_options(fake: Fake) -> None:
    fake.reply(json={"faces": [], "next_page": "abc"})
    result = await fake.client.gallery("g").list(
        limit=5, sort="-id", page="cursor1", ignore_errors=True
    )
    assert query(fake.last) == [
        ("limit", "5"),
        ("sort", "-id"),
        ("page", "cursor1"),
        ("ignore_errors", "true"),
    ]
    assert result.next_page == "abc"


FACE = Face(FaceId("other", 5), {}, {})


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (filters.Id.lte(BIG), [("id:lte", str(BIG))]),
        (filters.Id.gte(7), [("id:gte", "7")]),
        (filters.Id.oneof(1, 2, 3), [("id:in", "1"), ("id:in", "2"), ("id:in", "3")]),
        (filters.Meta("age").lte(45), [("meta:lte:age", "45")]),
        (filters.Meta("name").gte("M"), [("meta:gte:name", "M")]),
        (filters.Meta("cam").oneof("abc", "d&f"), [("meta:in:cam", "abc"), ("meta:in:cam", "d&f")]),
        (
            filters.Meta("tags").subset("a", "b"),
            [("meta:subset:tags", "a"), ("meta:subset:tags", "b")],
        ),
        (
            filters.Detection(DET_ID, 0.77),
            [("looks_like", f"detection:{DET_ID}"), ("threshold", "0.77")],
        ),
        (
            filters.Detection(DetectFace(DET_ID, BBox(0, 0, 1, 1), {}), 0.5),
            [("looks_like", f"detection:{DET_ID}"), ("threshold", "0.5")],
        ),
        (
            filters.Face(FaceId("gal1", 1234), 0.7),
            [("looks_like", "faces/gal1/1234"), ("threshold", "0.7")],
        ),
        (filters.Face(FACE, 1), [("looks_like", "faces/other/5"), ("threshold", "1.0")]),
        (filters.Face(42, 0.75), [("looks_like", "faces/g/42"), ("threshold", "0.75")]),
    ],
    ids=repr,
)
async def test_each_filter_becomes_query_parameters(
    fake: Fake, flt: filters.Filter, expected: list[tuple[str, str]]
) -> None:
    fake.reply(json={"faces": [], "next_page": None})
    await fake.client.gallery("g").list(filters=[flt], limit=1)
    assert query(fake.last) == [*expected, ("limit", "1")]


async def test_filters_combine_in_order(fake: Fake) -> None:
    fake.reply(json={"faces": [], "next_page": None})
    await fake.client.gallery("g").list(
        filters=[
            filters.Id.gte(123456),
            filters.Meta("age").gte(45),
            filters.Meta("c").oneof("x", "y"),
        ]
    )
    assert query(fake.last) == [
        ("id:gte", "123456"),
        ("meta:gte:age", "45"),
        ("meta:in:c", "x"),
        ("meta:in:c", "y"),
        ("limit", "1000"),
    ]


async def test_search_results_carry_confidence(fake: Fake) -> None:
    fake.reply(json={"faces": [face_json(17, confidence=0.912)], "next_page": None})
    (face,) = await fake.client.gallery("g").list(filters=[filters.Detection(DET_ID, 0.5)])
    assert face.confidence == pytest.approx(0.912)
    assert face.meta == {"cam_id": "gate-2"}


async def test_list_all_follows_next_page(fake: Fake) -> None:
    fake.reply(json={"faces": [face_json(1), face_json(2)], "next_page": "p2"})
    fake.reply(json={"faces": [face_json(3)], "next_page": "p3"})
    fake.reply(json={"faces": [], "next_page": None})
    flt = [filters.Id.gte(1)]
    ids = [face.id.face async for face in fake.client.gallery("g").list_all(filters=flt, limit=2)]
    assert ids == [1, 2, 3]
    assert [query(r) for r in fake.requests] == [
        [("id:gte", "1"), ("limit", "2")],
        [("id:gte", "1"), ("limit", "2"), ("page", "p2")],
        [("id:gte", "1"), ("limit", "2"), ("page", "p3")],
    ]


# ------------------------------------------------------------------ Gallery: faces


@pytest.mark.parametrize(
    ("source", "ref"),
    [
        (DET_ID, f"detection:{DET_ID}"),
        (DetectFace(DET_ID, BBox(0, 0, 1, 1), {}), f"detection:{DET_ID}"),
        (FaceId("src", 9), "faces/src/9"),
        (Face(FaceId("src", 9), {}, {}), "faces/src/9"),
    ],
    ids=["detection id", "DetectFace", "FaceId", "Face"],
)
async def test_add_sends_source_and_meta(fake: Fake, source: Any, ref: str) -> None:
    fake.reply(json=face_json(17, meta={"tags": ["vip"]}))
    face = await fake.client.gallery("g").add(17, source, meta={"tags": ["vip"]})
    assert (fake.last.method, fake.last.url.path) == ("POST", "/v2/galleries/g/faces/17")
    assert body(fake.last) == {"from": ref, "meta": {"tags": ["vip"]}}
    assert face.id == FaceId("g", 17)
    assert face.meta == {"tags": ["vip"]}


async def test_add_without_meta_sends_only_the_source(fake: Fake) -> None:
    fake.reply(json=face_json(BIG))
    face = await fake.client.gallery("g").add(BIG, DET_ID)
    assert fake.last.url.path == f"/v2/galleries/g/faces/{BIG}"
    assert body(fake.last) == {"from": f"detection:{DET_ID}"}
    assert face.id.face == BIG


CONFLICT = {"code": "CONFLICT", "reason": "face id is taken"}


async def test_add_with_a_callable_redraws_on_conflict(fake: Fake) -> None:
    ids = iter([1, 2, 3])
    fake.reply(409, json=CONFLICT)
    fake.reply(409, json=CONFLICT)
    fake.reply(json=face_json(3))
    face = await fake.client.gallery("g").add(lambda: next(ids), DET_ID, regenerate_attempts=2)
    assert face.id.face == 3
    assert [r.url.path for r in fake.requests] == [f"/v2/galleries/g/faces/{i}" for i in (1, 2, 3)]


async def test_add_with_an_async_callable(fake: Fake) -> None:
    async def next_id() -> int:
        return 8

    fake.reply(json=face_json(8))
    assert (await fake.client.gallery("g").add(next_id, DET_ID)).id.face == 8


async def test_add_gives_up_after_regenerate_attempts(fake: Fake) -> None:
    for _ in range(3):
        fake.reply(409, json=CONFLICT)
    counter = iter(range(100))
    with pytest.raises(Conflict):
        await fake.client.gallery("g").add(lambda: next(counter), DET_ID, regenerate_attempts=2)
    assert len(fake.requests) == 3


async def test_add_with_an_int_id_does_not_retry(fake: Fake) -> None:
    fake.reply(409, json=CONFLICT)
    with pytest.raises(Conflict):
        await fake.client.gallery("g").add(5, DET_ID, regenerate_attempts=5)
    assert len(fake.requests) == 1


async def test_add_rejects_a_callable_that_returns_no_int(fake: Fake) -> None:
    with pytest.raises(TypeError, match="new_id"):
        await fake.client.gallery("g").add(lambda: "7", DET_ID)  # type: ignore[arg-type, return-value]
    assert fake.requests == []


FACE_REFS = [17, FaceId("g", 17), Face(FaceId("g", 17), {}, {})]


@pytest.mark.parametrize("ref", FACE_REFS, ids=["int", "FaceId", "Face"])
async def test_get(fake: Fake, ref: Any) -> None:
    fake.reply(json=face_json(17))
    face = await fake.client.gallery("g").get(ref)
    assert (fake.last.method, fake.last.url.path) == ("GET", "/v2/galleries/g/faces/17")
    assert face == Face(FaceId("g", 17), {"score": 0.9}, {"cam_id": "gate-2"})


@pytest.mark.parametrize("ref", FACE_REFS, ids=["int", "FaceId", "Face"])
async def test_delete(fake: Fake, ref: Any) -> None:
    fake.reply(204)
    assert await fake.client.gallery("g").delete(ref) is None
    assert (fake.last.method, fake.last.url.path) == ("DELETE", "/v2/galleries/g/faces/17")


@pytest.mark.parametrize("ref", FACE_REFS, ids=["int", "FaceId", "Face"])
async def test_update_drops_none_values(fake: Fake, ref: Any) -> None:
    fake.reply(json=face_json(17, meta={"cam_id": "x", "name": "Ann"}))
    face = await fake.client.gallery("g").update(ref, meta={"name": "Ann", "cam_id": None})
    assert (fake.last.method, fake.last.url.path) == ("PATCH", "/v2/galleries/g/faces/17")
    assert body(fake.last) == {"meta": {"name": "Ann"}}
    assert face.meta == {"cam_id": "x", "name": "Ann"}


@pytest.mark.parametrize("ref", FACE_REFS, ids=["int", "FaceId", "Face"])
async def test_normalized(fake: Fake, ref: Any) -> None:
    fake.reply(content=b"png", headers={"content-type": "image/png"})
    assert await fake.client.gallery("g").normalized(ref) == b"png"
    assert fake.last.url.path == "/v2/galleries/g/faces/17/normalized"


async def test_a_face_of_another_gallery_is_refused(fake: Fake) -> None:
    with pytest.raises(ValueError, match="not a face of gallery 'g'"):
        await fake.client.gallery("g").get(FaceId("other", 17))
    with pytest.raises(TypeError):
        await fake.client.gallery("g").get(17.0)  # type: ignore[arg-type]
    for bad in ("17a", "-17", "", "1" * 21, "١٧"):  # only decimal uint64 strings
        with pytest.raises(ValueError, match="decimal uint64"):
            await fake.client.gallery("g").get(bad)
    assert fake.requests == []


@pytest.mark.parametrize("method", ["get", "update", "delete", "normalized"])
async def test_string_face_ids_work_as_findface_allows(fake: Fake, method: str) -> None:
    """FindFace scripts write gallery.update('101', ...) and filters.Face('101', t)."""
    if method == "normalized":
        fake.reply(content=b"png", headers={"content-type": "image/png"})
    elif method == "delete":
        fake.reply(status=204)
    else:
        fake.reply(json={"id": 101, "features": {}, "meta": {}})
    call = getattr(fake.client.gallery("g"), method)
    await (call("101", meta={"name": "x"}) if method == "update" else call("101"))
    assert fake.last.url.path.startswith("/v2/galleries/g/faces/101")
    assert filters.Face("101", 0.5) == filters.Face(101, 0.5)
    assert filters.Face(FaceId("g", "101"), 0.5).query("x")[0] == ("looks_like", "faces/g/101")


async def test_a_bare_int_face_id_on_the_wire_is_accepted(fake: Fake) -> None:
    fake.reply(json={"id": BIG, "features": {}, "meta": {}})
    assert (await fake.client.gallery("g").get(BIG)).id == FaceId("g", BIG)
