"""Similarity search equals a brute-force numpy scan, through the candidate stage and without,
on both backends."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pg_server import PgServer
from storage_helpers import (
    PACK,
    SCHEMA,
    SMALL_TUNING,
    Gallery,
    StoreFactory,
    exact_search,
    plant_matches,
    unit_rows,
)

from app.storage import (
    After,
    IdFilter,
    MetaFilter,
    MetaValue,
    NewFace,
    PostgresStorage,
    Query,
    SearchTuning,
    SQLiteStorage,
    Storage,
)

N = 30_000
CAMS = [f"cam-{i:02d}" for i in range(50)]


def _make(seed: int, n: int, n_probes: int) -> Gallery:
    rng = np.random.default_rng(seed)
    vectors = unit_rows(rng, n)
    probes = plant_matches(rng, vectors, n_probes)
    drawn = rng.integers(0, 2**64 - 1, n + 100, dtype=np.uint64, endpoint=True)
    ids = rng.permutation(np.unique(drawn)[:n])
    metas: list[dict[str, MetaValue]] = [
        {"cam": CAMS[int(c)], "age": int(a), "tags": ["vip"] if t else []}
        for c, a, t in zip(
            rng.integers(0, len(CAMS), n), rng.integers(0, 100, n), rng.random(n) < 0.3, strict=True
        )
    ]
    return Gallery(ids, vectors, metas, probes)


def _fill(store: Storage, data: Gallery, name: str = "g") -> None:
    store.create_gallery(name)
    for lo in range(0, len(data.ids), 10_000):
        store.add_faces_bulk(
            name,
            [
                NewFace(int(data.ids[r]), data.vectors[r], PACK, {}, data.metas[r])
                for r in range(lo, min(lo + 10_000, len(data.ids)))
            ],
        )


@pytest.fixture(scope="module")
def big_data() -> Gallery:
    """30k faces with planted matches for 40 probes."""
    return _make(11, N, 40)


@pytest.fixture(scope="module")
def big_sqlite(
    tmp_path_factory: pytest.TempPathFactory, big_data: Gallery
) -> Iterator[tuple[SQLiteStorage, Gallery]]:
    """`big_data` in a SQLite store whose candidate stage starts at 3000 faces."""
    path = tmp_path_factory.mktemp("big") / "faces.sqlite"
    store = SQLiteStorage(path, default_schema=SCHEMA, tuning=SMALL_TUNING, background_index=False)
    _fill(store, big_data)
    yield store, big_data
    store.close()


@pytest.fixture(scope="module")
def big_postgres(pg_server: PgServer, big_data: Gallery) -> Iterator[tuple[Storage, Gallery]]:
    """`big_data` in PostgreSQL."""
    store = PostgresStorage(pg_server.create_schema("sfdesk", "big"), default_schema=SCHEMA)
    _fill(store, big_data)
    yield store, big_data
    store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def big(request: pytest.FixtureRequest) -> tuple[Storage, Gallery]:
    """`big_data` on each backend."""
    got: tuple[Storage, Gallery] = request.getfixturevalue(f"big_{request.param}")
    return got


def _hits(store: Storage, query: Query, gallery: str = "g") -> list[tuple[int, float]]:
    result = store.query(gallery, query)
    assert result.cosines is not None and not result.more
    return [(f.id, c) for f, c in zip(result.faces, result.cosines, strict=True)]


def _assert_same(got: list[tuple[int, float]], want: list[tuple[int, float]]) -> None:
    assert [i for i, _ in got] == [i for i, _ in want]
    np.testing.assert_allclose([c for _, c in got], [c for _, c in want], atol=1e-5)


def _check(
    store: Storage,
    data: Gallery,
    probe: npt.NDArray[np.float32],
    min_cosine: float,
    limit: int,
    id_filter: IdFilter | None = None,
    filters: tuple[MetaFilter, ...] = (),
) -> list[tuple[int, float]]:
    id_filter = id_filter or IdFilter()
    query = Query(
        id_filter=id_filter,
        meta_filters=filters,
        probe=probe,
        probe_model_pack=PACK,
        min_cosine=min_cosine,
        limit=limit,
        sort="-confidence",
    )
    got = _hits(store, query)
    passing = data.passing(id_filter, filters)
    _assert_same(got, exact_search(data.ids, data.vectors, passing, probe, min_cosine, limit))
    return got


def test_the_candidate_stage_is_in_use(big_sqlite: tuple[SQLiteStorage, Gallery]) -> None:
    store, _ = big_sqlite
    candidates = store._galleries["g"].index.candidates
    assert candidates is not None and candidates.count == N


def test_thresholded_search_equals_exact_scan(big_sqlite: tuple[SQLiteStorage, Gallery]) -> None:
    store, data = big_sqlite
    paths = store._galleries["g"].index.paths
    before = paths.copy()
    for probe in data.probes:
        got = _check(store, data, probe, 0.5, 100)
        assert 1 <= len(got) <= 5  # exactly the planted matches
        assert all(0.6 - 1e-4 <= c <= 0.8 + 1e-4 for _, c in got)
    assert paths - before == {"two-stage": len(data.probes)}


@pytest.mark.parametrize(
    ("id_filter", "filters"),
    [
        (IdFilter(), (MetaFilter("cam", "in", ("cam-07",)),)),  # 2 %, candidates
        (IdFilter(), (MetaFilter("age", "gte", (50,)),)),  # 50 %
        (IdFilter(), (MetaFilter("tags", "subset", ("vip",)),)),  # 30 %
        (IdFilter(gte=2**62, lte=2**63), ()),
        (IdFilter(), (MetaFilter("cam", "in", ("cam-07",)), MetaFilter("age", "gte", (50,)))),
    ],
)
@pytest.mark.parametrize(("min_cosine", "limit"), [(0.5, 100), (0.2, 10), (-1.0, 25)])
def test_filtered_search_equals_exact_scan(
    big: tuple[Storage, Gallery],
    id_filter: IdFilter,
    filters: tuple[MetaFilter, ...],
    min_cosine: float,
    limit: int,
) -> None:
    store, data = big
    for probe in data.probes[:8]:
        _check(store, data, probe, min_cosine, limit, id_filter, filters)


def test_random_seeds_equal_exact_scan(big_sqlite: tuple[SQLiteStorage, Gallery]) -> None:
    store, data = big_sqlite
    paths = store._galleries["g"].index.paths
    two_stage = paths["two-stage"]
    rng = np.random.default_rng(5)
    for _ in range(20):
        probe = data.probes[rng.integers(len(data.probes))] + rng.normal(0, 0.02, 512)
        filters = (MetaFilter("age", "lte", (int(rng.integers(0, 100)),)),)
        _check(
            store, data, probe.astype(np.float32), float(rng.uniform(0.1, 0.6)), 50, filters=filters
        )
    assert paths["two-stage"] > two_stage + 10  # most of them through the candidate stage


def test_stored_face_as_probe_finds_itself_first(big: tuple[Storage, Gallery]) -> None:
    store, data = big
    face = store.get_face("g", int(data.ids[123]), with_vector=True)
    assert face.vector is not None
    got = _check(store, data, face.vector, 0.99, 10)
    assert got[0][0] == face.id and got[0][1] == pytest.approx(1.0, abs=1e-5)


def test_reopened_store_gives_identical_answers(big_sqlite: tuple[SQLiteStorage, Gallery]) -> None:
    store, data = big_sqlite
    # A copy of the file: the store itself is locked while `store` has it open.
    path = Path(store._path).with_name("reopened.sqlite")
    with sqlite3.connect(store._path) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
    again = SQLiteStorage(path, default_schema=SCHEMA, tuning=SMALL_TUNING, background_index=False)
    try:
        assert again.list_galleries() == store.list_galleries()
        for probe in data.probes[:10]:
            for filters in ((), (MetaFilter("age", "gte", (50,)),)):
                query = Query(meta_filters=filters, probe=probe, min_cosine=0.3, limit=20)
                assert _hits(again, query) == _hits(store, query)
    finally:
        again.close()


def test_deletes_updates_and_adds_are_seen_at_once(open_store: StoreFactory) -> None:
    store = open_store(tuning=SMALL_TUNING)
    data = _make(12, 6000, 10)
    _fill(store, data)
    assert store._galleries["g"].index.candidates is not None
    probe = data.probes[0]
    before = _check(store, data, probe, 0.5, 100)
    victim, moved = before[0][0], before[-1][0]
    store.delete_face("g", victim)
    got = _hits(store, Query(probe=probe, min_cosine=0.5))
    assert victim not in [i for i, _ in got] and len(got) == len(before) - 1
    vip = (MetaFilter("tags", "subset", ("vip",)),)
    store.update_meta("g", moved, {"tags": ["vip"]})
    assert moved in [
        i for i, _ in _hits(store, Query(meta_filters=vip, probe=probe, min_cosine=0.5))
    ]
    store.update_meta("g", moved, {"tags": []})
    assert moved not in [
        i for i, _ in _hits(store, Query(meta_filters=vip, probe=probe, min_cosine=0.5))
    ]
    store.add_face("g", 1, vector=probe, model_pack=PACK, features={}, meta={}, normalized_png=None)
    assert _hits(store, Query(probe=probe, min_cosine=0.5))[0] == (1, pytest.approx(1.0, abs=1e-6))


def test_code_book_is_retrained_when_the_gallery_doubles(open_store: StoreFactory) -> None:
    store = open_store(tuning=SMALL_TUNING)
    data = _make(13, 7000, 10)
    store.create_gallery("g")
    first = [
        NewFace(int(data.ids[r]), data.vectors[r], PACK, {}, data.metas[r]) for r in range(3000)
    ]
    store.add_faces_bulk("g", first)
    index = store._galleries["g"].index
    assert index.candidates is not None and index.candidates.trained_on == 3000
    rest = [
        NewFace(int(data.ids[r]), data.vectors[r], PACK, {}, data.metas[r])
        for r in range(3000, 7000)
    ]
    store.add_faces_bulk("g", rest)
    assert index.candidates is not None and index.candidates.trained_on == 7000
    for probe in data.probes:
        _check(store, data, probe, 0.5, 100)


def test_background_indexing_never_leaves_a_query_unanswered(open_store: StoreFactory) -> None:
    store = open_store(tuning=SMALL_TUNING, background_index=True)
    data = _make(14, 8000, 10)
    _fill(store, data)
    for probe in data.probes[:5]:  # maybe before the code book is ready: exact scans
        _check(store, data, probe, 0.5, 100)
    store.wait_for_indexing()
    assert store._galleries["g"].index.candidates is not None
    for probe in data.probes:
        _check(store, data, probe, 0.5, 100)


def test_concurrent_writes_and_searches(open_store: StoreFactory) -> None:
    store = open_store(tuning=SMALL_TUNING, background_index=True)
    data = _make(15, 6000, 10)
    store.create_gallery("g")
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for lo in range(0, 6000, 250):
                store.add_faces_bulk(
                    "g",
                    [
                        NewFace(int(data.ids[r]), data.vectors[r], PACK, {}, data.metas[r])
                        for r in range(lo, lo + 250)
                    ],
                )
        except BaseException as exc:  # reported below
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    while writer.is_alive():
        for probe in data.probes:
            hits = _hits(store, Query(probe=probe, min_cosine=0.5))
            assert all(c >= 0.5 for _, c in hits)
    writer.join()
    store.wait_for_indexing()
    assert not errors
    assert store.list_galleries() == [("g", 6000)]
    for probe in data.probes:
        _check(store, data, probe, 0.5, 100)


def test_tiny_code_books_are_never_trusted(open_store: StoreFactory) -> None:
    tuning = SearchTuning(candidate_min_faces=300, exact_max_rows=10, candidate_floor=10)
    store = open_store(tuning=tuning)
    data = _make(16, 800, 10)
    _fill(store, data)
    index = store._galleries["g"].index
    assert index.candidates is not None and index.candidates.margin == float("inf")
    for probe in data.probes:
        _check(store, data, probe, 0.5, 10)
    assert set(index.paths) == {"fallback"}


def test_dropped_gallery_can_be_recreated_empty(open_store: StoreFactory) -> None:
    store = open_store(tuning=SMALL_TUNING)
    data = _make(17, 4000, 5)
    _fill(store, data)
    store.drop_gallery("g")
    store.create_gallery("g")
    assert store.list_galleries() == [("g", 0)]
    assert store.query("g", Query(probe=data.probes[0], min_cosine=-1.0)).faces == ()
    assert store.query("g", Query()).faces == ()


def test_compaction_after_many_deletes_keeps_answers_exact(open_store: StoreFactory) -> None:
    tuning = SearchTuning(
        candidate_min_faces=3000, exact_max_rows=400, candidate_floor=200, compact_min_dead=100
    )
    store = open_store(tuning=tuning)
    data = _make(18, 7000, 10)
    store.create_gallery("g")
    first = [
        NewFace(int(data.ids[r]), data.vectors[r], PACK, {}, data.metas[r]) for r in range(4000)
    ]
    store.add_faces_bulk("g", first)
    index = store._galleries["g"].index
    for r in range(1000, 3100):  # more deleted than live: compacted on the way
        store.delete_face("g", int(data.ids[r]))
    assert index.n_alive == 1900 and index.n == 1999  # compacted at 2001 dead against 1999 live
    rest = [
        NewFace(int(data.ids[r]), data.vectors[r], PACK, {}, data.metas[r])
        for r in range(4000, 7000)
    ]
    store.add_faces_bulk("g", rest)
    assert index.candidates is not None and index.candidates.count == index.n == 4999
    kept = np.r_[0:1000, 3100:7000]
    subset = Gallery(data.ids[kept], data.vectors[kept], [data.metas[r] for r in kept], data.probes)
    vip = (MetaFilter("tags", "subset", ("vip",)), MetaFilter("cam", "in", ("cam-01", "cam-02")))
    for probe in data.probes:
        _check(store, subset, probe, 0.5, 100)
        _check(store, subset, probe, 0.1, 20, filters=vip)
    store.update_meta("g", int(data.ids[10]), {"tags": ["vip"], "cam": "cam-01"})
    subset.metas[10] = {**subset.metas[10], "tags": ["vip"], "cam": "cam-01"}
    listed = store.query("g", Query(meta_filters=vip, limit=10_000))
    expected = sorted(int(i) for i in subset.ids[subset.passing(IdFilter(), vip)])
    assert [f.id for f in listed.faces] == expected


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    probe_row=st.integers(0, 39),
    noise=st.sampled_from([0.0, 0.005, 0.01, 0.02]),
    min_cosine=st.floats(0.05, 0.75),
    limit=st.integers(1, 200),
    filters=st.lists(
        st.sampled_from(
            [
                MetaFilter("cam", "in", ("cam-07",)),
                MetaFilter("cam", "in", tuple(CAMS[:20])),
                MetaFilter("age", "gte", (50,)),
                MetaFilter("age", "lte", (10,)),
                MetaFilter("tags", "subset", ("vip",)),
            ]
        ),
        max_size=2,
        unique=True,
    ),
)
def test_property_search_equals_exact_scan(
    big: tuple[Storage, Gallery],
    probe_row: int,
    noise: float,
    min_cosine: float,
    limit: int,
    filters: list[MetaFilter],
) -> None:
    store, data = big
    rng = np.random.default_rng(probe_row)
    probe = (data.probes[probe_row] + rng.normal(0, noise, 512)).astype(np.float32)
    _check(store, data, probe, min_cosine, limit, filters=tuple(filters))


def _pages(
    store: Storage, query: Query, size: int, gallery: str = "g", most: int = 1000
) -> list[list[int]]:
    """The first `most` pages of `query` in pages of `size`, each continuing after the last."""
    pages: list[list[int]] = []
    after: After | None = None
    for _ in range(most):
        page = replace(query, limit=size, after_match=after)
        result = store.query(gallery, page)
        assert result.cosines is not None
        hits = list(zip((f.id for f in result.faces), result.cosines, strict=True))
        if not hits:
            break
        pages.append([i for i, _ in hits])
        after = After(hits[-1][1], hits[-1][0])
    return pages


@pytest.mark.parametrize("size", [1, 7, 50])
def test_search_pages_continue_after_the_last_face_exactly(
    big: tuple[Storage, Gallery], size: int
) -> None:
    store, data = big
    passing = data.passing(IdFilter(), ())
    for probe, min_cosine in ((data.probes[3], 0.5), (data.probes[4], 0.3)):
        query = Query(probe=probe, probe_model_pack=PACK, min_cosine=min_cosine, sort="-confidence")
        pages = _pages(store, query, size, most=40)
        flat = [i for page in pages for i in page]
        whole = [i for i, _ in _hits(store, replace(query, limit=10_000))]
        truth = exact_search(data.ids, data.vectors, passing, probe, min_cosine, 10_000)
        assert sorted(whole) == sorted(i for i, _ in truth)
        assert flat == whole[: len(flat)] and len(flat) == min(len(whole), 40 * size)
        assert all(len(page) == size for page in pages[:-1])


def test_search_pages_through_identical_faces(open_any: Callable[[], Storage]) -> None:
    """300 faces with one vector (a person enrolled over and over) tie on the cosine: pages
    order them by id and never repeat or skip one, past the storage's read-ahead."""
    store = open_any()
    rng = np.random.default_rng(5)
    others = unit_rows(rng, 200)
    same = others[0]
    store.create_gallery("dups")
    faces = [NewFace(10_000 + i, same, PACK, {}, {}) for i in range(300)]
    faces += [NewFace(i + 1, others[i], PACK, {}, {}) for i in range(1, 200)]
    store.add_faces_bulk("dups", faces)
    query = Query(probe=same, probe_model_pack=PACK, min_cosine=0.9, sort="-confidence")
    pages = _pages(store, query, 40, "dups")
    assert [i for page in pages for i in page] == list(range(10_000, 10_300))
