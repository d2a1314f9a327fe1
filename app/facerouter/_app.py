"""The facerouter's tornado application: the frame endpoint, a status route, plugins' handlers.

FindFace's facerouter is a tornado service, and its plugins rely on that: `activate` gets the
`tornado.web.Application` (plugins call `app.add_handlers(...)` to serve their own endpoints)
and `request` is tornado's `HTTPServerRequest` with `params` and `ctx` added. Both are the real
tornado objects here.

Frames are accepted as `POST /v0/frame` and, as FindFace deployments point workers at their own
paths, as a POST to any path no other handler claims (handlers that plugins add come first). A
frame body larger than `max_frame_bytes` is refused as soon as its `Content-Length` (or, for a
chunked body, its running size) says so, with a JSON 400, and the connection is closed without
reading the rest. A malformed frame gets a 400 JSON error (`{code, reason, param, value}`) and
never reaches the plugins; every other error answer of these handlers is JSON too.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncGenerator, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import tornado.web
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from tornado.http1connection import HTTP1Connection
from tornado.httputil import HTTPFile, HTTPServerRequest

from app.facerouter._record import FrameRecorder
from app.facerouter._router import FrameRejected, FrameRouter
from app.facerouter._wire import RawPart, decode_frame, malformed
from app.plugins import FrameParams, FrHTTPRequest, PluginContext
from app.protocol import ErrorCode, ProtocolError, bad_param

log = logging.getLogger(__name__)

#: The path FindFace video workers post to by default.
FRAME_PATH = "/v0/frame"

#: Largest frame body accepted by default (a 4K JPEG frame is a few MiB).
DEFAULT_MAX_FRAME_BYTES = 32 << 20

#: Largest text part accepted (JSON fields are small; images are file parts).
_MAX_TEXT_PART = 1 << 20

#: tornado's own body limit is lifted for frame requests: `FrameHandler` enforces
#: `max_frame_bytes` itself, so that the refusal is a JSON answer rather than a bare 400.
_NO_TORNADO_LIMIT = 1 << 62


async def _once(body: bytes) -> AsyncGenerator[bytes, None]:
    yield body


async def read_parts(content_type: str, body: bytes) -> list[RawPart]:
    """The parts of a `multipart/form-data` body, in order; MALFORMED_REQUEST if unreadable."""
    if not content_type.startswith("multipart/form-data"):
        raise malformed(f"a frame must be multipart/form-data, got {content_type or 'no body'!r}")
    parser = MultiPartParser(
        Headers({"content-type": content_type}), _once(body), max_part_size=_MAX_TEXT_PART
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise malformed(f"unreadable multipart body: {exc.message}") from exc
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


def frame_request(
    request: HTTPServerRequest,
    parts: Sequence[RawPart],
    params: FrameParams,
    ctx: PluginContext,
) -> FrHTTPRequest:
    """`request` made FindFace's `FrHTTPRequest`: its `files`, `body_arguments` and `arguments`
    filled from the frame's parts (as tornado fills them), plus `params` and `ctx`."""
    for part in parts:
        if part.is_file:
            upload = HTTPFile(
                filename=part.filename or part.name,
                body=part.data,
                content_type=part.content_type or "application/octet-stream",
            )
            request.files.setdefault(part.name, []).append(upload)
        else:
            request.body_arguments.setdefault(part.name, []).append(part.data)
            request.arguments.setdefault(part.name, []).append(part.data)
    # FindFace adds these two attributes to tornado's request object; so does sfdesk.
    setattr(request, "params", params)  # noqa: B010
    setattr(request, "ctx", ctx)  # noqa: B010
    return cast(FrHTTPRequest, request)


