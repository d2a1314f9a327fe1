"""The HTTP API over fake neighbours: routing, validation, error rendering, caching, paging."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from server_fakes import fake_image
from server_harness import FakeApp, TestClient

from app.common import CacheSettings, ServerSettings
from app.protocol import UINT64_MAX, ErrorCode
from app.server import MemoryCache, create_app

JPEG = {"Content-Type": "image/jpeg"}


def error_of(response: Any, code: ErrorCode, param: str | None = None) -> dict[str, Any]:
    """Assert `response` is the protocol error `code` (with `param`) and return its body."""
    body: dict[str, Any] = response.json()
    assert body["code"] == code.value, body
    assert response.status_code == code_status(code)
    assert isinstance(body["reason"], str) and body["reason"]
    if param is not None:
        assert body.get("param") == param, body
    return body


def code_status(code: ErrorCode) -> int:
    from app.protocol import HTTP_STATUS

    return HTTP_STATUS[code]


def detect(app: FakeApp, faces: int = 1, seed: int = 1, **params: str) -> dict[str, Any]:
    response = app.client.post(
        "/v2/detect",
        params={"facen": "on", **params},
        content=fake_image(faces, seed),
        headers=JPEG,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def enrol(app: FakeApp, gallery: str, face_id: int, seed: int, **meta: Any) -> dict[str, Any]:
    det = detect(app, seed=seed)["faces"][0]["id"]
    response = app.client.post(
        f"/v2/galleries/{gallery}/faces/{face_id}", json={"from": f"detection:{det}", "meta": meta}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# ---------------------------------------------------------------- routing and generic errors


def test_status_names_version_and_model_pack(fake_app: FakeApp) -> None:
    body = fake_app.client.get("/v2/status").json()
    assert body["status"] == "ok" and body["model_pack"] == "fake-pack" and body["version"]


def test_unknown_route_and_wrong_method_answer_protocol_json(fake_app: FakeApp) -> None:
    error_of(fake_app.client.get("/v2/nothing"), ErrorCode.NOT_FOUND)
    error_of(fake_app.client.get("/"), ErrorCode.NOT_FOUND)
    wrong = fake_app.client.put("/v2/galleries")
    error_of(wrong, ErrorCode.MALFORMED_REQUEST, "method")
    assert "GET" in wrong.headers["allow"]


def test_trailing_slash_is_tolerated(fake_app: FakeApp) -> None:
    assert fake_app.client.post("/v2/galleries/g1/").status_code == 200
    assert fake_app.client.get("/v2/galleries/").json()["galleries"][0]["name"] == "g1"
    assert (
        fake_app.client.post("/v2/detect/", content=fake_image(1, 1), headers=JPEG).status_code
        == 200
    )


def test_unexpected_failure_is_unknown_error_without_traceback(fake_app: FakeApp) -> None:
    def explode() -> list[tuple[str, int]]:
        raise RuntimeError("secret internals")

    fake_app.storage.list_galleries = explode  # type: ignore[method-assign]
    client = TestClient(fake_app.client.app, "http://127.0.0.1", raise_server_exceptions=False)
    response = client.get("/v2/galleries")
    assert response.status_code == 500
    assert response.json() == {"code": "UNKNOWN_ERROR", "reason": "internal server error"}
    assert "secret" not in response.text and "Traceback" not in response.text


def test_token_guards_every_endpoint(make_app: Callable[..., FakeApp]) -> None:
    app = make_app(token="s3cret")
    app.storage.create_gallery("hidden")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
        for method, path in (
            ("GET", "/v2/galleries"),
            ("GET", "/v2/status"),
            ("POST", "/v2/galleries/x"),
            ("GET", "/openapi.json"),
        ):
            response = app.client.request(method, path, headers=headers)
            body = error_of(response, ErrorCode.UNAUTHORIZED)
            assert "hidden" not in response.text and set(body) == {"code", "reason"}
    assert "x" not in app.storage.galleries
    ok = app.client.get("/v2/galleries", headers={"Authorization": "Bearer s3cret"})
    assert ok.json()["galleries"] == [{"name": "hidden", "number_of_faces": 0}]


def test_openapi_describes_every_route(fake_app: FakeApp) -> None:
    doc = fake_app.client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    routes = {
        ("get", "/v2/status"),
        ("post", "/v2/detect"),
        ("get", "/v2/detect/{detection_id}"),
        ("get", "/v2/detect/{detection_id}/normalized"),
        ("get", "/v2/galleries"),
        ("post", "/v2/galleries/{gallery}"),
        ("get", "/v2/galleries/{gallery}"),
        ("delete", "/v2/galleries/{gallery}"),
        ("get", "/v2/galleries/{gallery}/faces"),
        ("post", "/v2/galleries/{gallery}/faces/{face_id}"),
        ("get", "/v2/galleries/{gallery}/faces/{face_id}"),
        ("patch", "/v2/galleries/{gallery}/faces/{face_id}"),
        ("delete", "/v2/galleries/{gallery}/faces/{face_id}"),
        ("get", "/v2/galleries/{gallery}/faces/{face_id}/normalized"),
        ("get", "/v2/verify"),
    }
    documented = {(m, p) for p, item in doc["paths"].items() for m in item if m != "parameters"}
    assert documented == routes
    for _, item in doc["paths"].items():
        for method, op in item.items():
            if method != "parameters":
                assert "200" in op["responses"] or "204" in op["responses"]
                assert op["responses"]["400"]["content"]["application/json"]


# ---------------------------------------------------------------- galleries


def test_gallery_lifecycle_and_schema(fake_app: FakeApp) -> None:
    c = fake_app.client
    created = c.post("/v2/galleries/people")
    assert created.status_code == 200
    assert created.json()["name"] == "people" and created.json()["number_of_faces"] == 0
    assert created.json()["meta_schema"]["cam_id"] == {"type": "string", "default": "none"}
    error_of(c.post("/v2/galleries/people"), ErrorCode.CONFLICT)
    custom = c.post(
        "/v2/galleries/custom",
        json={"meta_schema": {"badge": {"type": "unsigned", "default": 7}, "zone": "string"}},
    )
    assert custom.json()["meta_schema"] == {
        "badge": {"type": "unsigned", "default": 7},
        "zone": {"type": "string", "default": None},
    }
    assert c.get("/v2/galleries/custom").json()["meta_schema"]["badge"]["default"] == 7
    assert [g["name"] for g in c.get("/v2/galleries").json()["galleries"]] == ["custom", "people"]
    assert c.delete("/v2/galleries/people").status_code == 204
    error_of(c.delete("/v2/galleries/people"), ErrorCode.GALLERY_NOT_FOUND)
    error_of(c.get("/v2/galleries/people"), ErrorCode.GALLERY_NOT_FOUND)


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"meta_schema": {"x": {"type": "float"}}}, "meta_schema.x.type"),
        ({"meta_schema": {"x": {"type": "unsigned", "default": -1}}}, "meta_schema.x.default"),
        ({"meta_schema": {"bad name": "string"}}, "meta_schema.bad name"),
        ({"meta_schema": []}, "meta_schema"),
        ({"schema": {}}, "schema"),
    ],
)
def test_bad_gallery_schema_is_bad_param_and_creates_nothing(
    fake_app: FakeApp, body: dict[str, Any], param: str
) -> None:
    error_of(fake_app.client.post("/v2/galleries/g", json=body), ErrorCode.BAD_PARAM, param)
    assert fake_app.storage.galleries == {}


@pytest.mark.parametrize("name", ["a.b", "x" * 65, "sp ace", "%C3%A9t%C3%A9"])
def test_invalid_gallery_names_are_bad_param(fake_app: FakeApp, name: str) -> None:
    error_of(fake_app.client.post(f"/v2/galleries/{name}"), ErrorCode.BAD_PARAM, "gallery")
    error_of(fake_app.client.get(f"/v2/galleries/{name}/faces"), ErrorCode.BAD_PARAM, "gallery")
    assert fake_app.storage.galleries == {}


def test_malformed_bodies(fake_app: FakeApp) -> None:
    c = fake_app.client
    headers = {"Content-Type": "application/json"}
    error_of(
        c.post("/v2/galleries/g", content=b"{nope", headers=headers), ErrorCode.MALFORMED_REQUEST
    )
    error_of(
        c.post("/v2/galleries/g", content=b"[1]", headers=headers), ErrorCode.MALFORMED_REQUEST
    )
    error_of(
        c.post("/v2/galleries/g", content=b'{"meta_schema": NaN}', headers=headers),
        ErrorCode.MALFORMED_REQUEST,
    )
    error_of(
        c.post("/v2/galleries/g", content=b"{}", headers={"Content-Type": "text/plain"}),
        ErrorCode.BAD_PARAM,
        "Content-Type",
    )
    assert fake_app.storage.galleries == {}


# ---------------------------------------------------------------- detect


def test_detect_old_and_new_attribute_styles(fake_app: FakeApp) -> None:
    old = detect(fake_app, faces=2, gender="on", age="yes", emotions="true")
    assert old["orientation"] == 1 and len(old["faces"]) == 2
    face = old["faces"][0]
    assert set(face["bbox"]) == {"left", "top", "right", "bottom"}
    assert "score" in face["features"] and "facen" not in face
    assert face["features"]["gender"]["gender"] == "MALE"
    new = detect(fake_app, attribute="gender,age")
    assert new["faces"][0]["features"]["gender"]["name"] == "male"
    both = fake_app.client.post(
        "/v2/detect",
        params=[("gender", "1"), ("attribute", "gender")],
        content=fake_image(1, 1),
        headers=JPEG,
    )
    error_of(both, ErrorCode.BAD_PARAM, "gender")


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({"colour": "on"}, ErrorCode.BAD_PARAM, "colour"),
        ({"facen": "maybe"}, ErrorCode.BAD_PARAM, "facen"),
        ({"detector": "yolo"}, ErrorCode.BAD_PARAM, "detector"),
        ({"attribute": "hair"}, ErrorCode.BAD_PARAM, "attribute"),
        ({"attribute": "age,age"}, ErrorCode.BAD_PARAM, "attribute"),
        ({"attribute": "beard"}, ErrorCode.NOT_IMPLEMENTED, "attribute"),
        ({"countries47": "on"}, ErrorCode.NOT_IMPLEMENTED, "countries47"),
        ({"return_facen": "on"}, ErrorCode.BAD_PARAM, "return_facen"),
    ],
)
def test_detect_parameter_errors(
    fake_app: FakeApp, params: dict[str, str], code: ErrorCode, param: str
) -> None:
    response = fake_app.client.post(
        "/v2/detect", params=params, content=fake_image(1, 1), headers=JPEG
    )
    error_of(response, code, param)
    assert fake_app.engine.calls == 0


def test_detect_body_errors(make_app: Callable[..., FakeApp]) -> None:
    app = make_app(max_body_bytes=1000)
    c = app.client
    error_of(c.post("/v2/detect", content=b"x" * 1001, headers=JPEG), ErrorCode.BAD_PARAM, "body")
    error_of(
        c.post("/v2/detect", content=fake_image(1, 1), headers={"Content-Type": "text/html"}),
        ErrorCode.BAD_PARAM,
        "Content-Type",
    )
    error_of(c.post("/v2/detect", content=fake_image(1, 1)), ErrorCode.BAD_PARAM, "Content-Type")
    error_of(
        c.post("/v2/detect", content=b"GIF89a", headers=JPEG), ErrorCode.MALFORMED_REQUEST, "image"
    )
    error_of(
        c.post("/v2/detect", content=b"", headers={"Content-Type": "text/x-url"}),
        ErrorCode.BAD_PARAM,
        "url",
    )
    error_of(
        c.post("/v2/detect", content=b"file:///etc/passwd", headers={"Content-Type": "text/x-url"}),
        ErrorCode.BAD_PARAM,
        "url",
    )
    error_of(
        c.post(
            "/v2/detect",
            content=b"http://127.0.0.1:1/x.jpg",
            headers={"Content-Type": "text/x-url"},
        ),
        ErrorCode.BAD_PARAM,
        "url",
    )


def test_streamed_oversize_body_is_bad_param(make_app: Callable[..., FakeApp]) -> None:
    app = make_app(max_body_bytes=1000)

    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b"x" * 400

    response = app.client.post("/v2/detect", content=chunks(), headers=JPEG)
    error_of(response, ErrorCode.BAD_PARAM, "body")
    assert app.engine.calls == 0


def test_return_facen_when_allowed(make_app: Callable[..., FakeApp]) -> None:
    app = make_app(allow_return_facen=True)
    face = detect(app, return_facen="on")["faces"][0]
    vector = base64.b64decode(face["facen"])
    assert len(vector) == 512 * 4


def test_detections_with_facen_are_cached(fake_app: FakeApp) -> None:
    c = fake_app.client
    face = detect(fake_app, gender="on")["faces"][0]
    cached = c.get(f"/v2/detect/{face['id']}")
    assert cached.json() == face
    png = c.get(f"/v2/detect/{face['id']}/normalized")
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")
    plain = c.post("/v2/detect", content=fake_image(1, 2), headers=JPEG).json()["faces"][0]
    error_of(c.get(f"/v2/detect/{plain['id']}"), ErrorCode.NOT_FOUND)
    error_of(c.get("/v2/detect/nope/normalized"), ErrorCode.NOT_FOUND)


def test_expired_detections_are_source_not_found(make_app: Callable[..., FakeApp]) -> None:
    app = make_app(cache=CacheSettings(ttl_seconds=0.05))
    app.client.post("/v2/galleries/g")
    det = detect(app)["faces"][0]["id"]
    time.sleep(0.1)
    response = app.client.post("/v2/galleries/g/faces/1", json={"from": f"detection:{det}"})
    error_of(response, ErrorCode.SOURCE_NOT_FOUND, "from")
    error_of(app.client.get(f"/v2/detect/{det}"), ErrorCode.NOT_FOUND)
    assert app.storage.galleries["g"][1] == {}


def test_detection_cache_expires_and_is_bounded() -> None:
    import numpy as np

    from app.server import CachedDetection
    from app.vision import BBox

    def entry(name: str) -> CachedDetection:
        return CachedDetection(name, BBox(0, 0, 1, 1), {}, np.zeros(4, np.float32), "p", b"")

    now = [0.0]
    cache = MemoryCache(ttl_seconds=10, max_items=2, clock=lambda: now[0])
    for name in "abc":
        cache.put(entry(name))
    assert cache.get("a") is None and cache.get("b") is not None and cache.get("c") is not None
    now[0] = 10.5
    assert cache.get("c") is None
    round_trip = CachedDetection.from_bytes(entry("z").to_bytes())
    assert round_trip.id == "z" and round_trip.vector.dtype == np.float32


def fill_inference_pool(app: FakeApp) -> tuple[list[threading.Thread], list[int]]:
    """Two detects blocked in the engine of an app with `workers=1, queue_size=1`: its
    inference pool is full until `app.engine.gate.set()`. The threads and their statuses."""
    app.engine.gate.clear()
    results: list[int] = []

    def call() -> None:
        response = app.client.post("/v2/detect", content=fake_image(1, 1), headers=JPEG)
        results.append(response.status_code)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    pool = app.client.app.state.services.pool  # type: ignore[attr-defined]
    deadline = time.monotonic() + 30
    while pool.jobs < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    return threads, results


def test_full_inference_queue_answers_over_capacity(make_app: Callable[..., FakeApp]) -> None:
    app = make_app(workers=1, queue_size=1)
    threads, results = fill_inference_pool(app)
    busy = app.client.post("/v2/detect", content=fake_image(1, 1), headers=JPEG)
    error_of(busy, ErrorCode.OVER_CAPACITY)
    app.engine.gate.set()
    for thread in threads:
        thread.join(10)
    assert results == [200, 200]


def test_over_capacity_is_decided_before_the_body_is_read(make_app: Callable[..., FakeApp]) -> None:
    """With the inference queue full a detect is refused on its headers: `receive` is never
    called, so an upload's bytes are not even taken in."""
    import asyncio

    app = make_app(workers=1, queue_size=1)
    busy, _ = fill_inference_pool(app)
    received: list[object] = []
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        received.append(True)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v2/detect",
        "raw_path": b"/v2/detect",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"image/jpeg"),
            (b"content-length", b"16000000"),
        ],
        "scheme": "http",
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 1),
        "http_version": "1.1",
        "root_path": "",
        "asgi": {"version": "3.0"},
    }
    asyncio.run(app.client.app(scope, receive, send))  # type: ignore[arg-type]
    app.engine.gate.set()
    for thread in busy:
        thread.join(10)
    assert sent[0]["status"] == 429 and received == []
    assert b"OVER_CAPACITY" in sent[1]["body"]  # type: ignore[operator]


