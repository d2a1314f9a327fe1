"""Build the packaged app with the documented command and run it without Python.

One build per session (about a minute on 2 cores); the frozen `self-test` must pass and the frozen
desktop app must show its window and start its embedded server from the bundle. Size and time to
the first window are printed, never asserted on time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

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
    size = tree_size(app_dir)
    _report(capsys, f"build: {elapsed:.0f} s; size {size / 2**20:.0f} MiB (files, links once)")


def test_frozen_self_test_passes_without_python(
    built: tuple[Path, float], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app_dir, _ = built
    started = time.monotonic()
    proc = subprocess.run([str(app_dir / "sfdesk-console"), "self-test"], cwd=tmp_path,
                          env=_bare_env(tmp_path), capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert f"starting {app_dir / 'sfdesk-console'} server" in proc.stdout
    assert "self-test passed" in proc.stdout
    _report(capsys, f"frozen self-test passed in {time.monotonic() - started:.1f} s")


def _wait_for(proc: subprocess.Popen[str], needle: str, timeout: float) -> list[str]:
    assert proc.stderr is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line.rstrip())
        if needle in line:
            return seen
    pytest.fail(f"no {needle!r} from the frozen app; it said: {seen[-20:]}")


def test_frozen_app_shows_its_window_and_starts_its_server(
    built: tuple[Path, float], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app_dir, _ = built
    started = time.monotonic()
    with subprocess.Popen([str(app_dir / "sfdesk")], cwd=tmp_path, env=_bare_env(tmp_path),
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as proc:
        try:
            _wait_for(proc, "main window shown", 120)
            shown = time.monotonic() - started
            _wait_for(proc, "embedded server ready", 120)
            ready = time.monotonic() - started
        finally:
            proc.terminate()  # closes the window, which stops the embedded server
            proc.wait(timeout=30)
            assert proc.stderr is not None
            proc.stderr.read()
    _report(capsys, f"first window after {shown:.2f} s; embedded server ready after {ready:.2f} s")
