"""watchlist-alert: search a watch-list gallery and POST a JSON webhook on every match.

For each frame it asks for a feature vector and searches `gallery`; when the best stored face
reaches `threshold` it POSTs this JSON to `webhook_url`:

    {"event_id": 123, "cam_id": "gate-2", "timestamp": "2024-06-10T08:13:20.512+00:00",
     "labels": {...}, "bbox": [x1, y1, x2, y2], "detection": {"id": "...", "features": {...}},
     "match": {"gallery": "watchlist", "face": 42, "confidence": 0.91, "meta": {...}}}

A connection failure, a timeout or a 5xx/408/429 answer is retried up to `attempts` times in
all, waiting `backoff`, 2*`backoff`, 4*`backoff`... seconds in between; another 4xx is not
retried. Keep attempts * timeout plus the waits below the facerouter's `--plugin-timeout`.

The webhook is contacted like the server fetches `text/x-url` images: only http(s); before each
attempt the host's addresses are resolved and every one must be allowed by `allowed_hosts`
(a host name, `*.domain`, an IP address or CIDR network, or "*" for any host whose addresses are
all public), so loopback, private and link-local targets need an explicit entry; the connection
goes to the checked address (no second lookup to rebind). Redirects are not followed, the
answer's body is never read (only its status), and `timeout` bounds the whole attempt.

Settings (table `[watchlist-alert]` of the facerouter's `--plugin-config` file):
    webhook_url  http:// or https:// URL to POST to           (required)
    gallery      the watch list                               (default "watchlist")
    threshold    confidence from which a face is a match      (default 0.75)
    attempts     delivery attempts per match                  (default 3)
    backoff      seconds before the first retry               (default 0.5)
    timeout      seconds per attempt, all of it                (default 3.0)
    allowed_hosts  hosts the webhook may be on                 (default ["*"]: public ones)
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpx  # plugins are user code outside app/: any library will do

from app.plugins import Feature, FrameBox, FrHTTPRequest, Plugin, PluginContext
from app.protocol import DEFAULT_CONFIDENCE, check_gallery_name
from app.sfapi_client import DetectFace, Face, GalleryNotFound
from app.sfapi_client.filters import Detection

DEFAULTS: Mapping[str, Any] = {
    "webhook_url": "",
    "gallery": "watchlist",
    "threshold": DEFAULT_CONFIDENCE,
    "attempts": 3,
    "backoff": 0.5,
    "timeout": 3.0,
    "allowed_hosts": ["*"],
}

_RETRY_STATUSES = frozenset({408, 429})


def check_webhook_url(url: str) -> str:
    """`url` if it is an absolute http(s) URL, else ValueError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"webhook_url must be an http:// or https:// URL, got {url!r}")
    return url


IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class HostPolicy:
    """Which webhook hosts may be contacted (see the module docstring)."""

    def __init__(self, allowed: Sequence[str]) -> None:
        if not all(isinstance(a, str) and a for a in allowed):
            raise ValueError(f"allowed_hosts must be a list of host names, got {allowed!r}")
        self._any_public = "*" in allowed
        nets = [a for a in allowed if _network(a) is not None]
        self._networks = [n for n in map(_network, nets) if n is not None]
        names = [a.lower() for a in allowed if a != "*" and a not in nets]
        self._names = {n for n in names if not n.startswith("*.")}
        self._suffixes = tuple(n[1:] for n in names if n.startswith("*."))

    def allows(self, host: str, address: IPAddress) -> bool:
        host = host.lower()
        if host in self._names or host.endswith(self._suffixes):
            return True
        if any(address in net for net in self._networks):
            return True
        return self._any_public and address.is_global


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip("[]"), strict=False)
    except ValueError:
        return None


class HostRefused(Exception):
    """The webhook host resolves to an address the policy does not allow."""


