"""IoU tracking of faces across video frames, keeping each track's best-quality sighting.

A sighting joins the live track whose last box it overlaps most (greedy, best pairs first,
IoU at least `min_iou`); a sighting that joins none starts a track. A track ends when it has not
been seen for `max_gap` seconds of video time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from app.facerouter._boxes import iou

Box = tuple[int, int, int, int]


@dataclass(frozen=True, eq=False)
class Sighting:
    """One detected face in one frame: its box, quality (0..1, higher is better), video time
    `t` in seconds, wall-clock `timestamp`, the full BGR `frame`, the normalized `crop` and the
    detector's debug values.
    """

    bbox: Box
    quality: float
    t: float
    timestamp: datetime
    frame: npt.NDArray[np.uint8]
    crop: npt.NDArray[np.uint8]
    details: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Sighting(bbox={self.bbox}, quality={self.quality:.3f}, t={self.t:.2f})"


@dataclass(eq=False)
class Track:
    """A face followed across frames. `best` is the best sighting of the whole track,
    `interval_best` the best since `interval_start` (for realtime posting).
    """

    id: int
    first: Sighting
    last: Sighting
    best: Sighting
    interval_best: Sighting | None
    interval_start: float
    sightings: int = 1

    def add(self, sighting: Sighting) -> None:
        self.last = sighting
        self.sightings += 1
        if sighting.quality > self.best.quality:
            self.best = sighting
        if self.interval_best is None or sighting.quality > self.interval_best.quality:
            self.interval_best = sighting

    def take_interval_best(self, now: float) -> Sighting | None:
        """The interval's best sighting (if any), starting a new interval at `now`."""
        shot, self.interval_best, self.interval_start = self.interval_best, None, now
        return shot

    def __repr__(self) -> str:
        return (
            f"Track(id={self.id}, sightings={self.sightings}, t={self.first.t:.2f}.."
            f"{self.last.t:.2f}, best_quality={self.best.quality:.3f})"
        )


class IoUTracker:
    """Associates each frame's sightings with live tracks (see the module docstring);
    `started` counts the tracks begun so far (track ids are 1..started).
    """

    def __init__(self, *, min_iou: float = 0.3, max_gap: float = 1.0) -> None:
        self.min_iou = min_iou
        self.max_gap = max_gap
        self.live: list[Track] = []
        self.started = 0

    def update(self, sightings: Sequence[Sighting], now: float) -> list[Track]:
        """Add one frame's sightings (video time `now`); returns the tracks that ended."""
        pairs = sorted(
            (
                (iou(track.last.bbox, s.bbox), ti, si)
                for ti, track in enumerate(self.live)
                for si, s in enumerate(sightings)
            ),
            reverse=True,
        )
        used_tracks: set[int] = set()
        used_sightings: set[int] = set()
        for overlap, ti, si in pairs:
            if overlap < self.min_iou:
                break
            if ti in used_tracks or si in used_sightings:
                continue
            self.live[ti].add(sightings[si])
            used_tracks.add(ti)
            used_sightings.add(si)
        for si, sighting in enumerate(sightings):
            if si not in used_sightings:
                self.started += 1
                self.live.append(
                    Track(self.started, sighting, sighting, sighting, sighting, sighting.t)
                )
        ended = [t for t in self.live if now - t.last.t > self.max_gap]
        self.live = [t for t in self.live if now - t.last.t <= self.max_gap]
        return ended

    def flush(self) -> list[Track]:
        """End every live track (the source is over)."""
        ended, self.live = self.live, []
        return ended

    def __repr__(self) -> str:
        return f"IoUTracker(live={len(self.live)}, min_iou={self.min_iou}, max_gap={self.max_gap})"
