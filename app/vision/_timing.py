"""`StageTimer`: optional per-stage wall-clock accounting of one engine call, for the benchmark."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class StageTimer:
    """Accumulates seconds and call counts per stage name; one timer per call, not shared."""

    def __init__(self) -> None:
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.calls: defaultdict[str, int] = defaultdict(int)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the enclosed block under `name`."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start
            self.calls[name] += 1

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}={v * 1000:.2f}ms/{self.calls[k]}" for k, v in self.seconds.items())
        return f"StageTimer({parts})"
