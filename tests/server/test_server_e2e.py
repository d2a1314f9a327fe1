"""End to end through real HTTP on loopback: real models, a real SQLite file, real photos.

One server subprocess (`live_server`) serves the enrol -> list -> search -> update -> delete
cycle and the error cases; the process-level behaviours (crash safety, token, bind refusal,
memcached, signals, parent watchdog) start their own servers.
"""

from __future__ import annotations

import functools
import http.client as http_client
import http.server
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from server_harness import REPO_ROOT, Http, Reply, ServerFactory, ServerProcess

from app.protocol import DEFAULT_CONFIDENCE, UINT64_MAX, ErrorCode

GALLERY = "people"


def expect_error(reply: Reply, code: ErrorCode, param: str | None = None) -> None:
    from app.protocol import HTTP_STATUS

    body = reply.json
    assert (reply.status, body["code"]) == (HTTP_STATUS[code], code.value), body
    if param is not None:
        assert body.get("param") == param, body


def detect_one(http: Http, photo: Path, **params: str) -> dict[str, Any]:
    reply = http.post(
        "/v2/detect",
        params={"facen": "on", **params},
        body=photo.read_bytes(),
        content_type="image/jpeg",
    )
    assert reply.status == 200, reply.body
    faces = reply.json["faces"]
    assert faces, f"no face found in {photo}"
    best: dict[str, Any] = max(faces, key=lambda f: f["bbox"]["right"] - f["bbox"]["left"])
    return best


@pytest.fixture(scope="module")
def identities(face_photos: list[Any]) -> dict[str, list[Path]]:
    """Photos of each identity that has at least two (first to enrol, the others to search)."""
    by_identity: dict[str, list[Path]] = {}
    for photo in face_photos:
        if photo.use == "verify" and photo.identity:
            by_identity.setdefault(photo.identity, []).append(photo.path)
    return {k: v for k, v in by_identity.items() if len(v) >= 2}


@pytest.fixture(scope="module")
def enrolled(live_server: ServerProcess, identities: dict[str, list[Path]]) -> dict[str, int]:
    """Enrol the first photo of every identity; returns identity -> face id (above 2**63)."""
    http = live_server.http()
    assert http.post(f"/v2/galleries/{GALLERY}").status == 200
    ids: dict[str, int] = {}
    for index, (identity, photos) in enumerate(sorted(identities.items())):
        face_id = 2**63 + 1000 * index + 7  # beyond 2**53: must survive without float rounding
        det = detect_one(http, photos[0], gender="on")
        meta = {"person_id": index, "name": identity, "tags": ["even" if index % 2 else "odd"]}
        reply = http.post(
            f"/v2/galleries/{GALLERY}/faces/{face_id}",
            json_body={"from": f"detection:{det['id']}", "meta": meta},
        )
        assert reply.status == 200, reply.body
        assert reply.json["id"] == {"gallery": GALLERY, "face": face_id}
        assert reply.json["features"] == det["features"]
        ids[identity] = face_id
    return ids


def test_status_and_openapi(live_server: ServerProcess) -> None:
    http = live_server.http()
    status = http.get("/v2/status").json
    assert status["status"] == "ok" and status["model_pack"] == "faceplugin-0.0.1"
    assert "/v2/galleries/{gallery}/faces" in http.get("/openapi.json").json["paths"]


def test_search_with_another_photo_finds_the_person_first(
    live_server: ServerProcess, identities: dict[str, list[Path]], enrolled: dict[str, int]
) -> None:
    http = live_server.http()
    for identity, photos in identities.items():
        probe = detect_one(http, photos[1])
        reply = http.get(
            f"/v2/galleries/{GALLERY}/faces", params={"looks_like": f"detection:{probe['id']}"}
        )
        assert reply.status == 200, reply.body
        faces = reply.json["faces"]
        assert faces and faces[0]["id"]["face"] == enrolled[identity], (identity, faces[:3])
        assert faces[0]["meta"]["name"] == identity
        assert faces[0]["confidence"] >= DEFAULT_CONFIDENCE
        assert reply.json["next_page"] is None


