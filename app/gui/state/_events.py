"""A tiny Qt-free observer: state objects emit events that Qt models and views subscribe to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Event(Generic[T]):
    """A list of callbacks called in order with one payload; `None` for plain notifications."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], None]] = []

    def connect(self, callback: Callable[[T], None]) -> None:
        """Call `callback(payload)` on every future `emit`."""
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable[[T], None]) -> None:
        """Stop calling `callback`; unknown callbacks are ignored."""
        if callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, payload: T) -> None:
        """Call every connected callback with `payload`."""
        for callback in list(self._callbacks):
            callback(payload)

    def __repr__(self) -> str:
        return f"Event(callbacks={len(self._callbacks)})"
