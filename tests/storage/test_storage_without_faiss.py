"""Without faiss (the packaged desktop app leaves it out) every search is an exact scan with the
same answers: run in a subprocess where importing faiss fails."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

SCRIPT = """
import sys, tempfile
from pathlib import Path
sys.modules["faiss"] = None  # as in a build without faiss: importing it fails
import numpy as np
from storage_helpers import PACK, SCHEMA, SMALL_TUNING, exact_search, plant_matches, unit_rows
from app.storage import NewFace, Query, SQLiteStorage, _candidates

assert not _candidates.AVAILABLE
rng = np.random.default_rng(5)
n = 2 * SMALL_TUNING.candidate_min_faces  # big enough for a code book if faiss were there
vectors = unit_rows(rng, n)
probes = plant_matches(rng, vectors, 10)
ids = np.arange(1, n + 1, dtype=np.uint64)
with tempfile.TemporaryDirectory() as tmp:
    store = SQLiteStorage(Path(tmp) / "f.sqlite", default_schema=SCHEMA, tuning=SMALL_TUNING,
                          background_index=False)
    store.create_gallery("g")
    store.add_faces_bulk("g", [NewFace(int(ids[r]), vectors[r], PACK) for r in range(n)])
    assert store._galleries["g"].index.candidates is None
    everyone = np.ones(n, bool)
    for probe in probes:
        for min_cosine, limit in ((0.5, 100), (-1.0, 20)):
            got = store.query("g", Query(probe=probe, probe_model_pack=PACK,
                                         min_cosine=min_cosine, limit=limit))
            want = exact_search(ids, vectors, everyone, probe, min_cosine, limit)
            assert [f.id for f in got.faces] == [i for i, _ in want], (min_cosine, limit)
            assert np.allclose(got.cosines, [c for _, c in want], atol=1e-5)
    store.close()
print("exact without faiss")
"""


def test_without_faiss_every_search_is_an_exact_scan() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=REPO,
        env={"PYTHONPATH": f"{REPO}:{HERE}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "exact without faiss" in proc.stdout