def test_verify_tells_same_from_different_people(
    live_server: ServerProcess, identities: dict[str, list[Path]]
) -> None:
    http = live_server.http()
    first, second = sorted(identities)[:2]
    a1, a2 = (detect_one(http, p)["id"] for p in identities[first][:2])
    b1 = detect_one(http, identities[second][0])["id"]

    def confidence(x: str, y: str) -> float:
        reply = http.get(
            "/v2/verify", params={"face1": f"detection:{x}", "face2": f"detection:{y}"}
        )
        assert reply.status == 200, reply.body
        value: float = reply.json["confidence"]
        return value

    assert confidence(a1, a2) >= DEFAULT_CONFIDENCE > confidence(a1, b1)


def test_listing_pages_visit_every_face_once(
    live_server: ServerProcess, enrolled: dict[str, int]
) -> None:
    http = live_server.http()
    for sort in ("id", "-id"):
        seen: list[int] = []
        page: str | None = None
        while True:
            params = {"limit": "3", "sort": sort, **({"page": page} if page else {})}
            body = http.get(f"/v2/galleries/{GALLERY}/faces", params=params).json
            seen += [f["id"]["face"] for f in body["faces"]]
            page = body["next_page"]
            if page is None:
                break
        assert seen == sorted(enrolled.values(), reverse=sort == "-id")


def test_filters_narrow_listings_and_searches(
    live_server: ServerProcess, identities: dict[str, list[Path]], enrolled: dict[str, int]
) -> None:
    http = live_server.http()
    names = sorted(enrolled)

    def listed(params: list[tuple[str, str]]) -> set[int]:
        reply = http.get(f"/v2/galleries/{GALLERY}/faces", params=params)
        assert reply.status == 200, reply.body
        return {f["id"]["face"] for f in reply.json["faces"]}

    assert listed([("meta:in:name", names[0]), ("meta:in:name", names[1])]) == {
        enrolled[names[0]],
        enrolled[names[1]],
    }
    assert listed([("meta:subset:tags", "odd")]) == {enrolled[n] for n in names[::2]}
    assert listed([("meta:gte:person_id", "2"), ("meta:lte:person_id", "3")]) == {
        enrolled[names[2]],
        enrolled[names[3]],
    }
    first = enrolled[names[0]]
    assert listed([("id:gte", str(first)), ("id:lte", str(first))]) == {first}
    assert listed([("id:in", f"{first},{enrolled[names[1]]}")]) == {first, enrolled[names[1]]}
    # a search restricted to other people does not return the person, even if very similar
    probe = detect_one(http, identities[names[0]][1])
    others = listed(
        [("looks_like", f"detection:{probe['id']}"), ("threshold", "0"), ("meta:in:name", names[1])]
    )
    assert others == {enrolled[names[1]]}


def test_update_and_delete_cycle(
    live_server: ServerProcess, identities: dict[str, list[Path]], enrolled: dict[str, int]
) -> None:
    http = live_server.http()
    name = sorted(enrolled)[-1]
    face_id = enrolled[name]
    path = f"/v2/galleries/{GALLERY}/faces/{face_id}"
    patched = http.patch(path, json_body={"meta": {"tags": ["vip", "vip", "a"]}})
    assert patched.status == 200 and patched.json["meta"]["tags"] == ["a", "vip"]
    assert patched.json["meta"]["name"] == name
    assert http.get(path).json["meta"]["tags"] == ["a", "vip"]
    crop = http.get(path + "/normalized")
    assert crop.headers["content-type"] == "image/png" and crop.body.startswith(b"\x89PNG")
    copy = http.post(
        f"/v2/galleries/{GALLERY}/faces/{UINT64_MAX}",
        json_body={"from": f"faces/{GALLERY}/{face_id}", "meta": {"name": "copy"}},
    )
    assert copy.status == 200 and copy.json["id"]["face"] == UINT64_MAX
    assert http.delete(path).status == 204
    expect_error(http.get(path), ErrorCode.NOT_FOUND)
    probe = detect_one(http, identities[name][1])
    found = http.get(
        f"/v2/galleries/{GALLERY}/faces", params={"looks_like": f"detection:{probe['id']}"}
    ).json["faces"]
    assert found[0]["id"]["face"] == UINT64_MAX  # the copy, not the deleted original
    assert face_id not in [f["id"]["face"] for f in found]
    assert http.delete(f"/v2/galleries/{GALLERY}/faces/{UINT64_MAX}").status == 204
    http.patch(path, json_body={"meta": {}})
    enrolled.pop(name)


