"""Helpers shared by the GUI test modules: running scenarios on the qasync loop, waiting."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest

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