# ---------------------------------------------------------------- faces


def test_face_cycle_with_big_ids(fake_app: FakeApp) -> None:
    c = fake_app.client
    c.post("/v2/galleries/g")
    big = UINT64_MAX
    added = enrol(fake_app, "g", big, 5, person_id=2**63 + 1, tags=["a", "b"])
    assert added["id"] == {"gallery": "g", "face": big}
    raw = c.get(f"/v2/galleries/g/faces/{big}").text
    assert str(big) in raw and str(2**63 + 1) in raw
    patched = c.patch(f"/v2/galleries/g/faces/{big}", json={"meta": {"name": "Ann"}}).json()
    assert patched["meta"]["name"] == "Ann" and patched["meta"]["person_id"] == 2**63 + 1
    png = c.get(f"/v2/galleries/g/faces/{big}/normalized")
    assert png.content.startswith(b"\x89PNG")
    copy = c.post("/v2/galleries/g/faces/1", json={"from": f"faces/g/{big}"}).json()
    assert copy["features"] == added["features"] and copy["meta"]["cam_id"] == "none"
    assert c.delete(f"/v2/galleries/g/faces/{big}").status_code == 204
    error_of(c.get(f"/v2/galleries/g/faces/{big}"), ErrorCode.NOT_FOUND)
    error_of(c.delete(f"/v2/galleries/g/faces/{big}"), ErrorCode.NOT_FOUND)


