"""The per-frame pipeline: ask the plugins, call sf-api `detect` once, hand out the detection.

This is what the frame endpoint and the replay tool share; it knows nothing about HTTP.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.facerouter._boxes import iou
from app.plugins import Feature, FrHTTPRequest, Outcome, PluginManager
from app.protocol import ErrorCode
from app.sfapi_client import BBox, DetectFace, SFApiError, SFApiRemoteError

log = logging.getLogger(__name__)

#: The detector sf-api uses for a frame that has no normalized face. FindFace's default is
#: empty, which refuses such frames; "nnd" (`--detector nnd`) detects faces in the photo.
DEFAULT_DETECTOR = ""


class FrameRejected(Exception):
    """The frame cannot be processed; `status` and `body()` are what the worker gets back.

    A 4xx means "do not send this again" (the frame itself is bad), a 5xx "try later"
    (sf-api is unavailable or overloaded).
    """

    def __init__(self, status: int, code: str, reason: str, param: str | None = None) -> None:
        super().__init__(f"{code}: {reason}")
        self.status = status
        self.code = code
        self.reason = reason
        self.param = param

    def body(self) -> dict[str, Any]:
        out = {"code": self.code, "reason": self.reason}
        if self.param is not None:
            out["param"] = self.param
        return out


@dataclass(frozen=True)
class FrameResult:
    """What happened to one frame: its `event_id` (None when no plugin got a detection), the
    number of faces sf-api found, and the outcome of each interested plugin's `process`.
    """

    event_id: int | None
    detections: int
    outcomes: Mapping[str, Outcome] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        """The JSON answer to the worker (plugin outcomes stay out: they never affect it)."""
        return {"event_id": self.event_id, "detections": self.detections}


def match_detection(faces: Sequence[DetectFace], bbox: BBox) -> DetectFace | None:
    """The face whose box overlaps `bbox` most; None if none overlaps it at all."""
    scored = [(iou(face.bbox, bbox), face) for face in faces]
    best = max(scored, key=lambda item: item[0], default=(0.0, None))
    return best[1] if best[0] > 0 else None


def _rejected(exc: SFApiError) -> FrameRejected:
    if isinstance(exc, SFApiRemoteError):
        status = exc.status or 502
        # A refused image will be refused again: 400 tells the worker to drop it. Overload
        # and server-side failures are worth a retry.
        retry = status >= 500 or exc.code == ErrorCode.OVER_CAPACITY
        return FrameRejected(
            502 if retry else 400, str(exc.code), f"sf-api detect: {exc.reason}", exc.param
        )
    return FrameRejected(502, str(ErrorCode.UNKNOWN_ERROR), f"sf-api is unavailable: {exc}")


class FrameRouter:
    """Runs the pipeline for one frame with the plugins of `manager`.

    `detector` is used for frames without a normalized face; "" (the default, as FindFace's
    `detector` option) refuses such frames with a 400 before any plugin sees them.
    """

    def __init__(self, manager: PluginManager, *, detector: str = DEFAULT_DETECTOR) -> None:
        self.manager = manager
        self.detector = detector

    async def route(self, request: FrHTTPRequest) -> FrameResult:
        """Preprocess, detect, process; raises `FrameRejected` for a frame without a normalized
        face when no detector is configured, and for sf-api failures."""
        params = request.params
        if params.face0 is not None:
            image, detector = params.face0, "normalized"
        elif params.photo is not None and self.detector:
            image, detector = params.photo, self.detector
        else:
            raise FrameRejected(
                400,
                str(ErrorCode.BAD_PARAM),
                "the frame has no normalized face (face0) and the facerouter has no --detector "
                "for photos",
                "face0",
            )
        wanted = await self.manager.preprocess(request)
        if not wanted:
            return FrameResult(event_id=None, detections=0)
        features: set[Feature] = {f for answer in wanted.values() for f in answer}
        try:
            faces = await self.manager.ctx.sfapi.detect(
                image=image,
                facen="facen" in features,
                gender="gender" in features,
                age="age" in features,
                emotions="emotions" in features,
                detector=detector,
            )
        except SFApiError as exc:
            log.warning("frame from %r: detect failed: %r", params.cam_id, exc)
            raise _rejected(exc) from exc
        box = params.face_bbox
        detection = faces[0] if detector == "normalized" and faces else match_detection(faces, box)
        if detection is None:
            log.info("frame from %r: sf-api found no face at %s", params.cam_id, list(box))
            return FrameResult(event_id=None, detections=len(faces))
        event_id = self.manager.ctx.idgen()
        outcomes = await self.manager.process(
            wanted, request, params.photo, params.bbox, event_id, detection
        )
        return FrameResult(event_id=event_id, detections=len(faces), outcomes=outcomes)

    def __repr__(self) -> str:
        return f"FrameRouter({self.manager!r}, detector={self.detector!r})"
