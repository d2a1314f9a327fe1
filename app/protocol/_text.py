"""Text that can cross the wire: telling valid Unicode apart, and repairing stored text for output.

JSON lets a string carry a lone UTF-16 surrogate (`"\\ud800"`); Python keeps it, but no UTF-8
encoder will, so such a value accepted once would make every later answer that contains it fail.
Input is refused (`app.protocol.check_text`); output that may hold old stored values, or echo a
refused one, goes through `readable_text`.
"""

from __future__ import annotations


def is_text(value: str) -> bool:
    """Whether `value` can be encoded as UTF-8 (it holds no lone surrogate)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def readable_text(value: str) -> str:
    """`value` with every lone surrogate replaced by U+FFFD (a split pair becomes its character)."""
    if is_text(value):
        return value
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
