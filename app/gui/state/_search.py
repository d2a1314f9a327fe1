"""Similarity search: a probe (photo, live face or gallery face), threshold, filters, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.gui.state._candidates import Candidate
from app.gui.state._errors import ValidationError
from app.gui.state._events import Event
from app.gui.state._session import Session
from app.sfapi_client import FaceId
from app.sfapi_client.filters import Detection, Filter
from app.sfapi_client.filters import Face as FaceFilter


@dataclass
class Probe:
    """What to search for: a detected face, or a face already in a gallery."""

    label: str
    candidate: Candidate | None = None
    face: tuple[str, int] | None = None
    image: bytes | None = None

    def filter(self, confidence: float) -> Filter:
        """The `looks_like` filter of this probe."""
        if self.candidate is not None:
            return Detection(self.candidate.detection, confidence)
        assert self.face is not None
        return FaceFilter(FaceId(*self.face), confidence)


@dataclass(frozen=True)
class Hit:
    """One search result."""

    gallery: str
    face_id: int
    confidence: float
    meta: dict[str, Any] = field(default_factory=dict)


class SearchState:
    """The probe and the results; events `probe_changed` and `results_changed`."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.probe: Probe | None = None
        self.results: list[Hit] = []
        self.probe_changed: Event[None] = Event()
        self.results_changed: Event[None] = Event()

    def set_probe(self, probe: Probe) -> None:
        """Use `probe` for the next searches (results of the previous probe are cleared)."""
        self.probe = probe
        self.results = []
        self.probe_changed.emit(None)
        self.results_changed.emit(None)

    async def search(
        self, gallery: str, confidence: float, limit: int, filters: list[Filter]
    ) -> None:
        """Run the search in `gallery` and keep the results, most similar first."""
        if self.probe is None:
            raise ValidationError("probe", "choose a probe face first")
        found = await self.session.client.gallery(gallery).list(
            filters=[*filters, self.probe.filter(confidence)], limit=limit
        )
        self.results = sorted(
            (Hit(gallery, f.id.face, f.confidence or 0.0, dict(f.meta or {})) for f in found),
            key=lambda hit: hit.confidence,
            reverse=True,
        )
        self.results_changed.emit(None)
        self.session.messages.info(f"{len(self.results)} match(es) in {gallery!r}")

    def __repr__(self) -> str:
        return f"SearchState(probe={self.probe!r}, results={len(self.results)})"
