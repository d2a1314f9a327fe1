"""Two server processes behind one PostgreSQL database and one memcached, end to end over HTTP.

What one process writes (galleries, faces, meta, deletes) the other answers at once; id
conflicts are decided by the database, whichever process each request reaches.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pg_server import PgServer
from server_harness import Http, ServerFactory
from test_server_e2e import detect_one, expect_error

from app.protocol import ErrorCode


def _pair(
    server_factory: ServerFactory, pg_server: PgServer, memcached: Any, tmp_path: Path
) -> tuple[Http, Http]:
    dsn = pg_server.create_schema("sfdesk", f"pair_{tmp_path.name}".replace("-", "_"))
    config = tmp_path / "server.toml"
    config.write_text(
        f'storage = "{dsn}"\n[cache]\nbackend = "memcached"\n'
        f'memcached_servers = ["127.0.0.1:{memcached.port}"]\n'
    )
    return (
        server_factory("--config", str(config)).http(),
        server_factory("--config", str(config)).http(),
    )


def test_two_servers_share_galleries_and_detections(
    server_factory: ServerFactory,
    pg_server: PgServer,
    memcached: Callable[[], None],
    face_photos: list[Any],
    tmp_path: Path,
) -> None:
    first, second = _pair(server_factory, pg_server, memcached, tmp_path)
    by_identity: dict[str, list[Path]] = {}
    for photo in face_photos:
        if photo.use == "verify" and photo.identity:
            by_identity.setdefault(photo.identity, []).append(photo.path)
    identity, photos = next((k, v) for k, v in sorted(by_identity.items()) if len(v) >= 2)
    assert first.post("/v2/galleries/g").status == 200
    expect_error(second.post("/v2/galleries/g"), ErrorCode.CONFLICT)
    det = detect_one(first, photos[0])
    added = second.post(
        "/v2/galleries/g/faces/7", json_body={"from": f"detection:{det['id']}", "meta": {}}
    )
    assert added.status == 200, added.body
    expect_error(
        first.post("/v2/galleries/g/faces/7", json_body={"from": f"detection:{det['id']}"}),
        ErrorCode.CONFLICT,
    )
    probe = detect_one(first, photos[1])
    found = first.get("/v2/galleries/g/faces", params={"looks_like": f"detection:{probe['id']}"})
    assert found.status == 200, found.body
    assert [f["id"]["face"] for f in found.json["faces"]][:1] == [7], identity
    assert second.delete("/v2/galleries/g/faces/7").status == 204
    assert first.get("/v2/galleries/g/faces").json["faces"] == []


def test_concurrent_inserts_through_both_servers_all_land_once(
    server_factory: ServerFactory,
    pg_server: PgServer,
    memcached: Callable[[], None],
    face_photos: list[Any],
    tmp_path: Path,
) -> None:
    servers = _pair(server_factory, pg_server, memcached, tmp_path)
    first = servers[0]
    first.post("/v2/galleries/g")
    photo = next(p.path for p in face_photos if p.use == "verify")
    det = detect_one(first, photo)
    added = first.post("/v2/galleries/g/faces/1", json_body={"from": f"detection:{det['id']}"})
    assert added.status == 200, added.body
    outcomes: list[int] = []
    lock = threading.Lock()

    def insert(http: Http, start: int) -> None:
        for face_id in range(start, 200, 3):  # ids overlap between the two servers
            reply = http.post(f"/v2/galleries/g/faces/{face_id}", json_body={"from": "faces/g/1"})
            with lock:
                outcomes.append(reply.status)

    threads = [threading.Thread(target=insert, args=(servers[k % 2], 2 + k % 3)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    added = outcomes.count(200)
    assert added + outcomes.count(409) == len(outcomes)
    listed = first.get("/v2/galleries/g/faces", params={"limit": "1000"}).json["faces"]
    assert len(listed) == added + 1 == len({f["id"]["face"] for f in listed})


def test_a_shard_down_is_storage_error_unless_ignore_errors(
    server_factory: ServerFactory, pg_server: PgServer, face_photos: list[Any], tmp_path: Path
) -> None:
    other = PgServer()
    try:
        shards = [
            pg_server.create_schema("sfdesk", f"shard_{tmp_path.name}".replace("-", "_")),
            other.create_db("shard"),
        ]
        http = server_factory("--storage", " ".join(shards)).http()
        http.post("/v2/galleries/g")
        photo = next(p.path for p in face_photos if p.use == "verify")
        det = detect_one(http, photo)
        for face_id in (1, 2, 3, 4):  # id % 2: even ids on the first shard, odd ones on the second
            reply = http.post(
                f"/v2/galleries/g/faces/{face_id}", json_body={"from": f"detection:{det['id']}"}
            )
            assert reply.status == 200, reply.body
        other.stop()
        probe = {"looks_like": f"detection:{det['id']}"}
        for params in ({}, probe):
            expect_error(http.get("/v2/galleries/g/faces", params=params), ErrorCode.STORAGE_ERROR)
            partial = http.get("/v2/galleries/g/faces", params={**params, "ignore_errors": "1"})
            assert partial.status == 200, partial.body
            assert sorted(f["id"]["face"] for f in partial.json["faces"]) == [2, 4]
    finally:
        other.close()


def test_postgres_hnsw_min_faces_switches_the_hnsw_path_on(
    server_factory: ServerFactory, pg_server: PgServer, face_photos: list[Any], tmp_path: Path
) -> None:
    # Off by default (every search exact, no index); the setting makes the server build a
    # gallery's HNSW index once it is big enough, in the background, and search through it.
    import psycopg

    schema = f"hnsw_{tmp_path.name}".replace("-", "_")
    dsn = pg_server.create_schema("sfdesk", schema)
    config = tmp_path / "server.toml"
    config.write_text(f'storage = "{dsn}"\npostgres_hnsw_min_faces = 3\n')
    http = server_factory("--config", str(config)).http()
    http.post("/v2/galleries/g")
    photos = [p.path for p in face_photos if p.use == "verify"][:4]
    for number, photo in enumerate(photos, 1):
        det = detect_one(http, photo)
        added = http.post(f"/v2/galleries/g/faces/{number}",
                          json_body={"from": f"detection:{det['id']}"})
        assert added.status == 200, added.body
    probe = detect_one(http, photos[0])
    found = http.get("/v2/galleries/g/faces", params={"looks_like": f"detection:{probe['id']}"})
    assert [f["id"]["face"] for f in found.json["faces"]][:1] == [1]
    deadline = time.monotonic() + 60
    with psycopg.connect(dsn, autocommit=True) as conn:
        while True:
            valid = conn.execute(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relname LIKE 'sfdesk_face_g%%_hnsw' AND n.nspname = %s",
                (schema,),
            ).fetchall()
            if valid == [(True,)] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    assert valid == [(True,)], "the server did not build the gallery's HNSW index"
    again = http.get("/v2/galleries/g/faces", params={"looks_like": f"detection:{probe['id']}"})
    assert again.json["faces"] == found.json["faces"]
