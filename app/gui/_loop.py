"""The app's event loop: qasync's, except that asyncio callbacks run only while it runs.

qasync schedules every asyncio callback (task steps, timeouts, socket readiness) as a Qt timer,
and Qt fires timers whenever anybody processes events: also after the loop has stopped (qasync's
own last `processEvents` in `run_until_complete`, a modal dialog after shutdown, pytest-qt between
test phases). A task stepped then runs with no running asyncio loop, and the first thing that
asks for one (anyio under httpx) fails with `NoEventLoopError`. This loop holds such callbacks
back and hands them over when it runs again; a closed loop drops them, and it leaves no Qt
object behind for the garbage collector to free in some other thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import qasync
import shiboken6
from PySide6.QtCore import QSocketNotifier
from PySide6.QtWidgets import QApplication


@contextlib.contextmanager
def _retiring(notifiers: dict[Any, QSocketNotifier] | None, fd: Any) -> Iterator[None]:
    """Delete the notifier of `fd` if the block replaces or removes it."""
    old = notifiers.get(fd) if notifiers is not None else None
    yield
    if old is not None and (notifiers is None or notifiers.get(fd) is not old):
        shiboken6.delete(old)


#: Threads for blocking work off the GUI thread (decoding images, reading video frames).
EXECUTOR_THREADS = 4


class GuiEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """A `qasync.QEventLoop` that never runs asyncio callbacks while it is not running."""

    def __init__(self, app: QApplication) -> None:
        self._held: list[tuple[Callable[..., object], tuple[Any, ...], contextvars.Context]] = []
        super().__init__(app)
        # Plain threads rather than qasync's QThread pool: no QObjects to outlive the loop.
        self.set_default_executor(
            ThreadPoolExecutor(max_workers=EXECUTOR_THREADS, thread_name_prefix="sfdesk-gui")
        )

    def call_later(
        self,
        delay: float,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.TimerHandle:
        """qasync's `call_later`, with the callback held back if it fires while stopped."""
        self._check_closed()
        handle: asyncio.TimerHandle = super().call_later(
            delay, self._run_or_hold, callback, *args, context=context
        )
        return handle

    def _run_or_hold(self, callback: Callable[..., object], *args: Any) -> None:
        if self.is_running():
            callback(*args)
        else:
            self._held.append((callback, args, contextvars.copy_context()))

    # qasync watches sockets with QSocketNotifiers and only disables the ones it stops using;
    # a notifier kept by a traceback's reference cycle (a refused connection) would otherwise
    # be freed by whichever thread collects that cycle. Delete each one as soon as it retires.

    def _add_reader(self, fd: Any, callback: Callable[..., object], *args: Any) -> None:
        with _retiring(self._read_notifiers, fd):
            super()._add_reader(fd, callback, *args)

    def _remove_reader(self, fd: Any) -> bool:
        with _retiring(self._read_notifiers, fd):
            removed: bool = super()._remove_reader(fd)
        return removed

    def _add_writer(self, fd: Any, callback: Callable[..., object], *args: Any) -> None:
        with _retiring(self._write_notifiers, fd):
            super()._add_writer(fd, callback, *args)

    def _remove_writer(self, fd: Any) -> bool:
        with _retiring(self._write_notifiers, fd):
            removed: bool = super()._remove_writer(fd)
        return removed

    def run_forever(self) -> None:
        """Run, starting with the callbacks held back since the loop last stopped."""
        held, self._held = self._held, []
        for callback, args, context in held:
            self.call_soon(callback, *args, context=context)
        super().run_forever()

    def close(self) -> None:
        """Close the loop; held callbacks are dropped with it, its Qt timers destroyed."""
        self._held.clear()
        notifiers = [
            *(self._read_notifiers or {}).values(), *(self._write_notifiers or {}).values()
        ]
        super().close()
        for notifier in notifiers:
            if shiboken6.isValid(notifier):  # not deleted on its removal during close()
                shiboken6.delete(notifier)
        # qasync kills a callback's Qt timer only when it fires (a cancelled `sleep` or timeout
        # stays registered) and leaves its timer object to the garbage collector. The loop sits
        # in reference cycles, so that can be a collection in any thread: a timer object freed
        # outside the GUI thread stays in the GUI thread's timer list and the next event pass
        # dispatches to freed memory (a segfault in QTimerInfoList::activateTimers). Destroying
        # it here, in its own thread, unregisters all its timers.
        shiboken6.delete(self._timer)
        # The same for the object that carries `call_soon_threadsafe` over (qasync keeps it
        # in a private attribute; none to delete if a qasync release renames it).
        signaller = getattr(self, "_QEventLoop__call_soon_signaller", None)
        if signaller is not None:
            shiboken6.delete(signaller)

    @property
    def held(self) -> int:
        """How many callbacks wait for the loop to run again."""
        return len(self._held)

    def __repr__(self) -> str:
        return f"GuiEventLoop(running={self.is_running()}, held={len(self._held)})"
