"""Search filters for `Gallery.list`, serialised as the protocol's repeated query parameters.

A list of filters is ANDed. Mapping (protocol notes §3):

```
Id.lte(v)            id:lte=v                 Meta(n).lte(v)       meta:lte:n=v
Id.gte(v)            id:gte=v                 Meta(n).gte(v)       meta:gte:n=v
Id.oneof(*vs)        id:in=v (one per value)  Meta(n).oneof(*vs)   meta:in:n=v (one per value)
Detection(d, t)      looks_like=detection:<id>&threshold=t
Face(f, t)           looks_like=faces/<gallery>/<face>&threshold=t
Meta(n).subset(*vs)  meta:subset:n=v (one per value)
```
"""

from __future__ import annotations

from app.sfapi_client._models import FaceId
from app.sfapi_client._refs import (
    detection_id,
    face_id,
    face_number_of,
    face_source,
    stored_face_id,
)
from app.sfapi_client._types import DetectionRef, FaceRef, FilterValue

QueryParams = list[tuple[str, str]]


def _value(value: FilterValue) -> str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"a filter value must be an int or a str, got {value!r}")
    return str(value)


def _id_value(value: int) -> str:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a face id must be an int, got {value!r}")
    return str(value)


def _threshold(threshold: float) -> str:
    return repr(float(threshold))


class Filter:
    """A condition on the faces of a gallery; pass a list of them as `Gallery.list(filters=)`."""

    def __init__(self, params: QueryParams) -> None:
        self._params = tuple(params)

    def query(self, gallery: str) -> QueryParams:
        """The query parameters of this filter when listing `gallery`."""
        return list(self._params)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Filter) or type(other) is not type(self):
            return NotImplemented
        return self._params == other._params

    def __hash__(self) -> int:
        return hash((type(self), self._params))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({'&'.join(f'{k}={v}' for k, v in self._params)!r})"


def _oneof(key: str, values: tuple[str, ...]) -> Filter:
    if not values:
        # An empty "one of" matches nothing, which no query can say; refuse rather than list all.
        raise ValueError("oneof() needs at least one value")
    return Filter([(key, v) for v in values])


class Id:
    """Filters on the face id; use the class methods, do not instantiate."""

    @classmethod
    def lte(cls, value: int) -> Filter:
        """Faces with id <= `value`."""
        return Filter([("id:lte", _id_value(value))])

    @classmethod
    def gte(cls, value: int) -> Filter:
        """Faces with id >= `value`."""
        return Filter([("id:gte", _id_value(value))])

    @classmethod
    def oneof(cls, *value: int) -> Filter:
        """Faces whose id is one of `value`."""
        return _oneof("id:in", tuple(_id_value(v) for v in value))


class Meta:
    """Filters on the meta field `name`: `Meta("cam_id").oneof("gate-1", "gate-2")`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def lte(self, value: FilterValue) -> Filter:
        """Faces whose field is <= `value` (numeric or string order, per the field type)."""
        return Filter([(f"meta:lte:{self.name}", _value(value))])

    def gte(self, value: FilterValue) -> Filter:
        """Faces whose field is >= `value`."""
        return Filter([(f"meta:gte:{self.name}", _value(value))])

    def oneof(self, *value: FilterValue) -> Filter:
        """Faces whose field equals one of `value`."""
        return _oneof(f"meta:in:{self.name}", tuple(_value(v) for v in value))

    def subset(self, *value: FilterValue) -> Filter:
        """Faces whose set-typed field contains every one of `value`."""
        return Filter([(f"meta:subset:{self.name}", _value(v)) for v in value])

    def __repr__(self) -> str:
        return f"Meta({self.name!r})"


class Detection(Filter):
    """Faces similar to a cached detection with confidence >= `threshold` (0..1)."""

    def __init__(self, id: DetectionRef, threshold: float) -> None:
        self._detection = detection_id(id)
        super().__init__(
            [("looks_like", f"detection:{self._detection}"), ("threshold", _threshold(threshold))]
        )

    def __repr__(self) -> str:
        return f"Detection({self._detection!r}, threshold={self._params[1][1]})"


class Face(Filter):
    """Faces similar to a stored face with confidence >= `threshold` (0..1).

    `id` is a `Face`, a `FaceId`, or a bare face id (an int or its decimal string, such as
    `Face('101', 0.8)`) meaning a face of the gallery being listed.
    """

    def __init__(self, id: FaceRef, threshold: float) -> None:
        # A bare id is resolved against the gallery being listed, so it is kept as a number.
        self._face: FaceId | int = (
            face_number_of(id) if isinstance(id, int | str) else stored_face_id(id)
        )
        super().__init__([("threshold", _threshold(threshold))])

    def query(self, gallery: str) -> QueryParams:
        return [("looks_like", face_source(face_id(self._face, gallery))), *self._params]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Face):
            return NotImplemented
        return (self._face, self._params) == (other._face, other._params)

    def __hash__(self) -> int:
        return hash((Face, self._face, self._params))

    def __repr__(self) -> str:
        return f"Face({self._face!r}, threshold={self._params[0][1]})"
