"""The facerouter's Starlette application: the frame endpoint and a status route.

Frames are accepted as `POST /v0/frame` and, as FindFace deployments point workers at their own
paths, as a POST to any path no other route claims. A malformed frame gets a 400 JSON error
(`{code, reason, param, value}`) and never reaches the plugins.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketClose

from app.facerouter._record import FrameRecorder
from app.facerouter._router import FrameRejected, FrameRouter
from app.facerouter._wire import RawPart, decode_frame, malformed
from app.plugins import FrHTTPRequest
from app.protocol import ErrorCode, ProtocolError

log = logging.getLogger(__name__)

#: The path FindFace video workers post to by default.
FRAME_PATH = "/v0/frame"

#: Largest text part accepted (JSON fields are small; images are file parts).
_MAX_TEXT_PART = 1 << 20


async def _read_parts(request: Request) -> list[RawPart]:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise malformed(f"a frame must be multipart/form-data, got {content_type or 'no body'!r}")
    try:
        form = await request.form(max_part_size=_MAX_TEXT_PART)
    except HTTPException as exc:  # Starlette's wrapper of the multipart parser's errors
        raise malformed(f"unreadable multipart body: {exc.detail}") from exc
    try:
        parts = []
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                parts.append(RawPart(name, data, value.filename or name, value.content_type))
            else:
                parts.append(RawPart(name, value.encode("utf-8")))
        return parts
    finally:
        await form.close()


class FrameEndpoint:
    """Decodes a frame POST, records it if asked, and runs it through the `FrameRouter`."""

    def __init__(self, router: FrameRouter, recorder: FrameRecorder | None = None) -> None:
        self.router = router
        self.recorder = recorder

    async def handle(self, request: Request) -> Response:
        """Answer one frame POST."""
        try:
            parts = await _read_parts(request)
            params = decode_frame(parts)
        except ProtocolError as exc:
            log.warning("rejected frame posted to %s: %s", request.url.path, exc)
            return JSONResponse(exc.body(), status_code=exc.status)
        if self.recorder is not None:
            try:
                await asyncio.to_thread(
                    self.recorder.save, parts, path=request.url.path, received=datetime.now(UTC)
                )
            except OSError:  # a full disk must not stop the plugins from seeing the frame
                log.exception("cannot record the frame in %s", self.recorder.directory)
        frame = FrHTTPRequest(
            method=request.method,
            path=request.url.path,
            headers=dict(request.headers),
            params=params,
            ctx=self.router.manager.ctx,
            remote_ip=request.client.host if request.client else None,
        )
        try:
            result = await self.router.route(frame)
        except FrameRejected as exc:
            return JSONResponse(exc.body(), status_code=exc.status)
        return JSONResponse(result.body())

    def __repr__(self) -> str:
        return f"FrameEndpoint({self.router!r}, recorder={self.recorder!r})"

    async def fallback(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The router's default app: a POST to an unclaimed path is a frame, anything else 404."""
        if scope["type"] == "websocket":
            await WebSocketClose()(scope, receive, send)
            return
        request = Request(scope, receive)
        if request.method == "POST":
            response = await self.handle(request)
        else:
            error = ProtocolError(ErrorCode.NOT_FOUND, f"no route {request.url.path!r}")
            response = JSONResponse(error.body(), status_code=error.status)
        await response(scope, receive, send)


def create_app(endpoint: FrameEndpoint) -> Starlette:
    """The facerouter application around `endpoint`; plugins may add their own routes."""

    async def status(request: Request) -> Response:
        return JSONResponse({"status": "ok", "plugins": list(endpoint.router.manager.plugins)})

    app = Starlette(
        routes=[
            Route(FRAME_PATH, endpoint.handle, methods=["POST"]),
            Route("/v0/status", status, methods=["GET"]),
        ]
    )
    app.router.default = endpoint.fallback
    return app
