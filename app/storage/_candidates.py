"""The compact candidate stage of a search: 4-bit PQ fast-scan codes per face (faiss).

Vectors are randomly rotated before product quantization (faiss `RR<d>,PQ<m>x4fs`): face
embeddings have a steep spectrum, and without the rotation the first sub-spaces hold most of the
variance while 16 centroids per sub-space cannot represent it. Measured on 300k anisotropic
vectors with 925 planted matches: plain PQ64x4fs ranked some matches below 3600, the rotated one
ranked every match in its top 5, at the same 32 bytes per face and the same scan speed.
Four dimensions per sub-quantizer (64 bytes per face at 512-d) then make the approximate scores
sharp enough that the minimum candidate count is enough at 1M faces (see `_sub_quantizers`).

The codes only *propose* candidates; every candidate is rescored exactly (see `_gallery.py`).
When a code book is trained it is also *calibrated*: synthetic matches at known cosines give
the relation between the exact cosine and the approximate score (a line plus its scatter), from
which `lowest_match_score` bounds how low a match's approximate score can fall.

Codes are added in slot order, so the code of slot s is label s; `sync` appends the codes of
slots the index has not seen yet and can be called by the writer and by a background build.

faiss is optional: where it is not installed (the packaged desktop app leaves it out to stay
small) `AVAILABLE` is False, no gallery gets a code book and every search is an exact scan —
the same answers, at numpy scan speed (about 47 ms per query at 1M faces on the CI machine).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import numpy.typing as npt


def _load_faiss() -> Any:
    """The faiss module, or None where it is not installed."""
    try:
        import faiss
    except ModuleNotFoundError as exc:
        if exc.name != "faiss":
            raise
        return None
    # Interactive queries use one OpenMP thread (vector-search.md: more are slower per query).
    faiss.omp_set_num_threads(1)
    return faiss


faiss: Any = _load_faiss()
#: Whether candidate code books can be built (faiss is installed).
AVAILABLE: bool = faiss is not None

_CHUNK = 65536
_CALIBRATION_PAIRS = 2000
_MIN_CALIBRATION_PAIRS = 500
#: How many standard deviations of scatter the match bound allows (and 1.25 x the worst seen).
_SIGMAS = 5.0


def _sub_quantizers(dim: int) -> int:
    """One 4-bit sub-quantizer per 4 dimensions (128 for 512-d: 64 bytes per face).

    Measured on 300k anisotropic faces after the rotation: with 64 sub-quantizers an exact
    cosine of 0.5 maps to an approximate score only just above the 1000th best one, so the
    candidate count had to grow to 16k (11 ms per search at 1M); with 128 the bound sits far
    above it (0.24 against 0.16) and the floor of 1000 candidates suffices (0.6 ms scans).
    """
    return next(m for m in range(max(1, dim // 4), 0, -1) if dim % m == 0)


def _fast(index: Any) -> Any:
    """`index` (rotation + PQ fast-scan) set to the scan kernel measured fastest for one query.

    At 1M faces and k=1000: 2.3 ms with implementation 15 against 4.3 ms with the default.
    """
    scan: Any = faiss.downcast_index(index.index)
    scan.implem = 15
    return index


class CandidateIndex:
    """Rotated 4-bit PQ fast-scan codes of slots [0, count) of one gallery's vector matrix."""

    def __init__(self, sample: npt.NDArray[np.float32], trained_on: int) -> None:
        dim = sample.shape[1]
        spec = f"RR{dim},PQ{_sub_quantizers(dim)}x4fs"
        self._index = _fast(faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT))
        self._index.train(np.ascontiguousarray(sample, np.float32))
        self._lock = threading.Lock()
        #: Number of live faces the code book was trained for (a retrain is due when it doubles).
        self.trained_on = trained_on
        self.slope, self.intercept, self.margin = self._calibrate(sample)

    def _calibrate(self, sample: npt.NDArray[np.float32]) -> tuple[float, float, float]:
        """Fit approximate score = slope x cosine + intercept on synthetic matches."""
        rng = np.random.default_rng(len(sample))
        count = min(_CALIBRATION_PAIRS, len(sample) // 2)
        rows = sample[rng.choice(len(sample), 2 * count, replace=False)]
        targets, others = rows[:count], rows[count:]
        cosines = rng.uniform(0.2, 1.0, count).astype(np.float32)
        others = others - np.sum(others * targets, axis=1, keepdims=True) * targets
        others /= np.linalg.norm(others, axis=1, keepdims=True)
        probes = cosines[:, None] * targets + np.sqrt(1 - cosines**2)[:, None] * others
        probes = np.ascontiguousarray(probes, np.float32)
        scratch = _fast(faiss.clone_index(self._index))
        scratch.add(targets)
        scores, labels = scratch.search(probes, count)
        approx = scores[labels == np.arange(count)[:, None]]
        exact = np.sum(probes * targets, axis=1)
        slope, intercept = np.polyfit(exact, approx, 1)
        residual = approx - (slope * exact + intercept)
        margin = max(_SIGMAS * float(residual.std()), 1.25 * float(-residual.min()))
        if count < _MIN_CALIBRATION_PAIRS:  # too few to trust: never stop early (exact scans)
            margin = float("inf")
        return float(slope), float(intercept), margin

    def lowest_match_score(self, cosine: float) -> float:
        """An approximate score below which no face with exact `cosine` (or more) should fall."""
        return self.slope * cosine + self.intercept - self.margin

    @property
    def count(self) -> int:
        """Slots coded so far."""
        return int(self._index.ntotal)

    def sync(self, vectors: npt.NDArray[np.float32], n: int) -> None:
        """Add the codes of slots [count, n) from `vectors` (rows of the gallery's matrix)."""
        with self._lock:
            for lo in range(self.count, n, _CHUNK):
                self._index.add(np.ascontiguousarray(vectors[lo : min(n, lo + _CHUNK)]))

    def search(self, probe: npt.NDArray[np.float32], k: int) -> tuple[npt.NDArray[np.int64], float]:
        """Slots of the `k` best approximate scores, best first, and the last (lowest) score."""
        with self._lock:
            scores, labels = self._index.search(probe.reshape(1, -1), min(k, max(self.count, 1)))
        found: npt.NDArray[np.int64] = labels[0][labels[0] >= 0]
        return found, float(scores[0][len(found) - 1]) if len(found) else float("inf")

    def __repr__(self) -> str:
        return (
            f"CandidateIndex(count={self.count}, trained_on={self.trained_on}, "
            f"slope={self.slope:.3f}, intercept={self.intercept:.3f}, margin={self.margin:.3f})"
        )
