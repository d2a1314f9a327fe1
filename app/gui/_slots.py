"""`asyncSlot`: qasync's decorator for slots that await, with a signature mypy can check."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec

import qasync

P = ParamSpec("P")


def asyncSlot(  # noqa: N802 (qasync's name, kept so the pattern reads as in its docs)
    *types: type,
) -> Callable[[Callable[P, Coroutine[Any, Any, None]]], Callable[P, asyncio.Task[None]]]:
    """Decorate an async method as a Qt slot that runs as a task on the qasync loop.

    Calling the slot (from a signal or directly) returns the task; errors that escape it reach
    `sys.excepthook`, which is the app's crash handler.
    """
    decorator: Callable[
        [Callable[P, Coroutine[Any, Any, None]]], Callable[P, asyncio.Task[None]]
    ] = qasync.asyncSlot(*types)
    return decorator
