"""Face thumbnails from the server's normalized-crop endpoint, fetched asynchronously and cached."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QPixmap

from app.gui.state import EXPECTED_ERRORS, Session
from app.gui.widgets import image_from_bytes, placeholder

#: Thumbnail edge in pixels (the normalized crop is 112x112).
THUMB_SIZE = 96
#: Parallel crop requests; more only queue up on the server.
CONCURRENCY = 4


class ThumbnailCache(QObject):
    """Pixmaps by (gallery, face id); `ready(gallery, face_id)` fires when one arrives.

    A server without the crop endpoint (or a face without a crop) gets the placeholder,
    cached like a real thumbnail so nothing is asked twice.
    """

    ready = Signal(str, object)

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._pixmaps: dict[tuple[str, int], QPixmap] = {}
        self._pending: set[tuple[str, int]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._placeholder = placeholder(THUMB_SIZE)
        self.crops: dict[tuple[str, int], bytes] = {}

    def pixmap(self, gallery: str, face_id: int) -> QPixmap:
        """The cached thumbnail, or the placeholder while (or if) none is available."""
        key = (gallery, face_id)
        cached = self._pixmaps.get(key)
        if cached is not None:
            return cached
        if key not in self._pending and self.session.has_client:
            self._pending.add(key)
            task = asyncio.ensure_future(self._fetch(key))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return self._placeholder

    async def _fetch(self, key: tuple[str, int]) -> None:
        gallery, face_id = key
        image: QImage | None = None
        try:
            async with self._slots:
                data = await self.session.client.gallery(gallery).normalized(face_id)
            self.crops[key] = data
            image = await asyncio.get_running_loop().run_in_executor(None, image_from_bytes, data)
        except EXPECTED_ERRORS:
            image = None
        finally:
            self._pending.discard(key)
        self._pixmaps[key] = (
            QPixmap.fromImage(image).scaled(
                THUMB_SIZE, THUMB_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            if image is not None
            else self._placeholder
        )
        self.ready.emit(gallery, face_id)

    def forget(self, gallery: str) -> None:
        """Drop the thumbnails of `gallery` (it was dropped or edited)."""
        for key in [key for key in self._pixmaps if key[0] == gallery]:
            del self._pixmaps[key]
            self.crops.pop(key, None)

    def cancel(self) -> list[asyncio.Task[None]]:
        """Cancel the fetches in flight (the window is closing); returns them to be awaited."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        return tasks

    def __repr__(self) -> str:
        return f"ThumbnailCache(cached={len(self._pixmaps)}, pending={len(self._pending)})"
