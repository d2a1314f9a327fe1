"""Build the packaged app with the documented command and run it without Python.

One build per session (about a minute on 2 cores); the frozen `self-test` must pass and the frozen
desktop app must show its window and start its embedded server from the bundle. The build must
stay under the 350 MB budget of issue 7 (a size, not a time); times are printed, never asserted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from app.vision import load_manifest, verify_pack

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _report(capsys: pytest.CaptureFixture[str], text: str) -> None:
    with capsys.disabled():
        print(f"\n[packaging] {text}")


def _bare_env(home: Path) -> dict[str, str]:
    """An environment without the venv or any Python: the frozen app must not need them."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_RUNTIME_DIR": str(home / "runtime"),
        "QT_QPA_PLATFORM": "offscreen",
        "LANG": "C.UTF-8",
    }
    (home / "runtime").mkdir(parents=True, mode=0o700, exist_ok=True)
    return env


def tree_size(root: Path) -> int:
    """Bytes of the files under `root`, each counted once (links are not followed), as du does."""
    return sum(p.lstat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, float]]:
    out = tmp_path_factory.mktemp("pyinstaller")
    env = dict(os.environ, PYTHON=sys.executable, SFDESK_DIST=str(out / "dist"),
               SFDESK_BUILD=str(out / "build"))
    started = time.monotonic()
    proc = subprocess.run(["bash", str(REPO / "packaging" / "build.sh")], env=env,
                          capture_output=True, text=True, timeout=900, check=False)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    yield out / "dist" / "sfdesk", elapsed


def test_build_has_both_executables_and_the_verified_models(
    built: tuple[Path, float], capsys: pytest.CaptureFixture[str]
) -> None:
    app_dir, elapsed = built
    assert os.access(app_dir / "sfdesk", os.X_OK)
    assert os.access(app_dir / "sfdesk-console", os.X_OK)
    internal = app_dir / "_internal"
    assert verify_pack(load_manifest().pack(), internal / "models") == []
    assert (internal / "packaging" / "selftest" / "astronaut.jpg").is_file()
    assert (internal / "resources" / "plugins" / "watchlist-alert.py").is_file()
    assert not (internal / "PySide6" / "Qt" / "translations").exists()
    assert not any((internal / "docs").glob("**/*"))
    assert not (internal / "cv2").exists() and not (internal / "faiss").exists()
    assert (app_dir / "sfdesk-console").is_symlink()  # identical on Linux: one copy
    size = tree_size(app_dir)
    _report(capsys, f"build: {elapsed:.0f} s; size {size / 2**20:.0f} MiB (files, links once)")
    assert size < 350 * 10**6, f"the build is {size / 10**6:.0f} MB, over the 350 MB budget"


def test_frozen_self_test_passes_without_python(
    built: tuple[Path, float], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app_dir, _ = built
    started = time.monotonic()
    proc = subprocess.run([str(app_dir / "sfdesk-console"), "self-test"], cwd=tmp_path,
                          env=_bare_env(tmp_path), capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    # On Linux sfdesk-console links to sfdesk, so the server may be started as either name.
    assert f"starting {app_dir / 'sfdesk'}" in proc.stdout
    assert "self-test passed" in proc.stdout
    _report(capsys, f"frozen self-test passed in {time.monotonic() - started:.1f} s")


class _StderrLog:
    """Reads a process's stderr to the end in a thread, so the process never blocks on a full
    pipe, and lets the test wait for a line."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        self._stream = proc.stderr
        self.lines: list[str] = []
        self._cond = threading.Condition()
        self._done = False
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self._stream:
            with self._cond:
                self.lines.append(line.rstrip())
                self._cond.notify_all()
        with self._cond:
            self._done = True
            self._cond.notify_all()

    def close(self) -> None:
        """After the process has exited: finish reading and close the pipe."""
        self._thread.join(timeout=30)
        self._stream.close()

    def wait_for(self, needle: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not any(needle in line for line in self.lines):
                remaining = deadline - time.monotonic()
                if self._done or remaining <= 0:
                    pytest.fail(f"no {needle!r} from the frozen app; it said: {self.lines[-20:]}")
                self._cond.wait(remaining)


def _stop(proc: subprocess.Popen[str]) -> None:
    """SIGTERM (closes the window, which stops the embedded server); SIGKILL if it hangs."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=30)
        pytest.fail("the frozen app did not exit within 30 s of SIGTERM")


def test_frozen_app_shows_its_window_and_starts_its_server(
    built: tuple[Path, float], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app_dir, _ = built
    started = time.monotonic()
    proc = subprocess.Popen([str(app_dir / "sfdesk")], cwd=tmp_path, env=_bare_env(tmp_path),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log = _StderrLog(proc)
    try:
        log.wait_for("main window shown", 120)
        shown = time.monotonic() - started
        log.wait_for("embedded server ready", 120)
        ready = time.monotonic() - started
    finally:
        _stop(proc)
        log.close()
    _report(capsys, f"first window after {shown:.2f} s; embedded server ready after {ready:.2f} s")


def _green_video(path: Path, photo: Path) -> Path:
    """A 10 s MJPG video: the self-test photo on a pure green field (written with the tests'
    OpenCV; the frozen app has none and decodes it with Qt Multimedia)."""
    import cv2

    image = cv2.imread(str(photo))
    frame = np.zeros((480, 640, 3), np.uint8)
    frame[:] = (0, 255, 0)
    frame[100:100 + 256, 192:192 + 256] = cv2.resize(image, (256, 256))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (640, 480))
    for _ in range(100):
        writer.write(frame)
    writer.release()
    return path


def test_frozen_app_plays_a_video(built: tuple[Path, float], tmp_path: Path) -> None:
    """The bundle carries Qt Multimedia's FFmpeg back-end: the live view shows the video."""
    from PIL import Image

    app_dir, _ = built
    video = _green_video(tmp_path / "green.avi", REPO / "packaging" / "selftest" / "astronaut.jpg")
    shots = tmp_path / "shots"
    proc = subprocess.run(
        [str(app_dir / "sfdesk"), "gui", "--video", str(video), "--screenshot", str(shots)],
        cwd=tmp_path, env=_bare_env(tmp_path), capture_output=True, text=True, timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    pixels = np.asarray(Image.open(shots / "live.png").convert("RGB")).astype(int)
    green = (pixels[..., 1] > 200) & (pixels[..., 0] < 80) & (pixels[..., 2] < 80)
    assert green.mean() > 0.05, f"the live view shows no video frame ({green.mean():.1%} green)"
