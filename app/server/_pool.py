"""The bounded inference pool: worker threads plus a bounded queue; beyond it, OVER_CAPACITY."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from app.protocol import ErrorCode, ProtocolError

T = TypeVar("T")


class InferencePool:
    """Runs blocking model work off the event loop; at most `workers + queue_size` jobs at once.

    A job that would exceed the bound is refused immediately with OVER_CAPACITY (429) instead of
    waiting, so clients back off rather than pile up. A slot is freed when the job really ends,
    even if the request that submitted it has gone away.
    """

    def __init__(self, workers: int, queue_size: int) -> None:
        self._workers = workers
        self._capacity = workers + queue_size
        self._jobs = 0
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inference")

    @property
    def jobs(self) -> int:
        """Jobs running or waiting right now."""
        return self._jobs

    def _release(self, _: object) -> None:
        with self._lock:
            self._jobs -= 1

    async def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` in a worker thread and await its result."""
        with self._lock:
            if self._jobs >= self._capacity:
                raise ProtocolError(
                    ErrorCode.OVER_CAPACITY,
                    f"the inference queue is full ({self._capacity} jobs); retry later",
                )
            self._jobs += 1
        try:
            future: Future[T] = self._executor.submit(fn)
        except BaseException:
            self._release(None)
            raise
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        """Finish the running jobs and stop the threads."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __repr__(self) -> str:
        return (
            f"InferencePool(workers={self._workers}, capacity={self._capacity}, jobs={self._jobs})"
        )
