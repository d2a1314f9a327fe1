"""What only the PostgreSQL backend has: stores sharing one database, the server going away,
vectors kept out of TOAST. (Everything else runs on both backends in the other modules.)"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import numpy as np
import psycopg
import pytest
from pg_server import PgServer
from storage_helpers import PACK, SCHEMA, unit_rows

from app.common import ServerSettings, SettingsError
from app.protocol import ErrorCode, ProtocolError
from app.storage import MetaField, MetaFilter, MetaType, NewFace, PostgresStorage, Query


@pytest.fixture
def two(pg_dsn: str) -> Iterator[tuple[PostgresStorage, PostgresStorage]]:
    """Two stores on one database, as two server processes would have."""
    first = PostgresStorage(pg_dsn, default_schema=SCHEMA)
    second = PostgresStorage(pg_dsn, default_schema=SCHEMA)
    yield first, second
    first.close()
    second.close()


def _faces(seed: int, ids: range, pack: str = PACK) -> list[NewFace]:
    vectors = unit_rows(np.random.default_rng(seed), len(ids))
    return [NewFace(i, v, pack, {}, {"age": i % 7}) for i, v in zip(ids, vectors, strict=True)]


def test_writes_of_one_store_are_seen_by_another_at_once(
    two: tuple[PostgresStorage, PostgresStorage],
) -> None:
    first, second = two
    first.create_gallery("g")
    first.add_faces_bulk("g", _faces(1, range(10)))
    assert second.list_galleries() == [("g", 10)]
    second.update_meta("g", 3, {"age": 99})
    second.delete_face("g", 4)
    found = first.query("g", Query(meta_filters=(MetaFilter("age", "gte", (50,)),)))
    assert [f.id for f in found.faces] == [3]
    assert 4 not in [f.id for f in first.query("g", Query()).faces]
    second.drop_gallery("g")
    first.create_gallery("g", {"n": MetaField("n", MetaType.UNSIGNED)})
    assert set(second.gallery_schema("g")) == {"n"}  # recreated elsewhere: the new schema
    with pytest.raises(ProtocolError) as exc:
        second.create_gallery("g")
    assert exc.value.code is ErrorCode.CONFLICT


def test_racing_adds_of_one_id_conflict_exactly_once(
    two: tuple[PostgresStorage, PostgresStorage],
) -> None:
    first, second = two
    first.create_gallery("g")
    first.add_faces_bulk("g", _faces(2, range(1)))  # the pack is fixed: adds share the row lock
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def add(store: PostgresStorage, seed: int) -> None:
        start.wait()
        for face in _faces(seed, range(100, 160)):
            try:
                store.add_faces_bulk("g", [face])
                outcomes.append("added")
            except ProtocolError as exc:
                assert exc.code is ErrorCode.CONFLICT and exc.value == face.id
                outcomes.append("conflict")

    threads = [threading.Thread(target=add, args=(s, n)) for n, s in enumerate(two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("added") == 60 and outcomes.count("conflict") == 60
    assert first.list_galleries() == [("g", 61)]


def test_racing_first_faces_of_two_packs_leave_one_pack(
    two: tuple[PostgresStorage, PostgresStorage],
) -> None:
    first, second = two
    first.create_gallery("g")
    errors: list[ProtocolError] = []
    start = threading.Barrier(2)

    def add(store: PostgresStorage, pack: str, ids: range) -> None:
        start.wait()
        try:
            store.add_faces_bulk("g", _faces(3, ids, pack))
        except ProtocolError as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=add, args=(first, "pack-a", range(0, 5))),
        threading.Thread(target=add, args=(second, "pack-b", range(5, 10))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [(e.code, e.param) for e in errors] == [(ErrorCode.BAD_PARAM, "from")]
    packs = {f.model_pack for f in first.query("g", Query()).faces}
    assert len(packs) == 1 and first.list_galleries() == [("g", 5)]


def test_faces_stay_inline_out_of_toast(pg_dsn: str) -> None:
    store = PostgresStorage(pg_dsn, default_schema=SCHEMA)
    store.create_gallery("g")
    store.add_faces_bulk("g", _faces(4, range(300)))
    store.close()
    with psycopg.connect(pg_dsn) as conn:
        toast_bytes = conn.execute(
            "SELECT pg_relation_size(reltoastrelid) FROM pg_class "
            "WHERE oid = 'sfdesk_face'::regclass"
        ).fetchone()
    assert toast_bytes == (0,)


def test_database_down_is_storage_error_and_recovers() -> None:
    server = PgServer()
    try:
        dsn = server.create_db("down")
        store = PostgresStorage(dsn, default_schema=SCHEMA, connect_timeout=2)
        store.create_gallery("g")
        store.add_faces_bulk("g", _faces(5, range(3)))
        server.stop()
        for call in (
            store.list_galleries,
            lambda: store.query("g", Query()),
            lambda: store.add_faces_bulk("g", _faces(5, range(3, 4))),
        ):
            with pytest.raises(ProtocolError) as exc:
                call()
            assert exc.value.code is ErrorCode.STORAGE_ERROR
        server.start()
        assert store.list_galleries() == [("g", 3)]  # a new connection after the lost one
        store.close()
    finally:
        server.close()


def test_storage_setting_is_sqlite_or_a_postgresql_url() -> None:
    assert ServerSettings().storage == "sqlite"
    assert ServerSettings(storage="postgresql://u@db/faces").storage.startswith("postgresql")
    with pytest.raises(SettingsError):
        ServerSettings(storage="mysql://u@db/faces")


def test_galleries_of_different_dimensions_share_the_table(pg_dsn: str) -> None:
    store = PostgresStorage(pg_dsn, default_schema=SCHEMA)
    for name, dim in (("a", 512), ("b", 128)):
        store.create_gallery(name)
        vectors = unit_rows(np.random.default_rng(dim), 500, dim)
        store.add_faces_bulk(
            name, [NewFace(i, v, PACK, {}, {"age": i % 10}) for i, v in enumerate(vectors)]
        )
    for name, dim in (("a", 512), ("b", 128)):
        probe = unit_rows(np.random.default_rng(dim), 1, dim)[0]
        for filters in ((), (MetaFilter("age", "gte", (5,)),), (MetaFilter("age", "in", (3,)),)):
            query = Query(probe=probe, min_cosine=-1.0, limit=5, meta_filters=filters)
            assert len(store.query(name, query).faces) == 5
    store.close()
