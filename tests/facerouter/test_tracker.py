"""IoU tracking and best-shot choice, on synthetic sightings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from app.facerouter._bestshot import BestShotPolicy
from app.facerouter._boxes import iou
from app.facerouter._tracker import IoUTracker, Sighting

_T0 = datetime(2024, 1, 1, tzinfo=UTC)
_IMAGE = np.zeros((4, 4, 3), np.uint8)


def sighting(x: int, t: float, quality: float = 0.5, size: int = 100) -> Sighting:
    return Sighting(
        bbox=(x, 50, x + size, 50 + size),
        quality=quality,
        t=t,
        timestamp=_T0 + timedelta(seconds=t),
        frame=_IMAGE,
        crop=_IMAGE,
    )


def test_iou() -> None:
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1.0
    assert iou((0, 0, 10, 10), (10, 0, 20, 10)) == 0.0
    assert iou((0, 0, 10, 10), (5, 0, 15, 10)) == pytest.approx(50 / 150)


def test_a_moving_face_stays_one_track_and_keeps_its_best_sighting() -> None:
    tracker = IoUTracker(min_iou=0.3, max_gap=1.0)
    qualities = [0.2, 0.9, 0.4, 0.6]
    for i, q in enumerate(qualities):
        assert tracker.update([sighting(100 + 10 * i, t=i * 0.2, quality=q)], now=i * 0.2) == []
    [track] = tracker.live
    assert track.id == 1 and track.sightings == 4 and tracker.started == 1
    assert track.best.quality == 0.9 and track.last.bbox[0] == 130
    assert "Track(id=1" in repr(track) and "live=1" in repr(tracker)


def test_two_faces_are_two_tracks_and_a_gap_ends_a_track() -> None:
    tracker = IoUTracker(max_gap=0.5)
    tracker.update([sighting(0, 0.0), sighting(400, 0.0)], now=0.0)
    tracker.update([sighting(5, 0.2), sighting(405, 0.2)], now=0.2)
    assert [t.sightings for t in tracker.live] == [2, 2]
    # The right face leaves; once it has been gone longer than max_gap its track ends.
    assert tracker.update([sighting(10, 0.4)], now=0.4) == []
    ended = tracker.update([sighting(15, 0.8)], now=0.8)
    assert [t.id for t in ended] == [2]
    assert [t.id for t in tracker.live] == [1]
    # A face appearing where the ended one was starts a new track.
    tracker.update([sighting(15, 1.0), sighting(400, 1.0)], now=1.0)
    assert [t.id for t in tracker.live] == [1, 3]
    assert [t.id for t in tracker.flush()] == [1, 3] and tracker.live == []


def test_each_sighting_joins_at_most_one_track() -> None:
    tracker = IoUTracker(min_iou=0.1)
    tracker.update([sighting(0, 0.0)], now=0.0)
    tracker.update([sighting(10, 0.1), sighting(20, 0.1)], now=0.1)
    assert sorted(t.sightings for t in tracker.live) == [1, 2]


def test_overall_posts_one_best_shot_per_track_when_it_ends() -> None:
    policy = BestShotPolicy("overall")
    tracker = IoUTracker(max_gap=0.5)
    posted = []
    for i, q in enumerate([0.3, 0.8, 0.5]):
        ended = tracker.update([sighting(0, i * 0.2, q)], now=i * 0.2)
        posted += policy.select(tracker.live, ended, i * 0.2)
    assert posted == []
    ended = tracker.update([], now=2.0)
    posted += policy.select(tracker.live, ended, 2.0)
    assert [(track.id, shot.quality) for track, shot in posted] == [(1, 0.8)]


def test_realtime_posts_the_best_of_each_interval_while_the_track_lives() -> None:
    policy = BestShotPolicy("realtime", interval=1.0)
    tracker = IoUTracker(max_gap=0.5)
    qualities = [0.1, 0.7, 0.3, 0.2, 0.6, 0.4, 0.9, 0.5]  # one sighting every 0.25 s
    posted = []
    for i, q in enumerate(qualities):
        now = i * 0.25
        ended = tracker.update([sighting(0, now, q)], now=now)
        posted += [(now, s.quality) for _, s in policy.select(tracker.live, ended, now)]
    ended = tracker.flush()
    posted += [(2.0, s.quality) for _, s in policy.select([], ended, 2.0)]
    # The interval [0, 1.0] gives 0.7; the rest, (1.0, 1.75], is posted when the track ends.
    assert posted == [(1.0, 0.7), (2.0, 0.9)]
    assert "realtime" in repr(policy)


def test_policy_rejects_a_non_positive_interval() -> None:
    with pytest.raises(ValueError, match="interval"):
        BestShotPolicy("realtime", interval=0)
