"""The in-memory side of one gallery: exact vectors, meta columns, tombstones and the search.

Everything here is a cache of the SQLite file, rebuilt at start-up. Faces occupy *slots* in
insertion order; a delete only clears the slot's `alive` bit. Mutations come from one writer
at a time (the storage's write lock) after the SQLite transaction committed. Readers take the
gallery `lock` only to evaluate filters and to snapshot `(ids, vectors, n)`; rows below `n` never
change, so the vector work runs outside the lock and a long write never blocks a search.

Search (vector-search.md, addendum): filters first, as a mask over slots. Small galleries and
selective filters are scanned exactly. Otherwise the PQ codes propose candidates, each is rescored
with its exact vector, and the candidate count grows (x4) until the lowest approximate score
asked for lies below the calibrated bound of what a face at the cut-off (the threshold, or the
limit-th best exact score so far) can score; it never starts below `candidate_floor` or
4 x limit, and falls back to an exact scan when it would cover half of the gallery.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.storage import _candidates
from app.storage._candidates import CandidateIndex
from app.storage._checks import check_filters
from app.storage._columns import Column, Mask, new_column
from app.storage._ranking import MARGIN, After, maybe_after, rank, surely_after
from app.storage._types import IdFilter, MetaFilter, MetaSchema, MetaValue, Sort

Vectors = npt.NDArray[np.float32]


@dataclass(frozen=True)
class SearchTuning:
    """Size thresholds of the two-stage search (measured defaults; tests lower them)."""

    #: Galleries with fewer live faces have no candidate index and are always scanned exactly.
    candidate_min_faces: int = 30_000
    #: Filters that pass at most this many faces are scanned exactly, without candidates.
    exact_max_rows: int = 20_000
    #: The smallest number of candidates rescored per search (4 x limit when that is larger).
    candidate_floor: int = 1000
    #: Vectors sampled to train a code book.
    train_sample: int = 50_000
    #: The code book is retrained when the live faces grew by this factor since training.
    retrain_growth: float = 2.0
    #: Deleted slots are dropped from memory once they outnumber live faces and this count.
    compact_min_dead: int = 10_000


class GalleryIndex:
    """Slots of one gallery: ids, unit vectors, alive bits, meta columns, candidate codes."""

    def __init__(self, schema: MetaSchema, dim: int, tuning: SearchTuning) -> None:
        self.lock = threading.Lock()
        self.schema = schema
        self.tuning = tuning
        self.building = False
        #: How searches were answered: "exact", "two-stage" or "fallback" (grew to an exact scan).
        self.paths: Counter[str] = Counter()
        self._generation = 0
        self._reset(dim)

    def _reset(self, dim: int) -> None:
        self.dim = dim
        self.ids = np.zeros(0, np.uint64)
        self.vectors: Vectors = np.zeros((0, dim), np.float32)
        self.alive = np.zeros(0, np.bool_)
        self.n = 0
        self.n_alive = 0
        self.slot_of: dict[int, int] = {}
        self.columns: dict[str, Column] = {
            name: new_column(f.type) for name, f in self.schema.items()
        }
        self.candidates: CandidateIndex | None = None
        self._generation += 1

    def clear(self, dim: int) -> None:
        """Forget every slot (the gallery is empty) and take vectors of `dim` from now on."""
        with self.lock:
            self._reset(dim)

    # ------------------------------------------------------------------ writes (one writer)

    def append(
        self, ids: Sequence[int], vectors: Vectors, metas: Sequence[Mapping[str, MetaValue]]
    ) -> None:
        """Add committed faces (unit vectors) in new slots."""
        start, stop = self.n, self.n + len(ids)
        if stop > len(self.ids):
            self._grow(max(stop, 2 * len(self.ids), 1024))
        self.ids[start:stop] = np.array(ids, np.uint64)
        self.vectors[start:stop] = vectors
        with self.lock:
            self.alive[start:stop] = True
            self.slot_of.update(zip(ids, range(start, stop), strict=True))
            for name, column in self.columns.items():
                column.put_many(start, [meta.get(name) for meta in metas])
            self.n = stop
            self.n_alive += len(ids)
        candidates = self.candidates
        if candidates is not None:
            candidates.sync(self.vectors, stop)

    def reserve(self, capacity: int) -> None:
        """Make room for `capacity` slots at once (start-up knows the count in advance)."""
        if capacity > len(self.ids):
            self._grow(capacity)

    def _grow(self, capacity: int) -> None:
        # Copy outside the lock: readers keep using the old arrays, whose rows stay valid.
        ids = np.zeros(capacity, np.uint64)
        ids[: self.n] = self.ids[: self.n]
        vectors = np.zeros((capacity, self.dim), np.float32)
        vectors[: self.n] = self.vectors[: self.n]
        alive = np.zeros(capacity, np.bool_)
        with self.lock:
            alive[: self.n] = self.alive[: self.n]
            self.ids, self.vectors, self.alive = ids, vectors, alive
            for column in self.columns.values():
                column.resize(capacity)

    def wants_compaction(self) -> bool:
        """Whether deleted slots outnumber live ones (and are worth a copy)."""
        return self.n - self.n_alive > max(self.n_alive, self.tuning.compact_min_dead)

    def compact(self) -> None:
        """Drop the slots of deleted faces (renumbering the others) and the now stale codes.

        Called by the writer; searches meanwhile keep their snapshot, and until a new code book
        is built (the caller schedules it) they scan exactly.
        """
        with self.lock:
            keep = self.alive[: self.n].copy()
        new_slot = np.cumsum(keep) - 1
        ids, vectors = self.ids[: self.n][keep], self.vectors[: self.n][keep]
        with self.lock:
            for column in self.columns.values():
                column.compact(keep, new_slot)
            self.ids, self.vectors = ids, vectors
            self.alive = np.ones(len(ids), np.bool_)
            self.slot_of = {face_id: int(new_slot[s]) for face_id, s in self.slot_of.items()}
            self.n = len(ids)
            self.candidates = None
            self._generation += 1

    def remove(self, face_id: int, meta: Mapping[str, MetaValue]) -> None:
        """Tombstone a deleted face."""
        with self.lock:
            slot = self.slot_of.pop(face_id)
            self.alive[slot] = False
            self.n_alive -= 1
            for name, column in self.columns.items():
                column.remove(slot, meta.get(name))

    def update(
        self, face_id: int, old: Mapping[str, MetaValue], new: Mapping[str, MetaValue]
    ) -> None:
        """Replace the meta values of a face."""
        with self.lock:
            slot = self.slot_of[face_id]
            for name, column in self.columns.items():
                if old.get(name) != new.get(name):
                    column.remove(slot, old.get(name))
                    column.put(slot, new.get(name))

    # ------------------------------------------------------------------ candidate code book

    def wants_candidates(self) -> bool:
        """Whether a (re)training is due: big enough and no code book, or grown enough.

        Never without faiss (`_candidates.AVAILABLE`): then every search scans exactly.
        """
        if not _candidates.AVAILABLE or self.building:
            return False
        if self.n_alive < self.tuning.candidate_min_faces:
            return False
        current = self.candidates
        return current is None or self.n_alive >= self.tuning.retrain_growth * current.trained_on

    def build_candidates(self) -> None:
        """Train a code book on a sample of live faces, code every slot, then swap it in.

        Runs without blocking searches (they keep the old code book or scan exactly) and
        while writes continue; the final catch-up happens under the lock.
        """
        with self.lock:
            generation, n, vectors, n_alive = self._generation, self.n, self.vectors, self.n_alive
            live = np.flatnonzero(self.alive[:n])
        rng = np.random.default_rng(n)
        sample = np.sort(rng.choice(live, min(len(live), self.tuning.train_sample), replace=False))
        candidates = CandidateIndex(vectors[sample], trained_on=n_alive)
        candidates.sync(vectors, n)
        with self.lock:
            if generation == self._generation:
                candidates.sync(self.vectors, self.n)
                self.candidates = candidates

    # ------------------------------------------------------------------ reads

    def check_filters(
        self, id_filter: IdFilter, meta_filters: Sequence[MetaFilter]
    ) -> list[MetaFilter]:
        """Validate filters against uint64 and the schema (BAD_PARAM naming the query key)."""
        return check_filters(self.schema, id_filter, meta_filters)

    def _mask(self, n: int, id_filter: IdFilter, meta_filters: Sequence[MetaFilter]) -> Mask:
        # Caller holds the lock.
        mask = self.alive[:n].copy()
        ids = self.ids[:n]
        if id_filter.gte is not None:
            mask &= ids >= np.uint64(id_filter.gte)
        if id_filter.lte is not None:
            mask &= ids <= np.uint64(id_filter.lte)
        if id_filter.one_of is not None:
            chosen = np.zeros(n, np.bool_)
            slots = [s for i in id_filter.one_of if (s := self.slot_of.get(i, n)) < n]
            chosen[slots] = True
            mask &= chosen
        for flt in meta_filters:
            mask &= self.columns[flt.field].mask(flt, n)
        return mask

    def list_ids(
        self,
        id_filter: IdFilter,
        meta_filters: Sequence[MetaFilter],
        sort: Sort,
        after: int | None,
        limit: int,
    ) -> tuple[list[int], bool]:
        """Ids of one page in `sort` order after the id `after`, and whether more follow."""
        with self.lock:
            n, ids = self.n, self.ids
            mask = self._mask(n, id_filter, meta_filters)
        if after is not None:
            mask &= ids[:n] > np.uint64(after) if sort == "id" else ids[:n] < np.uint64(after)
        chosen = ids[:n][mask]
        more = len(chosen) > limit
        if sort == "id":
            if more:
                chosen = np.partition(chosen, limit - 1)[:limit]
            chosen = np.sort(chosen)
        else:
            if more:
                chosen = np.partition(chosen, len(chosen) - limit)[len(chosen) - limit :]
            chosen = np.sort(chosen)[::-1]
        return [int(i) for i in chosen], more

    def search(
        self,
        probe: Vectors,
        id_filter: IdFilter,
        meta_filters: Sequence[MetaFilter],
        min_cosine: float,
        limit: int,
        after: After | None = None,
    ) -> list[tuple[int, float]]:
        """(id, cosine) of the best `limit` faces with cosine >= min_cosine, ties by id,
        strictly after `after` (the cosines are `_ranking`'s exact ones)."""
        with self.lock:
            n, ids, vectors, candidates = self.n, self.ids, self.vectors, self.candidates
            mask = self._mask(n, id_filter, meta_filters)
        passing = int(np.count_nonzero(mask))
        if passing == 0:
            return []
        if candidates is None or passing <= self.tuning.exact_max_rows:
            self.paths["exact"] += 1
            slots, scores = _exact(vectors, n, mask, passing, probe)
        else:
            slots, scores = self._two_stage(
                candidates, vectors, n, mask, passing, probe, min_cosine, limit, after
            )
        return _best(ids, vectors, slots, scores, probe, min_cosine, limit, after)

    def _two_stage(
        self,
        candidates: CandidateIndex,
        vectors: Vectors,
        n: int,
        mask: Mask,
        passing: int,
        probe: Vectors,
        min_cosine: float,
        limit: int,
        after: After | None,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        covered = min(candidates.count, n)
        # Slots the codes do not cover yet (a catch-up in progress) are always scored exactly.
        uncoded = np.flatnonzero(mask[covered:]) + covered
        uncoded_scores = vectors[uncoded] @ probe
        coded_passing = passing - len(uncoded)
        wanted = max(self.tuning.candidate_floor, 4 * limit)
        while True:
            # Ask for more codes than needed in proportion to what the mask removes.
            asked = math.ceil(wanted * covered / max(coded_passing, 1))
            if 2 * asked >= covered:
                self.paths["fallback"] += 1
                return _exact(vectors, n, mask, passing, probe)
            found, lowest = candidates.search(probe, asked)
            found = found[found < covered]
            found = found[mask[found]]
            scores = vectors[found] @ probe
            seen = np.concatenate([scores, uncoded_scores])
            cutoff = _cutoff(seen[surely_after(seen, after)], min_cosine, limit) - MARGIN
            # Every face the codes did not propose scores below `lowest` approximately; done
            # once that is below what a face reaching the cutoff can score (calibrated bound).
            if lowest < candidates.lowest_match_score(cutoff):
                break
            wanted *= 4
        self.paths["two-stage"] += 1
        return np.concatenate([found, uncoded]), np.concatenate([scores, uncoded_scores])

    def __repr__(self) -> str:
        return (
            f"GalleryIndex(n_alive={self.n_alive}, slots={self.n}, dim={self.dim}, "
            f"candidates={self.candidates!r})"
        )


def _exact(
    vectors: Vectors, n: int, mask: Mask, passing: int, probe: Vectors
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    slots = np.flatnonzero(mask)
    if 3 * passing > n:  # broad: one sweep over the matrix beats gathering rows
        return slots, (vectors[:n] @ probe)[slots]
    return slots, vectors[slots] @ probe


def _cutoff(scores: npt.NDArray[np.float32], min_cosine: float, limit: int) -> float:
    """The lowest score that can still be returned: the threshold or the limit-th best."""
    if len(scores) < limit:
        return min_cosine
    return max(min_cosine, float(np.partition(scores, len(scores) - limit)[len(scores) - limit]))


def _best(
    ids: npt.NDArray[np.uint64],
    vectors: Vectors,
    slots: npt.NDArray[np.int64],
    scores: npt.NDArray[np.float32],
    probe: Vectors,
    min_cosine: float,
    limit: int,
    after: After | None,
) -> list[tuple[int, float]]:
    # The scan scores pick the rows that can make the page (the limit-th best of those surely
    # after the bound, less the margin); `rank` scores those exactly and orders them.
    cutoff = _cutoff(scores[surely_after(scores, after)], min_cosine, limit) - MARGIN
    keep = (scores.astype(np.float64) >= cutoff) & maybe_after(scores, after)
    slots = slots[keep]
    return rank(ids[slots], vectors[slots], probe, min_cosine, after, limit)
