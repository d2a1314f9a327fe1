"""ASGI middleware: trailing-slash tolerance and bearer-token authentication."""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from app.protocol import ErrorCode, ProtocolError
from app.server._errors import error_response


class StripTrailingSlash:
    """Route `/v2/detect/` like `/v2/detect` (clients use both; redirects would lose bodies)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = dict(scope, path=path.rstrip("/") or "/")
        await self.app(scope, receive, send)


class BearerToken:
    """With a token configured, every request needs `Authorization: Bearer <token>` (else 401)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = token.encode()

    def _authorized(self, header: bytes) -> bool:
        # The scheme name is case-insensitive (RFC 9110 §11.1); the token is compared in
        # constant time.
        scheme, _, given = header.strip().partition(b" ")
        return scheme.lower() == b"bearer" and hmac.compare_digest(given.strip(), self._expected)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if not self._authorized(dict(scope.get("headers", [])).get(b"authorization", b"")):
                reason = "missing or wrong API token (Authorization: Bearer <token>)"
                response = error_response(ProtocolError(ErrorCode.UNAUTHORIZED, reason))
                response.headers["WWW-Authenticate"] = "Bearer"
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
