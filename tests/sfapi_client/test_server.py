"""The client against the real server: every method, every filter, paging and error codes.

The server is `python -m app server` on a loopback port (see conftest), with the real models
and SQLite storage; the photos are the shared test set.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from PIL import Image

import app
from app.protocol import HTTP_STATUS, ErrorCode
from app.sfapi_client import (
    BadParam,
    CacheError,
    Client,
    Conflict,
    DetectFace,
    FaceId,
    Gallery,
    GalleryListItem,
    GalleryNotFound,
    MalformedRequest,
    MetaField,
    NotFound,
    OverCapacity,
    SFApiRemoteError,
    SourceGalleryNotFound,
    SourceNotFound,
    Unauthorized,
    filters,
    idgen,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Enrolled:
    """Detections of two people, made once per session: `obama` has several photos."""

    obama: list[DetectFace]
    biden: list[DetectFace]
    photos: dict[str, bytes]


def _largest(faces: list[DetectFace]) -> DetectFace:
    return max(faces, key=lambda f: (f.bbox.right - f.bbox.left) * (f.bbox.bottom - f.bbox.top))


@pytest.fixture(scope="session")
def enrolled(sfapi_server: str, face_photos: list[Any]) -> Enrolled:
    """One cached detection (the largest face) per photo of obama and of biden."""
    photos = {
        p.path.name: p.path.read_bytes() for p in face_photos if p.identity in ("obama", "biden")
    }

    async def detect_all() -> dict[str, DetectFace]:
        async with Client(sfapi_server) as client:
            results = [await client.detect(image=data, facen=True) for data in photos.values()]
        return {name: _largest(list(r)) for name, r in zip(photos, results, strict=True)}

    found = asyncio.run(detect_all())
    return Enrolled(
        obama=[f for name, f in found.items() if name.startswith("obama")],
        biden=[f for name, f in found.items() if name.startswith("biden")],
        photos=photos,
    )


_gallery_names = (f"g{i}" for i in itertools.count())


@pytest.fixture
async def gallery(client: Client, request: pytest.FixtureRequest) -> AsyncIterator[Gallery]:
    """A new empty gallery with the default meta schema, dropped after the test."""
    name = re.sub(r"[^A-Za-z0-9_-]", "_", request.node.name)[:56] + next(_gallery_names)
    gallery = client.gallery(name)
    await gallery.create()
    yield gallery
    with contextlib.suppress(GalleryNotFound):
        await gallery.drop()


# ------------------------------------------------------------------ server and detection


async def test_status(client: Client) -> None:
    status = await client.status()
    assert status.status == "ok"
    assert status.version == app.__version__
    assert status.model_pack == "faceplugin-0.0.1"


async def test_detect_finds_the_faces_of_small_group_photos(
    client: Client, face_photos: list[Any]
) -> None:
    photos = [p for p in face_photos if p.use == "detect" and p.faces is not None and p.faces <= 3]
    assert photos
    for photo in photos:
        data = photo.path.read_bytes()
        width, height = Image.open(io.BytesIO(data)).size
        result = await client.detect(image=data)
        assert len(result) == photo.faces, photo.path
        assert result.orientation == 1
        for face in result:
            assert face.id and isinstance(face.id, str)
            assert face.bbox.left < face.bbox.right and face.bbox.top < face.bbox.bottom
            assert face.bbox.right > 0 and face.bbox.left < width
            assert face.bbox.bottom > 0 and face.bbox.top < height
            assert 0.0 <= face.features["score"] <= 1.0
            assert 0.0 <= face.features["quality"] <= 1.0
            assert face.facen is None


async def test_detect_returns_the_requested_attributes(client: Client, enrolled: Enrolled) -> None:
    image = enrolled.photos["obama.jpg"]
    plain = _largest(list(await client.detect(image=image)))
    assert not {"gender", "age", "emotions"} & set(plain.features)
    full = _largest(list(await client.detect(image=image, gender=True, age=True, emotions=True)))
    assert full.features["gender"]["gender"] in ("MALE", "FEMALE")
    assert 0 < full.features["age"] < 120
    emotions = full.features["emotions"]
    assert len(emotions) == 7
    scores = [e["score"] for e in emotions]
    assert scores == sorted(scores, reverse=True)


async def test_return_facen_gives_a_unit_vector(client: Client, enrolled: Enrolled) -> None:
    result = await client.detect(image=enrolled.photos["obama.jpg"], return_facen=True)
    vector = np.frombuffer(_largest(list(result)).facen or b"", dtype="<f4")
    assert vector.shape == (512,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-3)


async def test_detect_by_url(client: Client, enrolled: Enrolled) -> None:
    image = enrolled.photos["obama.jpg"]

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        head = f"HTTP/1.1 200 OK\r\ncontent-type: image/jpeg\r\ncontent-length: {len(image)}\r\n"
        writer.write(head.encode() + b"connection: close\r\n\r\n" + image)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        by_url = await client.detect(url=f"http://127.0.0.1:{port}/obama.jpg")
    by_bytes = await client.detect(image=image)
    assert [f.bbox for f in by_url] == [f.bbox for f in by_bytes]


async def test_a_normalized_detection_can_be_detected_again(
    client: Client, enrolled: Enrolled
) -> None:
    crop = await client.detection_normalized(enrolled.obama[0])
    assert crop.startswith(PNG_SIGNATURE)
    assert Image.open(io.BytesIO(crop)).size == (112, 112)
    again = await client.detect(image=crop, detector="normalized", facen=True)
    assert len(again) == 1
    assert (await client.detection_normalized(again[0].id)).startswith(PNG_SIGNATURE)


async def test_autorotate_finds_a_face_on_its_side(client: Client, enrolled: Enrolled) -> None:
    rotated = io.BytesIO()
    Image.open(io.BytesIO(enrolled.photos["obama.jpg"])).rotate(90, expand=True).save(
        rotated, "JPEG"
    )
    assert len(await client.detect(image=rotated.getvalue(), autorotate=True)) >= 1


# ------------------------------------------------------------------ galleries


async def test_gallery_lifecycle(client: Client, enrolled: Enrolled) -> None:
    gallery = client["lifecycle"]
    await gallery.create()
    with pytest.raises(Conflict):
        await gallery.create()
    info = await gallery.info()
    assert (info.name, info.number) == ("lifecycle", 0)
    assert {"person_id", "name", "cam_id", "timestamp", "tags"} <= set(info.meta_schema)
    assert info.meta_schema["tags"].type == "set[string]"
    await gallery.add(1, enrolled.obama[0])
    assert GalleryListItem("lifecycle", 1) in await client.list_galleries()
    assert (await gallery.info()).number == 1
    await gallery.drop()
    assert "lifecycle" not in [g.name for g in await client.list_galleries()]
    for call in (gallery.drop(), gallery.info(), gallery.list(), gallery.get(1)):
        with pytest.raises(GalleryNotFound):
            await call


async def test_create_with_a_meta_schema(client: Client, enrolled: Enrolled) -> None:
    gallery = client["schema"]
    await gallery.create(
        meta_schema={
            "badge": "unsigned",
            "team": {"type": "string", "default": "none"},
            "skills": "set[string]",
            "rooms": "set[unsigned]",
        }
    )
    try:
        info = await gallery.info()
        assert info.meta_schema == {
            "badge": MetaField("unsigned"),
            "team": MetaField("string", "none"),
            "skills": MetaField("set[string]"),
            "rooms": MetaField("set[unsigned]"),
        }
        meta = {"badge": 2**63, "skills": ["a", "b"], "rooms": [1, 2]}
        face = await gallery.add(1, enrolled.obama[0], meta=meta)
        assert face.meta["badge"] == 2**63 and face.meta["rooms"] == [1, 2]
        with pytest.raises(BadParam) as bad_type:
            await gallery.add(2, enrolled.obama[0], meta={"badge": "x"})
        assert bad_type.value.param == "meta.badge"
        with pytest.raises(BadParam) as unknown:
            await gallery.add(2, enrolled.obama[0], meta={"person_id": 1})
        assert unknown.value.param == "meta.person_id"
    finally:
        await gallery.drop()


# ------------------------------------------------------------------ faces


async def test_add_from_every_kind_of_source(
    client: Client, gallery: Gallery, enrolled: Enrolled
) -> None:
    det = enrolled.obama[0]
    from_object = await gallery.add(1, det, meta={"name": "Barack"})
    from_id = await gallery.add(2, det.id)
    copy_of_face = await gallery.add(3, from_object)
    other = client.gallery(gallery.name + "x")
    await other.create()
    try:
        copy_from_other = await other.add(4, FaceId(gallery.name, 2))
    finally:
        await other.drop()
    assert from_object.id == FaceId(gallery.name, 1)
    assert from_object.meta == {"name": "Barack"}
    assert copy_from_other.id == FaceId(other.name, 4)
    for face in (from_id, copy_of_face, copy_from_other):
        assert face.features["score"] == pytest.approx(det.features["score"])
    # The copies carry the same vector: each finds the others as identical.
    found = await gallery.list(filters=[filters.Face(1, 0.99)])
    assert {f.id.face for f in found} == {1, 2, 3}


async def test_add_with_an_int_id_that_is_taken(gallery: Gallery, enrolled: Enrolled) -> None:
    await gallery.add(7, enrolled.obama[0])
    with pytest.raises(Conflict) as info:
        await gallery.add(7, enrolled.obama[1])
    assert info.value.status == 409


async def test_add_with_a_callable_draws_again_after_conflicts(
    gallery: Gallery, enrolled: Enrolled
) -> None:
    det = enrolled.obama[0]
    for taken in (1, 2):
        await gallery.add(taken, det)
    drawn: list[int] = []

    def colliding() -> int:
        drawn.append([1, 2, 3][len(drawn)])
        return drawn[-1]

    face = await gallery.add(colliding, det, regenerate_attempts=2)
    assert face.id.face == 3
    assert drawn == [1, 2, 3]

    async def async_colliding() -> int:
        drawn.append(1 if len(drawn) < 4 else 4)
        return drawn[-1]

    assert (await gallery.add(async_colliding, det)).id.face == 4
    assert drawn == [1, 2, 3, 1, 4]

    stuck: list[int] = []

    def always_taken() -> int:
        stuck.append(1)
        return 1

    with pytest.raises(Conflict):
        await gallery.add(always_taken, det, regenerate_attempts=2)
    assert len(stuck) == 3


async def test_add_with_idgen(gallery: Gallery, enrolled: Enrolled) -> None:
    faces = [await gallery.add(idgen, det) for det in enrolled.obama[:3]]
    ids = [f.id.face for f in faces]
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert all(0 < i < 2**63 for i in ids)


async def test_uint64_ids_are_exact(gallery: Gallery, enrolled: Enrolled) -> None:
    for big in (2**64 - 1, 2**63, 2**53 + 1):
        assert (await gallery.add(big, enrolled.obama[0])).id.face == big
        assert (await gallery.get(big)).id.face == big
    found = await gallery.list(filters=[filters.Id.gte(2**63)])
    assert [f.id.face for f in found] == [2**63, 2**64 - 1]


async def test_get_update_delete_and_normalized(gallery: Gallery, enrolled: Enrolled) -> None:
    face = await gallery.add(5, enrolled.obama[0], meta={"name": "Ann", "cam_id": "gate"})
    for ref in (5, FaceId(gallery.name, 5), face):
        assert await gallery.get(ref) == face
    updated = await gallery.update(face, meta={"name": "Bob", "cam_id": None, "tags": ["x"]})
    assert updated.meta == {"name": "Bob", "cam_id": "gate", "tags": ["x"]}
    assert await gallery.get(5) == updated
    assert (await gallery.update(5)).meta == updated.meta
    crop = await gallery.normalized(FaceId(gallery.name, 5))
    assert Image.open(io.BytesIO(crop)).size == (112, 112)
    await gallery.delete(updated)
    for call in (gallery.get(5), gallery.delete(5), gallery.normalized(5), gallery.update(5)):
        with pytest.raises(NotFound):
            await call


# ------------------------------------------------------------------ filters and paging


def _meta(i: int) -> dict[str, Any]:
    tags = ["all", "even" if i % 2 == 0 else "odd"] + (["third"] if i % 3 == 0 else [])
    return {
        "person_id": i * 10,
        "name": f"n{i:02d}",
        "cam_id": "cam-a" if i % 2 else "cam-b",
        "timestamp": 1000 + i,
        "tags": tags,
    }


IDS = range(1, 13)

FILTER_CASES: list[tuple[list[filters.Filter], Callable[[int], bool]]] = [
    ([filters.Id.lte(4)], lambda i: i <= 4),
    ([filters.Id.gte(10)], lambda i: i >= 10),
    ([filters.Id.oneof(2, 5, 99)], lambda i: i in (2, 5)),
    ([filters.Meta("person_id").lte(30)], lambda i: i * 10 <= 30),
    ([filters.Meta("person_id").gte(110)], lambda i: i * 10 >= 110),
    ([filters.Meta("person_id").oneof(20, 70)], lambda i: i in (2, 7)),
    ([filters.Meta("name").lte("n03")], lambda i: i <= 3),
    ([filters.Meta("name").gte("n11")], lambda i: i >= 11),
    ([filters.Meta("cam_id").oneof("cam-a")], lambda i: i % 2 == 1),
    ([filters.Meta("tags").subset("even")], lambda i: i % 2 == 0),
    ([filters.Meta("tags").subset("even", "third")], lambda i: i % 6 == 0),
    ([filters.Meta("tags").subset("odd", "even")], lambda i: False),
    (
        [
            filters.Id.gte(3),
            filters.Meta("timestamp").lte(1009),
            filters.Meta("cam_id").oneof("cam-b"),
        ],
        lambda i: 3 <= i <= 9 and i % 2 == 0,
    ),
]


@pytest.fixture
async def populated(gallery: Gallery, enrolled: Enrolled) -> Gallery:
    """Twelve copies of one detection, ids 1..12, with meta from `_meta`."""
    for i in IDS:
        await gallery.add(i, enrolled.obama[0], meta=_meta(i))
    return gallery


@pytest.mark.parametrize(("flts", "expected"), FILTER_CASES, ids=[repr(c[0]) for c in FILTER_CASES])
async def test_id_and_meta_filters(
    populated: Gallery, flts: list[filters.Filter], expected: Callable[[int], bool]
) -> None:
    found = await populated.list(filters=flts)
    assert [f.id.face for f in found] == [i for i in IDS if expected(i)]
    assert all(f.meta == _meta(f.id.face) for f in found)


async def test_similarity_filters(gallery: Gallery, enrolled: Enrolled) -> None:
    # Enrol all but one photo of obama and every photo of biden; search with the one left out.
    probe, *known = enrolled.obama
    for i, det in enumerate(known, start=1):
        await gallery.add(i, det, meta={"name": "obama", "cam_id": "a" if i % 2 else "b"})
    for i, det in enumerate(enrolled.biden, start=100):
        await gallery.add(i, det, meta={"name": "biden"})

    everyone = await gallery.list(filters=[filters.Detection(probe, 0.0)])
    assert len(everyone) == len(known) + len(enrolled.biden)
    confidences = [f.confidence for f in everyone]
    assert all(c is not None and 0.0 <= c <= 1.0 for c in confidences)
    assert confidences == sorted(confidences, reverse=True)  # type: ignore[type-var]
    # The same person ranks above the other one.
    assert [f.meta["name"] for f in everyone[: len(known)]] == ["obama"] * len(known)

    cut = (everyone[len(known) - 1].confidence or 0) - 1e-6
    above = await gallery.list(filters=[filters.Detection(probe.id, cut)])
    assert [f.id for f in above] == [f.id for f in everyone[: len(known)]]
    assert all((f.confidence or 0) >= cut for f in above)

    combined = await gallery.list(
        filters=[filters.Detection(probe, 0.0), filters.Meta("cam_id").oneof("a")]
    )
    assert {f.id.face for f in combined} == {i for i in range(1, len(known) + 1) if i % 2}
    assert len(await gallery.list(filters=[filters.Detection(probe, 0.0)], limit=1)) == 1

    by_face = await gallery.list(filters=[filters.Face(1, 0.0)])
    assert by_face[0].id.face == 1 and by_face[0].confidence == pytest.approx(1.0, abs=1e-3)
    by_face_id = await gallery.list(filters=[filters.Face(FaceId(gallery.name, 1), 0.0)])
    assert [f.id for f in by_face_id] == [f.id for f in by_face]


async def test_paging_over_a_gallery_larger_than_a_page(
    gallery: Gallery, enrolled: Enrolled
) -> None:
    for i in range(1, 26):
        await gallery.add(i, enrolled.obama[0])
    first = await gallery.list(limit=10)
    assert [f.id.face for f in first] == list(range(1, 11))
    assert first.next_page is not None
    second = await gallery.list(limit=10, page=first.next_page)
    assert [f.id.face for f in second] == list(range(11, 21))

    every = [f.id.face async for f in gallery.list_all(limit=10)]
    assert every == list(range(1, 26))
    backwards = [f.id.face async for f in gallery.list_all(limit=7, sort="-id")]
    assert backwards == list(range(25, 0, -1))
    filtered = [f.id.face async for f in gallery.list_all(filters=[filters.Id.gte(5)], limit=4)]
    assert filtered == list(range(5, 26))
    assert [f.id.face async for f in gallery.list_all(ignore_errors=True)] == every


async def test_paging_through_search_results(gallery: Gallery, enrolled: Enrolled) -> None:
    """Code that follows `next_page` of a search gets every match once, best first."""
    probe, *known = enrolled.obama
    for i, det in enumerate([*known, *enrolled.biden], start=1):
        for copy in range(3):  # copies tie on the confidence: the id orders them
            await gallery.add(100 * copy + i, det, meta={"name": f"p{i}"})
    match = [filters.Detection(probe, 0.0)]
    whole = await gallery.list(filters=match)
    assert whole.next_page is None and len(whole) == 3 * (len(known) + len(enrolled.biden))
    pages = []
    page = await gallery.list(filters=match, limit=4)
    for _ in range(len(whole)):
        pages.append(page)
        if page.next_page is None:
            break
        page = await gallery.list(filters=match, limit=4, page=page.next_page)
    assert [len(p) for p in pages[:-1]] == [4] * (len(pages) - 1)
    paged = [(f.id, f.confidence) for p in pages for f in p]
    assert paged == [(f.id, f.confidence) for f in whole]
    every = [f.id async for f in gallery.list_all(filters=match, limit=5)]
    assert every == [f.id for f in whole]
    # A string face id, as FindFace scripts pass it, pages the same way.
    by_face = [f.id async for f in gallery.list_all(filters=[filters.Face("1", 0.0)], limit=3)]
    assert by_face[0] == FaceId(gallery.name, 1) and len(by_face) == len(whole)
    updated = await gallery.update("101", meta={"name": "renamed"})
    assert updated.id.face == 101 and (await gallery.get("101")).meta["name"] == "renamed"


# ------------------------------------------------------------------ errors


ErrorCase = Callable[[Client, Gallery], Awaitable[Any]]
MISSING = "no_such_gallery"

ERROR_CASES: list[tuple[str, type[SFApiRemoteError], ErrorCase, str | None]] = [
    ("bad gallery name", BadParam, lambda c, g: c["bad name!"].create(), "gallery"),
    ("bad limit", BadParam, lambda c, g: g.list(limit=0), "limit"),
    ("bad cursor", BadParam, lambda c, g: g.list(page="garbage"), "page"),
    ("bad threshold", BadParam, lambda c, g: g.list(filters=[filters.Face(1, 1.7)]), "threshold"),
    ("unknown meta", BadParam, lambda c, g: g.list(filters=[filters.Meta("x").gte(1)]), None),
    (
        "undecodable image",
        MalformedRequest,
        lambda c, g: c.detect(image=b"\xff\xd8\xff" + b"junk" * 10),
        None,
    ),
    ("gallery exists", Conflict, lambda c, g: g.create(), None),
    ("missing face", NotFound, lambda c, g: g.get(1), None),
    ("missing detection", NotFound, lambda c, g: c.detection_normalized("nope"), None),
    ("missing gallery", GalleryNotFound, lambda c, g: c[MISSING].info(), None),
    ("missing source", SourceNotFound, lambda c, g: g.add(1, "nope"), "from"),
    (
        "missing source gallery",
        SourceGalleryNotFound,
        lambda c, g: g.add(1, FaceId(MISSING, 1)),
        "from",
    ),
]


@pytest.mark.parametrize(
    ("cls", "call", "param"), [case[1:] for case in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
async def test_server_errors_map_to_their_classes(
    client: Client,
    gallery: Gallery,
    cls: type[SFApiRemoteError],
    call: ErrorCase,
    param: str | None,
) -> None:
    with pytest.raises(cls) as info:
        await call(client, gallery)
    err = info.value
    assert type(err) is cls
    assert err.status == HTTP_STATUS[ErrorCode(err.code)]
    assert err.reason
    assert str(err) == f"{err.code}: {err.reason}"
    if param is not None:
        assert err.param == param


async def test_a_token_server_wants_the_token(locked_server: tuple[str, str]) -> None:
    url, token = locked_server
    for wrong in (None, "wrong"):
        async with Client(url, token=wrong) as client:
            with pytest.raises(Unauthorized) as info:
                await client.list_galleries()
            assert info.value.status == 401
    async with Client(url, token=token) as client:
        assert await client.list_galleries() == []


async def test_a_down_detection_cache_is_a_cache_error(
    locked_server: tuple[str, str], enrolled: Enrolled
) -> None:
    async with Client(locked_server[0], token=locked_server[1]) as client:
        with pytest.raises(CacheError) as info:
            await client.detect(image=enrolled.photos["obama.jpg"], facen=True)
        assert info.value.status == 503
        with pytest.raises(BadParam) as refused:
            await client.detect(image=enrolled.photos["obama.jpg"], return_facen=True)
        assert refused.value.param == "return_facen"


async def test_a_full_inference_queue_is_over_capacity(
    locked_server: tuple[str, str], face_photos: list[Any]
) -> None:
    # One worker and one queue slot: of many simultaneous detections on a large group photo,
    # the ones that find both taken are refused at once.
    big = max((p for p in face_photos if p.use == "detect"), key=lambda p: p.faces or 0)
    image = big.path.read_bytes()
    async with Client(locked_server[0], token=locked_server[1]) as client:
        results = await asyncio.gather(
            *(client.detect(image=image) for _ in range(8)), return_exceptions=True
        )
    refused = [r for r in results if isinstance(r, BaseException)]
    assert refused and all(isinstance(r, OverCapacity) for r in refused)
    assert all(r.status == 429 for r in refused if isinstance(r, OverCapacity))
    assert len(refused) < len(results)
