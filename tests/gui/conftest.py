"""Fixtures of the GUI tests: isolated settings and data, the qasync loop, the app's window.

Every GUI test runs with its own XDG data/config directories and QSettings path (never the
user's), with the real model pack. Qt warnings fail the test (pytest-qt `qt_log_level_fail`,
set per module) and so do log records at WARNING or above that a test did not expect.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from app.common import default_model_dir

T = TypeVar("T")

#: The offscreen platform plugin cannot resize native windows; it says so on every show().
QT_LOG_IGNORE = ["This plugin does not support propagateSizeHints"]
#: Upper bound for one awaited step of a scenario (the embedded server loads real models).
STEP_TIMEOUT = 60.0


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point XDG data/config and QSettings at `tmp_path`; keep the real model pack."""
    monkeypatch.setenv("SFDESK_MODEL_DIR", str(default_model_dir()))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("SFDESK_DATA_HOME", raising=False)
    config = str(tmp_path / "config")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, config)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    return tmp_path


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[qasync.QEventLoop]:
    """A qasync loop on pytest-qt's QApplication, set as the current asyncio loop."""
    qapp.setQuitOnLastWindowClosed(False)
    event_loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    event_loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture(autouse=True)
def no_unexpected_logs(caplog: pytest.LogCaptureFixture) -> Iterator[list[str]]:
    """Fail the test on log records at WARNING or above, except messages listed in the
    yielded list (a test appends the ones it provokes on purpose)."""
    caplog.set_level(logging.INFO)
    expected: list[str] = []
    yield expected
    bad = [
        f"{r.levelname} {r.name}: {r.getMessage()}"
        for r in caplog.get_records("call")
        if r.levelno >= logging.WARNING and not any(e in r.getMessage() for e in expected)
    ]
    assert not bad, "unexpected log records:\n" + "\n".join(bad)


def run(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T], timeout: float) -> T:
    """Run one scenario coroutine on the qasync loop (Qt events are processed meanwhile)."""
    return loop.run_until_complete(asyncio.wait_for(coro, timeout))


async def until(
    predicate: Callable[[], object], timeout: float = STEP_TIMEOUT, what: str = ""
) -> None:
    """Wait on the running loop until `predicate()` is truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what or predicate}")
        await asyncio.sleep(0.05)
