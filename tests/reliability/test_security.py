"""Security over real HTTP: the token guard, hostile names and ids, and `text/x-url` fetching.

- With a token (and a non-loopback bind) every operation of the OpenAPI document refuses a
  missing or wrong token with 401 and a body of only `{code, reason}`, and changes nothing.
- Path traversal and SQL injection strings as gallery names, face ids, references, filter keys
  and values are refused (BAD_PARAM / NOT_FOUND family) or, as meta values, stored verbatim; the
  SQLite file stays intact and no file appears outside the data directory.
- URLs: only http(s); loopback, private and link-local hosts (in any spelling) are refused and
  never contacted unless the config allows them; redirects are checked too; the download is
  bounded in size (also without Content-Length) and in total time (also for a slow drip).
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_checks import error_body_problem
from reliability_harness import Origin, Start, detect_url, detection, write_config
from server_harness import Http, Reply, ServerProcess

from app.common import ServerSettings
from app.protocol import ErrorCode
from app.server._openapi import openapi_document

REFUSED = {ErrorCode.BAD_PARAM, ErrorCode.NOT_FOUND, ErrorCode.GALLERY_NOT_FOUND}
REFUSED_REF = REFUSED | {ErrorCode.SOURCE_NOT_FOUND, ErrorCode.SOURCE_GALLERY_NOT_FOUND}


def refused(reply: Reply, codes: set[ErrorCode]) -> None:
    assert error_body_problem(reply.status, reply.body) is None, reply.body
    assert ErrorCode(reply.json["code"]) in codes, reply.body


# ---------------------------------------------------------------- token


def test_token_guards_every_operation_and_leaks_nothing(start_server: Start) -> None:
    server = start_server("--host", "0.0.0.0", "--token", "s3cret")
    good = server.http("s3cret")
    assert good.post("/v2/galleries/kept").status == 200
    # (no "s3cret " case: trailing whitespace is not part of an HTTP header value)
    wrong = ["", "s3cre", "s3cret2", "S3CRET", "s3cret\t1", "Bearer s3cret"]
    headers = [{"Authorization": f"Bearer {t}"} for t in wrong] + [
        {},
        {"Authorization": "s3cret"},
        {"Authorization": "Basic czNjcmV0"},
        {"Authorization": "Bearer"},
    ]
    paths = openapi_document(ServerSettings(token="s3cret"))["paths"]
    for template, item in paths.items():
        path = template.format(gallery="kept", face_id=1, detection_id="x" * 20)
        for method in (m for m in item if m != "parameters"):
            for header in headers:
                reply = Http(server.url).request(method.upper(), path, json_body={}, headers=header)
                assert reply.status == 401, (method, path, header, reply.body)
                assert set(reply.json) == {"code", "reason"}
                assert reply.json["code"] == ErrorCode.UNAUTHORIZED.value
    assert good.get("/v2/galleries").json == {"galleries": [{"name": "kept", "number_of_faces": 0}]}
    # The scheme name is case-insensitive (RFC 9110); the token is not.
    lower = {"Authorization": "bearer s3cret"}
    assert Http(server.url).request("GET", "/v2/galleries", headers=lower).status == 200


# ---------------------------------------------------------------- names, ids, SQL

TRAVERSAL = [
    "..",
    "../../etc/passwd",
    "..%2F..%2Fetc",
    "%2e%2e",
    "a/../b",
    "/etc/passwd",
    "C:\\Windows",
    "x\x00y",
    "sfdesk.sqlite3",
    "a" * 65,
]
INJECTION = [
    "x' OR '1'='1",
    "x'; DROP TABLE face; --",
    'x" OR 1=1 --',
    "1; DELETE FROM gallery",
    "1 OR 1=1",
    "people) UNION SELECT * FROM face --",
]


@pytest.fixture(scope="module")
def filled(shared_server: ServerProcess, faces_dir: Path) -> Http:
    """The shared server with gallery `people`: two faces, one with an injection in its meta."""
    http = shared_server.http()
    assert http.post("/v2/galleries/people").status == 200
    ref = detection(http, (faces_dir / "face_recognition" / "obama1.jpg").read_bytes())
    for face_id, name in ((1, "x'); DROP TABLE face; --"), (2, "plain")):
        body = {"from": ref, "meta": {"name": name, "tags": [name]}}
        assert http.post(f"/v2/galleries/people/faces/{face_id}", json_body=body).status == 200
    return http


def quoted(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def test_hostile_names_and_ids_are_refused_and_change_nothing(
    filled: Http, shared_server: ServerProcess
) -> None:
    data: Path = shared_server.data_dir  # type: ignore[attr-defined]
    outside_before = sorted(p.name for p in data.parent.iterdir())
    before = filled.get("/v2/galleries/people/faces").json
    for text in TRAVERSAL + INJECTION:
        q = quoted(text)
        for method in ("POST", "GET", "DELETE"):
            refused(filled.request(method, f"/v2/galleries/{q}"), REFUSED)
        refused(filled.get(f"/v2/galleries/{q}/faces"), REFUSED)
        for face in (f"/v2/galleries/people/faces/{q}", f"/v2/galleries/{q}/faces/1"):
            refused(filled.get(face), REFUSED)
            refused(filled.delete(face), REFUSED)
            refused(filled.patch(face, json_body={"meta": {"name": "z"}}), REFUSED)
            refused(filled.post(face, json_body={"from": "faces/people/1"}), REFUSED)
        refused(filled.get(f"/v2/detect/{q}"), REFUSED)
        for ref in (f"faces/{text}/1", f"faces/people/{text}", f"detection:{text}"):
            params = {"looks_like": ref}
            refused(filled.get("/v2/galleries/people/faces", params=params), REFUSED_REF)
            body = {"from": ref}
            refused(filled.post("/v2/galleries/people/faces/9", json_body=body), REFUSED_REF)
            params = {"face1": ref, "face2": "faces/people/1"}
            refused(filled.get("/v2/verify", params=params), REFUSED_REF)
        for key in (f"meta:in:{text}", f"meta:gte:{text}", f"id:{text}", text):
            refused(filled.get("/v2/galleries/people/faces", params={key: "1"}), REFUSED)
        for key in ("id:in", "id:gte", "meta:in:person_id", "meta:subset:tags"):
            reply = filled.get("/v2/galleries/people/faces", params={key: text})
            if key == "meta:subset:tags":  # a string set: any text is a value, matching none
                assert reply.status == 200 and reply.json["faces"] == [], reply.body
            else:
                refused(reply, REFUSED)
        # String filter values are data: they match nothing instead of everything.
        reply = filled.get("/v2/galleries/people/faces", params={"meta:in:name": text})
        assert reply.status == 200 and reply.json["faces"] == [], reply.body
    # The injection stored as meta comes back verbatim and is found only as itself.
    name = "x'); DROP TABLE face; --"
    assert filled.get("/v2/galleries/people/faces/1").json["meta"]["name"] == name
    found = filled.get("/v2/galleries/people/faces", params={"meta:in:name": name}).json["faces"]
    assert [f["id"]["face"] for f in found] == [1]
    assert filled.get("/v2/galleries/people/faces").json == before
    with sqlite3.connect(f"file:{data / 'sfdesk.sqlite3'}?mode=ro", uri=True) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"gallery", "face", "crop"} <= tables
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = {r[0] for r in conn.execute("SELECT name FROM gallery")}
    assert names == {"people"}
    assert sorted(p.name for p in data.parent.iterdir()) == outside_before
    assert {p.name for p in data.iterdir()} <= {
        "sfdesk.sqlite3",
        "sfdesk.sqlite3-wal",
        "sfdesk.sqlite3-shm",
        "sfdesk.sqlite3.lock",
        "sfdesk.sqlite3.owner",
    }


# ---------------------------------------------------------------- text/x-url


@pytest.fixture
def origin(faces_dir: Path) -> Iterator[Origin]:
    server = Origin((faces_dir / "face_recognition" / "obama1.jpg").read_bytes())
    yield server
    server.close()


def test_default_policy_refuses_schemes_and_non_public_hosts_without_contact(
    shared_server: ServerProcess, origin: Origin
) -> None:
    http = shared_server.http()
    port = origin.port
    urls = [
        f"file:///{Path(__file__).resolve()}",
        "ftp://127.0.0.1/x.jpg",
        "gopher://127.0.0.1:70/_x",
        "data:image/jpeg;base64,/9j/",
        "javascript:alert(1)",
        f"//127.0.0.1:{port}/x.jpg",
        "http:///x.jpg",
        f"http://127.0.0.1:{port}/x.jpg",
        f"http://localhost:{port}/x.jpg",
        f"http://127.1:{port}/x.jpg",
        f"http://2130706433:{port}/x.jpg",
        f"http://0x7f000001:{port}/x.jpg",
        f"http://[::ffff:127.0.0.1]:{port}/x.jpg",
        f"http://0.0.0.0:{port}/x.jpg",
        f"http://user@127.0.0.1:{port}/x.jpg",
        f"http://[::1]:{port}/x.jpg",
        "http://10.0.0.1/x.jpg",
        "http://192.168.1.1/x.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00::1]/x.jpg",
        f"http://127.0.0.1:{port}:80/x.jpg",
    ]
    for url in urls:
        reply = detect_url(http, url)
        refused(reply, {ErrorCode.BAD_PARAM})
        assert reply.json["param"] == "url", (url, reply.body)
    assert origin.hits == []


def test_allowed_host_limits_redirects_size_and_time(
    start_server: Start, origin: Origin, tmp_path: Path
) -> None:
    config = write_config(
        tmp_path / "server.toml",
        url_fetch={"allowed_hosts": ["127.0.0.1"], "max_bytes": 200_000, "timeout_seconds": 1.0},
    )
    http = start_server("--config", str(config)).http()
    assert detect_url(http, f"{origin.url}/photo.jpg").status == 200
    other = f"http://localhost:{origin.port}/photo.jpg"
    for url in (
        f"{origin.url}/redirect?to={other}",  # to a host the config does not name
        f"{origin.url}/redirect?to=file:///etc/passwd",
        f"{origin.url}/chunked-endless",  # no Content-Length: stopped at max_bytes
        f"{origin.url}/drip",  # every byte in time, the whole far too slow
        f"{origin.url}/drip-headers",
    ):
        reply = detect_url(http, url)
        refused(reply, {ErrorCode.BAD_PARAM})
        assert reply.json["param"] == "url", (url, reply.body)
    assert origin.hits.count("/photo.jpg") == 1  # the redirect to localhost was not followed


def test_a_stalled_peer_does_not_hold_a_worker(start_server: Start, tmp_path: Path) -> None:
    """A listener that accepts and never answers is cut off by the time limit."""
    config = write_config(
        tmp_path / "server.toml",
        **{"": {"workers": 1, "queue_size": 1}},
        url_fetch={"allowed_hosts": ["127.0.0.1"], "timeout_seconds": 1.0},
    )
    http = start_server("--config", str(config)).http()
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/x.jpg"
        for _ in range(3):
            refused(detect_url(http, url), {ErrorCode.BAD_PARAM})
