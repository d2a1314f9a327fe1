"""Choosing which sightings to post: one best shot per track, or one per interval.

`overall` posts a track's best sighting once, when the track ends (including at the end of the
source). `realtime` posts the best sighting of every `interval` seconds while the track lives,
and what is left of the last interval when it ends.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.facerouter._tracker import Sighting, Track
from app.plugins import BsType


class BestShotPolicy:
    """Decides, after each tracker update, which (track, sighting) pairs to post."""

    def __init__(self, mode: BsType = "overall", interval: float = 1.0) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive, got {interval}")
        self.mode = mode
        self.interval = interval

    def select(
        self, live: Sequence[Track], ended: Sequence[Track], now: float
    ) -> list[tuple[Track, Sighting]]:
        """The shots due at video time `now` given the live and just-ended tracks."""
        if self.mode == "overall":
            return [(track, track.best) for track in ended]
        shots = [(track, track.take_interval_best(now)) for track in ended]
        shots += [
            (track, track.take_interval_best(now))
            for track in live
            if now - track.interval_start >= self.interval
        ]
        return [(track, shot) for track, shot in shots if shot is not None]

    def __repr__(self) -> str:
        return f"BestShotPolicy(mode={self.mode!r}, interval={self.interval})"
