"""Frames from a camera or a video file through OpenCV, read off the Qt thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
import numpy.typing as npt

from app.gui.state._errors import MediaError

#: A BGR frame as OpenCV returns it.
Frame = npt.NDArray[np.uint8]

T = TypeVar("T")

#: Camera indices tried when enumerating (OpenCV has no portable device list).
CAMERA_PROBE_RANGE = range(5)
#: Used when a source does not report a usable frame rate.
FALLBACK_FPS = 25.0


async def _off_thread(fn: Callable[[], T]) -> T:
    return await asyncio.get_running_loop().run_in_executor(None, fn)


def _quiet_opencv() -> None:
    # Probing absent cameras makes OpenCV log an error per index; those are expected.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


class VideoSource:
    """An open capture: `read()` returns the next BGR frame or None at the end."""

    def __init__(self, capture: cv2.VideoCapture, label: str, *, is_file: bool) -> None:
        self._capture = capture
        self.label = label
        self.is_file = is_file
        fps = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 1.0 <= fps <= 240.0 else FALLBACK_FPS
        self._lock = asyncio.Lock()

    @classmethod
    async def open_camera(cls, index: int) -> VideoSource:
        """Open camera `index`; raises MediaError when it cannot be opened."""
        _quiet_opencv()
        capture = await _off_thread(lambda: cv2.VideoCapture(index))
        if not capture.isOpened():
            raise MediaError(f"camera {index} cannot be opened")
        return cls(capture, f"Camera {index}", is_file=False)

    @classmethod
    async def open_file(cls, path: Path) -> VideoSource:
        """Open a video file; raises MediaError when OpenCV cannot read it."""
        _quiet_opencv()
        capture = await _off_thread(lambda: cv2.VideoCapture(str(path)))
        if not capture.isOpened():
            raise MediaError(f"{path.name}: not a readable video")
        return cls(capture, path.name, is_file=True)

    async def read(self) -> tuple[Frame, Frame] | None:
        """The next frame as (BGR, RGB), decoded in a worker thread; None at the end."""

        def read_both() -> tuple[Frame, Frame] | None:
            ok, frame = self._capture.read()
            if not ok:
                return None
            bgr: Frame = np.asarray(frame, dtype=np.uint8)
            return bgr, to_rgb(bgr)

        async with self._lock:
            return await _off_thread(read_both)

    def release(self) -> None:
        """Close the device or file."""
        self._capture.release()

    def __repr__(self) -> str:
        return f"VideoSource({self.label!r}, fps={self.fps:.1f})"


async def probe_cameras() -> list[int]:
    """The camera indices that open, tried in a worker thread."""

    def probe() -> list[int]:
        _quiet_opencv()
        found = []
        for index in CAMERA_PROBE_RANGE:
            capture = cv2.VideoCapture(index)
            if capture.isOpened():
                found.append(index)
            capture.release()
        return found

    return await _off_thread(probe)


async def encode_jpeg(frame: Frame, quality: int = 90) -> bytes:
    """JPEG bytes of a BGR frame, encoded in a worker thread."""

    def encode() -> bytes:
        ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise MediaError("frame could not be encoded as JPEG")
        return bytes(data.tobytes())

    return await _off_thread(encode)


async def read_file(path: Path) -> bytes:
    """The bytes of a photo, read in a worker thread."""
    try:
        return await _off_thread(path.read_bytes)
    except OSError as exc:
        raise MediaError(f"{path.name}: {exc.strerror or exc}") from exc


def to_rgb(frame: Frame) -> Frame:
    """An RGB copy of a BGR frame (what Qt's RGB888 images expect)."""
    return np.ascontiguousarray(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
