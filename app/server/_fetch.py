"""Fetching the image named by a `text/x-url` body (stdlib urllib, run in a worker thread).

Only http and https; the host must be allowed by `UrlFetchSettings.allowed_hosts`, and the
address actually connected to is checked as well (also after redirects), so a public name that
resolves to a loopback or private address is refused unless that address is explicitly allowed.
The download is bounded in size and time. Every refusal or failure is BAD_PARAM with param "url".
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import socket
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from app.common import UrlFetchSettings
from app.protocol import ProtocolError, bad_param

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class HostPolicy:
    """Which host names and addresses a URL may point to."""

    def __init__(self, allowed: tuple[str, ...]) -> None:
        self._any_public = "*" in allowed
        self._names = {a.lower() for a in allowed if not a.startswith("*") and not _is_net(a)}
        self._suffixes = tuple(a[1:].lower() for a in allowed if a.startswith("*."))
        self._networks = [ipaddress.ip_network(a, strict=False) for a in allowed if _is_net(a)]

    def name_allowed(self, host: str) -> bool:
        """Whether the host name itself is acceptable (its addresses are checked on connect)."""
        host = host.lower()
        return (
            self._any_public
            or host in self._names
            or host.endswith(self._suffixes)
            or (_is_net(host) and self._listed(ipaddress.ip_address(host)))
        )

    def address_allowed(self, host: str, address: IPAddress) -> bool:
        """Whether connecting to `address` (found for `host`) is acceptable."""
        if (
            self._listed(address)
            or host.lower() in self._names
            or host.lower().endswith(self._suffixes)
        ):
            return True
        return self._any_public and address.is_global

    def _listed(self, address: IPAddress) -> bool:
        return any(address in net for net in self._networks)

    def __repr__(self) -> str:
        return (
            f"HostPolicy(any_public={self._any_public}, names={sorted(self._names)!r}, "
            f"suffixes={self._suffixes!r}, networks={[str(n) for n in self._networks]!r})"
        )


def _is_net(text: str) -> bool:
    try:
        ipaddress.ip_network(text.strip("[]"), strict=False)
    except ValueError:
        return False
    return True


class _Refused(OSError):
    """The connected address is not allowed."""


def _check_peer(sock: socket.socket, host: str, policy: HostPolicy) -> None:
    peer = ipaddress.ip_address(sock.getpeername()[0].split("%", 1)[0])
    if not policy.address_allowed(host, peer):
        sock.close()
        raise _Refused(f"the address {peer} of {host} is not allowed")


class _CheckedHTTP(http.client.HTTPConnection):
    def __init__(self, *args: Any, policy: HostPolicy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._policy = policy

    def connect(self) -> None:
        super().connect()
        _check_peer(self.sock, self.host, self._policy)


class _CheckedHTTPS(http.client.HTTPSConnection):
    def __init__(self, *args: Any, policy: HostPolicy, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._policy = policy

    def connect(self) -> None:
        super().connect()  # the TLS handshake has run; the peer check still precedes any request
        _check_peer(self.sock, self.host, self._policy)


def _opener(policy: HostPolicy) -> urllib.request.OpenerDirector:
    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(functools.partial(_CheckedHTTP, policy=policy), req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(functools.partial(_CheckedHTTPS, policy=policy), req)

    class Redirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(
            self,
            req: urllib.request.Request,
            fp: Any,
            code: int,
            msg: str,
            headers: Any,
            newurl: str,
        ) -> urllib.request.Request | None:
            try:
                check_url(newurl, policy)
            except ProtocolError:
                fp.close()  # urllib closes the redirect response only when it follows it
                raise
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler({}),
        urllib.request.UnknownHandler(),
        HTTPHandler(),
        HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        Redirects(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener


def check_url(url: str, policy: HostPolicy) -> None:
    """BAD_PARAM "url" unless `url` is an absolute http(s) URL to an allowed host name."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise bad_param("url", url, "not a valid URL") from None
    if parts.scheme not in ("http", "https") or not host:
        raise bad_param("url", url, "only absolute http and https URLs are accepted")
    if not policy.name_allowed(host):
        raise bad_param("url", url, f"the host {host} is not allowed by the server config")


class UrlFetcher:
    """Downloads images for `text/x-url` requests within the configured limits."""

    def __init__(self, settings: UrlFetchSettings) -> None:
        self._settings = settings
        self._policy = HostPolicy(settings.allowed_hosts)
        self._opener = _opener(self._policy)

    def fetch(self, url: str) -> bytes:
        """The body at `url` (blocking; call it from a worker thread)."""
        url = url.strip()
        check_url(url, self._policy)
        limit = self._settings.max_bytes
        deadline = time.monotonic() + self._settings.timeout_seconds
        request = urllib.request.Request(url, headers={"User-Agent": "sfdesk-sf-api"})
        try:
            with self._opener.open(request, timeout=self._settings.timeout_seconds) as response:
                chunks: list[bytes] = []
                size = 0
                while chunk := response.read(65536):
                    size += len(chunk)
                    if size > limit:
                        raise bad_param("url", url, f"the image is larger than {limit} bytes")
                    if time.monotonic() > deadline:
                        raise bad_param("url", url, "the download took too long")
                    chunks.append(chunk)
                return b"".join(chunks)
        except ProtocolError:
            raise
        except _Refused as exc:
            raise bad_param("url", url, str(exc)) from exc
        except urllib.error.HTTPError as exc:
            raise bad_param("url", url, f"the URL answered HTTP {exc.code}") from exc
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, _Refused):
                raise bad_param("url", url, str(reason)) from exc
            raise bad_param("url", url, f"cannot fetch the URL: {reason}") from exc
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise bad_param("url", url, f"cannot fetch the URL: {exc}") from exc

    def __repr__(self) -> str:
        return f"UrlFetcher(allowed_hosts={self._settings.allowed_hosts!r})"