class FrameEndpoint:
    """Decodes frame POSTs, records them if asked, runs them through the `FrameRouter`, and
    knows how many are in flight (so that a shutdown lets them finish)."""

    def __init__(
        self,
        router: FrameRouter,
        recorder: FrameRecorder | None = None,
        *,
        max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES,
    ) -> None:
        self.router = router
        self.recorder = recorder
        self.max_frame_bytes = max_frame_bytes
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def handle(self, request: HTTPServerRequest) -> tuple[int, dict[str, Any]]:
        """Answer one frame POST whose whole body is in `request.body`: (status, JSON body)."""
        self._in_flight += 1
        self._idle.clear()
        try:
            return await self._handle(request)
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()

    async def _handle(self, request: HTTPServerRequest) -> tuple[int, dict[str, Any]]:
        try:
            parts = await read_parts(request.headers.get("Content-Type", ""), request.body)
            params = decode_frame(parts)
        except ProtocolError as exc:
            log.warning("rejected frame posted to %s: %s", request.path, exc)
            return exc.status, exc.body()
        if self.recorder is not None:
            try:
                await asyncio.to_thread(
                    self.recorder.save, parts, path=request.path, received=datetime.now(UTC)
                )
            except OSError:  # a full disk must not stop the plugins from seeing the frame
                log.exception("cannot record the frame in %s", self.recorder.directory)
        frame = frame_request(request, parts, params, self.router.manager.ctx)
        try:
            result = await self.router.route(frame)
        except FrameRejected as exc:
            return exc.status, exc.body()
        return 200, result.body()

    async def drain(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the frames in flight; True when none is left."""
        try:
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        except TimeoutError:
            return False
        return True

    def __repr__(self) -> str:
        return f"FrameEndpoint({self.router!r}, recorder={self.recorder!r})"


class _JSONHandler(tornado.web.RequestHandler):
    """Answers JSON, errors included (`{code, reason}` instead of tornado's HTML pages)."""

    def answer(self, status: int, body: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        code = ErrorCode.UNKNOWN_ERROR if status_code >= 500 else ErrorCode.BAD_PARAM
        if status_code in (404, 405):
            code = ErrorCode.NOT_FOUND
        reason = self._reason or "error"
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"code": str(code), "reason": reason}))


@tornado.web.stream_request_body
class FrameHandler(_JSONHandler):
    """A frame POST, read within `max_frame_bytes`; on the catch-all route anything but a POST
    is a 404."""

    def initialize(self, endpoint: FrameEndpoint, catch_all: bool = False) -> None:
        self.endpoint = endpoint
        self.catch_all = catch_all
        self._chunks: list[bytes] = []
        self._size = 0
        self._refused = False

    def _refuse(self, size: int) -> None:
        limit = self.endpoint.max_frame_bytes
        error = bad_param("body", f"{size} bytes", f"a frame is at most {limit} bytes")
        log.warning("refused a frame posted to %s: %s", self.request.path, error.reason)
        self._refused = True
        self._chunks = []  # nothing of the refused body is kept
        self.answer(error.status, error.body())

    def prepare(self) -> None:
        if self.request.method != "POST":
            if self.catch_all:
                error = ProtocolError(ErrorCode.NOT_FOUND, f"no route {self.request.path!r}")
                self.answer(error.status, error.body())
            else:
                self.answer(405, {"code": "BAD_PARAM", "reason": "a frame is a POST"})
            return
        connection = self.request.connection
        if isinstance(connection, HTTP1Connection):
            connection.set_max_body_size(_NO_TORNADO_LIMIT)
        declared = self.request.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.endpoint.max_frame_bytes:
            self._refuse(int(declared))

    def data_received(self, chunk: bytes) -> None:
        if self._refused or self._finished:
            return
        self._size += len(chunk)
        if self._size > self.endpoint.max_frame_bytes:
            self._refuse(self._size)
            return
        self._chunks.append(chunk)

    async def post(self, *args: str) -> None:
        if self._refused:
            return
        self.request.body, self._chunks = b"".join(self._chunks), []
        status, body = await self.endpoint.handle(self.request)
        self.answer(status, body)


class StatusHandler(_JSONHandler):
    """`GET /v0/status`: the loaded plugins."""

    def initialize(self, endpoint: FrameEndpoint) -> None:
        self.endpoint = endpoint

    def get(self) -> None:
        self.answer(200, {"status": "ok", "plugins": list(self.endpoint.router.manager.plugins)})


def create_app(endpoint: FrameEndpoint) -> tornado.web.Application:
    """The facerouter application around `endpoint`; plugins add their handlers with
    `app.add_handlers(host_pattern, [...])`, which take precedence over the catch-all."""
    return tornado.web.Application(
        [
            (FRAME_PATH, FrameHandler, {"endpoint": endpoint}),
            ("/v0/status", StatusHandler, {"endpoint": endpoint}),
            (r"/.*", FrameHandler, {"endpoint": endpoint, "catch_all": True}),
        ]
    )