def test_add_face_errors_change_nothing(fake_app: FakeApp) -> None:
    c = fake_app.client
    c.post("/v2/galleries/g")
    enrol(fake_app, "g", 1, 1)
    det = detect(fake_app, seed=9)["faces"][0]["id"]
    cases: list[tuple[str, Any, ErrorCode, str | None]] = [
        ("/v2/galleries/g/faces/1", {"from": f"detection:{det}"}, ErrorCode.CONFLICT, None),
        (
            "/v2/galleries/g/faces/2",
            {"from": "detection:unknown"},
            ErrorCode.SOURCE_NOT_FOUND,
            "from",
        ),
        ("/v2/galleries/g/faces/2", {"from": "faces/g/77"}, ErrorCode.SOURCE_NOT_FOUND, "from"),
        (
            "/v2/galleries/g/faces/2",
            {"from": "faces/zz/1"},
            ErrorCode.SOURCE_GALLERY_NOT_FOUND,
            "from",
        ),
        ("/v2/galleries/g/faces/2", {"from": "elsewhere"}, ErrorCode.BAD_PARAM, "from"),
        ("/v2/galleries/g/faces/2", {"from": 5}, ErrorCode.BAD_PARAM, "from"),
        ("/v2/galleries/g/faces/2", {"meta": {}}, ErrorCode.BAD_PARAM, "from"),
        (
            "/v2/galleries/g/faces/2",
            {"from": f"detection:{det}", "meta": {"person_id": "x"}},
            ErrorCode.BAD_PARAM,
            "meta.person_id",
        ),
        (
            "/v2/galleries/g/faces/2",
            {"from": f"detection:{det}", "meta": {"nope": 1}},
            ErrorCode.BAD_PARAM,
            "meta.nope",
        ),
        (
            "/v2/galleries/g/faces/2",
            {"from": f"detection:{det}", "extra": 1},
            ErrorCode.BAD_PARAM,
            "extra",
        ),
        (
            f"/v2/galleries/g/faces/{UINT64_MAX + 1}",
            {"from": f"detection:{det}"},
            ErrorCode.BAD_PARAM,
            "face_id",
        ),
        ("/v2/galleries/g/faces/-1", {"from": f"detection:{det}"}, ErrorCode.BAD_PARAM, "face_id"),
        (
            "/v2/galleries/g/faces/" + "9" * 5000,
            {"from": f"detection:{det}"},
            ErrorCode.BAD_PARAM,
            "face_id",
        ),
        ("/v2/galleries/g/faces/2", {"from": "faces/g/" + "9" * 5000}, ErrorCode.BAD_PARAM, "from"),
        (
            "/v2/galleries/nope/faces/2",
            {"from": f"detection:{det}"},
            ErrorCode.GALLERY_NOT_FOUND,
            None,
        ),
    ]
    for path, body, code, param in cases:
        error_of(c.post(path, json=body), code, param)
    error_of(
        c.post(
            "/v2/galleries/g/faces/2", content=b"{", headers={"Content-Type": "application/json"}
        ),
        ErrorCode.MALFORMED_REQUEST,
    )
    error_of(
        c.patch("/v2/galleries/g/faces/1", json={"meta": {"person_id": -3}}),
        ErrorCode.BAD_PARAM,
        "meta.person_id",
    )
    assert c.get("/v2/galleries").json()["galleries"] == [{"name": "g", "number_of_faces": 1}]
    assert "person_id" not in c.get("/v2/galleries/g/faces/1").json()["meta"]


