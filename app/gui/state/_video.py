"""Camera and video frames as the live view reads them: pushed by a decoder, newest first.

The decoder (Qt Multimedia, in `app.gui.media`) runs at the media's own rate and pushes each
frame as a `Decode` thunk; the live view awaits `read()`. Only the newest frame is kept: when
the view is slower than playback, older frames are superseded without ever being converted,
so playback never falls behind the media clock and the view always shows the latest picture.
"""

from __future__ import annotations

import asyncio
import io
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import numpy as np
import numpy.typing as npt
from PIL import Image

from app.gui.state._errors import MediaError

#: An RGB frame, height x width x 3, uint8.
Frame = npt.NDArray[np.uint8]
#: Turns one pushed frame into pixels (run in a worker thread); None if it holds no picture.
Decode = Callable[[], Frame | None]

T = TypeVar("T")

#: Frames are converted in one thread for the whole app: conversion may set up per-thread
#: resources (Qt's video frame converter keeps a GPU context per thread), and one frame at a
#: time is all the live view shows.
_FRAME_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="frames")


async def _off_thread(fn: Callable[[], T], executor: ThreadPoolExecutor | None = None) -> T:
    return await asyncio.get_running_loop().run_in_executor(executor, fn)


class FrameSource(ABC):
    """An open camera or video file: `read()` returns the newest RGB frame, None at the end.

    The producer side (`push`, `finish`) and the consumer side (`read`, `start`, `pause`,
    `release`) both run on the event loop's thread. Subclasses drive the device through
    `_start`, `_pause` and `_close`.
    """

    def __init__(self, label: str, *, is_file: bool) -> None:
        self.label = label
        self.is_file = is_file
        #: Frames replaced by a newer one before `read()` took them (the view was slower).
        self.superseded = 0
        self._pending: Decode | None = None
        self._ended = False
        self._error: MediaError | None = None
        self._released = False
        self._wakeup = asyncio.Event()

    # ------------------------------------------------------------------ producer side

    def push(self, decode: Decode) -> None:
        """Offer the decoder's newest frame; an unread older one is superseded."""
        if self._released:
            return
        if self._pending is not None:
            self.superseded += 1
        self._pending = decode
        self._wakeup.set()

    def finish(self, error: MediaError | None = None) -> None:
        """The media ended (`error` None) or failed; `read()` returns None or raises `error`."""
        self._ended = True
        self._error = error
        self._wakeup.set()

    # ------------------------------------------------------------------ consumer side

    async def read(self) -> Frame | None:
        """The newest frame (converted in a worker thread), waiting for one; None at the end
        or once released; raises MediaError when decoding failed."""
        while True:
            if self._pending is not None:
                decode, self._pending = self._pending, None
                frame = await _off_thread(decode, _FRAME_THREAD)
                if frame is not None and not self._released:
                    return frame
                continue
            if self._error is not None:
                raise self._error
            if self._ended or self._released:
                return None
            self._wakeup.clear()
            await self._wakeup.wait()

    def start(self) -> None:
        """Start or resume delivering frames (a file that ended starts again from the top)."""
        if self._released:
            return
        self._ended = False
        self._error = None
        self._start()

    def pause(self) -> None:
        """Stop delivering frames until `start()`; the device or file stays open."""
        if not self._released:
            self._pause()

    def release(self) -> None:
        """Close the device or file; a waiting `read()` returns None. Idempotent."""
        if self._released:
            return
        self._released = True
        self._pending = None
        self._wakeup.set()
        self._close()

    @abstractmethod
    def _start(self) -> None:
        """Make the device or player deliver frames."""

    @abstractmethod
    def _pause(self) -> None:
        """Make the device or player stop delivering frames."""

    @abstractmethod
    def _close(self) -> None:
        """Free the device or player."""

    def __repr__(self) -> str:
        state = "released" if self._released else "ended" if self._ended else "open"
        return (
            f"{type(self).__name__}({self.label!r}, {state}, superseded={self.superseded})"
        )


async def encode_jpeg(frame: Frame, quality: int = 90) -> bytes:
    """JPEG bytes of an RGB frame, encoded in a worker thread."""

    def encode() -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(frame).save(buffer, "JPEG", quality=quality)
        return buffer.getvalue()

    return await _off_thread(encode)


async def read_file(path: Path) -> bytes:
    """The bytes of a photo, read in a worker thread."""
    try:
        return await _off_thread(path.read_bytes)
    except OSError as exc:
        raise MediaError(f"{path.name}: {exc.strerror or exc}") from exc
