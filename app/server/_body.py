"""Reading request bodies within the size limit, and parsing JSON bodies strictly.

Strictly means: a non-empty JSON body must say `application/json` (a browser page can send a
body without that type cross-origin, but not with it), a key may appear only once per object
(duplicates are ambiguous: parsers disagree on which one wins), and every string and key must
be valid Unicode (a lone surrogate stored once would break every answer that contains it).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from starlette.requests import ClientDisconnect, Request

from app.protocol import ErrorCode, ProtocolError, bad_param, check_text


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


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


def check_texts(value: Any, where: str = "") -> None:
    """BAD_PARAM for the first string or key in parsed JSON that is not valid Unicode.

    `param` is the dotted path of keys leading to it (`meta.name`, `meta_schema.f.default`);
    items of a list share their list's path. Iterative, so any depth `json` accepts is fine.
    """
    stack: list[tuple[Any, str]] = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            check_text(item, path or "body")
        elif isinstance(item, dict):
            for key, inner in item.items():
                inner_path = f"{path}.{key}" if path else key
                check_text(key, inner_path)
                stack.append((inner, inner_path))
        elif isinstance(item, list):
            stack.extend((inner, path) for inner in item)


async def read_json_object(request: Request, max_bytes: int, *, optional: bool) -> dict[str, Any]:
    """The body as a JSON object; an empty body is `{}` when `optional`.

    A body needs Content-Type `application/json` or `*+json` (BAD_PARAM param "Content-Type");
    an empty one may have none. Unparsable text, NaN/Infinity or a non-object is
    MALFORMED_REQUEST; a key twice in one object or text that is not valid Unicode is BAD_PARAM
    naming it. Integers stay exact (uint64 ids and meta).
    """
    kind = media_type(request)
    if kind and kind != "application/json" and not kind.endswith("+json"):
        raise bad_param("Content-Type", kind, "the body must be application/json")
    body = await read_body(request, max_bytes)
    if not body.strip():
        if optional:
            return {}
        raise ProtocolError(ErrorCode.MALFORMED_REQUEST, "a JSON object body is required")
    if not kind:
        raise bad_param("Content-Type", None, "a JSON body needs Content-Type: application/json")
    try:
        value = json.loads(body, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise bad_param(
            exc.key, exc.key, f"the key {exc.key!r} appears twice in one object"
        ) from None
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise ProtocolError(ErrorCode.MALFORMED_REQUEST, f"invalid JSON body: {exc}") from exc
    if not isinstance(value, dict):
        raise ProtocolError(ErrorCode.MALFORMED_REQUEST, "the JSON body must be an object")
    check_texts(value)
    return value


def check_keys(body: dict[str, Any], allowed: set[str], *, required: Collection[str] = ()) -> None:
    """BAD_PARAM for a key of `body` outside `allowed` or a missing `required` key."""
    for key in body:
        if key not in allowed:
            raise bad_param(key, key, f"unknown body key {key!r}; allowed: {sorted(allowed)}")
    for key in sorted(required):
        if key not in body:
            raise bad_param(key, None, f"the body must have the key {key!r}")
