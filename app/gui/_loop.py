"""The app's event loop: qasync's, except that asyncio callbacks run only while it runs.

qasync schedules every asyncio callback (task steps, timeouts, socket readiness) as a Qt timer,
and Qt fires timers whenever anybody processes events: also after the loop has stopped (qasync's
own last `processEvents` in `run_until_complete`, a modal dialog after shutdown, pytest-qt between
test phases). A task stepped then runs with no running asyncio loop, and the first thing that
asks for one (anyio under httpx) fails with `NoEventLoopError`. This loop holds such callbacks
back and hands them over when it runs again; a closed loop drops them.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from typing import Any

import qasync
from PySide6.QtWidgets import QApplication


class GuiEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """A `qasync.QEventLoop` that never runs asyncio callbacks while it is not running."""

    def __init__(self, app: QApplication) -> None:
        self._held: list[tuple[Callable[..., object], tuple[Any, ...], contextvars.Context]] = []
        super().__init__(app)

    def call_later(
        self,
        delay: float,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.TimerHandle:
        """qasync's `call_later`, with the callback held back if it fires while stopped."""
        handle: asyncio.TimerHandle = super().call_later(
            delay, self._run_or_hold, callback, *args, context=context
        )
        return handle

    def _run_or_hold(self, callback: Callable[..., object], *args: Any) -> None:
        if self.is_running():
            callback(*args)
        else:
            self._held.append((callback, args, contextvars.copy_context()))

    def run_forever(self) -> None:
        """Run, starting with the callbacks held back since the loop last stopped."""
        held, self._held = self._held, []
        for callback, args, context in held:
            self.call_soon(callback, *args, context=context)
        super().run_forever()

    def close(self) -> None:
        """Close the loop; held callbacks are dropped with it."""
        self._held.clear()
        super().close()

    @property
    def held(self) -> int:
        """How many callbacks wait for the loop to run again."""
        return len(self._held)

    def __repr__(self) -> str:
        return f"GuiEventLoop(running={self.is_running()}, held={len(self._held)})"
