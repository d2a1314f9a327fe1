"""Helpers shared by the GUI test modules: running scenarios on the qasync loop, waiting."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtWidgets import QApplication, QStyle

T = TypeVar("T")

#: The offscreen platform plugin cannot resize native windows; it says so on every show().
QT_LOG_IGNORE = ["This plugin does not support propagateSizeHints"]
#: Upper bound for one awaited step of a scenario (the embedded server loads real models).
STEP_TIMEOUT = 60.0


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


def qt_objects() -> dict[int, str]:
    """Python wrappers whose Qt object still exists, as {id: type name}: what a later garbage
    collection (maybe in another thread) would have to destroy. Styles are left out: Qt
    creates the application's style (and the style sheet's) once per process."""
    return {
        id(o): type(o).__name__
        for o in gc.get_objects()
        if isinstance(o, QObject) and not isinstance(o, QStyle) and shiboken6.isValid(o)
    }


def assert_nothing_left(before: dict[int, str]) -> None:
    """After a window's close, shutdown and deleteLater: no widget and no Qt object created
    since `before` survives, without any help from the garbage collector."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert QApplication.allWidgets() == []
    left = sorted(name for key, name in qt_objects().items() if key not in before)
    assert left == [], f"Qt objects outlive the window: {left}"
