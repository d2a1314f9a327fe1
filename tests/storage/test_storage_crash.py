"""SIGKILL during a stream of inserts loses only unacknowledged faces and corrupts nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
from storage_helpers import PACK, SCHEMA

from app.storage import Query, SQLiteStorage

REPO_ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from pathlib import Path
import numpy as np
from app.storage import MetaField, MetaType, NewFace, SQLiteStorage

schema = {"n": MetaField("n", MetaType.UNSIGNED)}
store = SQLiteStorage(Path(sys.argv[1]), default_schema=schema, background_index=False)
store.create_gallery("g")
rng = np.random.default_rng(0)
i = 0
while True:
    if i % 2:  # alternate single adds and bulk transactions
        batch = [NewFace(2**63 + i + k, rng.standard_normal(512).astype(np.float32), sys.argv[2],
                         {"k": k}, {"n": i + k}, b"png" * 300) for k in range(25)]
        store.add_faces_bulk("g", batch)
        done = [f.id for f in batch]
    else:
        store.add_face("g", 2**63 + i, vector=rng.standard_normal(512).astype(np.float32),
                       model_pack=sys.argv[2], features={}, meta={"n": i},
                       normalized_png=b"png" * 300)
        done = [2**63 + i]
    print(*done, flush=True)
    i += len(done)
"""


def test_sigkill_keeps_every_acknowledged_face(tmp_path: Path) -> None:
    path = tmp_path / "faces.sqlite"
    acknowledged: list[int] = []
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), PACK],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        while len(acknowledged) < 3000:
            line = child.stdout.readline()
            assert line, "the writer stopped before it was killed"
            acknowledged += [int(x) for x in line.split()]
        os.kill(child.pid, signal.SIGKILL)
        acknowledged += [int(x) for x in child.stdout.read().split()]
    assert child.returncode == -signal.SIGKILL

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    store = SQLiteStorage(path, default_schema=SCHEMA, background_index=False)
    try:
        stored = [f.id for f in store.query("g", Query(limit=1_000_000)).faces]
        assert set(acknowledged) <= set(stored)
        # Nothing half-written: ids are consecutive from the first, whole batches only.
        assert stored == list(range(2**63, 2**63 + len(stored)))
        last = store.get_face("g", acknowledged[-1], with_vector=True)
        assert last.meta == {"n": acknowledged[-1] - 2**63}
        assert last.vector is not None
        hits = store.query("g", Query(probe=last.vector, probe_model_pack=PACK, min_cosine=0.99))
        assert [f.id for f in hits.faces] == [last.id]
        assert store.get_normalized("g", last.id) == b"png" * 300
        assert np.isclose(np.linalg.norm(last.vector), 1.0)
    finally:
        store.close()
