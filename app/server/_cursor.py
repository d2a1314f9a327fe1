"""Page cursors: opaque base64url JSON naming the sort, the last id seen and the filters it is for.

A cursor only continues the listing it came from: the fingerprint of the gallery and filters is
part of it, so reusing it with other filters (or editing it) is BAD_PARAM with param "page".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence

from app.protocol import UINT64_MAX, bad_param

_VERSION = 1


def fingerprint(gallery: str, filters: Sequence[tuple[str, str]]) -> str:
    """A short digest of the gallery and the (normalised, sorted) filter parameters."""
    canonical = json.dumps([gallery, sorted(filters)], separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(sort: str, after: int, bound_to: str) -> str:
    """The `next_page` value continuing after face id `after`."""
    doc = {"v": _VERSION, "sort": sort, "after": after, "f": bound_to}
    raw = json.dumps(doc, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, sort: str, bound_to: str) -> int:
    """The id to continue after; BAD_PARAM "page" unless the cursor is ours and for this query."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        doc = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):  # deep nesting too
        raise bad_param("page", cursor, "not a page cursor returned by this server") from None
    after = doc.get("after") if isinstance(doc, dict) else None
    if (
        not isinstance(doc, dict)
        or doc.get("v") != _VERSION
        or not isinstance(after, int)
        or isinstance(after, bool)
        or not 0 <= after <= UINT64_MAX
    ):
        raise bad_param("page", cursor, "not a page cursor returned by this server")
    if doc.get("sort") != sort or doc.get("f") != bound_to:
        raise bad_param(
            "page", cursor, "the cursor belongs to a listing with other filters or sort"
        )
    return after
