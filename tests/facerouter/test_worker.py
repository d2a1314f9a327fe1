"""The video worker on generated videos: tracking and best shots with a fake detector (the
worker's neighbour), and the command's handling of bad sources and a facerouter that is down
(with the real models)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from app.facerouter._wire import RawPart, decode_frame
from app.facerouter._worker import (
    SourceError,
    VideoWorker,
    WorkerSettings,
    is_live,
    open_source,
)
from app.vision import BBox, DetectOptions, DetectResult, FaceAnalysis

REPO = Path(__file__).resolve().parents[2]
FPS = 10


def write_video(path: Path, brightness: list[int], size: tuple[int, int] = (160, 120)) -> Path:
    """A video whose frame i is uniformly `brightness[i]` grey: the fake detector reads the
    brightness as "a face is there" (> 0) and as its quality (brightness / 255)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, size)
    for value in brightness:
        writer.write(np.full((size[1], size[0], 3), value, np.uint8))
    writer.release()
    return path


class BrightnessDetector:
    """Finds one face at a fixed box when the frame is not black; quality = brightness."""

    def __init__(self) -> None:
        self.calls = 0

    def detect_array(self, bgr: Any, options: DetectOptions | None = None) -> DetectResult:
        self.calls += 1
        level = float(bgr.mean())
        faces = ()
        if level > 8:
            faces = (
                FaceAnalysis(
                    bbox=BBox(40, 30, 100, 90),
                    detection_score=0.99,
                    quality=round(level / 255, 1),
                    quality_issues=(),
                    landmarks=np.zeros((5, 2), np.float32),
                    normalized=np.full((112, 112, 3), int(level), np.uint8),
                ),
            )
        return DetectResult(orientation=1, width=bgr.shape[1], height=bgr.shape[0], faces=faces)


def run(video: Path, **settings: Any) -> tuple[list[list[RawPart]], Any, BrightnessDetector]:
    posted: list[list[RawPart]] = []
    detector = BrightnessDetector()
    worker = VideoWorker(
        WorkerSettings(source=str(video), cam_id="cam-1", labels={"k": "v"}, **settings),
        detector,
        posted.append,
    )
    capture = open_source(str(video))
    try:
        result = worker.run(capture)
    finally:
        capture.release()
    return posted, result, detector


#: Two appearances (1.5 s, then 1 s) separated by 2 s of black.
TWO_APPEARANCES = (
    [60, 200, 120, 80, 90, 100, 110, 100, 90, 80, 70, 60, 50, 60, 70] + [0] * 20 + [150] * 10
)


