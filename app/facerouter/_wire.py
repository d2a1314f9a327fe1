"""The frame POST's wire format (video worker -> facerouter), both ways, in one place.

A frame is `multipart/form-data` with these parts (docs/facerouter.md has the full example):

=================  ==========  ===================================================================
part               kind        content
=================  ==========  ===================================================================
`photo`            file        full frame, `image/jpeg` (optional if `face0` is sent)
`face0`            file        normalized 112x112 face, `image/png` (alias `normalized`; optional
                               if `photo` is sent)
`bbox`             text        JSON `[[x1, y1, x2, y2]]` in frame pixels (a flat `[x1, y1, x2, y2]`
                               is accepted too); integers below 2**31 in size, x2 > x1, y2 > y1
`cam_id`           text        camera id, non-empty
`timestamp`        text        ISO-8601 with UTC offset, e.g. `2024-06-10T08:13:20.512+00:00`
                               (no offset = UTC)
`detectorParams`   text        JSON object (optional, default `{}`)
`bs_type`          text        `overall` or `realtime` (optional, default `overall`)
`labels`           text        JSON object of string -> string (optional, default `{}`)
=================  ==========  ===================================================================

Unknown parts are ignored; a repeated part is an error. Every decoding error is a
`ProtocolError` BAD_PARAM naming the part (`param`) and the offending value, also for JSON that
Python cannot read (nested too deeply, integers of thousands of digits).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from app.plugins import BsType, FrameBox, FrameParams
from app.protocol import ErrorCode, ProtocolError, bad_param

#: The parts that carry files (bytes) rather than text.
FILE_PARTS: tuple[str, ...] = ("photo", "face0")

#: Newer facerouter builds call `face0` "normalized"; both are accepted.
_ALIASES: Mapping[str, str] = {"normalized": "face0"}

_KNOWN_PARTS = (*FILE_PARTS, "bbox", "cam_id", "timestamp", "detectorParams", "bs_type", "labels")
_BS_TYPES: tuple[BsType, ...] = ("overall", "realtime")
_MAX_SHOWN = 80
#: Bounds of `bbox`: pixel coordinates of any real frame fit 32 bits; a frame has a few faces.
_MAX_COORDINATE = 2**31 - 1
_MAX_BOXES = 1000


@dataclass(frozen=True)
class RawPart:
    """One multipart part as sent: `filename`/`content_type` are set for file parts only."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    @property
    def is_file(self) -> bool:
        return self.filename is not None

    def __repr__(self) -> str:
        return f"RawPart({self.name!r}, {len(self.data)} bytes, filename={self.filename!r})"


def frame_parts(
    *,
    cam_id: str,
    timestamp: datetime,
    bbox: Sequence[int],
    photo: bytes | None = None,
    face0: bytes | None = None,
    detector_params: Mapping[str, Any] | None = None,
    bs_type: BsType = "overall",
    labels: Mapping[str, str] | None = None,
) -> list[RawPart]:
    """The parts of one frame POST for a face at `bbox` (x1, y1, x2, y2) in `photo`."""
    parts: list[RawPart] = []
    if photo is not None:
        parts.append(RawPart("photo", photo, "frame.jpg", "image/jpeg"))
    if face0 is not None:
        parts.append(RawPart("face0", face0, "face0.png", "image/png"))
    text = {
        "bbox": json.dumps([[int(v) for v in bbox]]),
        "cam_id": cam_id,
        "timestamp": timestamp.isoformat(timespec="milliseconds"),
        "detectorParams": json.dumps(dict(detector_params or {})),
        "bs_type": bs_type,
        "labels": json.dumps(dict(labels or {})),
    }
    parts.extend(RawPart(name, value.encode()) for name, value in text.items())
    return parts


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "")


