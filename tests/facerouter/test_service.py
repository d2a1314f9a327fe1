"""The facerouter as a real process on loopback: ready event, frames over HTTP, plugin load
errors naming the offender, and plugins shut down on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fr_fakes import good_parts, read_event

from app.facerouter._wire import encode_multipart

REPO = Path(__file__).resolve().parents[2]

SHUTDOWN_PLUGIN = """
from pathlib import Path
from app.plugins import Plugin

class Marker(Plugin):
    async def preprocess(self, request, labels):
        Path(self.ctx.config(self.name)["seen"]).write_text(request.params.cam_id)
        return ()

    async def shutdown(self):
        Path(self.ctx.config(self.name)["done"]).write_text("shut down")

def activate(app, ctx, plugin_name, plugin_source):
    return Marker(ctx)
"""


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", "facerouter", "--port", "0", "--no-entry-points", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)


def test_serves_frames_and_shuts_plugins_down_on_sigterm(
    tmp_path: Path,
    write_plugins: Callable[..., Path],
    processes: list[subprocess.Popen[str]],
) -> None:
    config = tmp_path / "plugins.toml"
    config.write_text(f'[marker]\nseen = "{tmp_path / "seen"}"\ndone = "{tmp_path / "done"}"\n')
    proc = start(
        "--plugin-dir",
        str(write_plugins(marker=SHUTDOWN_PLUGIN)),
        "--plugin-config",
        str(config),
        "--sfapi-url",
        "http://127.0.0.1:9",
    )
    processes.append(proc)
    ready = read_event(proc, timeout=60)
    assert ready["event"] == "ready" and ready["plugins"] == ["marker"]
    content_type, body = encode_multipart(good_parts(cam_id="lobby"))
    request = urllib.request.Request(
        ready["url"] + "/v0/frame", data=body, headers={"Content-Type": content_type}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    assert (tmp_path / "seen").read_text() == "lobby"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert (tmp_path / "done").read_text() == "shut down"


def test_a_plugin_that_fails_to_load_is_named_and_the_process_exits(
    write_plugins: Callable[..., Path], processes: list[subprocess.Popen[str]]
) -> None:
    bad = "def activate(app, ctx, plugin_name, plugin_source):\n    return 'not a plugin'\n"
    proc = start("--plugin-dir", str(write_plugins(broken_one=bad)))
    processes.append(proc)
    event = read_event(proc, timeout=60)
    assert event["event"] == "error" and event["code"] == "PLUGIN_LOAD_ERROR"
    assert "'broken_one'" in event["reason"] and "returned str" in event["reason"]
    assert proc.wait(timeout=30) == 2


def test_replay_command_needs_frames(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "app", "facerouter", "replay", "--plugin-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "--frames" in proc.stderr
