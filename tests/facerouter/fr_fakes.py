"""Fakes of the facerouter's neighbours (the sf-api client), frame builders, test plugins."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.facerouter._wire import RawPart, frame_parts
from app.sfapi_client import BBox, DetectFace, DetectResponse, SFApiError


class FakeClient:
    """An sf-api client that answers `detect` with the faces it is given and records calls."""

    def __init__(self, faces: list[DetectFace] | None = None) -> None:
        self.faces = faces if faces is not None else [face("det-1", 0, 0, 112, 112)]
        self.detect_calls: list[dict[str, Any]] = []
        self.error: SFApiError | None = None
        self.closed = False

    async def detect(self, **kwargs: Any) -> DetectResponse:
        self.detect_calls.append(kwargs)
        if self.error is not None:
            raise self.error
        return DetectResponse(self.faces)

    def gallery(self, name: str) -> Any:
        raise AssertionError("the frame pipeline never touches galleries itself")

    async def aclose(self) -> None:
        self.closed = True


def face(det_id: str, left: int, top: int, right: int, bottom: int) -> DetectFace:
    return DetectFace(det_id, BBox(left, top, right, bottom), {"score": 0.9, "quality": 0.8})


def good_parts(**overrides: Any) -> list[RawPart]:
    """The parts of a well-formed frame; keyword arguments replace `frame_parts` arguments."""
    args: dict[str, Any] = {
        "cam_id": "gate-2",
        "timestamp": datetime(2024, 6, 10, 8, 13, 20, 512000, tzinfo=UTC),
        "bbox": (812, 140, 955, 283),
        "photo": b"\xff\xd8jpeg-bytes",
        "face0": b"\x89PNG-bytes",
        "detector_params": {"score": 0.97, "track": {"id": 77}},
        "bs_type": "overall",
        "labels": {"site": "hq", "zone": "entrance"},
    }
    args.update(overrides)
    return frame_parts(**args)


#: A plugin that records what it is given (on the context, shared across module reloads).
RECORDING_PLUGIN = """
from app.plugins import Plugin

class Recording(Plugin):
    def __init__(self, ctx, features):
        super().__init__(ctx)
        self.features = features
        self.preprocessed = []
        self.processed = []
        self.shut = False

    async def preprocess(self, request, labels):
        self.preprocessed.append((request, dict(labels)))
        return self.features

    async def process(self, request, photo, bbox, event_id, detection):
        self.processed.append((request, photo, bbox, event_id, detection))

    async def shutdown(self):
        self.shut = True

def activate(app, ctx, plugin_name, plugin_source):
    return Recording(ctx, tuple(ctx.config(plugin_name).get("features", ["facen"])))
"""

RAISING_PLUGIN = """
from app.plugins import Plugin

class Raising(Plugin):
    async def preprocess(self, request, labels):
        return ("gender",)

    async def process(self, request, photo, bbox, event_id, detection):
        raise RuntimeError("boom")

def activate(app, ctx, plugin_name, plugin_source):
    return Raising(ctx)
"""

HANGING_PLUGIN = """
import asyncio
from app.plugins import Plugin

class Hanging(Plugin):
    async def preprocess(self, request, labels):
        return ("age",)

    async def process(self, request, photo, bbox, event_id, detection):
        await asyncio.sleep(3600)

def activate(app, ctx, plugin_name, plugin_source):
    return Hanging(ctx)
"""


def read_event(proc: Any, timeout: float) -> dict[str, Any]:
    """The next JSON event line a child process writes on stdout (fails after `timeout`)."""
    import json
    import select
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            line = proc.stdout.readline()
            if not line:
                break
            try:
                event: dict[str, Any] = json.loads(line)
            except ValueError:
                continue  # not an event line
            return event
        if proc.poll() is not None:
            break
    raise AssertionError(f"no event from {proc.args!r} (exit code {proc.poll()})")
