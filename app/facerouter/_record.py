"""Recording frames to a folder and reading them back, for the replay tool.

A recording is a directory with one sub-directory per frame, named by a six-digit sequence
number (`000001`, `000002`, ...). Each holds `frame.json`:

    {"path": "/v0/frame", "received": "<ISO-8601>",
     "parts": [{"name": "photo", "file": "photo.jpg", "filename": "frame.jpg",
                "content_type": "image/jpeg"},
               {"name": "cam_id", "text": "gate-2"}, ...]}

plus one file per file part. Parts are stored exactly as posted, so a recorded frame replays
byte for byte; text parts can be edited by hand to craft test frames.
"""

from __future__ import annotations

import json
import mimetypes
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from app.facerouter._wire import RawPart

FRAME_FILE = "frame.json"


@dataclass(frozen=True)
class RecordedFrame:
    """One frame of a recording: where it was read from, its request path and its parts."""

    directory: Path
    path: str
    parts: list[RawPart]


def _part_entry(index: int, part: RawPart, frame_dir: Path) -> dict[str, Any]:
    if not part.is_file:
        return {"name": part.name, "text": part.data.decode("utf-8", errors="replace")}
    suffix = Path(part.filename or "").suffix or (
        mimetypes.guess_extension(part.content_type or "") or ".bin"
    )
    file_name = f"{index:02d}-{part.name}{suffix}"
    (frame_dir / file_name).write_bytes(part.data)
    return {
        "name": part.name,
        "file": file_name,
        "filename": part.filename,
        "content_type": part.content_type,
    }


class FrameRecorder:
    """Appends every frame it is given to `directory` (created if missing; numbering continues
    after the frames already there). Safe to call from several threads.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        existing = [int(p.name) for p in directory.iterdir() if p.name.isdigit()]
        self._next = max(existing, default=0) + 1
        self._lock = threading.Lock()

    def save(self, parts: Sequence[RawPart], *, path: str, received: datetime) -> Path:
        """Write one frame; returns its directory. Written under a temporary name and renamed,
        so a reader never sees half a frame.
        """
        with self._lock:
            number = self._next
            self._next += 1
        staging = Path(tempfile.mkdtemp(prefix=".recording-", dir=self.directory))
        entries = [_part_entry(i, part, staging) for i, part in enumerate(parts)]
        manifest = {"path": path, "received": received.isoformat(), "parts": entries}
        (staging / FRAME_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        target = self.directory / f"{number:06d}"
        os.replace(staging, target)
        return target

    def __repr__(self) -> str:
        return f"FrameRecorder({str(self.directory)!r}, next={self._next})"


def _read_part(frame_dir: Path, entry: Any) -> RawPart:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise ValueError(f"{frame_dir / FRAME_FILE}: a part without a name: {entry!r}")
    if "file" in entry:
        return RawPart(
            entry["name"],
            (frame_dir / entry["file"]).read_bytes(),
            entry.get("filename") or entry["file"],
            entry.get("content_type"),
        )
    return RawPart(entry["name"], str(entry.get("text", "")).encode("utf-8"))


def read_recording(directory: Path) -> Iterator[RecordedFrame]:
    """The frames of a recording in order; ValueError names a frame that cannot be read."""
    if not directory.is_dir():
        raise FileNotFoundError(f"no recording at {str(directory)!r}")
    for frame_dir in sorted(p for p in directory.iterdir() if p.name.isdigit() and p.is_dir()):
        try:
            manifest = json.loads((frame_dir / FRAME_FILE).read_text(encoding="utf-8"))
            parts = [_read_part(frame_dir, entry) for entry in manifest["parts"]]
        except (OSError, KeyError, TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"cannot read recorded frame {str(frame_dir)!r}: {exc!r}") from exc
        yield RecordedFrame(frame_dir, str(manifest.get("path", "/v0/frame")), parts)
