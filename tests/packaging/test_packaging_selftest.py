"""`python -m app self-test`: the real server, models and client, from the source tree."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from app.gui._selftest import DEFAULT_IMAGE, SelfTestError, run_self_test, wait_ready

REPO = Path(__file__).resolve().parents[2]


def _lines(*events: object) -> queue.Queue[str | None]:
    lines: queue.Queue[str | None] = queue.Queue()
    for event in events:
        lines.put(None if event is None else json.dumps(event) + "\n")
    return lines


def test_the_bundled_image_and_its_licence_are_in_the_repository() -> None:
    assert DEFAULT_IMAGE == REPO / "packaging" / "selftest" / "astronaut.jpg"
    assert DEFAULT_IMAGE.is_file()
    assert "public domain" in (DEFAULT_IMAGE.parent / "LICENCE.md").read_text().lower()


def test_self_test_passes_on_a_sound_installation() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "app", "self-test"],
        cwd=REPO, capture_output=True, text=True, timeout=180, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for step in ("detected one face", "enrolled it", "found it again", "self-test passed"):
        assert step in proc.stdout


def test_self_test_fails_without_a_face(tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (320, 240), (128, 128, 128)).save(blank)
    reports: list[str] = []
    assert run_self_test(blank, reports.append) == 1
    assert "detected 0" in reports[-1] and "FAILED" in reports[-1]


def test_self_test_fails_on_a_missing_image(tmp_path: Path) -> None:
    reports: list[str] = []
    assert run_self_test(tmp_path / "none.jpg", reports.append) == 1
    assert "FAILED" in reports[-1]


def test_ready_event_gives_the_url_and_reports_progress() -> None:
    reports: list[str] = []
    lines = _lines({"event": "progress", "stage": "loading models"}, "not an event",
                   {"event": "ready", "url": "http://127.0.0.1:1", "version": "0"})
    lines.put("garbage line\n")
    assert wait_ready(lines, 1.0, reports.append) == "http://127.0.0.1:1"
    assert reports == ["server: loading models"]


@pytest.mark.parametrize(
    ("events", "message"),
    [
        ([{"event": "error", "code": "MODEL_ERROR", "reason": "no models"}], "MODEL_ERROR"),
        ([None], "exited before it was ready"),
        ([], "did not report ready"),
    ],
)
def test_server_start_failures_are_errors(events: list[object], message: str) -> None:
    with pytest.raises(SelfTestError, match=message):
        wait_ready(_lines(*events), 0.1, lambda _msg: None)
