"""The values a facerouter plugin receives: the frame's decoded fields, its request and its box.

These mirror FindFace's `FrHTTPRequest.params` (seed-sfapi-client.txt) so plugins written for
`findface-facerouter` read the same names: `request.params.cam_id`, `request.params.detectorParams`.
The request itself is tornado's `HTTPServerRequest` (built by app.facerouter); this layer only
names what it must carry, as the `FrHTTPRequest` protocol.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from app.sfapi_client import BBox

if TYPE_CHECKING:
    from app.plugins._context import PluginContext

#: A feature a plugin can ask sf-api to extract in `Plugin.preprocess`.
Feature = Literal["facen", "gender", "age", "emotions"]

#: Every feature name `preprocess` may return, in the order sf-api documents them.
FEATURES: tuple[Feature, ...] = ("facen", "gender", "age", "emotions")

#: Best-shot modes of the video worker (`bs_type`).
BsType = Literal["overall", "realtime"]


class FrameBox(list[list[int]]):
    """The face boxes of a frame as FindFace documents `bbox`: `[[x1, y1, x2, y2], ...]`.

    It is that list (it compares equal to it and indexes as `bbox[0][2]`), and real plugins'
    attribute reading works too: `left`, `top`, `right`, `bottom` are those of the first box,
    the box of the posted face.
    """

    def __init__(self, boxes: Iterable[Iterable[int]]) -> None:
        super().__init__([int(v) for v in box] for box in boxes)
        if not self or any(len(box) != 4 for box in self):
            raise ValueError(f"expected [[x1, y1, x2, y2], ...], got {list(self)!r}")

    @property
    def left(self) -> int:
        """x1 of the first box."""
        return self[0][0]

    @property
    def top(self) -> int:
        """y1 of the first box."""
        return self[0][1]

    @property
    def right(self) -> int:
        """x2 of the first box."""
        return self[0][2]

    @property
    def bottom(self) -> int:
        """y2 of the first box."""
        return self[0][3]

    @property
    def box(self) -> BBox:
        """The first box as the client's `BBox` named tuple."""
        return BBox(*self[0])

    def __repr__(self) -> str:
        return f"FrameBox({list.__repr__(self)})"


@dataclass(frozen=True)
class FrameParams:
    """The decoded fields of one frame POST, as FindFace's `FrHTTPRequest.params`.

    `photo` is the full frame (JPEG) and `face0` the normalized face (PNG); at least one is
    present. `bbox` is a `FrameBox`, `[[x1, y1, x2, y2], ...]` (one box per posted face,
    `face0` is the first) that also reads as `bbox.left`.
    `timestamp` is timezone-aware. `detectorParams` is the worker's debug information, `labels`
    the camera job's labels, `bs_type` "overall" or "realtime".
    """

    cam_id: str
    timestamp: datetime
    bbox: FrameBox
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
        """The box of `face0` (the first box) as the client's `BBox` named tuple."""
        return self.bbox.box


class FrHTTPRequest(Protocol):
    """One frame request as plugins see it: FindFace's `FrHTTPRequest`, which is tornado's
    `HTTPServerRequest` (`body`, `files`, `arguments`, `headers`, `uri`, `host`, ...) with the
    decoded `params` and the shared plugin context `ctx` added. Requests rebuilt by the replay
    tool carry `method="REPLAY"` and the recorded frame's path.
    """

    method: str | None
    path: str
    params: FrameParams
    ctx: PluginContext
