"""A FrameSource fed by Qt Multimedia: a video file through QMediaPlayer or a camera through
QCamera, both rendering into a QVideoSink whose frames are pushed to the live view."""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtMultimedia import (
    QCamera,
    QMediaCaptureSession,
    QMediaPlayer,
    QVideoFrame,
    QVideoSink,
)

from app.gui.media._backend import quiet_ffmpeg
from app.gui.media._devices import find_camera
from app.gui.media._frames import frame_to_array
from app.gui.state import FrameSource, MediaError

#: Seconds a video file may take to open before it counts as unreadable.
OPEN_TIMEOUT = 30.0


class _Relay(QObject):
    """Owns the Qt objects of one source and receives their signals in the GUI thread."""

    def __init__(self, source: MediaSource) -> None:
        super().__init__()
        self.source = source
        self.sink = QVideoSink(self)
        self.sink.videoFrameChanged.connect(self.on_frame)
        #: Set while a video file opens: done when loaded, failed on an error.
        self.loaded: asyncio.Future[None] | None = None

    @Slot(QVideoFrame)
    def on_frame(self, frame: QVideoFrame) -> None:
        # A copy shares the decoded buffer; the argument itself is only valid in this call.
        if frame.isValid():
            self.source.push(partial(frame_to_array, QVideoFrame(frame)))

    @Slot(QMediaPlayer.MediaStatus)
    def on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status is QMediaPlayer.MediaStatus.LoadedMedia:
            if self.loaded is not None and not self.loaded.done():
                self.loaded.set_result(None)
        elif status is QMediaPlayer.MediaStatus.EndOfMedia:
            self.source.finish()

    @Slot(QMediaPlayer.Error, str)
    def on_player_error(self, error: QMediaPlayer.Error, text: str) -> None:
        self._fail(text or error.name)

    @Slot(QCamera.Error, str)
    def on_camera_error(self, error: QCamera.Error, text: str) -> None:
        self._fail(text or error.name)

    def _fail(self, text: str) -> None:
        failure = MediaError(f"{self.source.label}: {text}")
        if self.loaded is not None and not self.loaded.done():
            self.loaded.set_exception(failure)
        self.source.finish(failure)


class MediaSource(FrameSource):
    """A video file or a camera decoded by Qt Multimedia (its FFmpeg backend).

    Frames arrive at the media's own rate in the GUI thread as `QVideoFrame`s; each is pushed
    as a thunk that `read()` converts to RGB in the frame thread, newest first. Errors of the
    player or camera end the source with a MediaError naming it and quoting Qt's text.
    """

    def __init__(self, label: str, *, is_file: bool) -> None:
        super().__init__(label, is_file=is_file)
        self._relay = _Relay(self)
        self._player: QMediaPlayer | None = None
        self._camera: QCamera | None = None

    @classmethod
    async def open_file(cls, path: Path) -> MediaSource:
        """Open a video file, ready to `start()`; MediaError naming it when Qt cannot read it."""
        source = cls(path.name, is_file=True)
        relay = source._relay
        relay.loaded = loaded = asyncio.get_running_loop().create_future()
        player = QMediaPlayer(relay)
        quiet_ffmpeg()  # now that Qt loaded it
        player.setVideoSink(relay.sink)
        player.mediaStatusChanged.connect(relay.on_status)
        player.errorOccurred.connect(relay.on_player_error)
        source._player = player
        player.setSource(QUrl.fromLocalFile(str(path.absolute())))
        try:
            await asyncio.wait_for(asyncio.shield(loaded), OPEN_TIMEOUT)
        except TimeoutError:
            source.release()
            raise MediaError(f"{path.name}: not opened in {OPEN_TIMEOUT:.0f} s") from None
        except BaseException:
            source.release()
            raise
        return source

    @classmethod
    def open_camera(cls, camera_id: str) -> MediaSource:
        """Open camera `camera_id` ("": the system default), ready to `start()`."""
        device = find_camera(camera_id)
        source = cls(device.description(), is_file=False)
        relay = source._relay
        camera = QCamera(device, relay)
        quiet_ffmpeg()
        camera.errorOccurred.connect(relay.on_camera_error)
        session = QMediaCaptureSession(relay)
        session.setCamera(camera)
        session.setVideoSink(relay.sink)
        source._camera = camera
        return source

    def _start(self) -> None:
        if self._player is not None:
            self._player.play()
        if self._camera is not None:
            self._camera.start()

    def _pause(self) -> None:
        if self._player is not None:
            self._player.pause()
        if self._camera is not None:
            self._camera.stop()

    def _close(self) -> None:
        if self._player is not None:
            self._player.stop()
        if self._camera is not None:
            self._camera.stop()
        loaded = self._relay.loaded
        if loaded is not None and not loaded.done():
            loaded.cancel()
        self._relay.deleteLater()
