"""Page cursors: opaque base64url JSON naming the sort, where the page ended and the query it is
for.

A listing's cursor holds the last id seen; a similarity search's (sort "-confidence") holds the
last (cosine, id) seen, the search continuing strictly after it in the order cosine descending,
id ascending. A cursor only continues the query it came from: the fingerprint of the gallery
and filters (with `looks_like` and `threshold`) is part of it, so reusing it with other filters
(or editing it) is BAD_PARAM with param "page".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from app.protocol import UINT64_MAX, bad_param
from app.storage import After

_VERSION = 1


def fingerprint(gallery: str, filters: Sequence[tuple[str, str]]) -> str:
    """A short digest of the gallery and the (normalised, sorted) filter parameters."""
    canonical = json.dumps([gallery, sorted(filters)], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(sort: str, after: int | After, bound_to: str) -> str:
    """The `next_page` value continuing after face id `after` (a listing) or after the
    (cosine, id) `after` (a search)."""
    position: Any = after if isinstance(after, int) else [after.cosine, after.id]
    doc = {"v": _VERSION, "sort": sort, "after": position, "f": bound_to}
    raw = json.dumps(doc, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _face_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= UINT64_MAX


def _cosine(value: object) -> bool:
    # A unit vector compared with itself may exceed 1 in the last bits; NaN fails too.
    return isinstance(value, float) and -1.01 <= value <= 1.01


def _not_ours(cursor: str) -> Exception:
    return bad_param("page", cursor, "not a page cursor returned by this server")


def _position(cursor: str, sort: str, bound_to: str) -> object:
    """The cursor's `after`, checked to be ours and for this query (not its shape)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        doc = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise _not_ours(cursor) from None
    if not isinstance(doc, dict) or doc.get("v") != _VERSION:
        raise _not_ours(cursor)
    if doc.get("sort") != sort or doc.get("f") != bound_to:
        raise bad_param("page", cursor, "the cursor belongs to a query with other filters or sort")
    return doc.get("after")


def decode_cursor(cursor: str, sort: str, bound_to: str) -> int:
    """The id to continue after; BAD_PARAM "page" unless the cursor is ours and for this query."""
    after = _position(cursor, sort, bound_to)
    if not _face_id(after):
        raise _not_ours(cursor)
    assert isinstance(after, int)
    return after


def decode_match_cursor(cursor: str, bound_to: str) -> After:
    """The (cosine, id) a search continues after; BAD_PARAM "page" as `decode_cursor`."""
    after = _position(cursor, "-confidence", bound_to)
    if not (
        isinstance(after, list) and len(after) == 2 and _cosine(after[0]) and _face_id(after[1])
    ):
        raise _not_ours(cursor)
    return After(cosine=after[0], id=after[1])
