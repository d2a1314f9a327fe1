"""The `Plugin` base class: the hooks a facerouter plugin implements, and their contract.

A plugin module exposes `activate(app, ctx, plugin_name, plugin_source)` which returns an
instance of a `Plugin` subclass (FindFace's `facerouter.plugin.Plugin`, importable under that
name inside the facerouter) or any object with the same hooks. For every frame the facerouter
then calls, in this order:

1. `preprocess(request, labels)` on every plugin: which features it needs for this frame.
2. one sf-api `detect` with the union of the requested features (on the normalized face with
   `detector="normalized"` when the frame has one, else on the full photo);
3. `process(request, photo, bbox, event_id, detection)` on every plugin that asked for
   something, with the detection that matches the frame's box.

`shutdown()` is called once when the facerouter stops. Hooks may be coroutines (recommended) or
plain functions. The facerouter runs the plugins of one frame concurrently, each under a
timeout; a hook that raises or overruns is logged with the plugin's name and affects nothing
else. Blocking calls (`time.sleep`, synchronous I/O) stall every plugin: use `await`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from app.plugins._types import Feature, FrameBox, FrHTTPRequest

if TYPE_CHECKING:
    from app.plugins._context import PluginContext
    from app.sfapi_client import DetectFace


class Plugin:
    """Base class of facerouter plugins; subclasses override the hooks they need.

    Subclasses call `super().__init__(ctx)`, which keeps the context as `self.ctx`. Once
    activated the manager sets `self.name` to the plugin's name and `self.log` to its logger
    (`ctx.logger(name)`), so messages carry the plugin's name.
    """

    def __init__(self, ctx: PluginContext) -> None:
        self.ctx = ctx
        self.name = type(self).__name__
        self.log: logging.Logger = ctx.logger(self.name)

    async def preprocess(
        self, request: FrHTTPRequest, labels: Mapping[str, str]
    ) -> tuple[Feature, ...]:
        """Say which features to extract for this frame: any of "facen", "gender", "age",
        "emotions". `labels` is `request.params.labels`. The empty tuple (the default) means
        "not interested": `process` is then not called for this frame.
        """
        return ()

    async def process(
        self,
        request: FrHTTPRequest,
        photo: bytes | None,
        bbox: FrameBox,
        event_id: int,
        detection: DetectFace,
    ) -> None:
        """Act on one detected face. `photo` is the full frame (None when the worker sent only
        the normalized face), `bbox` the face's box in the frame (`[[x1, y1, x2, y2]]`, also
        readable as `bbox.left`...), `event_id` a fresh id from
        `ctx.idgen()` (usable as a gallery face id), `detection` sf-api's `DetectFace` with
        the requested features; `detection.id` can be used as a search or enrollment source.
        """

    async def shutdown(self) -> None:
        """Release resources before the facerouter stops; best effort, called once."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} plugin {self.name!r}>"
