"""The application factory: routes of every resource, middleware and protocol error rendering."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app import __version__
from app.common import ServerSettings
from app.protocol import ProtocolError
from app.server import _detect, _faces, _galleries, _search, _verify
from app.server._cache import DetectionCache
from app.server._errors import http_error_handler, protocol_error_handler, unexpected_error_handler
from app.server._fetch import UrlFetcher
from app.server._middleware import (
    BearerToken,
    BrowserGuard,
    EncodedSlash,
    RequestLimits,
    StripTrailingSlash,
)
from app.server._openapi import openapi_document
from app.server._pool import BoundedPool, cpu_cores
from app.server._services import Engine, Services, services
from app.storage import Storage


async def status(request: Request) -> Response:
    """GET /v2/status (extension): liveness, version and model pack."""
    svc = services(request)
    return JSONResponse(
        {"status": "ok", "version": __version__, "model_pack": svc.engine.model_pack}
    )


async def openapi(request: Request) -> Response:
    """GET /openapi.json: the OpenAPI 3 description of every endpoint."""
    return JSONResponse(openapi_document(services(request).settings))


def create_app(
    settings: ServerSettings, storage: Storage, engine: Engine, cache: DetectionCache
) -> Starlette:
    """The sf-api application over injected services.

    The app owns the bounded pools; on shutdown it waits for running jobs, then closes the
    cache and the storage (after uvicorn has let in-flight requests finish).
    """
    threads = settings.native_threads
    fetch = settings.url_fetch
    svc = Services(
        settings=settings,
        storage=storage,
        engine=engine,
        cache=cache,
        pool=BoundedPool("inference", settings.workers, settings.queue_size, threads),
        fetcher=UrlFetcher(fetch),
        searches=BoundedPool(
            "search", settings.search_workers or cpu_cores(), settings.search_queue_size, threads
        ),
        downloads=BoundedPool("download", fetch.workers, fetch.queue_size, threads),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for pool in (svc.downloads, svc.pool, svc.searches):
                pool.shutdown()
            cache.close()
            storage.close()

    # Outermost first; each of them answers before the request's body is read.
    middleware = [
        Middleware(StripTrailingSlash),
        Middleware(EncodedSlash),
        Middleware(
            BrowserGuard,
            check_host=not settings.token,
            host_names=settings.host_names,
            allowed_origins=settings.allowed_origins,
        ),
    ]
    if settings.token:
        middleware.append(Middleware(BearerToken, token=settings.token))
    middleware.append(
        Middleware(
            RequestLimits,
            max_requests=settings.http.max_requests,
            max_body_bytes=settings.http.max_body_bytes_in_flight,
            max_body=settings.max_body_bytes,
        )
    )
    app = Starlette(
        routes=[
            Route("/v2/status", status, methods=["GET"]),
            Route("/openapi.json", openapi, methods=["GET"]),
            *_detect.routes,
            *_galleries.routes,
            *_search.routes,
            *_faces.routes,
            *_verify.routes,
        ],
        middleware=middleware,
        exception_handlers={
            ProtocolError: protocol_error_handler,
            HTTPException: http_error_handler,
            Exception: unexpected_error_handler,
        },
        lifespan=lifespan,
    )
    app.state.services = svc
    return app
