"""The Enroll dialog's state: candidates, the similarity check before saving, the add call."""

from __future__ import annotations

from dataclasses import dataclass

from app.gui.state._candidates import Candidate
from app.gui.state._events import Event
from app.gui.state._meta import MetaValue
from app.gui.state._session import Session
from app.sfapi_client import idgen
from app.sfapi_client.filters import Detection

#: How many similar faces the pre-save check reports.
SIMILAR_LIMIT = 3


@dataclass(frozen=True)
class SimilarFace:
    """An existing face the candidate resembles."""

    face_id: int
    name: str
    confidence: float

    def describe(self) -> str:
        """`#17 (Ann) at 0.93`."""
        who = f"#{self.face_id}" + (f" ({self.name})" if self.name else "")
        return f"{who} at {self.confidence:.2f}"


class EnrollState:
    """Candidates waiting to be enrolled; `changed` fires when the list changes."""

    def __init__(self, session: Session, candidates: list[Candidate]) -> None:
        self.session = session
        self.candidates = list(candidates)
        self.enrolled: list[tuple[str, int]] = []
        self.changed: Event[None] = Event()

    def add(self, candidates: list[Candidate]) -> None:
        """Offer more candidates (photos dropped on the dialog)."""
        self.candidates.extend(candidates)
        self.changed.emit(None)

    async def similar(self, candidate: Candidate, gallery: str) -> list[SimilarFace]:
        """Faces of `gallery` at least as similar as the default threshold, best first."""
        found = await self.session.client.gallery(gallery).list(
            filters=[Detection(candidate.detection, self.session.settings.confidence)],
            limit=SIMILAR_LIMIT,
        )
        return [
            SimilarFace(
                face.id.face, str((face.meta or {}).get("name") or ""), face.confidence or 0.0
            )
            for face in found
        ]

    @staticmethod
    def new_face_id() -> int:
        """A fresh, time-ordered face id from the client's id generator."""
        return idgen()

    async def enroll(
        self, candidate: Candidate, gallery: str, face_id: int, meta: dict[str, MetaValue]
    ) -> int:
        """Add the candidate to `gallery` and take it off the list; returns the face id."""
        face = await self.session.client.gallery(gallery).add(
            face_id, candidate.detection, meta=meta
        )
        self.enrolled.append((gallery, face.id.face))
        self.candidates.remove(candidate)
        self.changed.emit(None)
        self.session.messages.info(f"Enrolled face {face.id.face} into {gallery!r}")
        return int(face.id.face)

    def __repr__(self) -> str:
        return f"EnrollState(candidates={len(self.candidates)}, enrolled={self.enrolled!r})"