# ---------------------------------------------------------------- listing and search


@pytest.fixture
def filled(fake_app: FakeApp) -> FakeApp:
    fake_app.client.post("/v2/galleries/g")
    for i in range(1, 26):
        enrol(
            fake_app,
            "g",
            i * 10,
            seed=i,
            person_id=i % 5,
            name=f"n{i % 3}",
            tags=["even" if i % 2 == 0 else "odd", "all"],
            codes=[i % 4],
        )
    return fake_app


def listing(app: FakeApp, params: list[tuple[str, str]]) -> list[int]:
    response = app.client.get("/v2/galleries/g/faces", params=params)
    assert response.status_code == 200, response.text
    return [f["id"]["face"] for f in response.json()["faces"]]


@pytest.mark.parametrize("sort", ["id", "-id"])
def test_pagination_visits_every_face_once(filled: FakeApp, sort: str) -> None:
    seen: list[int] = []
    page: str | None = None
    while True:
        params = [("limit", "7"), ("sort", sort)] + ([("page", page)] if page else [])
        body = filled.client.get("/v2/galleries/g/faces", params=params).json()
        seen += [f["id"]["face"] for f in body["faces"]]
        page = body["next_page"]
        if page is None:
            break
    expected = sorted(range(10, 251, 10), reverse=sort == "-id")
    assert seen == expected


