"""The compact candidate stage of a search: a 4-bit PQ fast-scan code per face (faiss).

The codes only *propose* candidates; every proposed face is rescored with its exact vector
before anything is returned (see `_gallery.py`). Codes are added in slot order, so the code
of slot s is label s; `sync` appends the codes of slots the index has not seen yet and can be
called by several parties (the writer, a background build catching up) without duplicates.
"""

from __future__ import annotations

import threading

import faiss
import numpy as np
import numpy.typing as npt

#: Interactive queries use one OpenMP thread (vector-search.md: more threads are slower per query).
faiss.omp_set_num_threads(1)

_CHUNK = 65536


def _sub_quantizers(dim: int) -> int:
    """64 sub-quantizers (32 bytes per face) when the dimension allows, else the largest divisor."""
    return next(m for m in range(min(64, dim), 0, -1) if dim % m == 0)


class CandidateIndex:
    """PQ fast-scan codes of slots [0, count) of one gallery's vector matrix."""

    def __init__(self, sample: npt.NDArray[np.float32], trained_on: int) -> None:
        dim = sample.shape[1]
        self._index = faiss.IndexPQFastScan(
            dim, _sub_quantizers(dim), 4, faiss.METRIC_INNER_PRODUCT
        )
        self._index.train(np.ascontiguousarray(sample, np.float32))
        self._lock = threading.Lock()
        #: Number of live faces the code book was trained for (a retrain is due when it doubles).
        self.trained_on = trained_on

    @property
    def count(self) -> int:
        """Slots coded so far."""
        return int(self._index.ntotal)

    def sync(self, vectors: npt.NDArray[np.float32], n: int) -> None:
        """Add the codes of slots [count, n) from `vectors` (rows of the gallery's matrix)."""
        with self._lock:
            start = self.count
            for lo in range(start, n, _CHUNK):
                self._index.add(np.ascontiguousarray(vectors[lo : min(n, lo + _CHUNK)]))

    def search(self, probe: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.int64]:
        """Slots of the `k` best approximate inner products, best first."""
        with self._lock:
            _, labels = self._index.search(probe.reshape(1, -1), min(k, max(self.count, 1)))
        found: npt.NDArray[np.int64] = labels[0]
        return found[found >= 0]

    def __repr__(self) -> str:
        return f"CandidateIndex(count={self.count}, trained_on={self.trained_on})"
