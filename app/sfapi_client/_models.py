"""The objects the client returns, and how each is read from its JSON wire form.

Names and fields follow `ntech.sfapi_client.objects` (`BBox`, `DetectFace`, `DetectResponse`,
`FaceId`, `Face`, `ListResponse`, `GalleryListItem`) plus the sfdesk extension results
(`ServerStatus`, `GalleryInfo`, `MetaField`). Value objects are immutable; the two results ntech
calls "list-like" are `list` subclasses that carry one extra attribute.

Each `from_json` raises KeyError, TypeError or ValueError on a body that does not have the
expected shape; the client turns those into `SFApiMalformedResponseError` in one place. JSON
integers stay Python ints (`json.loads` never goes through float), so uint64 ids are exact.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

_T = TypeVar("_T")

#: A meta value as stored: `unsigned`, `string`, `set[string]` or `set[unsigned]`.
MetaValue = int | str | list[str] | list[int]


def _get(data: Any, key: str, kind: type[_T]) -> _T:
    """`data[key]`, checked to be a `kind` (bool is not accepted as int)."""
    if not isinstance(data, dict):
        raise TypeError(f"expected a JSON object, got {data!r:.100}")
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{key!r} must be {kind.__name__}, got {value!r:.100}")
    return value


def _get_float(data: Any, key: str) -> float:
    value = _get(data, key, object)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{key!r} must be a number, got {value!r:.100}")
    return float(value)


def _get_facen(data: dict[str, Any]) -> bytes | None:
    """The optional base64 `facen` field as raw bytes."""
    if data.get("facen") is None:
        return None
    return base64.b64decode(_get(data, "facen", str), validate=True)


class BBox(NamedTuple):
    """A face box in image pixels; `right`/`bottom` are the x2/y2 corner.

    A named tuple, so it reads both as `bbox.left` and as `x1, y1, x2, y2 = bbox`.
    """

    left: int
    top: int
    right: int
    bottom: int

    @classmethod
    def from_json(cls, data: Any) -> BBox:
        return cls(*(_get(data, key, int) for key in cls._fields))


class FaceId(NamedTuple):
    """A face's identity: the gallery name and the caller-chosen uint64 id within it."""

    gallery: str
    face: int

    @classmethod
    def from_json(cls, data: Any, gallery: str) -> FaceId:
        """Read `{"gallery": .., "face": ..}`, or a bare int meaning a face of `gallery`."""
        if isinstance(data, int) and not isinstance(data, bool):
            return cls(gallery, data)
        return cls(_get(data, "gallery", str), _get(data, "face", int))


@dataclass(frozen=True, slots=True)
class DetectFace:
    """One detected face: the detection `id` (a cache key usable as an add/search source),
    its `bbox`, the requested `features` (always `score`, plus `quality`, `quality_issues` and
    any requested attributes), and `facen` (raw feature-vector bytes) when `return_facen`."""

    id: str
    bbox: BBox
    features: dict[str, Any]
    facen: bytes | None = None

    @classmethod
    def from_json(cls, data: Any) -> DetectFace:
        return cls(
            id=_get(data, "id", str),
            bbox=BBox.from_json(_get(data, "bbox", dict)),
            features=_get(data, "features", dict),
            facen=_get_facen(data),
        )


class DetectResponse(list[DetectFace]):
    """The faces found in an image (a list of `DetectFace`) and the image's EXIF `orientation`."""

    def __init__(self, faces: Iterable[DetectFace] = (), orientation: int = 1) -> None:
        super().__init__(faces)
        self.orientation = orientation

    @property
    def faces(self) -> list[DetectFace]:
        """The detected faces as a plain list (the response itself is that list too)."""
        return list(self)

    @classmethod
    def from_json(cls, data: Any) -> DetectResponse:
        faces = _get(data, "faces", list)
        return cls((DetectFace.from_json(f) for f in faces), _get(data, "orientation", int))

    def __repr__(self) -> str:
        return f"DetectResponse({list.__repr__(self)}, orientation={self.orientation})"


@dataclass(frozen=True, slots=True)
class Face:
    """A face stored in a gallery: its `id`, the `features` copied from its source detection,
    its `meta`, and `confidence` (0..1 similarity) when it came from a similarity search."""

    id: FaceId
    features: dict[str, Any]
    meta: dict[str, MetaValue]
    confidence: float | None = None

    @classmethod
    def from_json(cls, data: Any, gallery: str) -> Face:
        """Read a face of `gallery` (the id may be the object form or a bare int)."""
        return cls(
            id=FaceId.from_json(_get(data, "id", object), gallery),
            features=_get(data, "features", dict) if "features" in data else {},
            meta=_get(data, "meta", dict) if "meta" in data else {},
            confidence=None if data.get("confidence") is None else _get_float(data, "confidence"),
        )


class ListResponse(list[Face]):
    """One page of faces (a list of `Face`) and the `next_page` cursor, None on the last page."""

    def __init__(self, faces: Iterable[Face] = (), next_page: str | None = None) -> None:
        super().__init__(faces)
        self.next_page = next_page

    @classmethod
    def from_json(cls, data: Any, gallery: str) -> ListResponse:
        faces = _get(data, "faces", list)
        next_page = None if data.get("next_page") is None else _get(data, "next_page", str)
        return cls((Face.from_json(f, gallery) for f in faces), next_page)

    def __repr__(self) -> str:
        return f"ListResponse({list.__repr__(self)}, next_page={self.next_page!r})"


class GalleryListItem(NamedTuple):
    """One entry of `Client.list_galleries()`: the gallery `name` and its `number` of faces."""

    name: str
    number: int

    @classmethod
    def from_json(cls, data: Any) -> GalleryListItem:
        return cls(_get(data, "name", str), _get(data, "number_of_faces", int))


class MetaField(NamedTuple):
    """One meta field of a gallery schema: `type` ("unsigned", "string", "set[string]",
    "set[unsigned]") and its `default` (None when the field has none)."""

    type: str
    default: MetaValue | None = None

    @classmethod
    def from_json(cls, data: Any) -> MetaField:
        return cls(_get(data, "type", str), data.get("default"))


class GalleryInfo(NamedTuple):
    """`Gallery.info()` (extension): the gallery `name`, `number` of faces and `meta_schema`."""

    name: str
    number: int
    meta_schema: Mapping[str, MetaField]

    @classmethod
    def from_json(cls, data: Any) -> GalleryInfo:
        schema = _get(data, "meta_schema", dict)
        return cls(
            _get(data, "name", str),
            _get(data, "number_of_faces", int),
            {key: MetaField.from_json(spec) for key, spec in schema.items()},
        )


class ServerStatus(NamedTuple):
    """`Client.status()` (extension): "ok", the sfdesk version and the loaded model pack."""

    status: str
    version: str
    model_pack: str

    @classmethod
    def from_json(cls, data: Any) -> ServerStatus:
        return cls(*(_get(data, key, str) for key in cls._fields))
