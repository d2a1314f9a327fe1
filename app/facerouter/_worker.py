"""The video worker: read a camera or video, detect and track faces, post their best shots.

Frames are read with OpenCV, imported only when a source is opened: the packaged desktop app has
no OpenCV, and there the command says so instead of failing on import. Faces are detected with
`app.vision` at most `detect_fps` times per second of video, tracked by IoU and scored with the
engine's quality score; the best shots (see `BestShotPolicy`) go to the facerouter through a
`FramePoster`. A video file runs as fast as detection allows and uses video time; a camera or
stream uses the wall clock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

from app.facerouter._bestshot import BestShotPolicy
from app.facerouter._tracker import IoUTracker, Sighting, Track
from app.facerouter._wire import RawPart, frame_parts
from app.plugins import BsType
from app.vision import DetectOptions, DetectResult

if TYPE_CHECKING:
    import cv2

log = logging.getLogger(__name__)

ImageArray = npt.NDArray[np.uint8]


class SourceError(Exception):
    """The video source cannot be opened."""


class Detector(Protocol):
    """What the worker needs of `app.vision.FaceEngine`."""

    def detect_array(self, bgr: ImageArray, options: DetectOptions | None = None) -> DetectResult:
        """Analyse one BGR frame."""
        ...


@dataclass(frozen=True)
class WorkerSettings:
    """The video worker's options (see `python -m app video-worker --help`)."""

    source: str
    cam_id: str
    labels: Mapping[str, str] = field(default_factory=dict)
    mode: BsType = "overall"
    interval: float = 1.0
    detect_fps: float = 5.0
    min_iou: float = 0.3
    max_gap: float = 1.0
    jpeg_quality: int = 90


@dataclass(frozen=True)
class WorkerResult:
    """How a run ended: frames read, detection passes, tracks, shots posted, and whether the
    source failed (a live source stopped delivering frames without `stop()` being called)."""

    frames: int
    detections: int
    tracks: int
    shots: int
    source_failed: bool


def is_live(source: str) -> bool:
    """A camera index ("0") or a URL is live; anything else is a video file."""
    return source.isdigit() or "://" in source


def open_source(source: str) -> cv2.VideoCapture:
    """Open a camera index, a video file or a stream URL; `SourceError` if impossible.

    Raises ModuleNotFoundError (name "cv2") where OpenCV is not installed.
    """
    import cv2

    if not is_live(source) and not Path(source).is_file():
        raise SourceError(f"video file {source!r} does not exist")
    capture = cv2.VideoCapture(int(source) if source.isdigit() else source)
    if not capture.isOpened():
        capture.release()
        raise SourceError(f"cannot open video source {source!r}")
    return capture


def _encode(ext: str, image: ImageArray, jpeg_quality: int | None = None) -> bytes:
    import cv2

    params = [] if jpeg_quality is None else [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality]
    ok, data = cv2.imencode(ext, image, params)
    if not ok:
        raise ValueError(f"cannot encode a {image.shape} image as {ext}")
    return bytes(data.tobytes())


class VideoWorker:
    """One run over one source; `run()` returns a `WorkerResult`."""

    def __init__(
        self,
        settings: WorkerSettings,
        detector: Detector,
        submit: Callable[[list[RawPart]], None],
    ) -> None:
        self.settings = settings
        self.detector = detector
        self.submit = submit
        self.tracker = IoUTracker(min_iou=settings.min_iou, max_gap=settings.max_gap)
        self.policy = BestShotPolicy(settings.mode, settings.interval)
        self._shots = 0
        self._stop = threading.Event()

    def stop(self) -> None:
        """Ask `run()` to finish after the current frame (thread- and signal-safe)."""
        self._stop.set()

    def _sightings(self, frame: ImageArray, t: float, timestamp: datetime) -> list[Sighting]:
        result = self.detector.detect_array(frame, DetectOptions(detector="nnd"))
        return [
            Sighting(
                bbox=(face.bbox.left, face.bbox.top, face.bbox.right, face.bbox.bottom),
                quality=face.quality,
                t=t,
                timestamp=timestamp,
                frame=frame,
                crop=face.normalized,
                details={
                    "score": face.detection_score,
                    "quality": face.quality,
                    "quality_issues": list(face.quality_issues),
                },
            )
            for face in result.faces
        ]

    def _post(self, track: Track, shot: Sighting) -> None:
        detector_params = {
            **shot.details,
            "track": {
                "id": track.id,
                "sightings": track.sightings,
                "first_seen": track.first.timestamp.isoformat(timespec="milliseconds"),
                "last_seen": track.last.timestamp.isoformat(timespec="milliseconds"),
            },
        }
        self.submit(
            frame_parts(
                cam_id=self.settings.cam_id,
                timestamp=shot.timestamp,
                bbox=shot.bbox,
                photo=_encode(".jpg", shot.frame, self.settings.jpeg_quality),
                face0=_encode(".png", shot.crop),
                detector_params=detector_params,
                bs_type=self.settings.mode,
                labels=self.settings.labels,
            )
        )
        self._shots += 1
        log.info(
            "track %d: posted a shot of quality %.3f at t=%.2fs", track.id, shot.quality, shot.t
        )

    def _step(self, sightings: list[Sighting], now: float) -> None:
        ended = self.tracker.update(sightings, now)
        for track, shot in self.policy.select(self.tracker.live, ended, now):
            self._post(track, shot)

    def run(self, capture: cv2.VideoCapture) -> WorkerResult:
        """Process `capture` until it ends, fails or `stop()` is called, then post what the
        live tracks hold."""
        import cv2

        live = is_live(self.settings.source)
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        started_wall, started_mono = datetime.now(UTC), time.monotonic()
        frames = passes = 0
        next_pass = 0.0
        now = 0.0
        while not self._stop.is_set():
            ok, frame = capture.read()
            if not ok or frame is None:
                break
            now = time.monotonic() - started_mono if live else frames / fps
            frames += 1
            if now < next_pass - 1e-6:  # frames / fps accumulates rounding errors
                continue
            next_pass = now + 1.0 / self.settings.detect_fps
            passes += 1
            timestamp = datetime.now(UTC) if live else started_wall + timedelta(seconds=now)
            image = np.ascontiguousarray(frame, dtype=np.uint8)
            self._step(self._sightings(image, now, timestamp), now)
        for track, shot in self.policy.select([], self.tracker.flush(), now):
            self._post(track, shot)
        failed = live and not self._stop.is_set()
        if failed:
            log.error("video source %r stopped delivering frames", self.settings.source)
        elif self._stop.is_set():
            log.info("stopped on request after %d frames", frames)
        else:
            log.info("video file %r ended after %d frames", self.settings.source, frames)
        return WorkerResult(frames, passes, self.tracker.started, self._shots, failed)

    def __repr__(self) -> str:
        return f"VideoWorker(source={self.settings.source!r}, {self.tracker!r}, {self.policy!r})"
