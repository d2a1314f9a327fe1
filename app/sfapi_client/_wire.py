"""Small pieces of the wire format shared by `Client` and `Gallery`: path segments and bodies."""

from __future__ import annotations

from urllib.parse import quote

import httpx


def path_segment(value: str) -> str:
    """`value` quoted to be exactly one URL path segment."""
    return quote(value, safe="")


def image_body(response: httpx.Response) -> bytes:
    """The body of an image response (ValueError if the server sent something else)."""
    content_type = response.headers.get("content-type", "")
    if not content_type.startswith("image/"):
        raise ValueError(f"expected an image, got content type {content_type!r}")
    return response.content


def no_body(response: httpx.Response) -> None:
    """For requests whose success body carries nothing the caller needs (any 2xx will do)."""
