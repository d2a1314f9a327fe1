"""The wire contract shared by client and server: error codes, value rules, confidence mapping."""

from app.protocol._confidence import (
    COS_CENTER,
    COS_SCALE,
    DEFAULT_CONFIDENCE,
    LENIENT_CONFIDENCE,
    STRICT_CONFIDENCE,
    confidence_from_cosine,
    cosine_from_confidence,
)
from app.protocol._errors import HTTP_STATUS, ErrorCode, ProtocolError, bad_param
from app.protocol._text import readable_text
from app.protocol._values import (
    GALLERY_NAME_RE,
    UINT64_MAX,
    check_gallery_name,
    check_text,
    parse_bool,
    parse_uint64,
)

__all__ = [
    "COS_CENTER",
    "COS_SCALE",
    "DEFAULT_CONFIDENCE",
    "ErrorCode",
    "GALLERY_NAME_RE",
    "HTTP_STATUS",
    "LENIENT_CONFIDENCE",
    "ProtocolError",
    "STRICT_CONFIDENCE",
    "UINT64_MAX",
    "bad_param",
    "check_gallery_name",
    "check_text",
    "confidence_from_cosine",
    "cosine_from_confidence",
    "parse_bool",
    "parse_uint64",
    "readable_text",
]
