"""Exception handlers: every failure leaves as a protocol error body, never as a traceback."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.protocol import ErrorCode, ProtocolError

log = logging.getLogger(__name__)


def error_response(error: ProtocolError) -> JSONResponse:
    """The JSON body `{code, reason, param?, value?}` with the status of the protocol table."""
    return JSONResponse(error.body(), status_code=error.status)


async def protocol_error_handler(request: Request, exc: Exception) -> Response:
    """Expected failures raised by any layer (bad input, missing objects, busy, stores down)."""
    assert isinstance(exc, ProtocolError)
    return error_response(exc)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """Routing failures: unknown paths are NOT_FOUND, wrong methods MALFORMED_REQUEST."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        error = ProtocolError(
            ErrorCode.MALFORMED_REQUEST,
            f"method {request.method} is not allowed on {request.url.path}",
            param="method",
            value=request.method,
        )
        response = error_response(error)
        if exc.headers and "Allow" in exc.headers:
            response.headers["Allow"] = exc.headers["Allow"]
        return response
    if exc.status_code == 404:
        return error_response(
            ProtocolError(ErrorCode.NOT_FOUND, f"no such endpoint: {request.url.path}")
        )
    return error_response(ProtocolError(ErrorCode.MALFORMED_REQUEST, str(exc.detail)))


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    """Bugs: logged with their traceback, answered with a bare UNKNOWN_ERROR."""
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(ProtocolError(ErrorCode.UNKNOWN_ERROR, "internal server error"))
