"""Query-string helpers: unknown parameters, single values, flags and limits."""

from __future__ import annotations

from collections.abc import Collection

from starlette.datastructures import QueryParams

from app.protocol import bad_param, parse_bool


def reject_unknown(params: QueryParams, known: Collection[str]) -> None:
    """BAD_PARAM for the first query parameter that the endpoint does not know."""
    for key in params.keys():
        if key not in known:
            raise bad_param(key, params[key], f"unknown query parameter {key!r}")


def single(params: QueryParams, key: str) -> str | None:
    """The one value of `key`, None when absent; BAD_PARAM when given more than once."""
    values = params.getlist(key)
    if len(values) > 1:
        raise bad_param(key, ",".join(values), f"{key} may be given only once")
    return values[0] if values else None


def flag(params: QueryParams, key: str) -> bool:
    """A boolean flag (absent is false)."""
    value = single(params, key)
    return False if value is None else parse_bool(value, key)


def int_in_range(params: QueryParams, key: str, default: int, low: int, high: int) -> int:
    """A decimal integer in [low, high], `default` when absent."""
    value = single(params, key)
    if value is None:
        return default
    digits = value.isascii() and value.isdigit() and len(value) <= 20
    if not digits or not low <= int(value) <= high:
        raise bad_param(key, value, f"{key} must be an integer between {low} and {high}")
    return int(value)