class WatchlistAlert(Plugin):
    """Alerts a webhook when a face of the watch list is seen."""

    def __init__(self, ctx: PluginContext, settings: Mapping[str, Any]) -> None:
        super().__init__(ctx)
        self.url = check_webhook_url(settings["webhook_url"])
        self.gallery = ctx.sfapi.gallery(check_gallery_name(settings["gallery"]))
        self.threshold = float(settings["threshold"])
        self.attempts = max(1, int(settings["attempts"]))
        self.backoff = float(settings["backoff"])
        self.timeout = float(settings["timeout"])
        self.hosts = HostPolicy(settings["allowed_hosts"])
        self._http = httpx.AsyncClient(
            timeout=self.timeout, trust_env=False, follow_redirects=False
        )
        self.sent = 0

    async def preprocess(
        self, request: FrHTTPRequest, labels: Mapping[str, str]
    ) -> tuple[Feature, ...]:
        return ("facen",)

    async def _checked_address(self, parts: SplitResult) -> str:
        """An address of the webhook host to connect to; every address must be allowed."""
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
        refused = [str(a) for a in addresses if not self.hosts.allows(host, a)]
        if refused or not addresses:
            raise HostRefused(f"the webhook host {host} is not allowed (addresses {refused})")
        return str(addresses[0])

    async def _post(self, payload: dict[str, Any]) -> int:
        """POST to the checked address of the webhook; the answer's status."""
        parts = urlsplit(self.url)
        address = await self._checked_address(parts)
        literal = f"[{address}]" if ":" in address else address
        port = f":{parts.port}" if parts.port else ""
        pinned = parts._replace(netloc=f"{literal}{port}").geturl()
        request = self._http.build_request(
            "POST",
            pinned,
            json=payload,
            headers={"Host": parts.netloc.rpartition("@")[2]},
            extensions={"sni_hostname": parts.hostname or ""},
        )
        response = await self._http.send(request, stream=True)  # the body is never read
        await response.aclose()
        return response.status_code

    async def _deliver(self, payload: dict[str, Any]) -> bool:
        for attempt in range(1, self.attempts + 1):
            try:
                async with asyncio.timeout(self.timeout):
                    status = await self._post(payload)
            except (HostRefused, socket.gaierror) as exc:
                self.log.error("webhook refused: %s", exc)
                return False
            except (httpx.HTTPError, TimeoutError, OSError) as exc:
                self.log.warning("webhook attempt %d/%d failed: %r", attempt, self.attempts, exc)
            else:
                if 200 <= status < 300:
                    return True
                self.log.warning("webhook attempt %d/%d: HTTP %d", attempt, self.attempts, status)
                if 400 <= status < 500 and status not in _RETRY_STATUSES:
                    return False
            if attempt < self.attempts:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        return False

    async def process(
        self,
        request: FrHTTPRequest,
        photo: bytes | None,
        bbox: FrameBox,
        event_id: int,
        detection: DetectFace,
    ) -> None:
        try:
            found = await self.gallery.list(filters=[Detection(detection, self.threshold)], limit=1)
        except GalleryNotFound:
            self.log.warning("watch-list gallery %r does not exist", self.gallery.name)
            return
        if not found:
            return
        match: Face = found[0]
        params = request.params
        payload = {
            "event_id": event_id,
            "cam_id": params.cam_id,
            "timestamp": params.timestamp.isoformat(),
            "labels": params.labels,
            "bbox": [bbox.left, bbox.top, bbox.right, bbox.bottom],
            "detection": {"id": detection.id, "features": detection.features},
            "match": {
                "gallery": match.id.gallery,
                "face": match.id.face,
                "confidence": match.confidence,
                "meta": match.meta,
            },
        }
        if await self._deliver(payload):
            self.sent += 1
            self.log.info("alert sent: face %d (%.3f)", match.id.face, match.confidence or 0.0)
        else:
            self.log.error("alert for event %d could not be delivered to %s", event_id, self.url)

    async def shutdown(self) -> None:
        await self._http.aclose()


def activate(app: object, ctx: PluginContext, plugin_name: str, plugin_source: object) -> Plugin:
    return WatchlistAlert(ctx, ctx.settings(plugin_name, DEFAULTS))
