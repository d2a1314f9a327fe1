"""`python -m app gui` as a process: screenshots of each main view, no orphan server on a crash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from app.common import default_model_dir

pytestmark = [pytest.mark.gui, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]


def app_env(tmp_path: Path) -> dict[str, str]:
    """The environment of an isolated app process: its own data and config, real models."""
    env = dict(os.environ)
    env.update(
        QT_QPA_PLATFORM="offscreen",
        SFDESK_MODEL_DIR=str(default_model_dir()),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    env.pop("SFDESK_DATA_HOME", None)
    return env


def test_screenshot_option_saves_a_png_of_each_main_view(tmp_path: Path) -> None:
    out = tmp_path / "shots"
    result = subprocess.run(
        [sys.executable, "-m", "app", "gui", "--screenshot", str(out)],
        cwd=REPO_ROOT, env=app_env(tmp_path), capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "CRITICAL" not in result.stderr and "Traceback" not in result.stderr
    for name in ("live", "galleries", "search", "settings"):
        image = QImage(str(out / f"{name}.png"))
        assert not image.isNull(), name
        assert image.width() >= 300 and image.height() >= 200, name
    window = QImage(str(out / "galleries.png"))
    assert window.width() >= 800


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.split(")")[-1].split()[0] != "Z"  # a zombie has exited


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_killing_the_app_stops_its_embedded_server(tmp_path: Path) -> None:
    log = (tmp_path / "gui.err").open("w")
    app = subprocess.Popen(
        [sys.executable, "-m", "app", "gui"],
        cwd=REPO_ROOT, env=app_env(tmp_path), stdout=subprocess.DEVNULL, stderr=log,
    )
    try:
        deadline = time.monotonic() + 120
        server_pid = None
        while time.monotonic() < deadline:
            ready = "embedded server ready" in (tmp_path / "gui.err").read_text()
            if ready and _children(app.pid):
                server_pid = _children(app.pid)[0]
                break
            assert app.poll() is None, (tmp_path / "gui.err").read_text()[-3000:]
            time.sleep(0.2)
        assert server_pid is not None, "the app never reached its embedded server"
        os.kill(app.pid, signal.SIGKILL)
        app.wait(10)
        deadline = time.monotonic() + 30
        while _alive(server_pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _alive(server_pid), "the embedded server outlived the app"
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)
        log.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG paths")
def test_the_app_and_the_server_command_share_one_data_directory(tmp_path: Path) -> None:
    # The galleries an operator enrolls in the app are the ones `python -m app server` serves.
    code = (
        "from app.gui._app import application; from app.gui._server import server_data_dir;"
        "from app.common import default_server_data_dir; application();"
        "print(server_data_dir()); print(default_server_data_dir())"
    )
    proc = subprocess.run([sys.executable, "-c", code], env=app_env(tmp_path), cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60, check=True)
    gui_dir, cli_dir = proc.stdout.split()
    assert gui_dir == cli_dir == str(tmp_path / "data" / "sfdesk" / "server")
