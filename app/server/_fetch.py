"""Fetching the image named by a `text/x-url` body (stdlib urllib, run in a worker thread).

Only http and https; the host name must be allowed by `UrlFetchSettings.allowed_hosts`, then
the name is resolved once, every address it resolves to must be allowed too, and the connection
goes to a checked address (no second lookup a rebinding DNS server could answer differently;
also after redirects). Nothing is sent to a refused address, not even a TCP or TLS hello, and
every refusal has the same text, so answers do not tell open internal ports from closed ones.
The download is bounded in size and in total time: a watchdog shuts the connection down when the
time is up, since per-read socket timeouts alone let a peer that drips one byte at a time hold a
worker for ever. Every refusal or failure is BAD_PARAM with param "url".
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import ipaddress
import socket
import ssl
import threading
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from app.common import UrlFetchSettings
from app.protocol import ProtocolError, bad_param

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: The one reason of every refusal by policy: a host name not allowed, an address not allowed,
#: or a name that does not resolve (telling these apart would map the internal network).
REFUSED = "the URL's host is not allowed by the server config or cannot be found"


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
    """The host or one of its addresses is not allowed, or it does not resolve."""


def _connect_checked(
    host: str, port: int, timeout: float | None, policy: HostPolicy, deadline: _Deadline
) -> socket.socket:
    """A TCP connection to `host`: resolved once, every address checked, a checked one used."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise _Refused(REFUSED) from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses or not all(policy.address_allowed(host, a) for a in addresses):
        raise _Refused(REFUSED)
    failure: OSError = _Refused(REFUSED)
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        deadline.watch(sock)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
        except OSError as exc:
            sock.close()
            failure = exc
            continue
        return sock
    raise failure


class _Deadline:
    """Shuts down the connections of one download once its time is up."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


class _CheckedHTTP(http.client.HTTPConnection):
    def __init__(self, *args: Any, policy: HostPolicy, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._policy = policy
        self._deadline = deadline

    def connect(self) -> None:
        self.sock = _connect_checked(
            self.host, self.port, self.timeout, self._policy, self._deadline
        )


class _CheckedHTTPS(http.client.HTTPSConnection):
    def __init__(
        self,
        *args: Any,
        policy: HostPolicy,
        deadline: _Deadline,
        context: ssl.SSLContext | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, context=context, **kwargs)
        self._policy = policy
        self._deadline = deadline
        self._tls = context if context is not None else ssl.create_default_context()

    def connect(self) -> None:
        # The TLS hello goes only to an address that has passed the check.
        sock = _connect_checked(self.host, self.port, self.timeout, self._policy, self._deadline)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def _opener(policy: HostPolicy, deadline: _Deadline) -> urllib.request.OpenerDirector:
    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(
                functools.partial(_CheckedHTTP, policy=policy, deadline=deadline), req
            )

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(
                functools.partial(_CheckedHTTPS, policy=policy, deadline=deadline), req
            )

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
    try:
        host.encode("idna")  # what the resolver will do: labels of 1 to 63 characters, ...
    except UnicodeError:
        raise bad_param("url", url, "the URL's host is not a valid host name") from None
    if not policy.name_allowed(host):
        raise bad_param("url", url, REFUSED)


class UrlFetcher:
    """Downloads images for `text/x-url` requests within the configured limits."""

    def __init__(self, settings: UrlFetchSettings) -> None:
        self._settings = settings
        self._policy = HostPolicy(settings.allowed_hosts)

    def fetch(self, url: str) -> bytes:
        """The body at `url` (blocking; call it from a worker thread)."""
        url = url.strip()
        check_url(url, self._policy)
        deadline = _Deadline(self._settings.timeout_seconds)
        try:
            data = self._download(url, deadline)
        except ProtocolError:
            raise
        except Exception as exc:
            if deadline.expired:
                raise self._too_slow(url) from exc
            failure = self._failure(url, exc)
            if failure is None:
                raise
            raise failure from exc
        finally:
            deadline.cancel()
        if deadline.expired:  # the watchdog's shutdown can look like the end of the body
            raise self._too_slow(url)
        return data

    def _download(self, url: str, deadline: _Deadline) -> bytes:
        limit = self._settings.max_bytes
        request = urllib.request.Request(url, headers={"User-Agent": "sfdesk-sf-api"})
        opener = _opener(self._policy, deadline)
        with opener.open(request, timeout=self._settings.timeout_seconds) as response:
            chunks: list[bytes] = []
            size = 0
            while chunk := response.read1(65536):
                size += len(chunk)
                if size > limit:
                    raise bad_param("url", url, f"the image is larger than {limit} bytes")
                chunks.append(chunk)
            return b"".join(chunks)

    def _too_slow(self, url: str) -> ProtocolError:
        seconds = self._settings.timeout_seconds
        return bad_param("url", url, f"the download took longer than {seconds:g} s")

    @staticmethod
    def _failure(url: str, exc: Exception) -> ProtocolError | None:
        """The BAD_PARAM for a failed download; None for an unexpected exception."""
        if isinstance(exc, urllib.error.HTTPError):
            return bad_param("url", url, f"the URL answered HTTP {exc.code}")
        if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, _Refused):
            return bad_param("url", url, str(exc.reason))
        if isinstance(exc, urllib.error.URLError):
            return bad_param("url", url, f"cannot fetch the URL: {exc.reason}")
        if isinstance(exc, _Refused):
            return bad_param("url", url, str(exc))
        if isinstance(exc, OSError | http.client.HTTPException):
            return bad_param("url", url, f"cannot fetch the URL: {exc}")
        return None

    def __repr__(self) -> str:
        return f"UrlFetcher(allowed_hosts={self._settings.allowed_hosts!r})"
