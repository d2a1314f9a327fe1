"""watchlist-alert: search a watch-list gallery and POST a JSON webhook on every match.

For each frame it asks for a feature vector and searches `gallery`; when the best stored face
reaches `threshold` it POSTs this JSON to `webhook_url`:

    {"event_id": 123, "cam_id": "gate-2", "timestamp": "2024-06-10T08:13:20.512+00:00",
     "labels": {...}, "bbox": [x1, y1, x2, y2], "detection": {"id": "...", "features": {...}},
     "match": {"gallery": "watchlist", "face": 42, "confidence": 0.91, "meta": {...}}}

A connection failure, a timeout or a 5xx/408/429 answer is retried up to `attempts` times in
all, waiting `backoff`, 2*`backoff`, 4*`backoff`... seconds in between; another 4xx is not
retried. Keep attempts * timeout plus the waits below the facerouter's `--plugin-timeout`.

Settings (table `[watchlist-alert]` of the facerouter's `--plugin-config` file):
    webhook_url  http:// or https:// URL to POST to           (required)
    gallery      the watch list                               (default "watchlist")
    threshold    confidence from which a face is a match      (default 0.75)
    attempts     delivery attempts per match                  (default 3)
    backoff      seconds before the first retry               (default 0.5)
    timeout      seconds per attempt                          (default 3.0)
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx  # plugins are user code outside app/: any library will do

from app.plugins import BBox, Feature, FrHTTPRequest, Plugin, PluginContext
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
}

_RETRY_STATUSES = frozenset({408, 429})


def check_webhook_url(url: str) -> str:
    """`url` if it is an absolute http(s) URL, else ValueError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"webhook_url must be an http:// or https:// URL, got {url!r}")
    return url


class WatchlistAlert(Plugin):
    """Alerts a webhook when a face of the watch list is seen."""

    def __init__(self, ctx: PluginContext, settings: Mapping[str, Any]) -> None:
        super().__init__(ctx)
        self.url = check_webhook_url(settings["webhook_url"])
        self.gallery = ctx.sfapi.gallery(check_gallery_name(settings["gallery"]))
        self.threshold = float(settings["threshold"])
        self.attempts = max(1, int(settings["attempts"]))
        self.backoff = float(settings["backoff"])
        self._http = httpx.AsyncClient(timeout=settings["timeout"], trust_env=False)
        self.sent = 0

    async def preprocess(
        self, request: FrHTTPRequest, labels: Mapping[str, str]
    ) -> tuple[Feature, ...]:
        return ("facen",)

    async def _deliver(self, payload: dict[str, Any]) -> bool:
        for attempt in range(1, self.attempts + 1):
            try:
                response = await self._http.post(self.url, json=payload)
            except httpx.HTTPError as exc:
                self.log.warning("webhook attempt %d/%d failed: %r", attempt, self.attempts, exc)
            else:
                if response.is_success:
                    return True
                self.log.warning(
                    "webhook attempt %d/%d: HTTP %d", attempt, self.attempts, response.status_code
                )
                if response.is_client_error and response.status_code not in _RETRY_STATUSES:
                    return False
            if attempt < self.attempts:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        return False

    async def process(
        self,
        request: FrHTTPRequest,
        photo: bytes | None,
        bbox: BBox,
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
            "bbox": list(bbox),
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
