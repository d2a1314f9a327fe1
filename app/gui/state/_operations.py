"""The asyncio tasks a window owns: shown as progress, cancellable, and cancelled when it closes."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from app.gui.state._errors import EXPECTED_ERRORS
from app.gui.state._events import Event
from app.gui.state._messages import MessageBridge

P = ParamSpec("P")


@dataclass(frozen=True)
class Operation:
    """One running task with the label shown in the progress area (empty: not shown) and,
    when it reports them, how many of how many steps are done (total 0: unknown)."""

    label: str
    task: asyncio.Task[Any]
    done: int = 0
    total: int = 0


class Operations:
    """The running tasks of one window; `changed` fires when one starts or ends."""

    def __init__(self) -> None:
        self.changed: Event[None] = Event()
        self._running: list[Operation] = []

    @property
    def running(self) -> list[Operation]:
        """The running operations, oldest first."""
        return list(self._running)

    @property
    def visible(self) -> list[Operation]:
        """The running operations that have a label, oldest first."""
        return [op for op in self._running if op.label]

    def add(self, task: asyncio.Task[Any], label: str = "") -> None:
        """Track `task` until it ends."""
        self._running.append(Operation(label, task))
        self.changed.emit(None)

    def report(self, done: int, total: int) -> None:
        """The calling task's progress: `done` of `total` steps (a batch of photos)."""
        task = asyncio.current_task()
        for number, op in enumerate(self._running):
            if op.task is task:
                self._running[number] = replace(op, done=done, total=total)
                self.changed.emit(None)
                return

    def discard(self, task: asyncio.Task[Any]) -> None:
        """Stop tracking `task`."""
        before = len(self._running)
        self._running = [op for op in self._running if op.task is not task]
        if len(self._running) != before:
            self.changed.emit(None)

    def cancel_visible(self) -> None:
        """Cancel the labelled operations (the progress area's Cancel button)."""
        for op in self.visible:
            op.task.cancel()

    def cancel_all(self) -> None:
        """Cancel every task (the window is closing)."""
        for op in self._running:
            op.task.cancel()

    def __repr__(self) -> str:
        return f"Operations(running={[op.label for op in self._running]!r})"


class Owner(Protocol):
    """What a `guarded` method needs from its object: its tasks and its message bridge."""

    @property
    def ops(self) -> Operations: ...

    @property
    def messages(self) -> MessageBridge: ...


OwnerT = TypeVar("OwnerT", bound=Owner)


def guarded(
    label: str = "",
) -> Callable[
    [Callable[Concatenate[OwnerT, P], Awaitable[None]]],
    Callable[Concatenate[OwnerT, P], Coroutine[Any, Any, None]],
]:
    """Track an async method's task in `self.ops` and report expected errors to `self.messages`.

    Anything unexpected propagates to the crash handler; cancellation ends the task quietly.
    """

    def decorate(
        fn: Callable[Concatenate[OwnerT, P], Awaitable[None]],
    ) -> Callable[Concatenate[OwnerT, P], Coroutine[Any, Any, None]]:
        @functools.wraps(fn)
        async def wrapper(self: OwnerT, /, *args: P.args, **kwargs: P.kwargs) -> None:
            task = asyncio.current_task()
            assert task is not None, "guarded methods run inside a task"
            self.ops.add(task, label)
            try:
                await fn(self, *args, **kwargs)
            except EXPECTED_ERRORS as exc:
                self.messages.report(exc)
            finally:
                self.ops.discard(task)

        return wrapper

    return decorate
