"""uvicorn's HTTP/1.1 protocol (h11) with deadlines, a connection cap and protocol error bodies.

uvicorn bounds neither how long a request's headers or body may take to arrive (its keep-alive
timer is reset by every byte, so a client sending one byte at a time holds a connection for
ever) nor how many connections may stay open; middleware cannot help, as it only runs once the
headers are complete. This subclass adds, per connection (settings in `HttpSettings`):

- the request line and headers must arrive within `header_timeout_seconds` of the connection
  or of the previous answer, else the connection is closed;
- the body must arrive within `body_timeout_seconds`, and at no less than `min_body_rate` bytes
  per second over every stretch of `body_grace_seconds`, else the connection is closed (so a
  body that stalls, even after a fast start, is cut off a grace period later; time during
  which the server itself is not reading does not count);
- a connection beyond `max_connections` gets a 429 OVER_CAPACITY answer and is closed;
- requests h11 cannot parse (bad Content-Length, headers or URL too long, ...) get a 400
  MALFORMED_REQUEST `{code, reason}` body instead of uvicorn's plain text.
"""

from __future__ import annotations

import asyncio
import http
import json
import logging
from collections import deque
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from app.common import HttpSettings
from app.protocol import HTTP_STATUS, ErrorCode

log = logging.getLogger(__name__)


class _Connection(h11.Connection):
    """An h11 connection that remembers why the peer's data could not be parsed."""

    last_error: h11.RemoteProtocolError | None = None

    def next_event(self) -> Any:
        try:
            return super().next_event()
        except h11.RemoteProtocolError as exc:
            self.last_error = exc
            raise


def raw_error(code: ErrorCode, reason: str) -> bytes:
    """A complete HTTP/1.1 error answer with a protocol body that closes the connection."""
    body = json.dumps({"code": code.value, "reason": reason}).encode()
    status = HTTP_STATUS[code]
    return (
        f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n"
        f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    ).encode() + body


class GuardedH11Protocol(H11Protocol):
    """`H11Protocol` with the bounds of the module docstring; `limits` is set by a subclass."""

    limits: ClassVar[HttpSettings] = HttpSettings()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        max_size = self.config.h11_max_incomplete_event_size
        self._parser = (
            _Connection(h11.SERVER) if max_size is None else _Connection(h11.SERVER, max_size)
        )
        self.conn = self._parser
        self._phase: object = None
        self._phase_start = 0.0
        self._body_bytes = 0
        self._marks: deque[tuple[float, int]] = deque()
        self._not_reading = 0.0
        self._last_tick = 0.0
        self._timer: asyncio.TimerHandle | None = None
        limits = self.limits
        self._tick_seconds = min(1.0, limits.header_timeout_seconds / 4)

    # ------------------------------------------------------------------ connection events

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            reason = f"the server has {len(self.connections) - 1} open connections; retry later"
            transport.write(raw_error(ErrorCode.OVER_CAPACITY, reason))
            transport.close()
            return
        self._new_phase()
        self._schedule()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        in_body = self.conn.their_state is h11.SEND_BODY
        super().data_received(data)
        if self.conn.their_state is not self._phase:
            self._new_phase()
        elif in_body:
            self._body_bytes += len(data)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is not self._phase:  # kept alive: the next request's headers
            self._new_phase()

    def send_400_response(self, msg: str) -> None:
        error = self._parser.last_error
        if error is not None and error.error_status_hint == 431:
            reason = "the request line and headers are too long"
        else:
            reason = f"invalid HTTP request: {error or msg}"
        self.transport.write(raw_error(ErrorCode.MALFORMED_REQUEST, reason))
        self.transport.close()

    # ------------------------------------------------------------------ deadlines

    def _new_phase(self) -> None:
        self._phase = self.conn.their_state
        self._phase_start = self._last_tick = self.loop.time()
        self._body_bytes = 0
        self._marks = deque([(0.0, 0)])  # (time into the phase, body bytes by then)
        self._not_reading = 0.0

    def _schedule(self) -> None:
        self._timer = self.loop.call_later(self._tick_seconds, self._tick)

    def _tick(self) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        if self.conn.their_state is not self._phase:
            self._new_phase()
        now = self.loop.time()
        if self.flow.read_paused:  # the server is not reading: the client cannot be slow
            self._not_reading += now - self._last_tick
        self._last_tick = now
        elapsed = now - self._phase_start - self._not_reading
        problem = self._overdue(elapsed)
        if problem is not None:
            log.info("closing the connection of %s: %s", self.client, problem)
            self.transport.close()
            return
        self._schedule()

    def _overdue(self, elapsed: float) -> str | None:
        limits = self.limits
        if self._phase is h11.IDLE and elapsed > limits.header_timeout_seconds:
            return f"no complete request headers within {limits.header_timeout_seconds:g} s"
        if self._phase is h11.SEND_BODY:
            if elapsed > limits.body_timeout_seconds:
                return f"the body took longer than {limits.body_timeout_seconds:g} s"
            # The rate over the last stretch of at least `body_grace_seconds`.
            marks, window = self._marks, limits.body_grace_seconds
            marks.append((elapsed, self._body_bytes))
            while len(marks) > 1 and marks[1][0] <= elapsed - window:
                marks.popleft()
            since, bytes_then = marks[0]
            span = elapsed - since
            if span >= window and self._body_bytes - bytes_then < limits.min_body_rate * span:
                return f"the body arrives slower than {limits.min_body_rate} bytes/s"
        return None


def protocol_class(limits: HttpSettings) -> type[GuardedH11Protocol]:
    """The protocol class uvicorn instantiates per connection, bound to `limits`."""
    return type("BoundedH11Protocol", (GuardedH11Protocol,), {"limits": limits})
