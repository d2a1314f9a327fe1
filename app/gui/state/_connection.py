"""The connection to the sf-api server: its phase, version and latency, kept fresh by a watcher."""

from __future__ import annotations

import asyncio
import enum
import time
from dataclasses import dataclass, replace

from app.gui.state._errors import EXPECTED_ERRORS, describe_error
from app.gui.state._events import Event
from app.sfapi_client import Client


class Phase(enum.Enum):
    """Where the connection stands; the status bar and the banner show it."""

    STARTING = "starting"
    CONNECTED = "connected"
    LOST = "lost"
    FAILED = "failed"


@dataclass(frozen=True)
class ConnectionInfo:
    """A snapshot of the connection."""

    phase: Phase = Phase.STARTING
    url: str = ""
    version: str = ""
    latency_ms: float | None = None
    detail: str = ""
    retry_in: float | None = None


class ConnectionState:
    """The current ConnectionInfo; `changed` fires with each new snapshot."""

    def __init__(self) -> None:
        self.info = ConnectionInfo()
        self.changed: Event[ConnectionInfo] = Event()

    def update(self, **changes: object) -> None:
        """Replace some fields of the snapshot and notify."""
        self.info = replace(self.info, **changes)  # type: ignore[arg-type]
        self.changed.emit(self.info)

    def __repr__(self) -> str:
        return f"ConnectionState({self.info!r})"


class ConnectionWatcher:
    """Polls `GET /v2/status`: measures latency, marks the server lost and retries with backoff."""

    def __init__(
        self,
        state: ConnectionState,
        client: Client,
        *,
        interval: float = 3.0,
        max_backoff: float = 10.0,
        timeout: float = 5.0,
    ) -> None:
        self.state = state
        self.client = client
        self.interval = interval
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.retry_now = asyncio.Event()

    async def check(self) -> bool:
        """One status round trip; updates the state and says whether the server answered."""
        started = time.perf_counter()
        try:
            status = await self.client.status(timeout=self.timeout)
        except EXPECTED_ERRORS as exc:
            code, reason = describe_error(exc)
            self.state.update(phase=Phase.LOST, latency_ms=None, detail=f"{code}: {reason}")
            return False
        latency = (time.perf_counter() - started) * 1000.0
        self.state.update(
            phase=Phase.CONNECTED, version=status.version, latency_ms=latency, detail="",
            retry_in=None,
        )
        return True

    async def run(self) -> None:
        """Check forever: every `interval` while connected, with growing backoff while lost."""
        first_backoff = min(1.0, self.max_backoff)
        backoff = first_backoff
        while True:
            if await self.check():
                backoff = first_backoff
                delay = self.interval
            else:
                delay = backoff
                backoff = min(backoff * 2.0, self.max_backoff)
                self.state.update(retry_in=delay)
            self.retry_now.clear()
            try:
                await asyncio.wait_for(self.retry_now.wait(), timeout=delay)
            except TimeoutError:
                pass

    def __repr__(self) -> str:
        return f"ConnectionWatcher(url={self.state.info.url!r})"