def encode_multipart(parts: Iterable[RawPart], boundary: str | None = None) -> tuple[str, bytes]:
    """Encode `parts` as `multipart/form-data`; returns (Content-Type header, body)."""
    boundary = boundary or f"sfdesk-{secrets.token_hex(16)}"
    chunks: list[bytes] = []
    for part in parts:
        disposition = f'form-data; name="{_quote(part.name)}"'
        if part.filename is not None:
            disposition += f'; filename="{_quote(part.filename)}"'
        head = f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
        if part.content_type is not None:
            head += f"Content-Type: {part.content_type}\r\n"
        chunks += [head.encode(), b"\r\n", part.data, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(chunks)


def _shown(value: str) -> str:
    return value if len(value) <= _MAX_SHOWN else value[:_MAX_SHOWN] + "..."


def _text(part: RawPart) -> str:
    if part.is_file:
        raise bad_param(part.name, part.filename, f"{part.name} must be a text part, not a file")
    try:
        return part.data.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_param(part.name, repr(part.data[:_MAX_SHOWN]), "not UTF-8 text") from None


def _json(part: RawPart) -> Any:
    text = _text(part)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise bad_param(part.name, _shown(text), f"not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise bad_param(part.name, _shown(text), "JSON nested too deeply") from None
    except ValueError as exc:  # an integer of more digits than Python converts (4300)
        raise bad_param(part.name, _shown(text), f"not usable JSON: {exc}") from None


def _coordinate(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= _MAX_COORDINATE


def _bbox(part: RawPart) -> FrameBox:
    value = _json(part)
    boxes = (
        [value] if isinstance(value, list) and value and not isinstance(value[0], list) else value
    )
    reason = (
        "must be [[x1, y1, x2, y2], ...] with integers (at most 2**31 - 1 in size), x2 > x1 "
        "and y2 > y1"
    )
    if not isinstance(boxes, list) or not boxes or len(boxes) > _MAX_BOXES:
        raise bad_param("bbox", _shown(_text(part)), reason)
    for box in boxes:
        if not (
            isinstance(box, list)
            and len(box) == 4
            and all(_coordinate(v) for v in box)
            and box[2] > box[0]
            and box[3] > box[1]
        ):
            raise bad_param("bbox", _shown(_text(part)), reason)
    return FrameBox(cast(list[list[int]], boxes))


def _timestamp(part: RawPart) -> datetime:
    text = _text(part)
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise bad_param(
            "timestamp", _shown(text), "must be ISO-8601, e.g. 2024-06-10T08:13:20+00:00"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _object(part: RawPart, *, strings: bool) -> dict[str, Any]:
    value = _json(part)
    if not isinstance(value, dict) or (
        strings and not all(isinstance(v, str) for v in value.values())
    ):
        kind = "a JSON object of strings" if strings else "a JSON object"
        raise bad_param(part.name, _shown(_text(part)), f"must be {kind}")
    return value


def _file(part: RawPart) -> bytes:
    if not part.data:
        raise bad_param(part.name, "", f"{part.name} is empty")
    return part.data


def decode_frame(parts: Iterable[RawPart]) -> FrameParams:
    """Decode and validate the parts of a frame POST into `FrameParams`."""
    by_name: dict[str, RawPart] = {}
    for part in parts:
        name = _ALIASES.get(part.name, part.name)
        if name not in _KNOWN_PARTS:
            continue
        if name in by_name:
            raise bad_param(name, part.name, f"part {name!r} is given more than once")
        by_name[name] = part
    for required in ("cam_id", "timestamp", "bbox"):
        if required not in by_name:
            raise bad_param(required, None, f"the frame has no {required!r} part")
    if "photo" not in by_name and "face0" not in by_name:
        raise bad_param(
            "face0", None, "the frame needs a 'face0' (normalized face) or 'photo' part"
        )
    cam_id = _text(by_name["cam_id"]).strip()
    if not cam_id:
        raise bad_param("cam_id", "", "cam_id is empty")
    bs_type = _text(by_name["bs_type"]) if "bs_type" in by_name else "overall"
    if bs_type not in _BS_TYPES:
        raise bad_param("bs_type", _shown(bs_type), f"must be one of {', '.join(_BS_TYPES)}")
    return FrameParams(
        cam_id=cam_id,
        timestamp=_timestamp(by_name["timestamp"]),
        bbox=_bbox(by_name["bbox"]),
        photo=_file(by_name["photo"]) if "photo" in by_name else None,
        face0=_file(by_name["face0"]) if "face0" in by_name else None,
        detectorParams=(
            _object(by_name["detectorParams"], strings=False) if "detectorParams" in by_name else {}
        ),
        bs_type=bs_type,
        labels=_object(by_name["labels"], strings=True) if "labels" in by_name else {},
    )


def malformed(reason: str) -> ProtocolError:
    """The error for a request that is not a readable multipart frame at all."""
    return ProtocolError(ErrorCode.MALFORMED_REQUEST, reason)
