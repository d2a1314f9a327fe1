"""The services a request handler works with, injected by `create_app` and kept on `app.state`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from app.common import ServerSettings
from app.server._cache import DetectionCache
from app.server._fetch import UrlFetcher
from app.server._pool import BoundedPool
from app.storage import Storage
from app.vision import DetectOptions, DetectResult

T = TypeVar("T")


class Engine(Protocol):
    """What the server needs of the vision engine (`app.vision.FaceEngine` in production)."""

    @property
    def model_pack(self) -> str: ...

    def detect(self, data: bytes, options: DetectOptions) -> DetectResult: ...


@dataclass(frozen=True, eq=False)
class Services:
    """Everything a handler may use; blocking calls go through `blocking` or a bounded pool:
    `pool` for inference, `searches` for similarity searches, `downloads` for URL fetches."""

    settings: ServerSettings
    storage: Storage
    engine: Engine
    cache: DetectionCache
    pool: BoundedPool
    fetcher: UrlFetcher
    searches: BoundedPool
    downloads: BoundedPool

    async def blocking(self, fn: Callable[[], T]) -> T:
        """Run a short blocking call (storage, cache) in the shared I/O thread pool."""
        return await run_in_threadpool(fn)


def services(request: Request) -> Services:
    """The services of the application serving `request`."""
    found: Services = request.app.state.services
    return found
