"""The PostgreSQL backend's HNSW path: answers against an exact numpy scan, which plan runs,
and the index's life (lazy build, crashed builds, several stores, dimension changes).

Small thresholds put a few thousand clustered faces (identities of 1-4 near-duplicate photos,
probes with planted matches at cosine 0.6-0.8) on the HNSW path. What is guaranteed there:
every returned face passes the filters and the threshold with its exact score, in exact order.
What is measured at this size: nothing is missing (planted matches, far above the noise floor,
always found; the unthresholded top-k nearly always, recall asserted >= 0.97). At 1M faces HNSW
does miss matches (docs/scaling.md), which no test of this size can show.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt
import psycopg
import pytest
from pg_server import PgServer
from storage_helpers import PACK, SCHEMA, Gallery, clustered_rows, exact_search, plant_matches

from app.storage import (
    IdFilter,
    MetaFilter,
    MetaValue,
    PostgresStorage,
    PostgresTuning,
    Query,
    SQLiteStorage,
    migrate,
)
from app.storage._postgres_index import HnswBuild, index_name, index_state
from app.storage._postgres_search import (
    exact_statement,
    hnsw_settings,
    hnsw_statement,
)
from app.storage._postgres_sql import where

N = 6000
#: HNSW from 2000 faces; filters passing at most 300 faces (of 6000: 5 %) are scanned exactly.
#: pgvector's default graph: four times faster to build than ours, and good enough at 6000.
TUNING = PostgresTuning(
    hnsw_min_faces=2000,
    exact_max_rows=300,
    ef_search=200,
    build=HnswBuild(m=16, ef_construction=64, maintenance_work_mem="256MB"),
)
NONE: tuple[MetaFilter, ...] = ()
BROAD = (MetaFilter("age", "gte", (50,)),)  # 50 %, a btree index on the field
SELECTIVE = (MetaFilter("cam", "in", ("cam-07",)),)  # 1 %, the GIN index


def _make(seed: int, n: int, n_probes: int, dim: int = 512) -> Gallery:
    rng = np.random.default_rng(seed)
    vectors = clustered_rows(rng, n, dim)
    probes = plant_matches(rng, vectors, n_probes)
    ids = rng.permutation(n).astype(np.uint64) * np.uint64(2**40) + np.uint64(7)
    metas: list[dict[str, MetaValue]] = [
        {"cam": f"cam-{c:02d}", "age": int(a)}
        for c, a in zip(rng.integers(0, 100, n), rng.integers(0, 100, n), strict=True)
    ]
    return Gallery(ids, vectors, metas, probes)


def _store(dsn: str, tuning: PostgresTuning = TUNING, **kwargs: Any) -> PostgresStorage:
    options: dict[str, Any] = {"background_index": False, **kwargs}
    return PostgresStorage(dsn, default_schema=SCHEMA, tuning=tuning, **options)


def _fill(store: PostgresStorage, data: Gallery, name: str = "g") -> None:
    store.create_gallery(name)
    store.add_faces_bulk(name, data.faces(range(len(data.ids))))


def _search(
    store: PostgresStorage,
    probe: npt.NDArray[np.float32],
    min_cosine: float,
    limit: int,
    filters: tuple[MetaFilter, ...] = (),
    gallery: str = "g",
) -> list[tuple[int, float]]:
    query = Query(
        meta_filters=filters, probe=probe, probe_model_pack=PACK, min_cosine=min_cosine, limit=limit
    )
    result = store.query(gallery, query)
    assert result.cosines is not None
    return [(f.id, c) for f, c in zip(result.faces, result.cosines, strict=True)]


def _exact(
    data: Gallery,
    probe: npt.NDArray[np.float32],
    min_cosine: float,
    limit: int,
    filters: tuple[MetaFilter, ...] = (),
) -> list[tuple[int, float]]:
    passing = data.passing(IdFilter(), filters)
    return exact_search(data.ids, data.vectors, passing, probe, min_cosine, limit)


def _assert_same(got: list[tuple[int, float]], want: list[tuple[int, float]]) -> None:
    assert [i for i, _ in got] == [i for i, _ in want]
    np.testing.assert_allclose([c for _, c in got], [c for _, c in want], atol=1e-5)


def _assert_sound(
    data: Gallery,
    got: list[tuple[int, float]],
    probe: npt.NDArray[np.float32],
    filters: tuple[MetaFilter, ...],
) -> None:
    """What HNSW guarantees: passing faces, exact scores, exact order."""
    row = {int(i): r for r, i in enumerate(data.ids)}
    passing = data.passing(IdFilter(), filters)
    for face_id, score in got:
        assert passing[row[face_id]]
        assert score == pytest.approx(float(data.vectors[row[face_id]] @ probe), abs=1e-5)
    assert got == sorted(got, key=lambda hit: (-hit[1], hit[0]))


@pytest.fixture(scope="module")
def data() -> Gallery:
    return _make(21, N, 30)


@pytest.fixture(scope="module")
def indexed(pg_server: PgServer, data: Gallery) -> Iterator[PostgresStorage]:
    """`data` in PostgreSQL; the first search built its HNSW index."""
    store = _store(pg_server.create_schema("sfdesk", "hnsw"))
    _fill(store, data)
    assert store.build_search_index("g")
    yield store
    store.close()


def _gid(store: PostgresStorage, name: str = "g") -> int:
    row = store._conn().execute("SELECT gid FROM sfdesk_gallery WHERE name = %s", (name,))
    found = row.fetchone()
    assert found is not None
    return int(found[0])


# ---------------------------------------------------------------- answers against numpy


@pytest.mark.parametrize(
    ("filters", "path"),
    [(NONE, "hnsw"), (BROAD, "hnsw"), (SELECTIVE, "exact-capped")],
    ids=["unfiltered", "broad", "selective"],
)
def test_thresholded_search_equals_exact_scan(
    indexed: PostgresStorage, data: Gallery, filters: tuple[MetaFilter, ...], path: str
) -> None:
    before = indexed.paths.copy()
    for probe in data.probes:
        for min_cosine, limit in ((0.5, 100), (0.5, 2), (0.3, 20)):
            _assert_same(
                _search(indexed, probe, min_cosine, limit, filters),
                _exact(data, probe, min_cosine, limit, filters),
            )
    assert indexed.paths - before == {path: 3 * len(data.probes)}


@pytest.mark.parametrize(
    "filters", [NONE, BROAD, SELECTIVE], ids=["unfiltered", "broad", "selective"]
)
@pytest.mark.parametrize("limit", [10, 100])
def test_unthresholded_top_k_against_exact_scan(
    indexed: PostgresStorage, data: Gallery, filters: tuple[MetaFilter, ...], limit: int
) -> None:
    """Without a threshold the top-k reaches into the noise floor, where HNSW may miss a
    neighbour: scores and order are still exact, and recall is measured."""
    found = expected = 0
    for probe in data.probes:
        got = _search(indexed, probe, -1.0, limit, filters)
        want = _exact(data, probe, -1.0, limit, filters)
        _assert_sound(data, got, probe, filters)
        assert len(got) == len(want)
        if filters is SELECTIVE:  # the exact path
            _assert_same(got, want)
        found += len({i for i, _ in got} & {i for i, _ in want})
        expected += len(want)
    assert found / expected >= 0.97


def test_stored_faces_find_themselves_first(indexed: PostgresStorage, data: Gallery) -> None:
    for row in range(0, N, 500):
        face = indexed.get_face("g", int(data.ids[row]), with_vector=True)
        assert face.vector is not None
        got = _search(indexed, face.vector, 0.75, 10)
        assert got[0] == (face.id, pytest.approx(1.0, abs=1e-5))
        _assert_same(got, _exact(data, face.vector, 0.75, 10))


def test_hnsw_giving_up_under_a_filter_falls_back_to_the_exact_scan(
    indexed: PostgresStorage, data: Gallery
) -> None:
    """The iterative scan stops after `max_scan_tuples` with fewer rows than asked."""
    starved = _store(
        indexed._dsn, replace(TUNING, exact_max_rows=50, max_scan_tuples=60, ef_search=40)
    )
    few = (MetaFilter("cam", "in", ("cam-07", "cam-08", "cam-09")),)  # 3 %: HNSW, then short
    try:
        for probe in data.probes[:10]:
            _assert_same(_search(starved, probe, -1.0, 30, few), _exact(data, probe, -1.0, 30, few))
        assert dict(starved.paths) == {"hnsw-short": 10}
    finally:
        starved.close()


# ---------------------------------------------------------------- which plan runs


def _plan(conn: psycopg.Connection[Any], statement: Any, params: list[Any]) -> str:
    rows = conn.execute(b"EXPLAIN " + statement.as_bytes(conn), params).fetchall()
    return "\n".join(row[0] for row in rows)


def test_hnsw_statement_scans_the_index_despite_a_btree_on_the_filtered_field(
    indexed: PostgresStorage, data: Gallery
) -> None:
    conn = indexed._conn()
    gid = _gid(indexed)
    wire = "[" + ",".join(f"{x:.9g}" for x in data.probes[0]) + "]"
    for filters in (NONE, BROAD, SELECTIVE):
        condition, params = where(gid, SCHEMA, IdFilter(), filters)
        statement, args = hnsw_statement(condition, params, 512, wire, 0.5, 200)
        with conn.transaction():
            conn.execute(*hnsw_settings(TUNING, 200))
            plan = _plan(conn, statement, args)
        assert f"Index Scan using {index_name(gid)}" in plan
        assert "Sort" not in plan and "Seq Scan" not in plan
        with conn.transaction():  # the trap: left alone, the planner sorts the btree's rows
            plan = _plan(conn, statement, args)
        if filters is BROAD:
            assert index_name(gid) not in plan and "Sort" in plan
        exact, args = exact_statement(condition, params, wire, 0.5, 100)
        assert index_name(gid) not in _plan(conn, exact, args)  # never approximate


# ---------------------------------------------------------------- the index's life


def test_first_search_of_a_big_gallery_builds_its_index(pg_dsn: str) -> None:
    data = _make(22, 600, 5)
    store = _store(pg_dsn, replace(TUNING, hnsw_min_faces=500))
    store.create_gallery("g")
    store.add_faces_bulk("g", data.faces(range(400)))
    small = Gallery(data.ids[:400], data.vectors[:400], data.metas[:400], data.probes)
    probe = data.probes[0]
    _assert_same(_search(store, probe, 0.5, 10), _exact(small, probe, 0.5, 10))
    assert dict(store.paths) == {"exact": 1}  # 400 faces: no index
    store.add_faces_bulk("g", data.faces(range(400, 600)))
    conn = store._conn()
    assert index_state(conn, _gid(store)) == "absent"  # built lazily, not by inserts
    _assert_same(_search(store, probe, 0.5, 10), _exact(data, probe, 0.5, 10))
    assert index_state(conn, _gid(store)) == "valid" and store.paths["hnsw"] == 1
    store.close()


def test_invalid_index_left_by_a_crashed_build_is_dropped_and_rebuilt(pg_dsn: str) -> None:
    data = _make(23, 600, 5)
    store = _store(pg_dsn, replace(TUNING, hnsw_min_faces=500))
    _fill(store, data)
    assert store.build_search_index("g")
    conn = store._conn()
    name = index_name(_gid(store))
    # What a server killed during CREATE INDEX CONCURRENTLY leaves: an index marked invalid.
    conn.execute("UPDATE pg_index SET indisvalid = false WHERE indexrelid = %s::regclass", (name,))
    old = conn.execute("SELECT %s::regclass::oid", (name,)).fetchone()
    assert index_state(conn, _gid(store)) == "invalid"
    _assert_same(_search(store, data.probes[0], 0.5, 10), _exact(data, data.probes[0], 0.5, 10))
    assert index_state(conn, _gid(store)) == "valid"
    assert conn.execute("SELECT %s::regclass::oid", (name,)).fetchone() != old
    assert store.paths["hnsw"] == 1
    store.close()


def test_closing_during_a_background_build_leaves_nothing_a_later_build_cannot_fix(
    pg_dsn: str, data: Gallery
) -> None:
    store = _store(pg_dsn, background_index=True)
    _fill(store, data)
    probe = data.probes[0]
    _assert_same(_search(store, probe, 0.5, 10), _exact(data, probe, 0.5, 10))  # exact meanwhile
    store.close()  # cancels the build if it is still running
    again = _store(pg_dsn)
    assert again.build_search_index("g")
    _assert_same(_search(again, probe, 0.5, 10), _exact(data, probe, 0.5, 10))
    assert again.paths["hnsw"] == 1
    again.close()


def test_stores_sharing_a_database_build_one_index(pg_dsn: str) -> None:
    data = _make(24, 2500, 5)
    stores = [_store(pg_dsn) for _ in range(3)]
    _fill(stores[0], data)
    answers: list[list[tuple[int, float]]] = []
    start = threading.Barrier(len(stores))

    def search(store: PostgresStorage) -> None:
        start.wait()
        answers.append(_search(store, data.probes[1], 0.5, 10))

    threads = [threading.Thread(target=search, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    want = _exact(data, data.probes[1], 0.5, 10)
    assert len(answers) == len(stores)
    for got in answers:
        _assert_same(got, want)
    conn = stores[0]._conn()
    built = conn.execute(
        "SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() "
        "AND indexname LIKE 'sfdesk\\_face\\_g%\\_hnsw'"
    ).fetchone()
    assert built == (1,) and index_state(conn, _gid(stores[0])) == "valid"
    for store in stores:
        store.close()


def test_a_gallery_refilled_with_another_dimension_gets_a_new_index(pg_dsn: str) -> None:
    store = _store(pg_dsn, replace(TUNING, hnsw_min_faces=100, candidate_floor=20))
    wide, narrow = _make(25, 150, 3), _make(26, 150, 3, dim=128)
    _fill(store, wide)
    _assert_same(_search(store, wide.probes[0], 0.5, 10), _exact(wide, wide.probes[0], 0.5, 10))
    for face_id in wide.ids:
        store.delete_face("g", int(face_id))
    store.add_faces_bulk("g", narrow.faces(range(150)))  # the old graph would refuse these
    probe = narrow.probes[0]
    _assert_same(_search(store, probe, 0.5, 10), _exact(narrow, probe, 0.5, 10))
    assert store.paths["hnsw"] == 2
    store.close()


def test_migration_builds_the_index_after_the_copy(tmp_path: Any, pg_dsn: str) -> None:
    data = _make(27, 2500, 5)
    source = SQLiteStorage(tmp_path / "faces.sqlite", default_schema=SCHEMA, background_index=False)
    source.create_gallery("g")
    source.add_faces_bulk("g", data.faces(range(len(data.ids))))
    target = _store(pg_dsn)
    migrate(source, target)
    assert index_state(target._conn(), _gid(target)) == "valid"
    _assert_same(_search(target, data.probes[2], 0.5, 10), _exact(data, data.probes[2], 0.5, 10))
    assert dict(target.paths) == {"hnsw": 1}
    source.close()
    target.close()


def test_small_galleries_get_no_index(pg_dsn: str) -> None:
    data = _make(28, 300, 3)
    store = _store(pg_dsn)
    _fill(store, data)
    assert not store.build_search_index("g")
    assert index_state(store._conn(), _gid(store)) == "absent"
    store.close()


def test_by_default_every_search_is_exact_even_with_an_index(
    indexed: PostgresStorage, data: Gallery
) -> None:
    # HNSW is opt-in (postgres_hnsw_min_faces): a store with the default tuning builds no
    # index and does not use one another process built; its answers equal the exact scan.
    assert PostgresTuning().hnsw_min_faces is None
    store = PostgresStorage(indexed._dsn, default_schema=SCHEMA)
    try:
        assert not store.build_search_index("g")
        for probe in data.probes[:5]:
            for filters in (NONE, BROAD):
                got = _search(store, probe, -1.0, 10, filters)
                _assert_same(got, _exact(data, probe, -1.0, 10, filters))
        assert set(store.paths) == {"exact"}
    finally:
        store.close()