def test_error_cases_change_nothing(live_server: ServerProcess, enrolled: dict[str, int]) -> None:
    http = live_server.http()
    before = http.get("/v2/galleries").json
    face = f"/v2/galleries/{GALLERY}/faces"
    some_id = next(iter(enrolled.values()))
    expect_error(
        http.post(f"{face}/5", body=b"{not json", content_type="application/json"),
        ErrorCode.MALFORMED_REQUEST,
    )
    expect_error(
        http.post(f"{face}/5", body=b'{"from": "x"}', content_type="text/plain"),
        ErrorCode.BAD_PARAM,
        "Content-Type",
    )
    expect_error(http.post("/v2/galleries/bad.name"), ErrorCode.BAD_PARAM, "gallery")
    expect_error(
        http.post(f"{face}/{UINT64_MAX + 1}", json_body={"from": "faces/people/1"}),
        ErrorCode.BAD_PARAM,
        "face_id",
    )
    expect_error(
        http.post(f"{face}/{some_id}", json_body={"from": f"faces/{GALLERY}/{some_id}"}),
        ErrorCode.CONFLICT,
    )
    expect_error(
        http.post(f"{face}/5", json_body={"from": "detection:cf2g86uv54rqhngnq960"}),
        ErrorCode.SOURCE_NOT_FOUND,
        "from",
    )
    expect_error(
        http.get(face, params={"looks_like": f"faces/{GALLERY}/{some_id}", "threshold": "1.01"}),
        ErrorCode.BAD_PARAM,
        "threshold",
    )
    expect_error(http.get(face, params={"page": "bm90IGEgY3Vyc29y"}), ErrorCode.BAD_PARAM, "page")
    expect_error(
        http.get(face, params={"meta:in:shoe_size": "42"}), ErrorCode.BAD_PARAM, "meta:in:shoe_size"
    )
    expect_error(http.get("/v2/detect/cf2g86uv54rqhngnq960"), ErrorCode.NOT_FOUND)
    expect_error(
        http.post("/v2/detect", body=b"\xff\xd8garbage", content_type="image/jpeg"),
        ErrorCode.MALFORMED_REQUEST,
        "image",
    )
    expect_error(
        http.post(
            "/v2/detect", params={"return_facen": "on"}, body=b"x", content_type="image/jpeg"
        ),
        ErrorCode.BAD_PARAM,
        "return_facen",
    )
    expect_error(http.get("/v2/nowhere"), ErrorCode.NOT_FOUND)
    expect_error(http.request("PUT", "/v2/galleries"), ErrorCode.MALFORMED_REQUEST, "method")
    assert http.get("/v2/galleries").json == before


def test_oversize_body_is_refused_before_it_is_read(live_server: ServerProcess) -> None:
    host, port = live_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /v2/detect HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\n"
            b"Content-Length: 1000000000\r\n\r\n" + b"\0" * 1000
        )
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400")
    assert b'"BAD_PARAM"' in body and b'"param":"body"' in body