def test_overall_mode_posts_one_best_shot_per_track(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.avi", TWO_APPEARANCES)
    posted, result, detector = run(video, mode="overall", detect_fps=FPS)
    assert (result.frames, result.tracks, result.shots, result.source_failed) == (
        len(TWO_APPEARANCES),
        2,
        2,
        False,
    )
    assert detector.calls == len(TWO_APPEARANCES)
    frames = [decode_frame(parts) for parts in posted]
    # The best shot of the first appearance is its brightest frame (quality 0.8).
    assert [f.detectorParams["quality"] for f in frames] == [0.8, 0.6]
    first = frames[0]
    assert first.cam_id == "cam-1" and first.labels == {"k": "v"} and first.bs_type == "overall"
    assert first.bbox == [[40, 30, 100, 90]]
    assert first.detectorParams["track"]["id"] == 1
    assert first.detectorParams["track"]["sightings"] == 15
    assert frames[1].timestamp > first.timestamp
    crop = cv2.imdecode(np.frombuffer(first.face0 or b"", np.uint8), cv2.IMREAD_COLOR)
    photo = cv2.imdecode(np.frombuffer(first.photo or b"", np.uint8), cv2.IMREAD_COLOR)
    assert crop.shape == (112, 112, 3) and photo.shape == (120, 160, 3)
    assert {p.name: p.content_type for p in posted[0] if p.is_file} == {
        "photo": "image/jpeg",
        "face0": "image/png",
    }


def test_realtime_mode_posts_the_best_shot_of_each_interval(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.avi", TWO_APPEARANCES)
    posted, result, _ = run(video, mode="realtime", interval=0.5, detect_fps=FPS)
    frames = [decode_frame(parts) for parts in posted]
    assert all(f.bs_type == "realtime" for f in frames)
    tracks = [f.detectorParams["track"]["id"] for f in frames]
    assert tracks == sorted(tracks) and set(tracks) == {1, 2}
    assert tracks.count(1) == 3  # 1.5 s of track at 0.5 s per shot
    assert result.shots == len(posted)


def test_detect_fps_limits_detection_passes(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.avi", TWO_APPEARANCES)
    _, result, detector = run(video, detect_fps=2)
    assert detector.calls == result.detections == 9  # one pass every 5 frames of 45
    assert result.tracks == 2


def test_sources_that_cannot_be_opened(tmp_path: Path) -> None:
    assert is_live("0") and is_live("rtsp://cam/stream") and not is_live("video.avi")
    with pytest.raises(SourceError, match="does not exist"):
        open_source(str(tmp_path / "missing.avi"))
    (tmp_path / "junk.avi").write_bytes(b"not a video" * 50)
    with pytest.raises(SourceError, match="cannot open"):
        open_source(str(tmp_path / "junk.avi"))


@pytest.fixture
def run_cli(tmp_path: Path) -> Iterator[Any]:
    def run_worker(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", "video-worker", *args],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )

    yield run_worker


def test_cli_fails_clearly_on_a_file_that_cannot_be_opened(tmp_path: Path, run_cli: Any) -> None:
    proc = run_cli(
        "--source",
        str(tmp_path / "nope.mp4"),
        "--facerouter",
        "http://127.0.0.1:9",
        "--cam-id",
        "c",
    )
    assert proc.returncode == 2
    assert "nope.mp4" in proc.stderr and "does not exist" in proc.stderr


def test_cli_without_opencv_says_what_to_install(tmp_path: Path) -> None:
    # The packaged desktop app has no OpenCV: the command must say so, not print a traceback.
    code = (
        "import sys; sys.modules['cv2'] = None; sys.argv = ['app', 'video-worker', '--source', "
        "'x.mp4', '--facerouter', 'http://127.0.0.1:9', '--cam-id', 'c']; "
        "from app.__main__ import main; sys.exit(main())"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert "OpenCV" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.slow
def test_cli_survives_a_facerouter_that_is_down(
    tmp_path: Path, faces_dir: Path, run_cli: Any
) -> None:
    photo = cv2.imread(str(faces_dir / "face_recognition" / "obama.jpg"))
    photo = cv2.resize(photo, (320, 400))
    frames = [photo] * 8 + [np.zeros_like(photo)] * 15 + [cv2.flip(photo, 1)] * 8
    video = tmp_path / "v.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), FPS, (320, 400))
    for frame in frames:
        writer.write(frame)
    writer.release()
    proc = run_cli(
        "--source", str(video),
        "--facerouter", "http://127.0.0.1:9/v0/frame",
        "--cam-id", "c",
        "--mode", "realtime",
        "--interval", "0.2",
        "--max-queue", "2",
        "--drain-timeout", "0.5",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "posted 0" in proc.stderr
    assert "dropped the oldest frame" in proc.stderr
    assert "queued frame(s) dropped at exit" in proc.stderr
    summary = proc.stderr.strip().splitlines()[-1]
    shots = int(summary.split(" shots")[0].rsplit(", ", 1)[1])
    dropped = int(summary.rsplit("dropped ", 1)[1])
    assert shots > 2 and dropped == shots  # everything was dropped, at most 2 held at a time


def test_timestamps_follow_video_time(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.avi", [100] * 5 + [0] * 25 + [100] * 5)
    posted, _, _ = run(video, detect_fps=FPS)
    first, second = (decode_frame(parts).timestamp for parts in posted)
    assert isinstance(first, datetime)
    assert (second - first).total_seconds() == pytest.approx(3.0, abs=0.5)


def test_stop_finishes_cleanly_and_posts_the_live_tracks(tmp_path: Path) -> None:
    video = write_video(tmp_path / "v.avi", [100] * 40)
    posted: list[list[RawPart]] = []

    class StoppingDetector(BrightnessDetector):
        def detect_array(self, bgr: Any, options: DetectOptions | None = None) -> DetectResult:
            if self.calls == 5:
                worker.stop()  # as the SIGINT/SIGTERM handler of the command does
            return super().detect_array(bgr, options)

    worker = VideoWorker(
        WorkerSettings(source=str(video), cam_id="c"), StoppingDetector(), posted.append
    )
    capture = open_source(str(video))
    try:
        result = worker.run(capture)
    finally:
        capture.release()
    assert result.frames < 40 and not result.source_failed
    assert result.shots == len(posted) == 1  # the live track's best shot was still posted
