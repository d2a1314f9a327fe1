"""Qt Multimedia as the live view's frame source: a real short video decoded by Qt's FFmpeg
backend offscreen, its end, an unreadable file, releasing mid-play, cameras, and the app
opening a video without OpenCV."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import cv2
import numpy as np
import pytest
from gui_helpers import QT_LOG_IGNORE, assert_nothing_left, make_video, qt_objects, run, until
from PySide6.QtGui import QColor, QImage

from app.gui.media import MediaSource, image_to_array, list_cameras
from app.gui.state import (
    CameraInfo,
    Frame,
    GalleriesState,
    MediaError,
    Operations,
    Session,
    Settings,
)
from app.gui.views import LiveView

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore(*QT_LOG_IGNORE),
]

FRAMES, FPS = 20, 20.0


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory, faces_dir: Path) -> Path:
    """One second of a face photo at 20 fps (MJPG in AVI)."""
    photo = faces_dir / "face_recognition" / "biden.jpg"
    return make_video(photo, tmp_path_factory.mktemp("media") / "biden.avi", FRAMES, FPS)


def expected_picture(video: Path) -> Frame:
    """What the video shows, in RGB, as OpenCV decodes it (the reference decoder)."""
    capture = cv2.VideoCapture(str(video))
    ok, bgr = capture.read()
    capture.release()
    assert ok
    return np.ascontiguousarray(bgr[..., ::-1])


def test_a_video_file_plays_to_its_end_at_its_own_rate(video: Path, loop: object) -> None:
    before = qt_objects()
    reference = expected_picture(video).astype(np.int16)

    async def play() -> tuple[list[Frame], int]:
        source = await MediaSource.open_file(video)
        assert source.is_file and source.label == "biden.avi"
        source.start()
        frames = []
        while (frame := await source.read()) is not None:
            frames.append(frame)
        superseded = source.superseded
        source.release()
        return frames, superseded

    frames, superseded = run(loop, play(), 60)  # type: ignore[arg-type]
    # Every decoded frame is either shown or superseded by a newer one; Qt may skip a late one.
    assert FRAMES * 0.75 <= len(frames) + superseded <= FRAMES
    assert len(frames) >= FRAMES / 2
    for frame in frames:
        assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8
        assert frame.flags.c_contiguous and frame.flags.owndata
        assert frame.mean() > 20  # not black
        # The same picture in the same channel order (a BGR mix-up would differ by far more).
        assert np.abs(frame.astype(np.int16) - reference).mean() < 6
    assert_nothing_left(before)


def test_pause_stops_frames_and_start_resumes(video: Path, loop: object) -> None:
    async def scenario() -> int:
        source = await MediaSource.open_file(video)
        source.start()
        shown = int(await source.read() is not None)
        source.pause()
        await asyncio.sleep(0.2)  # a frame decoded as the pause came may still arrive
        with contextlib.suppress(TimeoutError):
            shown += int(await asyncio.wait_for(source.read(), 0.05) is not None)
        with pytest.raises(TimeoutError):  # ten frames' time: none while paused
            await asyncio.wait_for(source.read(), 10 / FPS)
        source.start()
        while await source.read() is not None:  # resumes where it paused, to the end
            shown += 1
        source.release()
        return shown + source.superseded

    delivered = run(loop, scenario(), 60)  # type: ignore[arg-type]
    assert FRAMES * 0.75 <= delivered <= FRAMES


@pytest.mark.qt_log_ignore(*QT_LOG_IGNORE, "Could not open media")
@pytest.mark.parametrize("content", [b"not a video " * 100, None])
def test_an_unreadable_file_is_a_media_error_naming_it(
    tmp_path: Path, loop: object, content: bytes | None
) -> None:
    before = qt_objects()
    path = tmp_path / "holiday.mp4"
    if content is not None:
        path.write_bytes(content)

    async def scenario() -> None:
        with pytest.raises(MediaError, match="holiday.mp4") as caught:
            await MediaSource.open_file(path)
        assert caught.value.code == "MEDIA_ERROR"
        assert caught.value.reason != "holiday.mp4: "  # Qt's reason follows the name

    run(loop, scenario(), 60)  # type: ignore[arg-type]
    assert_nothing_left(before)


def test_releasing_mid_play_is_quiet_and_frees_the_player(video: Path, loop: object) -> None:
    before = qt_objects()

    async def scenario() -> None:
        source = await MediaSource.open_file(video)
        source.start()
        for _ in range(3):
            assert await source.read() is not None
        reader = asyncio.ensure_future(source.read())
        source.release()
        assert await reader is None
        assert "released" in repr(source)

    run(loop, scenario(), 60)  # type: ignore[arg-type]
    assert_nothing_left(before)


def test_cameras_are_listed_by_id_and_an_absent_one_is_a_media_error(loop: object) -> None:
    cameras = list_cameras()
    assert all(isinstance(c, CameraInfo) and c.id and c.name for c in cameras)
    assert sum(c.is_default for c in cameras) <= 1
    with pytest.raises(MediaError, match="camera no-such-camera is not connected"):
        MediaSource.open_camera("no-such-camera")


def test_image_rows_are_copied_without_their_padding(qapp: object) -> None:
    image = QImage(5, 3, QImage.Format.Format_RGB32)  # 5 RGB888 pixels: rows padded to 16 bytes
    image.fill(QColor(10, 20, 30))
    array = image_to_array(image)
    assert array.shape == (3, 5, 3)
    assert (array == np.array([10, 20, 30], np.uint8)).all()


def test_the_app_opens_a_video_without_opencv(video: Path) -> None:
    """The desktop bundle leaves OpenCV out: app.gui and its video path must not need it."""
    script = textwrap.dedent(f"""
        import asyncio, sys
        from pathlib import Path
        sys.modules["cv2"] = None  # any `import cv2` now fails
        from PySide6.QtWidgets import QApplication
        import app.gui.cli, app.gui._app, app.gui.views
        from app.gui._loop import GuiEventLoop
        from app.gui.media import MediaSource

        app = QApplication([])
        loop = GuiEventLoop(app)
        asyncio.set_event_loop(loop)

        async def first_frame():
            source = await MediaSource.open_file(Path({str(video)!r}))
            source.start()
            frame = await source.read()
            source.release()
            return frame

        frame = loop.run_until_complete(first_frame())
        assert frame is not None and frame.shape == (480, 640, 3), frame
        assert "cv2" not in {{m for m, v in sys.modules.items() if v is not None}}
        print("ok")
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")
    # FFmpeg's per-frame warnings about this MJPEG stream stay out of the operator's terminal.
    assert "deprecated pixel format" not in result.stderr


