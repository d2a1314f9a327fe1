"""Shared values of the storage tests: the schema with every meta type, tunings, vectors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.storage import (
    IdFilter,
    MetaField,
    MetaFilter,
    MetaSchema,
    MetaType,
    MetaValue,
    NewFace,
    SearchTuning,
    SQLiteStorage,
)

PACK = "faceplugin-0.0.1"
DIM = 512

SCHEMA: MetaSchema = {
    "age": MetaField("age", MetaType.UNSIGNED),
    "cam": MetaField("cam", MetaType.STRING, "lobby"),
    "tags": MetaField("tags", MetaType.SET_STRING, []),
    "groups": MetaField("groups", MetaType.SET_UNSIGNED),
}

#: Thresholds low enough that a few thousand faces use the candidate stage.
SMALL_TUNING = SearchTuning(
    candidate_min_faces=3000, exact_max_rows=400, candidate_floor=200, train_sample=5000
)


def unit_rows(rng: np.random.Generator, n: int, dim: int = DIM) -> npt.NDArray[np.float32]:
    """Random unit vectors with the anisotropic spectrum of real face embeddings."""
    rows = rng.standard_normal((n, dim), dtype=np.float32) / np.sqrt(1 + np.arange(dim) / 8)
    rows = rows.astype(np.float32)
    normed: npt.NDArray[np.float32] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return normed


def clustered_rows(rng: np.random.Generator, n: int, dim: int = DIM) -> npt.NDArray[np.float32]:
    """Unit rows grouped into identities of 1-4 photos at cosine U(0.78, 0.9) to their centre
    (photos of one person are near-duplicates of each other), as in bench/search.py."""
    owner = np.repeat(np.arange(n), rng.integers(1, 5, n))[:n]
    centres = unit_rows(rng, int(owner[-1]) + 1, dim)[owner]
    other = unit_rows(rng, n, dim)
    other -= np.sum(other * centres, axis=1, keepdims=True) * centres
    other /= np.linalg.norm(other, axis=1, keepdims=True)
    cos = rng.uniform(0.78, 0.9, (n, 1)).astype(np.float32)
    rows = (cos * centres + np.sqrt(1 - cos**2) * other).astype(np.float32)
    normed: npt.NDArray[np.float32] = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return normed


StoreFactory = Callable[..., SQLiteStorage]


def plant_matches(
    rng: np.random.Generator, vectors: npt.NDArray[np.float32], n_probes: int
) -> npt.NDArray[np.float32]:
    """Probes, each with 1-5 rows of `vectors` replaced by true matches at cosine 0.6-0.8."""
    probes = unit_rows(rng, n_probes, vectors.shape[1])
    for probe in probes:
        for row in rng.choice(len(vectors), rng.integers(1, 6), replace=False):
            other = unit_rows(rng, 1, vectors.shape[1])[0]
            other -= (other @ probe) * probe
            other /= np.linalg.norm(other)
            cos = rng.uniform(0.6, 0.8)
            vectors[row] = cos * probe + np.sqrt(1 - cos**2) * other
    return probes


def exact_search(
    ids: npt.NDArray[np.uint64],
    vectors: npt.NDArray[np.float32],
    passing: npt.NDArray[np.bool_],
    probe: npt.NDArray[np.float32],
    min_cosine: float,
    limit: int,
) -> list[tuple[int, float]]:
    """The brute-force answer: float32 cosines of unit rows, threshold, best first, ties by id."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = unit @ (probe / np.linalg.norm(probe))
    keep = passing & (scores.astype(np.float64) >= min_cosine)
    order = sorted(np.flatnonzero(keep), key=lambda r: (-scores[r], int(ids[r])))[:limit]
    return [(int(ids[r]), float(scores[r])) for r in order]


@dataclass
class Gallery:
    """What was stored: ids, raw vectors, meta, probes with planted matches."""

    ids: npt.NDArray[np.uint64]
    vectors: npt.NDArray[np.float32]
    metas: list[dict[str, MetaValue]]
    probes: npt.NDArray[np.float32]

    def passing(
        self, id_filter: IdFilter, filters: tuple[MetaFilter, ...]
    ) -> npt.NDArray[np.bool_]:
        def ok(i: int, meta: dict[str, MetaValue]) -> bool:
            if id_filter.gte is not None and i < id_filter.gte:
                return False
            if id_filter.lte is not None and i > id_filter.lte:
                return False
            for f in filters:
                value = meta.get(f.field)
                if value is None:
                    return False
                if f.op == "gte" and not value >= f.values[0]:  # type: ignore[operator]
                    return False
                if f.op == "lte" and not value <= f.values[0]:  # type: ignore[operator]
                    return False
                if f.op == "in" and value not in f.values:
                    return False
                if f.op == "subset" and not set(f.values) <= set(value):  # type: ignore[arg-type]
                    return False
            return True

        return np.array([ok(int(i), m) for i, m in zip(self.ids, self.metas, strict=True)])

    def faces(self, rows: range | npt.NDArray[np.int64]) -> list[NewFace]:
        """The stored rows `rows` as faces to add in bulk."""
        return [NewFace(int(self.ids[r]), self.vectors[r], PACK, {}, self.metas[r]) for r in rows]
