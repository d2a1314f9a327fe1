"""Test-wide set-up: offscreen Qt, the shared face photos and the installed model pack."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from pg_server import pg_server  # noqa: F401  (the session's PostgreSQL, for every directory)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parents[1]
FACES_DIR = Path(os.environ.get("SFDESK_TEST_FACES", REPO_ROOT.parent / "shared" / "faces"))


@dataclass(frozen=True)
class FacePhoto:
    """One row of ../shared/faces/manifest.csv."""

    path: Path
    identity: str
    use: str
    faces: int | None


def _load_face_photos() -> list[FacePhoto]:
    manifest = FACES_DIR / "manifest.csv"
    if not manifest.exists():
        return []
    with manifest.open(newline="") as fh:
        return [
            FacePhoto(
                path=FACES_DIR / row["file"],
                identity=row["identity"],
                use=row["use"],
                faces=int(row["faces"]) if row["faces"] else None,
            )
            for row in csv.DictReader(fh)
        ]


FACE_PHOTOS = _load_face_photos()


@pytest.fixture(scope="session")
def face_photos() -> list[FacePhoto]:
    """Every photo of the shared test set; fails loudly when the set is missing."""
    if not FACE_PHOTOS:
        pytest.fail(f"test photos not found in {FACES_DIR} (set SFDESK_TEST_FACES)")
    return FACE_PHOTOS


@pytest.fixture(scope="session")
def faces_dir() -> Path:
    """The directory of the shared test photos."""
    if not FACES_DIR.is_dir():
        pytest.fail(f"test photos not found in {FACES_DIR} (set SFDESK_TEST_FACES)")
    return FACES_DIR