def test_filters_narrow_results(filled: FakeApp) -> None:
    assert listing(filled, [("id:gte", "100"), ("id:lte", "130")]) == [100, 110, 120, 130]
    assert listing(filled, [("id:in", "10,20"), ("id:in", "250")]) == [10, 20, 250]
    assert listing(filled, [("meta:in:person_id", "1,2"), ("id:lte", "80")]) == [10, 20, 60, 70]
    assert listing(filled, [("meta:in:name", "n1"), ("meta:in:name", "n2"), ("id:lte", "60")]) == [
        10,
        20,
        40,
        50,
    ]
    assert listing(filled, [("meta:gte:person_id", "4")]) == [40, 90, 140, 190, 240]
    assert listing(
        filled, [("meta:subset:tags", "even"), ("meta:subset:tags", "all"), ("id:lte", "60")]
    ) == [20, 40, 60]
    assert listing(filled, [("meta:subset:codes", "3"), ("id:lte", "120")]) == [30, 70, 110]


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ([("threshold", "0.5")], "threshold"),
        ([("looks_like", "faces/g/10"), ("threshold", "1.5")], "threshold"),
        ([("looks_like", "faces/g/10"), ("threshold", "nan")], "threshold"),
        ([("looks_like", "faces/g/10"), ("threshold", "-0.1")], "threshold"),
        ([("looks_like", "faces/g/10"), ("sort", "id")], "sort"),
        ([("sort", "-confidence")], "sort"),
        ([("sort", "name")], "sort"),
        ([("page", "garbage!")], "page"),
        ([("meta:in:colour", "red")], "meta:in:colour"),
        ([("meta:near:person_id", "1")], "meta:near:person_id"),
        ([("meta:subset:person_id", "1")], "meta:subset:person_id"),
        ([("meta:gte:tags", "a")], "meta:gte:tags"),
        ([("meta:in:person_id", "x")], "meta:in:person_id"),
        ([("id:gt", "1")], "id:gt"),
        ([("id:in", str(UINT64_MAX + 1))], "id:in"),
        ([("id:gte", "1"), ("id:gte", "2")], "id:gte"),
        ([("limit", "0")], "limit"),
        ([("limit", "9" * 5000)], "limit"),
        ([("id:gte", "9" * 5000)], "id:gte"),
        ([("limit", "100001")], "limit"),
        ([("ignore_errors", "perhaps")], "ignore_errors"),
        ([("looks", "x")], "looks"),
        ([("looks_like", "detection:")], "looks_like"),
    ],
)
def test_listing_parameter_errors(
    filled: FakeApp, params: list[tuple[str, str]], param: str
) -> None:
    response = filled.client.get("/v2/galleries/g/faces", params=params)
    code = ErrorCode.SOURCE_NOT_FOUND if param == "looks_like" else ErrorCode.BAD_PARAM
    error_of(response, code, param)


