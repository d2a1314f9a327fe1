"""Value rules shared by client and server: gallery names, uint64 ids, boolean flags and text."""

from __future__ import annotations

import re

from app.protocol._errors import bad_param
from app.protocol._text import is_text

#: Accepted gallery names (docs/protocol.md: decision [I] of the protocol notes, kept as is).
GALLERY_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
UINT64_MAX = 2**64 - 1

#: The reason given for text that is not valid Unicode.
_NOT_UNICODE = "must be valid Unicode text (a lone surrogate such as \\ud800 is not)"

_TRUE = {"1", "yes", "true", "on"}
_FALSE = {"0", "no", "false", "off", ""}


def check_gallery_name(name: str, param: str = "gallery") -> str:
    """Return `name` if it is a valid gallery name, else raise BAD_PARAM naming `param`."""
    if not isinstance(name, str) or not GALLERY_NAME_RE.fullmatch(name):
        raise bad_param(param, name, "gallery name must match ^[A-Za-z0-9_-]{1,64}$")
    return name


def parse_uint64(text: str | int, param: str) -> int:
    """Parse a decimal uint64 exactly (no float rounding), else raise BAD_PARAM naming `param`."""
    if isinstance(text, bool):
        raise bad_param(param, text, "must be an unsigned 64-bit integer")
    if isinstance(text, int):
        value = text
    else:
        # The length bound also keeps int() below Python's 4300-digit conversion limit.
        if not isinstance(text, str) or not text.isascii() or not text.isdigit() or len(text) > 20:
            raise bad_param(param, text, "must be an unsigned 64-bit integer")
        value = int(text)
    if not 0 <= value <= UINT64_MAX:
        raise bad_param(param, text, "must be an unsigned 64-bit integer")
    return value


def parse_bool(text: str, param: str) -> bool:
    """Parse a boolean query flag: 1/yes/true/on and 0/no/false/off, any case."""
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise bad_param(param, text, "must be a boolean (1/0, yes/no, true/false, on/off)")


def check_text(value: str, param: str) -> str:
    """`value` when it is valid Unicode (no lone surrogate), else BAD_PARAM naming `param`."""
    if not is_text(value):
        raise bad_param(param, value, f"{param} {_NOT_UNICODE}")
    return value
