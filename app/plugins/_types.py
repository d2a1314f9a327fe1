"""The values a facerouter plugin receives: the frame's decoded fields, its request and its box.

These mirror FindFace's `FrHTTPRequest.params` (seed-sfapi-client.txt) so plugins written for
`findface-facerouter` read the same names: `request.params.cam_id`, `request.params.detectorParams`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from app.sfapi_client import BBox

if TYPE_CHECKING:
    from app.plugins._context import PluginContext

#: A feature a plugin can ask sf-api to extract in `Plugin.preprocess`.
Feature = Literal["facen", "gender", "age", "emotions"]

#: Every feature name `preprocess` may return, in the order sf-api documents them.
FEATURES: tuple[Feature, ...] = ("facen", "gender", "age", "emotions")

#: Best-shot modes of the video worker (`bs_type`).
BsType = Literal["overall", "realtime"]


@dataclass(frozen=True)
class FrameParams:
    """The decoded fields of one frame POST, as FindFace's `FrHTTPRequest.params`.

    `photo` is the full frame (JPEG) and `face0` the normalized face (PNG); at least one is
    present. `bbox` is `[[x1, y1, x2, y2], ...]` (one box per posted face, `face0` is the first).
    `timestamp` is timezone-aware. `detectorParams` is the worker's debug information, `labels`
    the camera job's labels, `bs_type` "overall" or "realtime".
    """

    cam_id: str
    timestamp: datetime
    bbox: list[list[int]]
    photo: bytes | None = None
    face0: bytes | None = None
    detectorParams: dict[str, Any] = field(default_factory=dict)  # noqa: N815 (FindFace's name)
    bs_type: BsType = "overall"
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def normalized(self) -> bytes | None:
        """The normalized face under the name newer facerouter builds use."""
        return self.face0

    @property
    def face_bbox(self) -> BBox:
        """The box of `face0` (the first box) as the client's `BBox` named tuple, which reads as
        `bbox.left` and also unpacks like `[x1, y1, x2, y2]`."""
        return BBox(*self.bbox[0])


@dataclass(frozen=True)
class FrHTTPRequest:
    """One frame request as plugins see it: the HTTP envelope plus the decoded `params`.

    `ctx` is the shared plugin context (FindFace plugins reach it as `request.ctx` too). Requests
    rebuilt by the replay tool carry `method="REPLAY"` and the recorded frame's path.
    """

    method: str
    path: str
    headers: Mapping[str, str]
    params: FrameParams
    ctx: PluginContext
    remote_ip: str | None = None
