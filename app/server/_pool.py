"""Bounded thread pools for heavy work (inference, searches, URL downloads); beyond, OVER_CAPACITY.

Each kind of heavy work has threads of its own, so a flood of one (slow downloads, hundreds of
searches) can neither starve the others nor the short storage calls of the shared I/O pool.
Every pool thread limits the BLAS and OpenMP libraries to `native_threads` threads per call:
left alone they start one thread per core for every call, and a few dozen concurrent scans on
a few cores then spend their time switching threads (300 concurrent searches took 30 times
longer than one at a time).
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from threadpoolctl import threadpool_limits

from app.protocol import ErrorCode, ProtocolError

T = TypeVar("T")


def limit_native_threads(count: int) -> None:
    """Let BLAS and OpenMP calls made from the calling thread use at most `count` threads.

    OpenBLAS keeps one process-wide setting; OpenMP (faiss) one per calling thread, hence a
    call in every pool thread as well as at start-up.
    """
    threadpool_limits(limits=count)


def cpu_cores() -> int:
    """The CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class BoundedPool:
    """Runs blocking work off the event loop; at most `workers + queue_size` jobs at once.

    A job that would exceed the bound is refused immediately with OVER_CAPACITY (429) instead of
    waiting, so clients back off rather than pile up. A slot is freed when the job really ends,
    even if the request that submitted it has gone away.
    """

    def __init__(self, kind: str, workers: int, queue_size: int, native_threads: int) -> None:
        self._kind = kind
        self._workers = workers
        self._capacity = workers + queue_size
        self._jobs = 0
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(
            max_workers=workers,
            thread_name_prefix=kind,
            initializer=functools.partial(limit_native_threads, native_threads),
        )

    @property
    def jobs(self) -> int:
        """Jobs running or waiting right now."""
        return self._jobs

    def _full(self) -> ProtocolError:
        return ProtocolError(
            ErrorCode.OVER_CAPACITY,
            f"the {self._kind} queue is full ({self._capacity} jobs); retry later",
        )

    def check(self) -> None:
        """OVER_CAPACITY if a job submitted now would be refused (checked before a body is read,
        so that a refused upload costs nothing; `run` still decides)."""
        if self._jobs >= self._capacity:
            raise self._full()

    def _release(self, _: object) -> None:
        with self._lock:
            self._jobs -= 1

    async def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` in a worker thread and await its result."""
        with self._lock:
            if self._jobs >= self._capacity:
                raise self._full()
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
            f"BoundedPool({self._kind!r}, workers={self._workers}, capacity={self._capacity}, "
            f"jobs={self._jobs})"
        )