@pytest.fixture
def photo_server(faces_dir: Path) -> Iterator[str]:
    """The test photos over HTTP on loopback (for text/x-url)."""
    handler = functools.partial(_QuietHandler, directory=str(faces_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_url_bodies_follow_the_host_policy(
    server_factory: ServerFactory, photo_server: str, tmp_path: Path
) -> None:
    config = tmp_path / "server.toml"
    config.write_text('[url_fetch]\nallowed_hosts = ["127.0.0.1"]\nmax_bytes = 400000\n')
    http = server_factory("--config", str(config)).http()
    url = f"{photo_server}/face_recognition/obama.jpg"
    reply = http.post("/v2/detect", body=url.encode(), content_type="text/x-url")
    assert reply.status == 200 and len(reply.json["faces"]) == 1
    too_big = f"{photo_server}/deepface/img1.jpg"
    expect_error(
        http.post("/v2/detect", body=too_big.encode(), content_type="text/x-url"),
        ErrorCode.BAD_PARAM,
        "url",
    )
    other_host = url.replace("127.0.0.1", "localhost")
    expect_error(
        http.post("/v2/detect", body=other_host.encode(), content_type="text/x-url"),
        ErrorCode.BAD_PARAM,
        "url",
    )


# ---------------------------------------------------------------- process behaviour


def test_sigkill_during_inserts_loses_only_unanswered_faces(
    server_factory: ServerFactory,
    storage_args: tuple[str, ...],
    face_photos: list[Any],
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    server = server_factory(*storage_args, data_dir=data)
    http = server.http()
    http.post("/v2/galleries/crash")
    photo = next(p.path for p in face_photos if p.use == "verify")
    det = detect_one(http, photo)
    assert (
        http.post(
            "/v2/galleries/crash/faces/1", json_body={"from": f"detection:{det['id']}"}
        ).status
        == 200
    )
    answered: list[int] = [1]
    lock = threading.Lock()
    stop = threading.Event()

    def insert(start: int) -> None:
        face_id = start
        while not stop.is_set():
            try:
                reply = http.post(
                    f"/v2/galleries/crash/faces/{face_id}",
                    json_body={"from": "faces/crash/1", "meta": {"person_id": 1}},
                    timeout=10,
                )
            except (OSError, http_client.HTTPException):
                # Killed before or while answering (a cut-off body is IncompleteRead): this
                # write was never acknowledged.
                return
            if reply.status == 200:
                with lock:
                    answered.append(face_id)
            face_id += 4

    threads = [threading.Thread(target=insert, args=(10 + k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while len(answered) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.proc.kill()
    server.proc.wait(10)
    stop.set()
    for thread in threads:
        thread.join(15)
    assert len(answered) >= 150
    restarted = server_factory(*storage_args, data_dir=data).http()
    listed = restarted.get("/v2/galleries/crash/faces", params={"limit": "10000"}).json["faces"]
    assert set(answered) <= {f["id"]["face"] for f in listed}
    found = restarted.get(
        "/v2/galleries/crash/faces",
        params={"looks_like": "faces/crash/1", "threshold": "0.99", "limit": "10000"},
    ).json["faces"]
    assert set(answered) <= {f["id"]["face"] for f in found}


def test_token_is_required_off_loopback(server_factory: ServerFactory) -> None:
    server = server_factory("--host", "0.0.0.0", "--token", "s3cret")
    assert server.url.startswith("http://127.0.0.1:")
    anonymous = server.http()
    for reply in (
        anonymous.get("/v2/galleries"),
        anonymous.post("/v2/galleries/x"),
        server.http("wrong").get("/v2/status"),
    ):
        expect_error(reply, ErrorCode.UNAUTHORIZED)
        assert set(reply.json) == {"code", "reason"}
    authorised = server.http("s3cret")
    assert authorised.get("/v2/galleries").json == {"galleries": []}


def _run_to_exit(*args: str, timeout: float = 60) -> tuple[int, list[dict[str, Any]]]:
    import json

    proc = subprocess.run(
        [sys.executable, "-m", "app", "server", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        timeout=timeout,
    )
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines()]


def test_refuses_to_bind_beyond_loopback_without_token(tmp_path: Path) -> None:
    code, events = _run_to_exit("--host", "0.0.0.0", "--port", "0", "--data", str(tmp_path))
    assert code != 0
    assert events[-1]["event"] == "error" and "token" in events[-1]["reason"]
    assert not any(e["event"] == "ready" for e in events)


def test_taken_port_and_bad_config_are_error_events(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        code, events = _run_to_exit("--port", port, "--data", str(tmp_path))
    assert code != 0 and events[-1]["event"] == "error" and port in events[-1]["reason"]
    config = tmp_path / "c.toml"
    config.write_text("wrokers = 2\n")
    code, events = _run_to_exit("--port", "0", "--data", str(tmp_path), "--config", str(config))
    assert code == 2 and events[-1]["code"] == "BAD_PARAM" and "wrokers" in events[-1]["reason"]


def test_missing_models_are_an_error_event_naming_the_installer(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(f'model_dir = "{tmp_path / "no-models"}"\n')
    code, events = _run_to_exit("--port", "0", "--data", str(tmp_path), "--config", str(config))
    assert code != 0 and events[-1]["event"] == "error"
    assert events[-1]["code"] == "EXTRACTION_ERROR"
    assert "python -m app models install" in events[-1]["reason"]


class _HeldPhoto(http.server.BaseHTTPRequestHandler):
    """Serves one photo, but only once the test releases it (a request held in flight)."""

    photo: bytes = b""
    asked = threading.Event()
    release = threading.Event()

    def do_GET(self) -> None:
        type(self).asked.set()
        type(self).release.wait(30)
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(self.photo)))
        self.end_headers()
        self.wfile.write(self.photo)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_sigterm_finishes_in_flight_requests(
    server_factory: ServerFactory, face_photos: list[Any], tmp_path: Path
) -> None:
    _HeldPhoto.photo = next(p.path for p in face_photos if p.use == "verify").read_bytes()
    _HeldPhoto.asked.clear()
    _HeldPhoto.release.clear()
    source = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HeldPhoto)
    threading.Thread(target=source.serve_forever, daemon=True).start()
    config = tmp_path / "server.toml"
    config.write_text('[url_fetch]\nallowed_hosts = ["127.0.0.1"]\n')
    server = server_factory("--config", str(config))
    results: list[int] = []

    def detect_by_url() -> None:
        url = f"http://127.0.0.1:{source.server_address[1]}/photo.jpg"
        reply = server.http().post("/v2/detect", body=url.encode(), content_type="text/x-url")
        results.append(reply.status)

    thread = threading.Thread(target=detect_by_url)
    thread.start()
    try:
        assert _HeldPhoto.asked.wait(30), "the server never fetched the URL"
        server.proc.send_signal(signal.SIGTERM)  # while the request is being handled
        time.sleep(0.2)
        _HeldPhoto.release.set()
        thread.join(30)
        assert results == [200]
        assert server.proc.wait(30) == 0
    finally:
        _HeldPhoto.release.set()
        source.shutdown()
        source.server_close()


def test_parent_pid_watchdog_stops_the_server(server_factory: ServerFactory) -> None:
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        server = server_factory("--parent-pid", str(parent.pid))
        assert server.http().get("/v2/status").status == 200
    finally:
        parent.kill()
        parent.wait(10)
    assert server.proc.wait(30) == 0


def test_memcached_backend_is_shared_and_its_failure_is_cache_error(
    server_factory: ServerFactory,
    memcached: Callable[[], None],
    face_photos: list[Any],
    tmp_path: Path,
) -> None:
    port = memcached.port  # type: ignore[attr-defined]
    config = tmp_path / "server.toml"
    config.write_text(
        f'[cache]\nbackend = "memcached"\nmemcached_servers = ["127.0.0.1:{port}"]\n'
        "ttl_seconds = 60\n"
    )
    first = server_factory("--config", str(config)).http()
    second = server_factory("--config", str(config)).http()
    photo = next(p.path for p in face_photos if p.use == "verify")
    det = detect_one(first, photo, gender="on")
    shared = second.get(f"/v2/detect/{det['id']}")
    assert shared.status == 200 and shared.json == {k: det[k] for k in ("id", "bbox", "features")}
    assert second.get(f"/v2/detect/{det['id']}/normalized").body.startswith(b"\x89PNG")
    second.post("/v2/galleries/g")
    added = second.post("/v2/galleries/g/faces/1", json_body={"from": f"detection:{det['id']}"})
    assert added.status == 200
    memcached()
    expect_error(
        first.post(
            "/v2/detect", params={"facen": "on"}, body=photo.read_bytes(), content_type="image/jpeg"
        ),
        ErrorCode.CACHE_ERROR,
    )
    expect_error(second.get(f"/v2/detect/{det['id']}"), ErrorCode.CACHE_ERROR)
    plain = first.post("/v2/detect", body=photo.read_bytes(), content_type="image/jpeg")
    assert plain.status == 200  # detection without facen needs no cache
