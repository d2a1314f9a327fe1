"""Reading request bodies within the size limit, and parsing JSON bodies strictly."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from starlette.requests import ClientDisconnect, Request

from app.protocol import ErrorCode, ProtocolError, bad_param


def media_type(request: Request) -> str:
    """The request's Content-Type without parameters, lower-cased ("" when absent)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The whole body, or BAD_PARAM (param "body") as soon as it exceeds `max_bytes`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(int(declared), max_bytes)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(size, max_bytes)
            chunks.append(chunk)
    except ClientDisconnect:
        raise ProtocolError(ErrorCode.MALFORMED_REQUEST, "the client went away") from None
    return b"".join(chunks)


def _too_large(size: int, max_bytes: int) -> ProtocolError:
    return bad_param("body", f"{size} bytes", f"request body is larger than {max_bytes} bytes")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def read_json_object(request: Request, max_bytes: int, *, optional: bool) -> dict[str, Any]:
    """The body as a JSON object; an empty body is `{}` when `optional`.

    The Content-Type must be absent or JSON (BAD_PARAM param "Content-Type"); unparsable text,
    NaN/Infinity or a non-object is MALFORMED_REQUEST. Integers stay exact (uint64 ids and meta).
    """
    body = await read_body(request, max_bytes)
    kind = media_type(request)
    if kind and kind != "application/json" and not kind.endswith("+json"):
        raise bad_param("Content-Type", kind, "the body must be application/json")
    if not body.strip():
        if optional:
            return {}
        raise ProtocolError(ErrorCode.MALFORMED_REQUEST, "a JSON object body is required")
    try:
        value = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise ProtocolError(ErrorCode.MALFORMED_REQUEST, f"invalid JSON body: {exc}") from exc
    if not isinstance(value, dict):
        raise ProtocolError(ErrorCode.MALFORMED_REQUEST, "the JSON body must be an object")
    return value


def check_keys(body: dict[str, Any], allowed: set[str], *, required: Collection[str] = ()) -> None:
    """BAD_PARAM for a key of `body` outside `allowed` or a missing `required` key."""
    for key in body:
        if key not in allowed:
            raise bad_param(key, key, f"unknown body key {key!r}; allowed: {sorted(allowed)}")
    for key in sorted(required):
        if key not in body:
            raise bad_param(key, None, f"the body must have the key {key!r}")
