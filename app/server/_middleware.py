"""ASGI middleware: path normalisation, browser guards, bearer-token auth and request limits.

Everything here answers before the request's body is read, so a refused request costs the
server no memory for its body (uvicorn discards what still arrives).
"""

from __future__ import annotations

import hmac
import ipaddress
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from app.protocol import ErrorCode, ProtocolError, bad_param
from app.server._errors import error_response


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


async def _refuse(error: ProtocolError, scope: Scope, receive: Receive, send: Send) -> None:
    await error_response(error)(scope, receive, send)


class StripTrailingSlash:
    """Route `/v2/detect/` like `/v2/detect` (clients use both; redirects would lose bodies)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = dict(scope, path=path.rstrip("/") or "/")
        await self.app(scope, receive, send)


class EncodedSlash:
    """BAD_PARAM "path" for `%2F` in a path: it would act as a separator once decoded.

    uvicorn hands the router the decoded path, so `/v2/galleries/x%2Ffaces%2F1` would reach
    face 1 of gallery x. No gallery name, face id or detection id contains a slash, so a path
    with an encoded one can only name something that does not exist.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw: bytes = scope.get("raw_path") or b""
        if scope["type"] == "http" and b"%2f" in raw.lower():
            text = raw.decode("latin-1")
            reason = "an encoded slash (%2F) is not allowed in a path"
            await _refuse(bad_param("path", text, reason), scope, receive, send)
            return
        await self.app(scope, receive, send)


def _host_name(host: str) -> str:
    """The name part of a Host header value (without port or IPv6 brackets), lower-cased."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class BrowserGuard:
    """Refuse what only a hostile web page would send: a foreign Host or Origin.

    Without a token, the Host must be an IP address, `localhost`, a `*.localhost` name or one of
    `host_names` ("*": any): a page whose own name resolves to 127.0.0.1 (DNS rebinding) sends
    its own name and is refused. Browsers add `Origin` to cross-origin requests (`null` from
    sandboxes); any Origin but the server's own and `allowed_origins` is refused, also with a
    token. Non-browser clients send neither header in a form that is refused.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        check_host: bool,
        host_names: tuple[str, ...],
        allowed_origins: tuple[str, ...],
    ) -> None:
        self.app = app
        self._check_host = check_host and "*" not in host_names
        self._host_names = {name.lower() for name in host_names}
        self._origins = {origin.lower().rstrip("/") for origin in allowed_origins}

    def _host_allowed(self, name: str) -> bool:
        return (
            not self._check_host
            or name in ("", "localhost")
            or name.endswith(".localhost")
            or name in self._host_names
            or _is_address(name)
        )

    def _origin_allowed(self, origin: str, scope: Scope, host: str) -> bool:
        origin = origin.strip().lower().rstrip("/")
        if origin in self._origins:
            return True
        parts = urlsplit(origin)
        scheme = scope.get("scheme", "http")
        return parts.scheme == scheme and bool(host) and parts.netloc == host.strip().lower()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = (_header(scope, b"host") or b"").decode("latin-1")
            name = _host_name(host)
            if not self._host_allowed(name):
                reason = (
                    f"this server does not answer to the host name {name!r} (add it to "
                    "host_names in the server config to accept it)"
                )
                await _refuse(bad_param("Host", host, reason), scope, receive, send)
                return
            origin = _header(scope, b"origin")
            if origin is not None:
                text = origin.decode("latin-1")
                if not self._origin_allowed(text, scope, host):
                    reason = (
                        f"requests from the web origin {text!r} are not allowed (add it to "
                        "allowed_origins in the server config to accept it)"
                    )
                    await _refuse(bad_param("Origin", text, reason), scope, receive, send)
                    return
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
            if not self._authorized(_header(scope, b"authorization") or b""):
                reason = "missing or wrong API token (Authorization: Bearer <token>)"
                response = error_response(ProtocolError(ErrorCode.UNAUTHORIZED, reason))
                response.headers["WWW-Authenticate"] = "Bearer"
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class RequestLimits:
    """At most `max_requests` requests in progress and `max_body_bytes` of bodies being received.

    A request beyond either bound is answered OVER_CAPACITY at once, before its body is read:
    a declared `Content-Length` counts in full (capped at `max_body`, the most a request may
    send), a body of unknown length as `max_body`.
    """

    def __init__(
        self, app: ASGIApp, *, max_requests: int, max_body_bytes: int, max_body: int
    ) -> None:
        self.app = app
        self._max_requests = max_requests
        self._max_body_bytes = max_body_bytes
        self._max_body = max_body
        self.requests = 0
        self.body_bytes = 0

    def _body_size(self, scope: Scope) -> int:
        declared = _header(scope, b"content-length")
        if declared is not None:
            return min(int(declared), self._max_body) if declared.isdigit() else 0
        chunked = b"chunked" in (_header(scope, b"transfer-encoding") or b"").lower()
        return self._max_body if chunked else 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        size = self._body_size(scope)
        if self.requests >= self._max_requests:
            reason = f"the server has {self.requests} requests in progress; retry later"
        elif size and self.body_bytes + size > self._max_body_bytes:
            reason = "the server is receiving too many request bodies at once; retry later"
        else:
            # One event loop runs every request, so these counters need no lock.
            self.requests += 1
            self.body_bytes += size
            try:
                await self.app(scope, receive, send)
            finally:
                self.requests -= 1
                self.body_bytes -= size
            return
        await _refuse(ProtocolError(ErrorCode.OVER_CAPACITY, reason), scope, receive, send)

    def __repr__(self) -> str:
        return f"RequestLimits(requests={self.requests}, body_bytes={self.body_bytes})"
