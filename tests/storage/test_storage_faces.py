"""Galleries and faces on both backends (a real SQLite file, a real PostgreSQL): CRUD, every
meta type, every error, uint64 ids."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from storage_helpers import PACK, SCHEMA, StoreFactory, unit_rows

import app.storage as storage_pkg
from app.protocol import ErrorCode, ProtocolError
from app.storage import (
    MetaField,
    MetaType,
    NewFace,
    Query,
    SQLiteStorage,
    Storage,
)

UINT64_EDGES = [0, 1, 2**53 + 1, 2**63 - 1, 2**63, 2**63 + 1, 2**64 - 2, 2**64 - 1]


def _add(store: Storage, face_id: int, gallery: str = "g", **meta: Any) -> Any:
    vector = unit_rows(np.random.default_rng(face_id % 2**32), 1)[0]
    return store.add_face(
        gallery,
        face_id,
        vector=vector,
        model_pack=PACK,
        features={"score": 0.9, "gender": "female"},
        meta=meta,
        normalized_png=b"\x89PNG" + face_id.to_bytes(8, "little"),
    )


def _error(exc: pytest.ExceptionInfo[ProtocolError]) -> tuple[ErrorCode, str | None]:
    return exc.value.code, exc.value.param


def test_package_all_is_sorted_and_complete() -> None:
    assert storage_pkg.__all__ == sorted(storage_pkg.__all__)
    for name in storage_pkg.__all__:
        assert hasattr(storage_pkg, name)


def test_galleries_create_list_schema_drop(store: Storage) -> None:
    own = {"n": MetaField("n", MetaType.UNSIGNED, 7)}
    store.create_gallery("b")
    store.create_gallery("a", own)
    _add(store, 1, "b")
    assert store.list_galleries() == [("a", 0), ("b", 1)]
    assert dict(store.gallery_schema("a")) == own
    assert dict(store.gallery_schema("b")) == dict(SCHEMA)
    with pytest.raises(ProtocolError) as exc:
        store.create_gallery("a")
    assert _error(exc) == (ErrorCode.CONFLICT, "gallery")
    store.drop_gallery("b")
    assert store.list_galleries() == [("a", 0)]
    for call in (lambda: store.drop_gallery("b"), lambda: store.gallery_schema("b")):
        with pytest.raises(ProtocolError) as exc:
            call()
        assert exc.value.code is ErrorCode.GALLERY_NOT_FOUND


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "g'; DROP TABLE face; --", "é"])
def test_bad_gallery_names_are_rejected(store: Storage, name: str) -> None:
    with pytest.raises(ProtocolError) as exc:
        store.create_gallery(name)
    assert _error(exc) == (ErrorCode.BAD_PARAM, "gallery")
    assert store.list_galleries() == []


def test_bad_schema_default_is_rejected(store: Storage) -> None:
    with pytest.raises(ProtocolError) as exc:
        store.create_gallery("g", {"n": MetaField("n", MetaType.UNSIGNED, "seven")})
    assert _error(exc) == (ErrorCode.BAD_PARAM, "schema.n.default")


def test_face_round_trip_with_every_meta_type(store: Storage) -> None:
    store.create_gallery("g")
    meta = {"age": 2**64 - 1, "cam": "gate-2", "tags": ["vip", "a", "vip"], "groups": [3, 1]}
    added = _add(store, 42, **meta)
    expected = {"age": 2**64 - 1, "cam": "gate-2", "tags": ["a", "vip"], "groups": [1, 3]}
    assert added.meta == expected
    got = store.get_face("g", 42, with_vector=True)
    assert (got.gallery, got.id, got.meta, got.model_pack) == ("g", 42, expected, PACK)
    assert got.features == {"score": 0.9, "gender": "female"}
    assert got.vector is not None and got.vector.dtype == np.float32
    assert got.vector.shape == (512,)
    assert abs(float(np.linalg.norm(got.vector)) - 1) < 1e-5
    assert store.get_face("g", 42).vector is None
    assert store.get_normalized("g", 42) == b"\x89PNG" + (42).to_bytes(8, "little")


def test_missing_meta_takes_defaults_or_stays_absent(store: Storage) -> None:
    store.create_gallery("g")
    assert _add(store, 1).meta == {"cam": "lobby", "tags": []}
    assert _add(store, 2, age=None, cam=None).meta == {"cam": "lobby", "tags": []}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("age", -1),
        ("age", 2**64),
        ("age", "12"),
        ("age", True),
        ("age", 1.5),
        ("cam", 5),
        ("cam", ["a"]),
        ("tags", "vip"),
        ("tags", [1]),
        ("groups", ["1"]),
        ("groups", [-1]),
        ("groups", [2**64]),
        ("nope", 1),
    ],
)
def test_wrong_meta_is_bad_param_and_changes_nothing(
    store: SQLiteStorage, field: str, value: Any
) -> None:
    store.create_gallery("g")
    _add(store, 1, age=5)
    with pytest.raises(ProtocolError) as exc:
        _add(store, 2, **{field: value})
    assert _error(exc) == (ErrorCode.BAD_PARAM, f"meta.{field}")
    assert exc.value.value == value
    with pytest.raises(ProtocolError) as exc:
        store.update_meta("g", 1, {field: value})
    assert _error(exc) == (ErrorCode.BAD_PARAM, f"meta.{field}")
    assert store.list_galleries() == [("g", 1)]
    assert store.get_face("g", 1).meta == {"age": 5, "cam": "lobby", "tags": []}


def test_update_meta_changes_only_given_keys(store: Storage) -> None:
    store.create_gallery("g")
    _add(store, 1, age=5, cam="a", tags=["x"])
    updated = store.update_meta("g", 1, {"cam": "b", "age": None, "groups": [9]})
    expected = {"age": 5, "cam": "b", "tags": ["x"], "groups": [9]}
    assert updated.meta == expected
    assert store.get_face("g", 1).meta == expected
    assert updated.features == {"score": 0.9, "gender": "female"}


@pytest.mark.parametrize("face_id", UINT64_EDGES)
def test_uint64_id_edges_round_trip(store: Storage, face_id: int) -> None:
    store.create_gallery("g")
    _add(store, face_id)
    assert store.get_face("g", face_id).id == face_id
    listed = store.query("g", Query())
    assert [f.id for f in listed.faces] == [face_id]
    store.delete_face("g", face_id)
    assert store.query("g", Query()).faces == ()


def test_uint64_ids_sort_as_unsigned(store: Storage) -> None:
    store.create_gallery("g")
    for face_id in reversed(UINT64_EDGES):
        _add(store, face_id)
    assert [f.id for f in store.query("g", Query()).faces] == UINT64_EDGES
    assert [f.id for f in store.query("g", Query(sort="-id")).faces] == UINT64_EDGES[::-1]


@pytest.mark.parametrize("face_id", [-1, 2**64, True, "7"])
def test_ids_outside_uint64_are_bad_param(store: Storage, face_id: Any) -> None:
    store.create_gallery("g")
    vector = unit_rows(np.random.default_rng(0), 1)[0]
    for call in (
        lambda: store.add_face(
            "g", face_id, vector=vector, model_pack=PACK, features={}, meta={}, normalized_png=None
        ),
        lambda: store.get_face("g", face_id),
        lambda: store.update_meta("g", face_id, {}),
        lambda: store.delete_face("g", face_id),
        lambda: store.get_normalized("g", face_id),
    ):
        with pytest.raises(ProtocolError) as exc:
            call()
        assert _error(exc) == (ErrorCode.BAD_PARAM, "id")
    assert store.list_galleries() == [("g", 0)]


def test_duplicate_id_is_conflict(store: Storage) -> None:
    store.create_gallery("g")
    _add(store, 7, age=1)
    with pytest.raises(ProtocolError) as exc:
        _add(store, 7, age=2)
    assert _error(exc) == (ErrorCode.CONFLICT, "id")
    assert store.get_face("g", 7).meta["age"] == 1
    faces = [NewFace(i, unit_rows(np.random.default_rng(i), 1)[0], PACK) for i in (8, 9, 8)]
    with pytest.raises(ProtocolError) as exc:
        store.add_faces_bulk("g", faces)
    assert exc.value.code is ErrorCode.CONFLICT
    assert store.list_galleries() == [("g", 1)]


def test_missing_faces_and_galleries(store: Storage) -> None:
    store.create_gallery("g")
    for call in (
        lambda: store.get_face("g", 1),
        lambda: store.update_meta("g", 1, {"age": 1}),
        lambda: store.delete_face("g", 1),
        lambda: store.get_normalized("g", 1),
    ):
        with pytest.raises(ProtocolError) as exc:
            call()
        assert _error(exc) == (ErrorCode.NOT_FOUND, "id")
    for call in (
        lambda: _add(store, 1, gallery="nope"),
        lambda: store.get_face("nope", 1),
        lambda: store.query("nope", Query()),
    ):
        with pytest.raises(ProtocolError) as exc:
            call()
        assert _error(exc) == (ErrorCode.GALLERY_NOT_FOUND, "gallery")


def test_face_without_crop(store: Storage) -> None:
    store.create_gallery("g")
    vector = unit_rows(np.random.default_rng(0), 1)[0]
    store.add_face(
        "g", 1, vector=vector, model_pack=PACK, features={}, meta={}, normalized_png=None
    )
    assert store.get_normalized("g", 1) is None


def test_delete_removes_face_and_crop(sqlite_store: SQLiteStorage, tmp_path: Path) -> None:
    sqlite_store.create_gallery("g")
    _add(sqlite_store, 1)
    _add(sqlite_store, 2)
    sqlite_store.delete_face("g", 1)
    assert [f.id for f in sqlite_store.query("g", Query()).faces] == [2]
    with sqlite3.connect(tmp_path / "faces.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM crop").fetchone() == (1,)


def test_model_pack_is_fixed_by_the_first_face(store: Storage) -> None:
    store.create_gallery("g")
    vector = unit_rows(np.random.default_rng(0), 1)[0]
    _add(store, 1)
    with pytest.raises(ProtocolError) as exc:
        store.add_face(
            "g", 2, vector=vector, model_pack="other-1", features={}, meta={}, normalized_png=None
        )
    assert _error(exc) == (ErrorCode.BAD_PARAM, "from")
    with pytest.raises(ProtocolError) as exc:
        store.query("g", Query(probe=vector, probe_model_pack="other-1"))
    assert _error(exc) == (ErrorCode.BAD_PARAM, "looks_like")
    with pytest.raises(ProtocolError) as exc:
        store.query("g", Query(probe=vector[:128], probe_model_pack=PACK))
    assert _error(exc) == (ErrorCode.BAD_PARAM, "looks_like")
    # An emptied gallery accepts the next pack (and dimension).
    store.delete_face("g", 1)
    store.add_face(
        "g", 3, vector=vector[:128], model_pack="other-1", features={}, meta={}, normalized_png=None
    )
    assert store.get_face("g", 3).model_pack == "other-1"
    hits = store.query("g", Query(probe=vector[:128], probe_model_pack="other-1", min_cosine=0.9))
    assert [f.id for f in hits.faces] == [3]


@pytest.mark.parametrize(
    "vector", [np.zeros(512), np.full(512, np.nan), np.ones((2, 512)), np.ones(0), "abc"]
)
def test_bad_vectors_are_bad_param(store: Storage, vector: Any) -> None:
    store.create_gallery("g")
    with pytest.raises(ProtocolError) as exc:
        store.add_face(
            "g", 1, vector=vector, model_pack=PACK, features={}, meta={}, normalized_png=None
        )
    assert _error(exc) == (ErrorCode.BAD_PARAM, "from")
    assert store.list_galleries() == [("g", 0)]


@pytest.mark.parametrize(
    ("query", "param"),
    [
        (Query(limit=0), "limit"),
        (Query(sort="-confidence"), "sort"),
        (Query(sort="name"), "sort"),  # type: ignore[arg-type]
        (Query(after=-1), "page"),
        (Query(probe=np.ones(512, np.float32), min_cosine=1.5), "threshold"),
    ],
)
def test_bad_queries_are_bad_param(store: Storage, query: Query, param: str) -> None:
    store.create_gallery("g")
    _add(store, 1)
    with pytest.raises(ProtocolError) as exc:
        store.query("g", query)
    assert _error(exc) == (ErrorCode.BAD_PARAM, param)


def test_search_on_an_empty_gallery_is_empty(store: Storage) -> None:
    store.create_gallery("g")
    result = store.query("g", Query(probe=np.ones(512, np.float32), probe_model_pack="any"))
    assert result.faces == () and not result.more


def test_disk_full_is_storage_error_and_changes_nothing(sqlite_store: SQLiteStorage) -> None:
    sqlite_store.create_gallery("g")
    _add(sqlite_store, 1)
    pages = sqlite_store._writer.execute("PRAGMA page_count").fetchone()[0]
    sqlite_store._writer.execute(f"PRAGMA max_page_count = {pages}")
    big = [NewFace(i, unit_rows(np.random.default_rng(i), 1)[0], PACK) for i in range(2, 200)]
    with pytest.raises(ProtocolError) as exc:
        sqlite_store.add_faces_bulk("g", big)
    assert exc.value.code is ErrorCode.STORAGE_ERROR and exc.value.status == 503
    assert sqlite_store.list_galleries() == [("g", 1)]
    assert [f.id for f in sqlite_store.query("g", Query()).faces] == [1]
    sqlite_store._writer.execute("PRAGMA max_page_count = 1073741823")
    sqlite_store.add_faces_bulk("g", big)
    assert sqlite_store.list_galleries() == [("g", 199)]


def test_unsupported_file_is_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "not-a-db.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ProtocolError) as exc:
        SQLiteStorage(path, default_schema=SCHEMA)
    assert exc.value.code is ErrorCode.STORAGE_ERROR


def test_reopen_keeps_everything(open_store: StoreFactory) -> None:
    first = open_store()
    first.create_gallery("g", {"n": MetaField("n", MetaType.UNSIGNED, 3)})
    _add(first, 2**64 - 1, gallery="g", n=4)
    _add(first, 5, gallery="g")
    first.close()
    second = open_store()
    assert second.list_galleries() == [("g", 2)]
    assert dict(second.gallery_schema("g")) == {"n": MetaField("n", MetaType.UNSIGNED, 3)}
    assert second.get_face("g", 2**64 - 1).meta == {"n": 4}
    assert [f.id for f in second.query("g", Query(sort="-id")).faces] == [2**64 - 1, 5]
    assert repr(second).startswith("SQLiteStorage(")
