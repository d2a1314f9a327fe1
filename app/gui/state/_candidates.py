"""Faces offered for enrolment or search: from live frames or photo files, with their crops."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.gui.state._attributes import issues_of, quality_of
from app.gui.state._errors import EXPECTED_ERRORS
from app.gui.state._session import Session
from app.gui.state._video import read_file
from app.sfapi_client import DetectFace


@dataclass
class Candidate:
    """A detected face that can be enrolled or used as a search probe."""

    detection: DetectFace
    source: str
    crop: bytes | None = None
    features: dict[str, Any] = field(default_factory=dict)

    @property
    def quality(self) -> float | None:
        """The server's quality estimate (0..1)."""
        return quality_of(self.features)

    @property
    def issues(self) -> list[str]:
        """Readable quality issues; empty for a good face."""
        return issues_of(self.features)

    @property
    def area(self) -> int:
        """The box area in source pixels (the largest face is the default probe)."""
        box = self.detection.bbox
        return max(0, int(box.right) - int(box.left)) * max(0, int(box.bottom) - int(box.top))

    def __repr__(self) -> str:
        return f"Candidate({self.source!r}, id={self.detection.id!r}, issues={self.issues!r})"


def candidate_of(detection: DetectFace, source: str) -> Candidate:
    """A Candidate of a detection (crop fetched later)."""
    return Candidate(detection, source, features=dict(detection.features or {}))


async def fetch_crop(session: Session, candidate: Candidate) -> bytes | None:
    """The aligned crop of a candidate (cached on it); None when the server cannot give one."""
    if candidate.crop is None:
        try:
            candidate.crop = await session.client.detection_normalized(candidate.detection)
        except EXPECTED_ERRORS:
            return None  # remote servers without the extension: the dialog shows a placeholder
    return candidate.crop


async def detect_photo(session: Session, path: Path) -> list[Candidate]:
    """Every face of a photo file, largest first, ready to be enrolled or searched."""
    image = await read_file(path)
    response = await session.client.detect(
        image=image, facen=True, timeout=session.settings.detect_timeout
    )
    found = [candidate_of(det, f"{path.name} #{n + 1}") for n, det in enumerate(response.faces)]
    return sorted(found, key=lambda c: c.area, reverse=True)
