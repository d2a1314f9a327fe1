"""Text that is not valid Unicode (lone surrogates) against real servers, SQLite and PostgreSQL.

JSON can carry `"\\ud800"`, which no UTF-8 encoder accepts. Everywhere text enters (meta values
and keys, set items, schema defaults and field names, references, body keys) it is refused with
BAD_PARAM naming the field, and the error body echoing it is valid UTF-8. A SQLite store that
already holds such text (planted in the file, as an older server would have written it) opens,
lists, searches, answers and can be repaired; PostgreSQL cannot hold such text at all (its
`jsonb` refuses it), and a server on it refuses it like the SQLite one.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pg_server import PgServer
from reliability_harness import Start, detection, refused_naming
from server_harness import Http, Reply

LONE = "\\ud800"  # as written inside JSON text
SCHEMA = {"name": "string", "tags": "set[string]", "note": {"type": "string", "default": "ok"}}


def raw_json(http: Http, method: str, path: str, text: str) -> Reply:
    return http.request(method, path, body=text.encode(), content_type="application/json")


def probe_refusals(http: Http, photo: Path) -> None:
    """Every way in for a lone surrogate is refused and nothing is stored."""
    assert http.post("/v2/galleries/g", json_body={"meta_schema": SCHEMA}).status == 200
    ref = detection(http, photo.read_bytes())
    face = "/v2/galleries/g/faces/1"
    cases = [
        ("POST", face, f'{{"from": "{ref}", "meta": {{"name": "a{LONE}"}}}}', "meta.name"),
        ("POST", face, f'{{"from": "{ref}", "meta": {{"tags": ["x", "{LONE}"]}}}}', "meta.tags"),
        ("POST", face, f'{{"from": "{ref}", "meta": {{"{LONE}": "x"}}}}', "meta.\ufffd"),
        ("POST", face, f'{{"from": "faces/g/{LONE}"}}', "from"),
        ("POST", face, f'{{"from": "{ref}", "{LONE}": 1}}', "\ufffd"),
        (
            "POST",
            "/v2/galleries/h",
            f'{{"meta_schema": {{"note": {{"type": "string", "default": "{LONE}"}}}}}}',
            "meta_schema.note.default",
        ),
        (
            "POST",
            "/v2/galleries/h",
            f'{{"meta_schema": {{"tags": {{"type": "set[string]", "default": ["{LONE}"]}}}}}}',
            "meta_schema.tags.default",
        ),
        (
            "POST",
            "/v2/galleries/h",
            f'{{"meta_schema": {{"{LONE}": "string"}}}}',
            "meta_schema.\ufffd",
        ),
    ]
    for method, path, text, param in cases:
        refused_naming(raw_json(http, method, path, text), param)
    assert http.post(face, json_body={"from": ref, "meta": {"name": "Ann"}}).status == 200
    refused_naming(raw_json(http, "PATCH", face, f'{{"meta": {{"name": "{LONE}"}}}}'), "meta.name")
    # Query strings and paths are percent-decoded with replacement: never a lone surrogate.
    listing = http.get("/v2/galleries/g/faces", params=[("meta:in:name", "\ufffd")])
    assert listing.status == 200 and listing.json["faces"] == []
    reply = http.get("/v2/galleries/%ED%A0%80/faces")
    refused_naming(reply, "gallery")
    assert http.get("/v2/galleries/h").status == 404
    faces = http.get("/v2/galleries/g/faces").json["faces"]
    assert [(f["id"]["face"], f["meta"]["name"]) for f in faces] == [(1, "Ann")]


def test_sqlite_server_refuses_text_that_is_not_unicode(
    start_server: Start, faces_dir: Path
) -> None:
    http = start_server().http()
    probe_refusals(http, faces_dir / "face_recognition" / "obama1.jpg")


def test_postgres_server_refuses_it_and_postgres_cannot_hold_it(
    start_server: Start, pg_server: PgServer, faces_dir: Path, tmp_path: Path
) -> None:
    dsn = pg_server.create_schema("sfdesk", f"uni_{tmp_path.name}".replace("-", "_"))
    http = start_server("--storage", dsn).http()
    probe_refusals(http, faces_dir / "face_recognition" / "obama1.jpg")
    with psycopg.connect(dsn, autocommit=True) as conn, pytest.raises(psycopg.DataError):
        conn.execute(f'UPDATE sfdesk_face SET meta = \'{{"name": "{LONE}"}}\'::jsonb')


def plant(database: Path) -> None:
    """What a server before the Unicode rule stored: escapes of lone surrogates in the JSON."""
    with sqlite3.connect(database) as conn:
        conn.execute(
            "UPDATE face SET meta = ? WHERE fid = ?",
            (f'{{"name": "a{LONE}b", "tags": ["{LONE}x"], "note": "ok"}}', 1 - 2**63),
        )
        conn.execute(
            "UPDATE gallery SET schema = ? WHERE name = 'g'",
            (
                '{"name": {"type": "string", "default": null}, "tags": {"type": "set[string]", '
                f'"default": null}}, "note": {{"type": "string", "default": "{LONE}"}}}}',
            ),
        )


def test_a_store_already_holding_such_text_stays_readable(
    start_server: Start, faces_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    server = start_server(data_dir=data)
    http = server.http()
    assert http.post("/v2/galleries/g", json_body={"meta_schema": SCHEMA}).status == 200
    photo = faces_dir / "face_recognition" / "obama1.jpg"
    for face_id in (1, 2):
        body = {"from": detection(http, photo.read_bytes()), "meta": {"name": f"n{face_id}"}}
        assert http.post(f"/v2/galleries/g/faces/{face_id}", json_body=body).status == 200
    assert server.stop() == 0
    plant(data / "sfdesk.sqlite3")

    http = start_server(data_dir=data).http()
    expected: dict[str, Any] = {"name": "a\ufffdb", "tags": ["\ufffdx"], "note": "ok"}
    got = http.get("/v2/galleries/g/faces/1")
    assert got.status == 200 and got.json["meta"] == expected, got.body
    listing = http.get("/v2/galleries/g/faces")
    assert listing.status == 200 and len(listing.json["faces"]) == 2, listing.body
    search = http.get("/v2/galleries/g/faces", params={"looks_like": "faces/g/2", "threshold": "0"})
    assert search.status == 200, search.body
    assert expected in [face["meta"] for face in search.json["faces"]]
    info = http.get("/v2/galleries/g")
    assert info.status == 200 and info.json["meta_schema"]["note"]["default"] == "\ufffd"
    # A new face takes the stored default and is answered; the operator can repair both.
    added = http.post("/v2/galleries/g/faces/3", json_body={"from": "faces/g/2"})
    assert added.status == 200 and added.json["meta"]["note"] == "\ufffd", added.body
    fixed = http.patch("/v2/galleries/g/faces/1", json_body={"meta": {"name": "Ann", "tags": []}})
    assert fixed.status == 200 and fixed.json["meta"]["name"] == "Ann", fixed.body
    assert http.get("/v2/galleries").json["galleries"] == [{"name": "g", "number_of_faces": 3}]
