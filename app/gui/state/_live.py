"""The live view's state: playback at the source rate, detection at its own rate, identification."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from app.gui.state._attributes import describe_attributes, issues_of, quality_of
from app.gui.state._errors import EXPECTED_ERRORS, describe_error
from app.gui.state._events import Event
from app.gui.state._session import Session
from app.gui.state._video import Frame, FrameSource, encode_jpeg
from app.sfapi_client import DetectFace
from app.sfapi_client.filters import Detection


@dataclass
class LiveFace:
    """One face found in the last analysed frame, with what identification said about it."""

    detection: DetectFace
    box: tuple[int, int, int, int]
    quality: float | None
    issues: list[str]
    attributes: str
    match: str | None = None
    confidence: float | None = None

    @classmethod
    def from_detection(cls, detection: DetectFace) -> LiveFace:
        """A LiveFace of a detection, without identification."""
        features: dict[str, Any] = dict(detection.features or {})
        bbox = detection.bbox
        return cls(
            detection=detection,
            box=(int(bbox.left), int(bbox.top), int(bbox.right), int(bbox.bottom)),
            quality=quality_of(features),
            issues=issues_of(features),
            attributes=describe_attributes(features),
        )

    def label(self, *, identify: bool, attributes: bool) -> str:
        """The overlay text: match or unknown (identify mode), quality, attributes."""
        parts = []
        if identify:
            parts.append(
                f"{self.match} {self.confidence:.2f}"
                if self.match is not None and self.confidence is not None
                else "unknown"
            )
        if self.quality is not None:
            parts.append(f"q {self.quality:.2f}")
        if attributes and self.attributes:
            parts.append(self.attributes)
        return " · ".join(parts)

@dataclass
class LiveStats:
    """Counters shown under the live view."""

    shown: int = 0
    analysed: int = 0
    #: Frames due for analysis while the previous one was still being analysed.
    dropped: int = 0
    #: Frames the source delivered that were never shown (showing was slower than playback).
    late: int = 0
    last_detect_ms: float | None = None

@dataclass
class LiveOptions:
    """What the live view asks of each analysis."""

    detect_rate: float = 4.0
    attributes: bool = False
    identify_gallery: str | None = None
    confidence: float = 0.75
    detect_timeout: float | None = None

class LiveState:
    """Plays a FrameSource and analyses frames asynchronously, dropping frames when busy.

    Events: `frame` (RGB frame to display), `faces_changed`, `playing_changed` (bool).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.options = LiveOptions(
            detect_rate=session.settings.detect_rate,
            attributes=session.settings.show_attributes,
            confidence=session.settings.confidence,
            detect_timeout=session.settings.detect_timeout,
        )
        self.source: FrameSource | None = None
        self.faces: list[LiveFace] = []
        self.frame_size: tuple[int, int] = (0, 0)
        self.stats = LiveStats()
        self.playing = False
        self.frame: Event[Frame] = Event()
        self.faces_changed: Event[None] = Event()
        self.playing_changed: Event[bool] = Event()
        self._analysis: asyncio.Task[None] | None = None
        self._last_error: str | None = None

    @property
    def busy(self) -> bool:
        """True while a frame is being analysed."""
        return self._analysis is not None and not self._analysis.done()

    def set_source(self, source: FrameSource | None) -> None:
        """Replace the source (the previous one is released, so its playback ends)."""
        if self.source is not None:
            self.source.release()
        self.source = source
        if self.playing:
            self._set_playing(False)
        self.faces = []
        self.stats = LiveStats()
        self.faces_changed.emit(None)

    async def play(self) -> None:
        """Show frames as the source delivers them until paused (task cancelled) or it ends.

        The source plays at the media's own rate. When showing is slower, the source keeps
        only its newest frame (`stats.late` counts the others); when analysis is slower than
        `detect_rate`, frames due for analysis while one is in flight are not analysed
        (`stats.dropped`). Either way the view stays live instead of falling behind.
        """
        source = self.source
        if source is None:
            return
        self._set_playing(True)
        next_detect = 0.0
        source.start()
        try:
            while True:
                frame = await source.read()
                if frame is None:
                    self.session.messages.info(f"{source.label}: end of video")
                    break
                self.frame_size = (int(frame.shape[1]), int(frame.shape[0]))
                self.stats.shown += 1
                self.stats.late = source.superseded
                self.frame.emit(frame)
                now = time.monotonic()
                # Until a server is connected the video just plays; analysis starts with it.
                due = now >= next_detect and self.options.detect_rate > 0
                if due and self.session.has_client:
                    if self.busy:
                        self.stats.dropped += 1
                    else:
                        self._analysis = asyncio.ensure_future(self.analyse(frame))
                        next_detect = now + 1.0 / self.options.detect_rate
        finally:
            source.pause()
            if self.source is source:  # else set_source() said so, and another may play now
                self._set_playing(False)

    async def analyse(self, frame: Frame) -> None:
        """Detect (and identify) the faces of `frame`; errors go to the message bar once each."""
        started = time.perf_counter()
        try:
            faces = await self._detect(frame)
        except EXPECTED_ERRORS as exc:
            code, reason = describe_error(exc)
            if reason != self._last_error:
                self._last_error = reason
                self.session.messages.error(reason, code)
            return
        self._last_error = None
        self.stats.analysed += 1
        self.stats.last_detect_ms = (time.perf_counter() - started) * 1000.0
        self.faces = faces
        self.faces_changed.emit(None)

    async def _detect(self, frame: Frame) -> list[LiveFace]:
        client = self.session.client
        image = await encode_jpeg(frame)
        attributes = self.options.attributes
        response = await client.detect(
            image=image,
            facen=True,
            gender=attributes,
            age=attributes,
            emotions=attributes,
            timeout=self.options.detect_timeout,
        )
        faces = [LiveFace.from_detection(det) for det in response.faces]
        gallery = self.options.identify_gallery
        if gallery:
            for face in faces:
                found = await client.gallery(gallery).list(
                    filters=[Detection(face.detection, self.options.confidence)], limit=1
                )
                if len(found):
                    best = found[0]
                    face.match = str((best.meta or {}).get("name") or f"#{best.id.face}")
                    face.confidence = best.confidence
        return faces

    def face_at(self, x: float, y: float) -> LiveFace | None:
        """The face whose box contains frame point (x, y), smallest first."""
        hits = [f for f in self.faces if f.box[0] <= x <= f.box[2] and f.box[1] <= y <= f.box[3]]
        return min(hits, key=lambda f: (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]), default=None)

    def stop(self) -> list[asyncio.Task[None]]:
        """Cancel the analysis in flight and release the source (the view is closing);
        returns the cancelled task, if any, for the caller to await."""
        cancelled: list[asyncio.Task[None]] = []
        if self._analysis is not None and not self._analysis.done():
            self._analysis.cancel()
            cancelled.append(self._analysis)
        self.set_source(None)
        return cancelled

    def _set_playing(self, playing: bool) -> None:
        self.playing = playing
        self.playing_changed.emit(playing)

    def __repr__(self) -> str:
        return f"LiveState(source={self.source!r}, playing={self.playing}, stats={self.stats!r})"

def faces_summary(faces: list[LiveFace]) -> str:
    """`2 faces (1 low quality)` for the live view's status line."""
    low = sum(1 for face in faces if face.issues)
    text = f"{len(faces)} face{'s' if len(faces) != 1 else ''}"
    return f"{text} ({low} low quality)" if low else text
