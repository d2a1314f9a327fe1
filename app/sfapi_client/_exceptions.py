"""The client's exception tree and the one table that picks a class for each sf-api error code.

```
SFApiError                      base of everything the client raises on purpose
├── SFApiRemoteError            the server answered with an error body {code, reason, param, value}
│   ├── UnknownError            UNKNOWN_ERROR
│   ├── BadParam                BAD_PARAM (param/value name the offending input)
│   ├── MalformedRequest        MALFORMED_REQUEST
│   ├── Conflict                CONFLICT
│   ├── NotFound                NOT_FOUND
│   ├── GalleryNotFound         GALLERY_NOT_FOUND
│   ├── SourceNotFound          SOURCE_NOT_FOUND
│   ├── SourceGalleryNotFound   SOURCE_GALLERY_NOT_FOUND
│   ├── OverCapacity            OVER_CAPACITY
│   ├── ExtractionError         EXTRACTION_ERROR
│   ├── LicenseError            LICENSE_ERROR
│   ├── StorageError            STORAGE_ERROR
│   ├── CacheError              CACHE_ERROR
│   ├── NotImplemented_         NOT_IMPLEMENTED
│   └── Unauthorized            UNAUTHORIZED (sfdesk extension)
└── SFApiMalformedResponseError network failure, timeout, or a response the client cannot read
```

Class names are the CamelCase of the code; `NOT_IMPLEMENTED` becomes `NotImplemented_` with a
trailing underscore (PEP 8's rule for names that would shadow a builtin, here the
`NotImplemented` constant). A code this client does not know yet raises the base
`SFApiRemoteError` with that code, so newer servers never break older clients.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.protocol import HTTP_STATUS, ErrorCode


def _known_code(code: str) -> ErrorCode | None:
    try:
        return ErrorCode(code)
    except ValueError:
        return None


class SFApiError(Exception):
    """Base class of every error the client raises on purpose."""


class SFApiRemoteError(SFApiError):
    """The server refused the request with an sf-api error body.

    `code` is the machine-readable code (an `ErrorCode` when known, else the raw string),
    `reason` the human text, `param`/`value` the offending input (BAD_PARAM), `status` the
    HTTP status it came with. `str()` reads `CODE: reason`, as FindFace logs do.
    """

    def __init__(
        self,
        code: str,
        reason: str,
        param: str | None = None,
        value: Any = None,
        status: int | None = None,
    ) -> None:
        known = _known_code(code)
        self.code: str = code if known is None else known
        self.reason = reason
        self.param = param
        self.value = value
        if status is None and known is not None:
            status = HTTP_STATUS[known]
        self.status = status
        super().__init__(f"{code}: {reason}")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={str(self.code)!r}, reason={self.reason!r}, "
            f"param={self.param!r}, value={self.value!r}, status={self.status!r})"
        )


class UnknownError(SFApiRemoteError):
    """UNKNOWN_ERROR: an unclassified failure on the server."""


class BadParam(SFApiRemoteError):
    """BAD_PARAM: the request was readable but `param` has an invalid `value`."""


class MalformedRequest(SFApiRemoteError):
    """MALFORMED_REQUEST: the body or query could not be parsed (bad JSON, undecodable image)."""


class Conflict(SFApiRemoteError):
    """CONFLICT: the gallery or face id already exists."""


class NotFound(SFApiRemoteError):
    """NOT_FOUND: the face or detection does not exist (or the detection expired)."""


class GalleryNotFound(SFApiRemoteError):
    """GALLERY_NOT_FOUND: the gallery does not exist."""


class SourceNotFound(SFApiRemoteError):
    """SOURCE_NOT_FOUND: the detection or face named as the source of a new face does not exist."""


class SourceGalleryNotFound(SFApiRemoteError):
    """SOURCE_GALLERY_NOT_FOUND: the gallery named in the source of a new face does not exist."""


class OverCapacity(SFApiRemoteError):
    """OVER_CAPACITY: the extraction queue is full; retry later."""


class ExtractionError(SFApiRemoteError):
    """EXTRACTION_ERROR: feature extraction failed."""


class LicenseError(SFApiRemoteError):
    """LICENSE_ERROR: the configuration exceeds the licence."""


class StorageError(SFApiRemoteError):
    """STORAGE_ERROR: the face database is unavailable."""


class CacheError(SFApiRemoteError):
    """CACHE_ERROR: the detection cache is unavailable."""


class NotImplemented_(SFApiRemoteError):
    """NOT_IMPLEMENTED: the server does not implement this feature."""


class Unauthorized(SFApiRemoteError):
    """UNAUTHORIZED (sfdesk extension): the server wants a token and got none or a wrong one."""


class SFApiMalformedResponseError(SFApiError):
    """No usable answer: a network failure, a timeout, or a response the client cannot read.

    The low-level cause (an `httpx` error, a JSON decode error, a missing field) is attached as
    `__cause__`; `status` is the HTTP status when a response arrived at all.
    """

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


#: The one mapping from protocol error code to exception class.
ERROR_CLASSES: Mapping[ErrorCode, type[SFApiRemoteError]] = {
    ErrorCode.UNKNOWN_ERROR: UnknownError,
    ErrorCode.BAD_PARAM: BadParam,
    ErrorCode.MALFORMED_REQUEST: MalformedRequest,
    ErrorCode.CONFLICT: Conflict,
    ErrorCode.NOT_FOUND: NotFound,
    ErrorCode.GALLERY_NOT_FOUND: GalleryNotFound,
    ErrorCode.SOURCE_NOT_FOUND: SourceNotFound,
    ErrorCode.SOURCE_GALLERY_NOT_FOUND: SourceGalleryNotFound,
    ErrorCode.OVER_CAPACITY: OverCapacity,
    ErrorCode.EXTRACTION_ERROR: ExtractionError,
    ErrorCode.LICENSE_ERROR: LicenseError,
    ErrorCode.STORAGE_ERROR: StorageError,
    ErrorCode.CACHE_ERROR: CacheError,
    ErrorCode.NOT_IMPLEMENTED: NotImplemented_,
    ErrorCode.UNAUTHORIZED: Unauthorized,
}


def remote_error(body: Any, status: int) -> SFApiRemoteError:
    """The exception for an error response body; ValueError if `body` is not an error object.

    The human text is read from `reason`, falling back to `desc` (the field name of sibling
    NtechLab APIs).
    """
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        raise ValueError(f"not an sf-api error body: {body!r:.200}")
    code: str = body["code"]
    reason = body.get("reason", body.get("desc", ""))
    param = body.get("param")
    known = _known_code(code)
    cls = SFApiRemoteError if known is None else ERROR_CLASSES[known]
    return cls(
        code,
        reason if isinstance(reason, str) else str(reason),
        param if isinstance(param, str) else None,
        body.get("value"),
        status,
    )
