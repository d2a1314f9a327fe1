"""Copying galleries SQLite -> PostgreSQL -> SQLite keeps every face, checked end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from storage_helpers import PACK, SCHEMA, unit_rows

from app.protocol import ErrorCode, ProtocolError
from app.storage import (
    MetaField,
    MetaType,
    NewFace,
    PostgresStorage,
    Query,
    SQLiteStorage,
    Storage,
    migrate,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
OWN = {"n": MetaField("n", MetaType.UNSIGNED), "s": MetaField("s", MetaType.SET_STRING, ["x"])}


def _fill(store: Storage) -> None:
    rng = np.random.default_rng(3)
    store.create_gallery("people")
    ids = [0, 1, 2**53 + 1, 2**63, 2**64 - 1, *range(10, 1210)]
    vectors = unit_rows(rng, len(ids))
    store.add_faces_bulk(
        "people",
        [
            NewFace(
                i,
                v,
                PACK,
                {"score": 0.5 + k / 1e4},
                {"age": k % 90, "cam": f"c{k % 3}"} if k % 4 else {},
                f"png{i}".encode() if k % 2 else None,
            )
            for k, (i, v) in enumerate(zip(ids, vectors, strict=True))
        ],
    )
    store.create_gallery("own", OWN)
    store.add_face(
        "own",
        5,
        vector=vectors[0],
        model_pack="other",
        features={},
        meta={"n": 2**64 - 1},
        normalized_png=b"crop",
    )
    store.create_gallery("empty")


def _snapshot(store: Storage) -> dict[str, object]:
    out: dict[str, object] = {"galleries": store.list_galleries()}
    for name, _ in store.list_galleries():
        faces = store.query(name, Query(limit=10_000)).faces
        out[name] = (
            dict(store.gallery_schema(name)),
            [
                (f.id, f.meta, f.features, f.model_pack, store.get_normalized(name, f.id))
                for f in faces
            ],
        )
    return out


def test_round_trip_through_postgres_keeps_everything(tmp_path: Path, pg_dsn: str) -> None:
    original = SQLiteStorage(tmp_path / "a.sqlite", default_schema=SCHEMA, background_index=False)
    _fill(original)
    middle = PostgresStorage(pg_dsn, default_schema={})
    there = migrate(original, middle, batch=300)
    back = SQLiteStorage(tmp_path / "b.sqlite", default_schema={}, background_index=False)
    again = migrate(middle, back)
    assert [(c.name, c.faces) for c in there] == [("empty", 0), ("own", 1), ("people", 1205)]
    assert [c.checksum for c in there] == [c.checksum for c in again]
    assert _snapshot(back) == _snapshot(original) == _snapshot(middle)
    probe = original.get_face("people", 2**63, with_vector=True).vector
    for store in (original, middle, back):
        hits = store.query("people", Query(probe=probe, min_cosine=0.1, limit=5))
        assert hits.faces[0].id == 2**63
    for store in (original, middle, back):
        store.close()


def test_existing_gallery_on_the_target_is_refused(tmp_path: Path, pg_dsn: str) -> None:
    source = SQLiteStorage(tmp_path / "a.sqlite", default_schema=SCHEMA, background_index=False)
    source.create_gallery("g")
    target = PostgresStorage(pg_dsn, default_schema=SCHEMA)
    target.create_gallery("g")
    with pytest.raises(ProtocolError) as exc:
        migrate(source, target)
    assert exc.value.code is ErrorCode.CONFLICT
    source.close()
    target.close()


def test_migrate_command_copies_a_data_directory(tmp_path: Path, pg_dsn: str) -> None:
    source = SQLiteStorage(tmp_path / "sfdesk.sqlite3", default_schema=SCHEMA)
    _fill(source)
    source.close()
    command = [sys.executable, "-m", "app", "storage", "migrate", "--from", str(tmp_path)]
    done = subprocess.run(
        [*command, "--to", pg_dsn, "--gallery", "own"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "own: 1 faces, checksum" in done.stdout
    again = subprocess.run(
        [*command, "--to", pg_dsn], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert again.returncode == 1 and "CONFLICT" in again.stderr  # "own" is there already
