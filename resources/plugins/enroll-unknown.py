"""enroll-unknown: add every face that matches nobody in a gallery to that gallery.

For each frame it asks for a feature vector, searches the gallery with the detection and, when
no stored face reaches `threshold`, adds the face under the frame's `event_id` with meta
`cam_id` (string) and `timestamp` (unsigned, Unix seconds). The gallery is created on first
use (with the server's default meta schema, which has both fields).

Settings (table `[enroll-unknown]` of the facerouter's `--plugin-config` file):
    gallery    gallery to search and fill                     (default "unknown")
    threshold  confidence from which a face counts as known   (default 0.75)
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from app.plugins import Feature, FrameBox, FrHTTPRequest, Plugin, PluginContext
from app.protocol import DEFAULT_CONFIDENCE, check_gallery_name
from app.sfapi_client import Conflict, DetectFace, GalleryNotFound
from app.sfapi_client.filters import Detection

DEFAULTS: Mapping[str, Any] = {"gallery": "unknown", "threshold": DEFAULT_CONFIDENCE}


class EnrollUnknown(Plugin):
    """Enrolls unknown faces into one gallery."""

    def __init__(self, ctx: PluginContext, gallery: str, threshold: float) -> None:
        super().__init__(ctx)
        self.gallery = ctx.sfapi.gallery(gallery)
        self.threshold = threshold
        # Search-then-add must not interleave between frames, or one person who shows up in
        # two frames at once would be enrolled twice.
        self._lock = asyncio.Lock()

    async def preprocess(
        self, request: FrHTTPRequest, labels: Mapping[str, str]
    ) -> tuple[Feature, ...]:
        return ("facen",)

    async def _known(self, detection: DetectFace) -> bool:
        try:
            found = await self.gallery.list(filters=[Detection(detection, self.threshold)], limit=1)
        except GalleryNotFound:
            try:
                await self.gallery.create()
                self.log.info("created gallery %r", self.gallery.name)
            except Conflict:  # someone else created it meanwhile
                pass
            return False
        if found:
            self.log.info(
                "known face: %s/%d (confidence %.3f)",
                found[0].id.gallery,
                found[0].id.face,
                found[0].confidence or 0.0,
            )
        return bool(found)

    async def process(
        self,
        request: FrHTTPRequest,
        photo: bytes | None,
        bbox: FrameBox,
        event_id: int,
        detection: DetectFace,
    ) -> None:
        params = request.params
        meta: dict[str, str | int] = {
            "cam_id": params.cam_id,
            "timestamp": max(0, int(params.timestamp.timestamp())),
        }
        async with self._lock:
            if await self._known(detection):
                return
            face = await self.gallery.add(event_id, detection, meta=meta)
        self.log.info("enrolled face %s/%d from %s", face.id.gallery, face.id.face, params.cam_id)


def activate(app: object, ctx: PluginContext, plugin_name: str, plugin_source: object) -> Plugin:
    settings = ctx.settings(plugin_name, DEFAULTS)
    gallery = check_gallery_name(settings["gallery"])
    if not 0.0 <= settings["threshold"] <= 1.0:
        raise ValueError(f"threshold must be within [0, 1], got {settings['threshold']}")
    return EnrollUnknown(ctx, gallery, settings["threshold"])