def test_cursor_is_bound_to_its_filters(filled: FakeApp) -> None:
    c = filled.client
    page = c.get("/v2/galleries/g/faces", params={"limit": "3", "id:gte": "50"}).json()["next_page"]
    assert page
    ok = c.get("/v2/galleries/g/faces", params={"limit": "3", "id:gte": "50", "page": page})
    assert [f["id"]["face"] for f in ok.json()["faces"]] == [80, 90, 100]
    for other in ({"id:gte": "60"}, {"sort": "-id", "id:gte": "50"}):
        error_of(
            c.get("/v2/galleries/g/faces", params={**other, "page": page}),
            ErrorCode.BAD_PARAM,
            "page",
        )
    forged = base64.urlsafe_b64encode(json.dumps({"v": 1, "after": -1}).encode()).decode()
    error_of(c.get("/v2/galleries/g/faces", params={"page": forged}), ErrorCode.BAD_PARAM, "page")


def test_search_orders_by_confidence_and_applies_threshold(filled: FakeApp) -> None:
    c = filled.client
    det = detect(filled, seed=7)["faces"][0]["id"]
    body = c.get("/v2/galleries/g/faces", params={"looks_like": f"detection:{det}"}).json()
    assert body["next_page"] is None
    assert [f["id"]["face"] for f in body["faces"]] == [70]
    assert body["faces"][0]["confidence"] > 0.99
    everything = c.get(
        "/v2/galleries/g/faces", params={"looks_like": "faces/g/70", "threshold": "0", "limit": "5"}
    ).json()
    confidences = [f["confidence"] for f in everything["faces"]]
    assert len(confidences) == 5 and confidences == sorted(confidences, reverse=True)
    assert everything["faces"][0]["id"]["face"] == 70
    narrowed = c.get(
        "/v2/galleries/g/faces",
        params={"looks_like": "faces/g/70", "threshold": "0", "id:in": "10,20"},
    ).json()
    assert sorted(f["id"]["face"] for f in narrowed["faces"]) == [10, 20]
    error_of(
        c.get("/v2/galleries/g/faces", params={"looks_like": "faces/g/1"}),
        ErrorCode.SOURCE_NOT_FOUND,
        "looks_like",
    )
    error_of(
        c.get("/v2/galleries/g/faces", params={"looks_like": "faces/nope/1"}),
        ErrorCode.SOURCE_GALLERY_NOT_FOUND,
        "looks_like",
    )
    error_of(c.get("/v2/galleries/nope/faces"), ErrorCode.GALLERY_NOT_FOUND)


