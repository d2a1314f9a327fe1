"""End to end with real processes on loopback: an sf-api server (real models, real SQLite), a
facerouter with the shipped enroll-unknown plugin, and the video worker on a video made from the
shared face photos. Also replays the recorded frames into a fresh gallery.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fr_fakes import read_event

from app.common import resources_dir
from app.protocol import DEFAULT_CONFIDENCE
from app.sfapi_client import Client
from app.sfapi_client.filters import Detection

REPO = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 180.0
FPS = 10
SIZE = (640, 480)
#: Three people, each with one photo; the first comes back at the end (a second track of a
#: person already enrolled, which must not be enrolled again).
CAST = ["face_recognition/obama.jpg", "face_recognition/biden.jpg", "deepface/img8.jpg"]

pytestmark = pytest.mark.slow


def _placed(photo: np.ndarray[Any, Any], shift: int) -> np.ndarray[Any, Any]:
    """The photo letterboxed into a grey frame, shifted right by `shift` pixels."""
    width, height = SIZE
    canvas = np.full((height, width, 3), 90, np.uint8)
    scale = min((height - 20) / photo.shape[0], (width - 120) / photo.shape[1])
    resized = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    h, w = resized.shape[:2]
    top, left = (height - h) // 2, (width - w) // 2 - 50 + shift
    canvas[top : top + h, left : left + w] = resized
    return canvas


def build_video(path: Path, photos: list[Path]) -> float:
    """Each person walks slowly across for 2.5 s, with 2 s of empty frames in between; the
    first comes back for 1.5 s at the end. Returns the video's length in seconds."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), FPS, SIZE)
    assert writer.isOpened()
    blank = np.full((SIZE[1], SIZE[0], 3), 90, np.uint8)
    appearances = [*photos, photos[0]]
    frames = 0
    try:
        for index, photo_path in enumerate(appearances):
            photo = cv2.imread(str(photo_path))
            seconds = 1.5 if index == len(photos) else 2.5
            for i in range(int(seconds * FPS)):
                writer.write(_placed(photo, shift=2 * i))
            for _ in range(2 * FPS):  # longer than the worker's max gap: the track ends
                writer.write(blank)
            frames += int(seconds * FPS) + 2 * FPS
    finally:
        writer.release()
    return frames / FPS


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in reversed(started):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        proc.communicate(timeout=30)


def ready(proc: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        event = read_event(proc, timeout=deadline - time.monotonic())
        if event["event"] == "ready":
            return str(event["url"])
        assert event["event"] != "error", event
    raise AssertionError("no ready event")


async def people_in_gallery(
    url: str, gallery_name: str, photos: list[Path]
) -> tuple[list[Any], list[int]]:
    """The gallery's faces and, per photo, how many stored faces match it above threshold."""
    async with Client(url) as client:
        gallery = client.gallery(gallery_name)
        faces = [face async for face in gallery.list_all()]
        matches = []
        for photo in photos:
            detected = await client.detect(image=photo.read_bytes(), facen=True)
            best = max(detected, key=lambda d: d.bbox.right - d.bbox.left)
            found = await gallery.list(filters=[Detection(best, DEFAULT_CONFIDENCE)])
            matches.append(len(found))
    return faces, matches


async def test_video_worker_enrolls_each_person_once(
    tmp_path: Path, faces_dir: Path, processes: list[subprocess.Popen[str]]
) -> None:
    photos = [faces_dir / name for name in CAST]
    video = tmp_path / "people.avi"
    duration = build_video(video, photos)

    server = start("server", "--port", "0", "--data", str(tmp_path / "data"))
    processes.append(server)
    sfapi_url = ready(server)

    plugin_dir = tmp_path / "plugins"
    plugin_dir.mkdir()
    shutil.copy(resources_dir() / "plugins" / "enroll-unknown.py", plugin_dir)
    config = tmp_path / "plugins.toml"
    config.write_text('[enroll-unknown]\ngallery = "visitors"\n')
    facerouter = start(
        "facerouter",
        "--port", "0",
        "--sfapi-url", sfapi_url,
        "--plugin-dir", str(plugin_dir),
        "--plugin-config", str(config),
        "--record", str(tmp_path / "frames"),
        "--no-entry-points",
        "--plugin-timeout", "60",
    )  # fmt: skip
    processes.append(facerouter)
    router_url = ready(facerouter)

    started = datetime.now(UTC)
    worker = subprocess.run(
        [
            sys.executable, "-m", "app", "video-worker",
            "--source", str(video),
            "--facerouter", f"{router_url}/v0/frame",
            "--cam-id", "e2e-cam",
            "--labels", "site=lab",
            "--mode", "overall",
            "--detect-fps", "4",
        ],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert worker.returncode == 0, worker.stderr[-3000:]
    assert "dropped 0" in worker.stderr and "rejected 0" in worker.stderr, worker.stderr[-3000:]

    faces, matches = await people_in_gallery(sfapi_url, "visitors", photos)
    assert matches == [1, 1, 1], (faces, worker.stderr[-3000:])
    assert len(faces) == len(photos)
    for face in faces:
        assert face.meta["cam_id"] == "e2e-cam"
        # A file's frames are stamped with the worker's start time plus their video position.
        stamp = face.meta["timestamp"]
        assert isinstance(stamp, int)
        assert started.timestamp() - 5 <= stamp <= datetime.now(UTC).timestamp() + duration + 5

    # Every shot the worker posted was recorded: replay them into a fresh gallery, offline.
    recorded = sorted((tmp_path / "frames").iterdir())
    assert len(recorded) >= len(photos) + 1  # the returning first person is a new track
    config.write_text('[enroll-unknown]\ngallery = "replayed"\n')
    replay = subprocess.run(
        [
            sys.executable, "-m", "app", "facerouter", "replay",
            "--frames", str(tmp_path / "frames"),
            "--plugin-dir", str(plugin_dir),
            "--plugin-config", str(config),
            "--sfapi-url", sfapi_url,
            "--no-entry-points",
        ],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert replay.returncode == 0, replay.stderr[-3000:]
    assert len(replay.stdout.splitlines()) == len(recorded)
    replayed, matches = await people_in_gallery(sfapi_url, "replayed", photos)
    assert matches == [1, 1, 1] and len(replayed) == len(photos)
