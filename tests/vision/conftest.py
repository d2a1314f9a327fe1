"""Fixtures of the vision tests: one engine and one pass over the photos per session."""

from __future__ import annotations

from typing import Any

import pytest
from vision_helpers import Analysed

from app.vision import DetectOptions, FaceEngine


@pytest.fixture(scope="session")
def engine() -> FaceEngine:
    """The engine on the installed default model pack (`python -m app models install`)."""
    return FaceEngine()


@pytest.fixture(scope="session")
def analysed(engine: FaceEngine, face_photos: list[Any]) -> dict[str, Analysed]:
    """Every verify and detect photo, detected once with feature vectors, keyed by its path."""
    return {
        f"{p.path.parent.name}/{p.path.name}": Analysed(
            p, engine.detect(p.path.read_bytes(), DetectOptions(facen=True))
        )
        for p in face_photos
        if p.use in ("verify", "detect")
    }


@pytest.fixture(scope="session")
def photo_bytes(faces_dir: Any) -> Any:
    """Read a shared photo by its path relative to the photo directory."""

    def read(name: str) -> bytes:
        return bytes((faces_dir / name).read_bytes())

    return read
