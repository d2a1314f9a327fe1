"""Faces spread over three PostgreSQL databases answer like one store; a shard that is down
fails queries with STORAGE_ERROR unless `ignore_errors`, which answers from the live shards."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from pg_server import PgServer
from storage_helpers import PACK, SCHEMA, plant_matches, unit_rows

from app.protocol import ErrorCode, ProtocolError
from app.storage import (
    IdFilter,
    MetaFilter,
    NewFace,
    Query,
    QueryResult,
    ShardedPostgresStorage,
    SQLiteStorage,
)

N = 900


@pytest.fixture
def stores(
    pg_server: PgServer, pg_dsn: str, tmp_path: Path
) -> Iterator[tuple[ShardedPostgresStorage, SQLiteStorage, PgServer]]:
    """The same faces in a 3-shard store (shard 2 on a server of its own) and in SQLite."""
    own = PgServer()
    dsns = [pg_dsn, pg_server.create_schema("sfdesk", f"{tmp_path.name}_b"), own.create_db("c")]
    sharded = ShardedPostgresStorage(dsns, default_schema=SCHEMA, connect_timeout=2)
    single = SQLiteStorage(tmp_path / "one.sqlite", default_schema=SCHEMA, background_index=False)
    rng = np.random.default_rng(9)
    vectors = unit_rows(rng, N)
    plant_matches(rng, vectors, 5)
    faces = [  # ids k * 7919 + 3 fall on every shard (id % 3)
        NewFace(k * 7919 + 3, v, PACK, {}, {"age": k % 100, "tags": ["vip"] if k % 3 else []})
        for k, v in enumerate(vectors)
    ]
    for store in (sharded, single):
        store.create_gallery("g")
        store.add_faces_bulk("g", faces)
    yield sharded, single, own
    sharded.close()
    single.close()
    own.close()


QUERIES = [
    Query(limit=50),
    Query(limit=1000, sort="-id", meta_filters=(MetaFilter("tags", "subset", ("vip",)),)),
    Query(limit=40, after=300_000, id_filter=IdFilter(lte=5_000_000)),
    Query(probe=unit_rows(np.random.default_rng(1), 1)[0], min_cosine=-1.0, limit=30),
    Query(
        probe=unit_rows(np.random.default_rng(2), 1)[0],
        min_cosine=0.0,
        limit=200,
        meta_filters=(MetaFilter("age", "gte", (50,)),),
    ),
]


def _same(got: QueryResult, want: QueryResult) -> None:
    assert [f.id for f in got.faces] == [f.id for f in want.faces]
    assert [f.meta for f in got.faces] == [f.meta for f in want.faces]
    assert got.more == want.more
    if want.cosines is not None:
        assert got.cosines is not None
        np.testing.assert_allclose(got.cosines, want.cosines, atol=1e-5)


def test_shards_answer_like_one_store(
    stores: tuple[ShardedPostgresStorage, SQLiteStorage, PgServer],
) -> None:
    sharded, single, _ = stores
    assert sharded.list_galleries() == single.list_galleries() == [("g", N)]
    for query in QUERIES:
        _same(sharded.query("g", query), single.query("g", query))
    face_id = 5 * 7919 + 3
    assert sharded.update_meta("g", face_id, {"age": 7}).meta["age"] == 7
    sharded.delete_face("g", face_id)
    with pytest.raises(ProtocolError) as exc:
        sharded.get_face("g", face_id)
    assert exc.value.code is ErrorCode.NOT_FOUND
    vector = unit_rows(np.random.default_rng(0), 1)[0]
    with pytest.raises(ProtocolError) as exc:
        sharded.add_faces_bulk("g", [NewFace(3, vector, PACK)])
    assert exc.value.code is ErrorCode.CONFLICT
    sharded.create_gallery("h")
    sharded.add_faces_bulk("h", [NewFace(0, vector, PACK)])  # on the first shard
    for other in (1, 2):  # any other shard refuses another pack too
        with pytest.raises(ProtocolError) as exc:
            sharded.add_face(
                "h",
                other,
                vector=vector,
                model_pack="other",
                features={},
                meta={},
                normalized_png=None,
            )
        assert (exc.value.code, exc.value.param) == (ErrorCode.BAD_PARAM, "from")
    assert sharded.list_galleries() == [("g", N - 1), ("h", 1)]


def test_a_shard_down_is_storage_error_unless_ignore_errors(
    stores: tuple[ShardedPostgresStorage, SQLiteStorage, PgServer],
) -> None:
    sharded, single, own = stores
    own.stop()
    for query in QUERIES:
        with pytest.raises(ProtocolError) as exc:
            sharded.query("g", query)
        assert exc.value.code is ErrorCode.STORAGE_ERROR
    for face_id in range(3, N * 7919, 7919):  # what the live shards hold
        if face_id % 3 == 2:
            single.delete_face("g", face_id)
    for query in QUERIES:
        _same(sharded.query("g", replace(query, ignore_errors=True)), single.query("g", query))
    assert sharded.get_face("g", 3).id == 3  # 3 % 3 == 0: a live shard
    with pytest.raises(ProtocolError) as exc:
        sharded.get_face("g", 5)
    assert exc.value.code is ErrorCode.STORAGE_ERROR
    own.start()
    assert sharded.list_galleries() == [("g", N)]


def test_bad_input_is_bad_param_not_a_shard_failure(
    stores: tuple[ShardedPostgresStorage, SQLiteStorage, PgServer],
) -> None:
    sharded, _, _ = stores
    with pytest.raises(ProtocolError) as exc:
        sharded.query(
            "g", Query(meta_filters=(MetaFilter("nope", "in", (1,)),), ignore_errors=True)
        )
    assert (exc.value.code, exc.value.param) == (ErrorCode.BAD_PARAM, "meta:in:nope")
    with pytest.raises(ProtocolError) as exc:
        sharded.get_face("g", -1)
    assert exc.value.code is ErrorCode.BAD_PARAM
