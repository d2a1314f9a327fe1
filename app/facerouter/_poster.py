"""Posting frames to the facerouter from a background thread, through a bounded retry queue.

The video loop never waits for the network: `submit` only enqueues. The sender thread posts
the oldest frame first; a connection failure or a 5xx/408/429 answer keeps the frame and
retries with exponential backoff; any other 4xx drops it (the facerouter said it is bad). When
the queue is full the oldest frame is dropped with a log line, so a facerouter that is down
costs at most `max_queue` frames of memory.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.facerouter._wire import RawPart, encode_multipart

log = logging.getLogger(__name__)

#: Sends one encoded frame (content type, body); returns the HTTP status or raises OSError.
Send = Callable[[str, bytes], int]

_RETRY_STATUSES = frozenset({408, 429})


def http_sender(url: str, timeout: float = 30.0) -> Send:
    """A `Send` that POSTs to `url` with the standard library."""

    def send(content_type: str, body: bytes) -> int:
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"Content-Type": content_type}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status: int = response.status
                return status
        except urllib.error.HTTPError as exc:
            return exc.code

    return send


@dataclass
class PosterStats:
    """Counters of a `FramePoster`: frames posted, dropped (queue full or never delivered
    before closing), rejected by the facerouter (4xx), and failed attempts."""

    posted: int = 0
    dropped: int = 0
    rejected: int = 0
    failed_attempts: int = 0


class FramePoster:
    """A bounded queue of frames and the thread that delivers them (module docstring)."""

    def __init__(
        self,
        send: Send,
        *,
        max_queue: int = 32,
        retry_initial: float = 0.5,
        retry_max: float = 10.0,
    ) -> None:
        if max_queue < 1:
            raise ValueError(f"max_queue must be at least 1, got {max_queue}")
        self._send = send
        self.max_queue = max_queue
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.stats = PosterStats()
        self._queue: deque[Sequence[RawPart]] = deque()
        self._cond = threading.Condition()
        self._closing = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="frame-poster", daemon=True)
        self._thread.start()

    def __len__(self) -> int:
        with self._cond:
            return len(self._queue)

    def submit(self, parts: Sequence[RawPart]) -> None:
        """Queue one frame; drops the oldest queued frame when the queue is full."""
        with self._cond:
            if len(self._queue) >= self.max_queue:
                self._queue.popleft()
                self.stats.dropped += 1
                log.warning(
                    "facerouter queue full (%d frames): dropped the oldest frame", self.max_queue
                )
            self._queue.append(parts)
            self._cond.notify_all()

    def close(self, drain_timeout: float = 10.0) -> PosterStats:
        """Deliver what is queued for up to `drain_timeout` seconds, then stop; frames still
        queued are counted as dropped. Returns the final counters."""
        deadline = time.monotonic() + drain_timeout
        with self._cond:
            while self._queue and time.monotonic() < deadline:
                self._cond.wait(timeout=max(0.0, min(0.1, deadline - time.monotonic())))
            self._closing = True
            left = len(self._queue)
            self._queue.clear()
            self._cond.notify_all()
        self._stop.set()
        self._thread.join(timeout=drain_timeout + 5)
        if left:
            self.stats.dropped += left
            log.warning("facerouter unreachable: %d queued frame(s) dropped at exit", left)
        return self.stats

    def _attempt(self, parts: Sequence[RawPart]) -> bool:
        """One delivery try; True when the frame is done with (posted or rejected)."""
        content_type, body = encode_multipart(parts)
        try:
            status = self._send(content_type, body)
        except OSError as exc:
            log.warning("facerouter unreachable: %s", exc)
            return False
        if 200 <= status < 300:
            self.stats.posted += 1
            return True
        if 400 <= status < 500 and status not in _RETRY_STATUSES:
            self.stats.rejected += 1
            log.error("facerouter rejected a frame with HTTP %d; dropped", status)
            return True
        log.warning("facerouter answered HTTP %d; will retry", status)
        return False

    def _run(self) -> None:
        delay = self.retry_initial
        while True:
            with self._cond:
                while not self._queue and not self._closing:
                    self._cond.wait()
                if self._closing:
                    return
                parts = self._queue[0]
            done = self._attempt(parts)
            with self._cond:
                if done:
                    # The head may have been dropped meanwhile by a full queue; only pop ours.
                    if self._queue and self._queue[0] is parts:
                        self._queue.popleft()
                    delay = self.retry_initial
                    self._cond.notify_all()
                    continue
                self.stats.failed_attempts += 1
            if self._stop.wait(timeout=delay):  # close() ends the backoff early
                return
            delay = min(delay * 2, self.retry_max)

    def __repr__(self) -> str:
        return f"FramePoster(queued={len(self)}, max_queue={self.max_queue}, stats={self.stats})"
