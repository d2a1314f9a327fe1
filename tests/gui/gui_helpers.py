"""Helpers shared by the GUI test modules: running scenarios on the qasync loop, waiting."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import cv2
import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QApplication, QStyle

T = TypeVar("T")

#: The offscreen platform plugin cannot resize native windows; it says so on every show().
#: Nor has it a GPU: Qt Multimedia says once per thread that it converts video frames on the CPU.
QT_LOG_IGNORE = [
    "This plugin does not support propagateSizeHints",
    "No RHI backend. Using CPU conversion.",
]
#: Upper bound for one awaited step of a scenario (the embedded server loads real models).
STEP_TIMEOUT = 60.0


def run(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T], timeout: float) -> T:
    """Run one scenario coroutine on the qasync loop (Qt events are processed meanwhile)."""
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


async def until(
    predicate: Callable[[], object], timeout: float = STEP_TIMEOUT, what: str = ""
) -> None:
    """Wait on the running loop until `predicate()` is truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what or predicate}")
        await asyncio.sleep(0.05)


def qt_objects() -> dict[int, str]:
    """Python wrappers whose Qt object still exists, as {id: type name}: what a later garbage
    collection (maybe in another thread) would have to destroy. Styles are left out: Qt
    creates the application's style (and the style sheet's) once per process."""
    return {
        id(o): type(o).__name__
        for o in gc.get_objects()
        if isinstance(o, QObject) and not isinstance(o, QStyle) and shiboken6.isValid(o)
    }


def assert_nothing_left(before: dict[int, str]) -> None:
    """After a window's close, shutdown and deleteLater: no widget and no Qt object created
    since `before` survives, without any help from the garbage collector."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert QApplication.allWidgets() == []
    left = sorted(name for key, name in qt_objects().items() if key not in before)
    assert left == [], f"Qt objects outlive the window: {left}"


def make_video(source: Path, target: Path, frames: int = 40, fps: float = 10.0) -> Path:
    """A short MJPG video showing the photo `source` letterboxed into 640x480 (written with
    OpenCV, which the tests have; the app itself reads it with Qt Multimedia)."""
    image = cv2.imread(str(source))
    assert image is not None
    scale = min(640 / image.shape[1], 480 / image.shape[0])
    resized = cv2.resize(image, (int(image.shape[1] * scale), int(image.shape[0] * scale)))
    canvas = np.zeros((480, 640, 3), np.uint8)
    top, left = (480 - resized.shape[0]) // 2, (640 - resized.shape[1]) // 2
    canvas[top:top + resized.shape[0], left:left + resized.shape[1]] = resized
    writer = cv2.VideoWriter(str(target), cv2.VideoWriter.fourcc(*"MJPG"), fps, (640, 480))
    for _ in range(frames):
        writer.write(canvas)
    writer.release()
    assert target.stat().st_size > 0
    return target
