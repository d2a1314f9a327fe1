"""The crash handler: a bug in a slot is logged with its traceback and announced, not swallowed."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from gui_helpers import QT_LOG_IGNORE, run, until
from PySide6.QtCore import QObject

from app.gui._crash import CrashHandler
from app.gui._slots import asyncSlot
from app.gui.state import Level, MessageBridge

pytestmark = [
    pytest.mark.gui,
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore(*QT_LOG_IGNORE),
]


class _Buggy(QObject):
    @asyncSlot()
    async def explode(self) -> None:
        await asyncio.sleep(0)
        raise KeyError("missing")


def test_a_bug_in_an_async_slot_reaches_the_crash_handler(
    isolated: Path, loop: asyncio.AbstractEventLoop, caplog: pytest.LogCaptureFixture,
    no_unexpected_logs: list[str],
) -> None:
    no_unexpected_logs.append("unexpected error")
    messages = MessageBridge()
    crash = CrashHandler(messages, isolated / "gui.log")
    crash.install(loop)
    buggy = _Buggy()

    async def scenario() -> None:
        buggy.explode()
        await until(lambda: crash.count == 1, 10, "the crash handler")

    run(loop, scenario(), 20)
    message = messages.history[-1]
    assert message.level is Level.ERROR and message.code == "INTERNAL_ERROR"
    assert "KeyError" in message.text and "gui.log" in message.text
    records = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert records and records[0].exc_info is not None
