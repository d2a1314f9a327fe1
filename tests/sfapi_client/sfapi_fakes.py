"""A scripted sf-api behind `httpx.MockTransport`, and helpers to read the recorded requests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx

from app.sfapi_client import Client


class Fake:
    """A scripted sf-api: replies are queued with `reply`, requests are recorded in order."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self._replies: list[Callable[[httpx.Request], httpx.Response]] = []
        self.client = Client("http://sfapi.test", transport=httpx.MockTransport(self._handle))

    def reply(self, status: int = 200, json: Any = None, **kwargs: Any) -> None:
        """Queue one response (`json=` for a JSON body, else httpx.Response keyword args)."""
        if json is not None:
            kwargs["json"] = json
        self._replies.append(lambda request: httpx.Response(status, **kwargs))

    def raise_(self, exc: Exception) -> None:
        """Queue a transport failure."""

        def fail(request: httpx.Request) -> httpx.Response:
            raise exc

        self._replies.append(fail)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self._replies:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        return self._replies.pop(0)(request)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def query(request: httpx.Request) -> list[tuple[str, str]]:
    """The query parameters of a request, in order, repeated keys kept."""
    return list(request.url.params.multi_items())


def body(request: httpx.Request) -> Any:
    """The JSON body of a request."""
    return json.loads(request.content)
