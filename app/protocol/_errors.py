"""The sf-api error codes, their HTTP statuses, and the error body: one table for server and client.

The table follows `docs/protocol.md` (§5.2 of the protocol notes). The server raises
`ProtocolError` and renders `ProtocolError.body()`; the client picks its exception class by
`ErrorCode` from the same table, so a code can never mean different things on the two sides.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from app.protocol._text import readable_text


class ErrorCode(StrEnum):
    """Machine-readable error codes of the sf-api protocol."""

    UNKNOWN_ERROR = "UNKNOWN_ERROR"
    BAD_PARAM = "BAD_PARAM"
    MALFORMED_REQUEST = "MALFORMED_REQUEST"
    CONFLICT = "CONFLICT"
    NOT_FOUND = "NOT_FOUND"
    GALLERY_NOT_FOUND = "GALLERY_NOT_FOUND"
    SOURCE_NOT_FOUND = "SOURCE_NOT_FOUND"
    SOURCE_GALLERY_NOT_FOUND = "SOURCE_GALLERY_NOT_FOUND"
    OVER_CAPACITY = "OVER_CAPACITY"
    EXTRACTION_ERROR = "EXTRACTION_ERROR"
    LICENSE_ERROR = "LICENSE_ERROR"
    STORAGE_ERROR = "STORAGE_ERROR"
    CACHE_ERROR = "CACHE_ERROR"
    NOT_IMPLEMENTED = "NOT_IMPLEMENTED"
    UNAUTHORIZED = "UNAUTHORIZED"


#: HTTP status of each code. UNAUTHORIZED is an sfdesk extension (token auth off loopback).
HTTP_STATUS: Mapping[ErrorCode, int] = {
    ErrorCode.UNKNOWN_ERROR: 500,
    ErrorCode.BAD_PARAM: 400,
    ErrorCode.MALFORMED_REQUEST: 400,
    ErrorCode.CONFLICT: 409,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.GALLERY_NOT_FOUND: 404,
    ErrorCode.SOURCE_NOT_FOUND: 400,
    ErrorCode.SOURCE_GALLERY_NOT_FOUND: 400,
    ErrorCode.OVER_CAPACITY: 429,
    ErrorCode.EXTRACTION_ERROR: 503,
    ErrorCode.LICENSE_ERROR: 503,
    ErrorCode.STORAGE_ERROR: 503,
    ErrorCode.CACHE_ERROR: 503,
    ErrorCode.NOT_IMPLEMENTED: 501,
    ErrorCode.UNAUTHORIZED: 401,
}


class ProtocolError(Exception):
    """An error that crosses the wire as `{code, reason, param?, value?}` with its HTTP status.

    Lower layers (vision, storage) raise subclasses of this, so the server renders every
    expected failure the same way and the client can rebuild it from the body.
    """

    def __init__(
        self,
        code: ErrorCode,
        reason: str,
        *,
        param: str | None = None,
        value: Any = None,
    ) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = ErrorCode(code)
        self.reason = reason
        self.param = param
        self.value = value

    @property
    def status(self) -> int:
        """The HTTP status this error is sent with."""
        return HTTP_STATUS[self.code]

    def body(self) -> dict[str, Any]:
        """The JSON error body; `param`/`value` only when known (value rendered as a string).

        Every text is made encodable: a refused value may be the very text that is not valid
        Unicode, and echoing it must not turn a 400 into a 500.
        """
        out: dict[str, Any] = {"code": str(self.code), "reason": readable_text(self.reason)}
        if self.param is not None:
            out["param"] = readable_text(self.param)
        if self.value is not None:
            value = self.value if isinstance(self.value, str) else repr(self.value)
            out["value"] = readable_text(value)
        return out

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!s}, reason={self.reason!r}, "
            f"param={self.param!r}, value={self.value!r})"
        )


def bad_param(param: str, value: Any, reason: str) -> ProtocolError:
    """Shorthand for the most common error: BAD_PARAM naming the parameter and its value."""
    return ProtocolError(ErrorCode.BAD_PARAM, reason, param=param, value=value)
