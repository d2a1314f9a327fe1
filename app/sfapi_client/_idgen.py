"""Face ids that are unique across processes and restarts without coordination.

An id is a positive int below 2**63 (a uint64 that also fits a signed 64-bit column):

```
 bit 62 ........................ 22 21 .......... 10 9 ........ 0
 | milliseconds since 2024-01-01 (41) | process prefix (12) | sequence (10) |
```

* The timestamp lasts until 2093. Within one process ids are strictly increasing: the clock
  never goes back (a clock stepped backwards is ignored), and when the 10-bit sequence of a
  millisecond is used up the generator borrows the next millisecond.
* The prefix is drawn at random when the generator is made and again after a `fork` (a child
  never shares its parent's prefix); the sequence starts at a random value each millisecond.
* Collision odds: ids of two generators can only collide when both issue ids in the same
  millisecond (or after a clock step back). For one id each in such a millisecond the chance
  is 2**-22 (same prefix, 1 in 4096, and same sequence, 1 in 1024); for bursts of k1 and k2
  ids about (k1 + k2) / 2**22. Two processes each adding 10 faces a second share a millisecond
  about every 10 s, which makes one collision in roughly 8 months; at one face a second each,
  one in roughly 70 years. Ids only need to be unique per gallery, the server refuses a
  duplicate with CONFLICT, and `Gallery.add` with a callable `new_id` then draws a new id, so
  a collision costs a retry, not data.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
import weakref
from collections.abc import Callable

#: 2024-01-01T00:00:00Z in Unix milliseconds.
EPOCH_MS = 1_704_067_200_000
TIMESTAMP_BITS = 41
PREFIX_BITS = 12
SEQUENCE_BITS = 10
_SEQUENCE_MAX = (1 << SEQUENCE_BITS) - 1
_PREFIX_SHIFT = SEQUENCE_BITS
_TIMESTAMP_SHIFT = PREFIX_BITS + SEQUENCE_BITS


def _wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class IdGenerator:
    """A thread-safe callable that returns a new unique face id on every call.

    `clock` returns Unix milliseconds and `randbits` random bits; both are injectable for
    tests. Use the process-wide `idgen()` unless you need a generator of your own.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], int] = _wall_clock_ms,
        randbits: Callable[[int], int] = secrets.randbits,
    ) -> None:
        self._clock = clock
        self._randbits = randbits
        self._lock = threading.Lock()
        self._prefix = randbits(PREFIX_BITS)
        self._ms = -1
        self._sequence = _SEQUENCE_MAX
        _LIVE.add(self)

    @property
    def prefix(self) -> int:
        """This process's random prefix (bits 10..21 of every id)."""
        return self._prefix

    def __call__(self) -> int:
        with self._lock:
            now = max(self._clock() - EPOCH_MS, self._ms)
            if now > self._ms:
                self._ms, self._sequence = now, self._randbits(SEQUENCE_BITS)
            elif self._sequence < _SEQUENCE_MAX:
                self._sequence += 1
            else:  # this millisecond is used up: borrow the next one
                self._ms, self._sequence = self._ms + 1, self._randbits(SEQUENCE_BITS)
            if self._ms >= 1 << TIMESTAMP_BITS:
                raise OverflowError("the id timestamp field is exhausted (after 2093)")
            return (self._ms << _TIMESTAMP_SHIFT) | (self._prefix << _PREFIX_SHIFT) | self._sequence

    def _reseed_after_fork(self) -> None:
        # The child may have been forked while another thread held the lock: start afresh.
        self._lock = threading.Lock()
        parent_prefix = self._prefix
        while self._prefix == parent_prefix:
            self._prefix = self._randbits(PREFIX_BITS)

    def __repr__(self) -> str:
        return f"IdGenerator(prefix={self._prefix:#05x}, last_ms={self._ms})"


_LIVE: weakref.WeakSet[IdGenerator] = weakref.WeakSet()


def _reseed_all_after_fork() -> None:
    for generator in _LIVE:
        generator._reseed_after_fork()


os.register_at_fork(after_in_child=_reseed_all_after_fork)

_DEFAULT = IdGenerator()


def idgen() -> int:
    """A new unique face id from the process-wide generator (the facerouter's `ctx.idgen()`)."""
    return _DEFAULT()