def _search_pages(
    c: Any, params: dict[str, str], limit: int
) -> tuple[list[tuple[int, float]], list[str]]:
    hits: list[tuple[int, float]] = []
    cursors: list[str] = []
    page: str | None = None
    for _ in range(100):  # bounded: 25 faces
        query = {**params, "limit": str(limit), **({"page": page} if page else {})}
        response = c.get("/v2/galleries/g/faces", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        hits += [(f["id"]["face"], f["confidence"]) for f in body["faces"]]
        page = body["next_page"]
        if page is None:
            return hits, cursors
        cursors.append(page)
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("limit", [1, 3, 7, 25])
def test_search_results_page_in_confidence_then_id_order(filled: FakeApp, limit: int) -> None:
    c = filled.client
    params = {"looks_like": "faces/g/70", "threshold": "0"}
    whole = c.get("/v2/galleries/g/faces", params={**params, "limit": "1000"}).json()
    assert whole["next_page"] is None
    expected = [(f["id"]["face"], f["confidence"]) for f in whole["faces"]]
    assert len(expected) == 25
    hits, cursors = _search_pages(c, params, limit)
    assert hits == expected  # the same faces, the same confidences, once each, in order
    assert [(-conf, face) for face, conf in hits] == sorted((-conf, face) for face, conf in hits)
    assert len(cursors) == (25 - 1) // limit
    # With a threshold the pages stop where the matches do; with filters they stay inside them.
    strict, _ = _search_pages(c, {"looks_like": "faces/g/70", "threshold": "0.99"}, 1)
    assert [face for face, _ in strict] == [70]
    odd, _ = _search_pages(c, {**params, "meta:in:tags": "odd"}, 2)
    assert [h for h in expected if (h[0] // 10) % 2 == 1] == odd


def test_search_cursor_is_bound_to_its_search(filled: FakeApp) -> None:
    c = filled.client
    params = {"looks_like": "faces/g/70", "threshold": "0", "limit": "2"}
    page = c.get("/v2/galleries/g/faces", params=params).json()["next_page"]
    assert page
    for other in (
        {"looks_like": "faces/g/80"},
        {"threshold": "0.1"},
        {"meta:in:tags": "odd"},
        {"looks_like": None, "threshold": None},  # a listing cannot continue a search
    ):
        query = {k: v for k, v in {**params, **other, "page": page}.items() if v is not None}
        error_of(c.get("/v2/galleries/g/faces", params=query), ErrorCode.BAD_PARAM, "page")
    listing_page = c.get("/v2/galleries/g/faces", params={"limit": "2"}).json()["next_page"]
    error_of(
        c.get("/v2/galleries/g/faces", params={**params, "page": listing_page}),
        ErrorCode.BAD_PARAM,
        "page",
    )
    for forged_after in ([float("nan"), 10], [0.5], [2.0, 10], ["0.5", 10], [0.5, -1], 10):
        doc = {"v": 1, "sort": "-confidence", "after": forged_after, "f": "x"}
        forged = base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")
        error_of(
            c.get("/v2/galleries/g/faces", params={**params, "page": forged}),
            ErrorCode.BAD_PARAM,
            "page",
        )


def test_verify_compares_two_references(filled: FakeApp) -> None:
    c = filled.client
    det = detect(filled, seed=7)["faces"][0]["id"]
    same = c.get("/v2/verify", params={"face1": f"detection:{det}", "face2": "faces/g/70"})
    other = c.get("/v2/verify", params={"face1": f"detection:{det}", "face2": "faces/g/80"})
    assert same.json()["confidence"] > 0.99 > other.json()["confidence"] >= 0
    error_of(c.get("/v2/verify", params={"face1": "faces/g/70"}), ErrorCode.BAD_PARAM, "face2")
    error_of(
        c.get("/v2/verify", params={"face1": "faces/g/70", "face2": "faces/g/1"}),
        ErrorCode.SOURCE_NOT_FOUND,
        "face2",
    )
    error_of(
        c.get("/v2/verify", params={"face1": "x", "face2": "faces/g/70"}),
        ErrorCode.BAD_PARAM,
        "face1",
    )
    error_of(c.get("/v2/verify", params={"face3": "x"}), ErrorCode.BAD_PARAM, "face3")


def test_app_shutdown_closes_storage() -> None:
    from server_fakes import FakeEngine, FakeStorage, default_schema

    storage = FakeStorage(default_schema())
    app = create_app(
        ServerSettings(), storage, FakeEngine(), MemoryCache(ttl_seconds=1, max_items=1)
    )
    with TestClient(app, "http://127.0.0.1") as client:
        client.get("/v2/status")
    assert storage.closed
