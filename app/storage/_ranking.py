"""The final ranking of a similarity search, identical on every page of it.

A search page holds the best faces by (cosine descending, id ascending), strictly after the last
face of the previous page (`After`). For pages to neither repeat nor skip a face, a face's
cosine must be the same number on every page. Cosines from a BLAS matrix product are not: the
last bits depend on which other rows share the batch (measured: 276 of ~30,000 scores differed
between batches of the same rows). So the scan's float32 scores only *select* the rows that
can make the page, with a `MARGIN` larger than twice their error, and those rows are then
scored again one by one in float64 (`exact_cosines`: the same arithmetic whatever the batch),
which is the cosine that ranks, passes the threshold, is returned and goes into the cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: Bound of how far a float32 scan score of two 512-d unit vectors (error below 3.1e-5) may
#: lie from the float64 cosine, with room to spare.
MARGIN = 1e-4


@dataclass(frozen=True)
class After:
    """A search page's start: only faces strictly after (cosine, id) in the order cosine
    descending, id ascending."""

    cosine: float
    id: int


def exact_cosines(
    rows: npt.NDArray[np.float32], probe: npt.NDArray[np.float32]
) -> npt.NDArray[np.float64]:
    """The cosines of unit `rows` with the unit `probe`, each row summed on its own in float64."""
    products = np.asarray(rows, np.float64).reshape(len(rows), len(probe)) * np.asarray(
        probe, np.float64
    )
    cosines: npt.NDArray[np.float64] = np.sum(products, axis=1)
    return cosines


def surely_after(scores: npt.NDArray[np.floating], after: After | None) -> npt.NDArray[np.bool_]:
    """Rows whose scan score puts them after `after` whatever their exact cosine."""
    if after is None:
        return np.ones(len(scores), np.bool_)
    return np.asarray(scores, np.float64) < after.cosine - MARGIN


def maybe_after(scores: npt.NDArray[np.floating], after: After | None) -> npt.NDArray[np.bool_]:
    """Rows that can be after `after` (all but those surely before it)."""
    if after is None:
        return np.ones(len(scores), np.bool_)
    return np.asarray(scores, np.float64) <= after.cosine + MARGIN


def rank(
    ids: Sequence[int] | npt.NDArray[np.uint64],
    rows: npt.NDArray[np.float32],
    probe: npt.NDArray[np.float32],
    min_cosine: float,
    after: After | None,
    limit: int,
) -> list[tuple[int, float]]:
    """(id, cosine) of the best `limit` of the given rows by exact cosine (ties by id) with
    cosine >= `min_cosine`, strictly after `after`."""
    cosines = exact_cosines(rows, probe)
    face_ids = np.asarray(ids, np.uint64)
    keep = cosines >= min_cosine
    if after is not None:
        keep &= (cosines < after.cosine) | (
            (cosines == after.cosine) & (face_ids > np.uint64(after.id))
        )
    chosen = np.flatnonzero(keep)
    order = chosen[np.lexsort((face_ids[chosen], -cosines[chosen]))][:limit]
    return [(int(face_ids[i]), float(cosines[i])) for i in order]


def page_complete(
    scores: npt.NDArray[np.floating],
    exhausted: bool,
    min_cosine: float,
    after: After | None,
    limit: int,
) -> bool:
    """Whether rows read best first (by a scan score, `scores` their float32 cosines) surely
    hold the whole page: every row not read scores at most the lowest read one, which must lie
    below the page's cut-off (the limit-th best row surely after `after`) by twice the margin.
    """
    if exhausted:
        return True
    sure = np.sort(np.asarray(scores, np.float64)[surely_after(scores, after)])
    if len(sure) < limit:
        return False
    cutoff = max(min_cosine, float(sure[len(sure) - limit]))
    return float(np.min(scores)) < cutoff - 2 * MARGIN
