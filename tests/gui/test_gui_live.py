"""The Qt-free live-view state: the newest-frame source, playback with analysis that lags,
camera choice and the settings' legacy camera index, JPEG encoding. No Qt, no server."""

from __future__ import annotations

import asyncio
import io

import numpy as np
import pytest
from gui_fakes import FakeClient
from gui_helpers import until
from PIL import Image

from app.gui.state import (
    CameraInfo,
    Frame,
    FrameSource,
    LiveState,
    MediaError,
    Session,
    Settings,
    camera_of_index,
    encode_jpeg,
    preferred_camera,
)
from app.sfapi_client import BBox, DetectFace, DetectResponse


def picture(value: int, size: tuple[int, int] = (48, 64)) -> Frame:
    return np.full((*size, 3), value, np.uint8)


class FakeSource(FrameSource):
    """A FrameSource driven by the test: records the device calls the state makes."""

    def __init__(self) -> None:
        super().__init__("fake.avi", is_file=True)
        self.calls: list[str] = []

    def _start(self) -> None:
        self.calls.append("start")

    def _pause(self) -> None:
        self.calls.append("pause")

    def _close(self) -> None:
        self.calls.append("close")


class GatedClient(FakeClient):
    """Detection that finishes only when the test opens the gate: analysis slower than play."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.images: list[bytes] = []

    async def detect(self, *, image: bytes, **_: object) -> DetectResponse:
        self.images.append(image)
        await self.gate.wait()
        return DetectResponse([DetectFace("d1", BBox(4, 4, 20, 20), {"score": 0.9})])


async def test_the_source_keeps_only_the_newest_frame_and_counts_the_rest() -> None:
    source = FakeSource()
    for value in (10, 20, 30):
        source.push(lambda value=value: picture(value))  # type: ignore[misc]
    frame = await source.read()
    assert frame is not None and int(frame[0, 0, 0]) == 30
    assert source.superseded == 2
    source.push(lambda: None)  # a frame without a picture is skipped, not returned
    source.push(lambda: picture(40))
    source.finish()
    frame = await source.read()
    assert frame is not None and int(frame[0, 0, 0]) == 40
    assert await source.read() is None
    assert await source.read() is None  # the end stays the end until start()


async def test_a_reader_waits_for_the_decoder_and_a_failure_reaches_it() -> None:
    source = FakeSource()
    reader = asyncio.ensure_future(source.read())
    await asyncio.sleep(0.01)
    assert not reader.done()
    source.push(lambda: picture(7))
    frame = await reader
    assert frame is not None and frame.shape == (48, 64, 3)
    source.finish(MediaError("fake.avi: Invalid data found when processing input"))
    with pytest.raises(MediaError, match="fake.avi"):
        await source.read()
    source.start()  # playing again clears the failure
    assert source.calls == ["start"]


async def test_release_wakes_a_waiting_reader_and_drops_later_frames() -> None:
    source = FakeSource()
    reader = asyncio.ensure_future(source.read())
    await asyncio.sleep(0.01)
    source.release()
    assert await reader is None
    source.push(lambda: picture(1))
    source.start()
    source.pause()
    source.release()
    assert await source.read() is None
    assert source.calls == ["close"]
    assert "released" in repr(source)


async def test_playback_stays_live_while_analysis_lags() -> None:
    client = GatedClient()
    session = Session(Settings(detect_rate=1000.0))
    await session.set_client(client)  # type: ignore[arg-type]
    live = LiveState(session)
    source = FakeSource()
    live.set_source(source)
    shown: list[int] = []
    live.frame.connect(lambda frame: shown.append(int(frame[0, 0, 0])))
    play = asyncio.ensure_future(live.play())
    for value in range(1, 6):
        source.push(lambda value=value: picture(value))  # type: ignore[misc]
        await until(lambda value=value: len(shown) == value)  # type: ignore[misc]
    # Every frame was shown while the first analysis was still waiting for the server.
    assert shown == [1, 2, 3, 4, 5]
    assert live.busy and len(client.images) == 1
    assert live.stats.dropped == 4 and live.stats.analysed == 0
    decoded = Image.open(io.BytesIO(client.images[0]))
    assert decoded.format == "JPEG" and decoded.size == (64, 48)
    client.gate.set()
    await until(lambda: live.stats.analysed == 1)
    assert len(live.faces) == 1
    assert live.frame_size == (64, 48)
    source.finish()
    await play
    assert not live.playing
    assert source.calls == ["start", "pause"]
    assert "end of video" in session.messages.history[-1].text
    live.stop()
    assert source.calls[-1] == "close"


async def test_replacing_the_source_ends_its_playback_for_the_next_one() -> None:
    live = LiveState(Session(Settings(detect_rate=0.0)))
    changes: list[bool] = []
    live.playing_changed.connect(changes.append)
    first, second = FakeSource(), FakeSource()
    live.set_source(first)
    old = asyncio.ensure_future(live.play())
    first.push(lambda: picture(1))
    await until(lambda: live.stats.shown == 1)
    old.cancel()  # what the view's pause() does, then it switches sources and plays
    live.set_source(second)
    new = asyncio.ensure_future(live.play())
    second.push(lambda: picture(2))
    await until(lambda: live.stats.shown == 1)
    assert old.cancelled() and live.playing  # the old playback's end did not clobber the flag
    assert changes == [True, False, True]
    assert first.calls == ["start", "close"]  # no pause of a released source
    live.stop()
    await new
    assert not live.playing and changes[-1] is False


async def test_showing_slower_than_playback_counts_late_frames() -> None:
    session = Session(Settings(detect_rate=0.0))
    live = LiveState(session)
    source = FakeSource()
    live.set_source(source)
    play = asyncio.ensure_future(live.play())
    await asyncio.sleep(0.01)
    for value in range(1, 4):  # three frames before the view gets a turn
        source.push(lambda value=value: picture(value))  # type: ignore[misc]
    await asyncio.sleep(0.02)
    source.finish()
    await play
    assert live.stats.shown == 1 and live.stats.late == 2


async def test_before_a_server_is_connected_the_video_plays_without_analysis() -> None:
    session = Session(Settings(detect_rate=1000.0))
    live = LiveState(session)
    source = FakeSource()
    live.set_source(source)
    play = asyncio.ensure_future(live.play())
    source.push(lambda: picture(1))
    await until(lambda: live.stats.shown == 1)
    assert not live.busy and not session.messages.history  # no NOT_CONNECTED error
    client = GatedClient()
    client.gate.set()
    await session.set_client(client)  # type: ignore[arg-type]
    source.push(lambda: picture(2))
    await until(lambda: live.stats.analysed == 1)
    source.finish()
    await play


def test_the_preferred_camera_is_the_saved_one_else_the_default() -> None:
    cameras = [
        CameraInfo("/dev/video0", "Integrated"),
        CameraInfo("/dev/video2", "USB", is_default=True),
    ]
    assert preferred_camera(cameras, "/dev/video0") == 0
    assert preferred_camera(cameras, "") == 1
    assert preferred_camera(cameras, "/dev/video9") == 1  # unplugged: the default
    assert preferred_camera(cameras[:1], "") == 0
    assert preferred_camera([], "") is None


def test_a_legacy_camera_index_maps_to_a_device_id() -> None:
    cameras = [CameraInfo("/dev/video0", "A"), CameraInfo("/dev/video2", "B")]
    assert camera_of_index(0, cameras) == ""  # the old default stays the default
    assert camera_of_index(2, cameras) == "/dev/video2"  # the V4L2 device OpenCV opened
    assert camera_of_index(1, cameras) == "/dev/video2"  # else by position
    assert camera_of_index(5, cameras) == ""
    assert camera_of_index(1, [CameraInfo("usb-1", "A"), CameraInfo("usb-2", "B")]) == "usb-2"


async def test_jpeg_encoding_keeps_size_and_colour() -> None:
    frame = np.zeros((30, 40, 3), np.uint8)
    frame[..., 0] = 200  # red
    data = await encode_jpeg(frame)
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (40, 30)
    red, green, blue = image.convert("RGB").getpixel((20, 15))  # type: ignore[misc]
    assert red > 150 and green < 50 and blue < 50
