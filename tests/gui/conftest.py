"""Fixtures of the GUI tests: isolated settings and data, the qasync loop, the app's window.

Every GUI test runs with its own XDG data/config directories and QSettings path (never the
user's), with the real model pack. Qt warnings fail the test (pytest-qt `qt_log_level_fail`,
set per module) and so do log records at WARNING or above that a test did not expect.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings
from PySide6.QtWidgets import QApplication

from app.common import default_model_dir
from app.gui._loop import GuiEventLoop


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
def loop(qapp: QApplication) -> Iterator[GuiEventLoop]:
    """The app's event loop on pytest-qt's QApplication, set as the current asyncio loop."""
    qapp.setQuitOnLastWindowClosed(False)
    event_loop = GuiEventLoop(qapp)
    asyncio.set_event_loop(event_loop)
    yield event_loop
    # Windows the test closed and deleteLater()'d are destroyed here, in the GUI thread. No
    # garbage collection is forced: the app and its loop must not need one (a collection that
    # happens to run in a later test's worker thread once crashed the interpreter on the
    # leftover qasync timers; `assert_nothing_left` and test_gui_loop prove that is gone).
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
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