def test_the_live_view_switches_to_a_video_opened_while_another_plays(
    video: Path, tmp_path: Path, loop: object
) -> None:
    before = qt_objects()
    second = tmp_path / "second.avi"
    second.write_bytes(video.read_bytes())
    view = LiveView(Session(Settings()), GalleriesState(Session(Settings())), Operations())
    view.show()

    async def scenario() -> None:
        await view.open_video(video)
        await until(lambda: view.state.stats.shown >= 2, what="the first video")
        await view.open_video(second)
        assert view.state.source is not None and view.state.source.label == "second.avi"
        await until(lambda: view.state.stats.shown >= 2, what="the second video")
        assert view.state.playing and view.ui.playButton.text() == "Pause"
        view.toggle_play()
        await until(lambda: not view.state.playing, what="the pause")
        assert view.ui.playButton.text() == "Play"
        view.toggle_play()
        await until(lambda: not view.state.playing, what="the end of the video")
        shown = view.state.stats.shown
        view.toggle_play()  # Play after the end starts it again
        await until(lambda: view.state.stats.shown > shown, what="the replay")
        assert view.state.playing
        await asyncio.gather(*view.shutdown())

    run(loop, scenario(), 60)  # type: ignore[arg-type]
    view.close()
    view.deleteLater()
    assert_nothing_left(before)
