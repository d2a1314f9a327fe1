"""Listing without a probe: every id and meta filter against a plain-Python reference, pages."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest
from storage_helpers import PACK, unit_rows

from app.protocol import ErrorCode, ProtocolError
from app.storage import IdFilter, MetaFilter, MetaValue, NewFace, Query, Storage

N = 600
CAMS = ["gate-1", "gate-2", "lobby", "parking", "Été", ""]
TAGS = ["a", "b", "c", "d", "vip"]
_R = random.Random(1)
IDS = sorted({_R.getrandbits(64) for _ in range(N - 4)} | {0, 2**53 + 1, 2**63, 2**64 - 1})


def _meta(rng: random.Random) -> dict[str, MetaValue]:
    meta: dict[str, MetaValue] = {
        "cam": rng.choice(CAMS),
        "tags": rng.sample(TAGS, rng.randint(0, 3)),
    }
    if rng.random() < 0.8:
        meta["age"] = rng.choice([0, 1, 17, 50, 99, 2**64 - 1, rng.randrange(100)])
    if rng.random() < 0.7:
        meta["groups"] = rng.sample([0, 1, 2, 3, 2**64 - 1], rng.randint(0, 2))
    return meta


@pytest.fixture
def filled(store: Storage) -> dict[int, dict[str, MetaValue]]:
    """A gallery "g" of N faces with random meta; returns the meta each face got."""
    rng = random.Random(7)
    store.create_gallery("g")
    vectors = unit_rows(np.random.default_rng(7), N)
    order = list(range(N))
    rng.shuffle(order)  # insertion order differs from id order
    faces = [NewFace(IDS[i], vectors[i], PACK, {}, _meta(rng)) for i in order]
    store.add_faces_bulk("g", faces)
    return {f.id: store.get_face("g", f.id).meta for f in faces}


def _passes(meta: dict[str, MetaValue], flt: MetaFilter) -> bool:
    value = meta.get(flt.field)
    if value is None:
        return False
    if flt.op == "gte":
        return value >= flt.values[0]  # type: ignore[operator]
    if flt.op == "lte":
        return value <= flt.values[0]  # type: ignore[operator]
    if flt.op == "in":
        held = value if isinstance(value, list) else [value]
        return any(v in held for v in flt.values)
    assert isinstance(value, list)
    return all(v in value for v in flt.values)


def _reference(
    metas: dict[int, dict[str, MetaValue]], id_filter: IdFilter, filters: tuple[MetaFilter, ...]
) -> list[int]:
    return sorted(
        i
        for i, meta in metas.items()
        if (id_filter.gte is None or i >= id_filter.gte)
        and (id_filter.lte is None or i <= id_filter.lte)
        and (id_filter.one_of is None or i in id_filter.one_of)
        and all(_passes(meta, f) for f in filters)
    )


FILTERS: list[MetaFilter] = [
    MetaFilter("age", "gte", (50,)),
    MetaFilter("age", "lte", (17,)),
    MetaFilter("age", "gte", (2**64 - 1,)),
    MetaFilter("age", "in", (0, 99, 2**64 - 1)),
    MetaFilter("cam", "gte", ("gate-2",)),
    MetaFilter("cam", "lte", ("lobby",)),
    MetaFilter("cam", "in", ("Été", "parking", "unknown")),
    MetaFilter("cam", "in", ("",)),
    MetaFilter("tags", "subset", ("a", "b")),
    MetaFilter("tags", "subset", ("vip",)),
    MetaFilter("tags", "in", ("c", "d")),
    MetaFilter("tags", "subset", ("never",)),
    MetaFilter("groups", "subset", (2**64 - 1,)),
    MetaFilter("groups", "subset", (0, 1)),
    MetaFilter("groups", "in", (3, 2)),
]
ID_FILTERS: list[IdFilter] = [
    IdFilter(),
    IdFilter(gte=2**63),
    IdFilter(lte=2**63),
    IdFilter(gte=IDS[100], lte=IDS[400]),
    IdFilter(one_of=frozenset(IDS[::37] + [5, 2**64 - 2])),
    IdFilter(gte=2**64 - 1),
    IdFilter(lte=0),
]


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: f"{f.op}:{f.field}={f.values}")
def test_each_meta_filter_matches_the_reference(
    store: Storage, filled: dict[int, dict[str, MetaValue]], flt: MetaFilter
) -> None:
    result = store.query("g", Query(meta_filters=(flt,), limit=N))
    assert [f.id for f in result.faces] == _reference(filled, IdFilter(), (flt,))
    assert not result.more


@pytest.mark.parametrize("id_filter", ID_FILTERS)
def test_each_id_filter_matches_the_reference(
    store: Storage, filled: dict[int, dict[str, MetaValue]], id_filter: IdFilter
) -> None:
    result = store.query("g", Query(id_filter=id_filter, limit=N))
    assert [f.id for f in result.faces] == _reference(filled, id_filter, ())


def test_random_combinations_match_the_reference(
    store: Storage, filled: dict[int, dict[str, MetaValue]]
) -> None:
    rng = random.Random(3)
    for _ in range(150):
        filters = tuple(rng.sample(FILTERS, rng.randint(1, 3)))
        id_filter = rng.choice(ID_FILTERS)
        result = store.query("g", Query(id_filter=id_filter, meta_filters=filters, limit=N))
        assert [f.id for f in result.faces] == _reference(filled, id_filter, filters)


def test_results_carry_stored_meta(store: Storage, filled: dict[int, dict[str, MetaValue]]) -> None:
    for face in store.query("g", Query(limit=N)).faces:
        assert face.meta == filled[face.id]
        assert face.model_pack == PACK


@pytest.mark.parametrize("sort", ["id", "-id"])
@pytest.mark.parametrize("limit", [1, 7, 100, 1000])
@pytest.mark.parametrize("flt", [None, MetaFilter("tags", "in", ("a", "vip"))])
def test_pages_visit_every_face_exactly_once(
    store: Storage,
    filled: dict[int, dict[str, MetaValue]],
    sort: Any,
    limit: int,
    flt: MetaFilter | None,
) -> None:
    filters = () if flt is None else (flt,)
    seen: list[int] = []
    after = None
    while True:
        page = store.query("g", Query(meta_filters=filters, sort=sort, limit=limit, after=after))
        assert len(page.faces) <= limit
        seen += [f.id for f in page.faces]
        if not page.more:
            break
        assert len(page.faces) == limit
        after = page.faces[-1].id
    expected = _reference(filled, IdFilter(), filters)
    assert seen == (expected if sort == "id" else expected[::-1])


def test_pages_reflect_deletes_and_updates(
    store: Storage, filled: dict[int, dict[str, MetaValue]]
) -> None:
    vip = (MetaFilter("tags", "subset", ("vip",)),)
    first = store.query("g", Query(meta_filters=vip, limit=5))
    store.delete_face("g", first.faces[0].id)
    outsider = next(i for i, m in filled.items() if "vip" not in m["tags"])  # type: ignore[operator]
    store.update_meta("g", outsider, {"tags": ["vip"]})
    filled.pop(first.faces[0].id)
    filled[outsider]["tags"] = ["vip"]
    assert [f.id for f in store.query("g", Query(meta_filters=vip, limit=N)).faces] == _reference(
        filled, IdFilter(), vip
    )


@pytest.mark.parametrize(
    ("flt", "param"),
    [
        (MetaFilter("nope", "in", (1,)), "meta:in:nope"),
        (MetaFilter("age", "subset", (1,)), "meta:subset:age"),
        (MetaFilter("cam", "subset", ("a",)), "meta:subset:cam"),
        (MetaFilter("tags", "gte", ("a",)), "meta:gte:tags"),
        (MetaFilter("groups", "lte", (1,)), "meta:lte:groups"),
        (MetaFilter("age", "gte", (1, 2)), "meta:gte:age"),
        (MetaFilter("age", "in", ()), "meta:in:age"),
        (MetaFilter("age", "gte", ("5",)), "meta:gte:age"),
        (MetaFilter("age", "in", (-1,)), "meta:in:age"),
        (MetaFilter("cam", "in", (5,)), "meta:in:cam"),
        (MetaFilter("tags", "in", (1,)), "meta:in:tags"),
        (MetaFilter("groups", "subset", ("x",)), "meta:subset:groups"),
    ],
)
def test_bad_filters_are_bad_param(store: Storage, flt: MetaFilter, param: str) -> None:
    store.create_gallery("g")
    with pytest.raises(ProtocolError) as exc:
        store.query("g", Query(meta_filters=(flt,)))
    assert (exc.value.code, exc.value.param) == (ErrorCode.BAD_PARAM, param)


@pytest.mark.parametrize(
    ("id_filter", "param"),
    [
        (IdFilter(gte=-1), "id:gte"),
        (IdFilter(lte=2**64), "id:lte"),
        (IdFilter(one_of=frozenset({1, -5})), "id:in"),
    ],
)
def test_bad_id_filters_are_bad_param(store: Storage, id_filter: IdFilter, param: str) -> None:
    store.create_gallery("g")
    with pytest.raises(ProtocolError) as exc:
        store.query("g", Query(id_filter=id_filter))
    assert (exc.value.code, exc.value.param) == (ErrorCode.BAD_PARAM, param)
