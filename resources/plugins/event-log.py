"""event-log: append one JSON line per face event to a file.

Each line holds the event id, camera, frame time, labels, box, best-shot mode, the detection's
id and its features (with the attributes asked for in `features`):

    {"event_id": 123, "cam_id": "gate-2", "timestamp": "2024-06-10T08:13:20.512+00:00",
     "labels": {}, "bbox": [812, 140, 955, 283], "bs_type": "overall",
     "detection_id": "...", "features": {"score": 0.98, "quality": 0.71, "age": 34.6, ...}}

Settings (table `[event-log]` of the facerouter's `--plugin-config` file):
    path      the JSON-lines file (default: facerouter-events.jsonl in the sfdesk data folder)
    features  attributes to extract for the log, any of "facen", "gender", "age", "emotions"
              (default ["gender", "age"]; at least one, or the plugin never sees a face)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.common import user_data_dir
from app.plugins import FEATURES, Feature, FrameBox, FrHTTPRequest, Plugin, PluginContext
from app.sfapi_client import DetectFace

DEFAULTS: Mapping[str, Any] = {"path": "", "features": ["gender", "age"]}


class EventLog(Plugin):
    """Writes face events as JSON lines."""

    def __init__(self, ctx: PluginContext, path: Path, features: tuple[Feature, ...]) -> None:
        super().__init__(ctx)
        self.path = path
        self.features = features
        self._lock = asyncio.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)

    async def preprocess(
        self, request: FrHTTPRequest, labels: Mapping[str, str]
    ) -> tuple[Feature, ...]:
        return self.features

    def _append(self, line: str) -> None:
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    async def process(
        self,
        request: FrHTTPRequest,
        photo: bytes | None,
        bbox: FrameBox,
        event_id: int,
        detection: DetectFace,
    ) -> None:
        params = request.params
        event = {
            "event_id": event_id,
            "cam_id": params.cam_id,
            "timestamp": params.timestamp.isoformat(),
            "labels": params.labels,
            "bbox": [bbox.left, bbox.top, bbox.right, bbox.bottom],
            "bs_type": params.bs_type,
            "detection_id": detection.id,
            "features": detection.features,
        }
        async with self._lock:  # whole lines only, in arrival order
            await asyncio.to_thread(self._append, json.dumps(event, default=str))


def activate(app: object, ctx: PluginContext, plugin_name: str, plugin_source: object) -> Plugin:
    settings = ctx.settings(plugin_name, DEFAULTS)
    features = tuple(settings["features"])
    unknown = [f for f in features if f not in FEATURES]
    if unknown or not features:
        raise ValueError(f"features must be a non-empty list of {FEATURES}, got {features!r}")
    path = (
        Path(settings["path"]) if settings["path"] else user_data_dir() / "facerouter-events.jsonl"
    )
    return EventLog(ctx, path.expanduser(), features)
