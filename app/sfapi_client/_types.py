"""The input unions the client accepts, named once (what a method argument may be)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from app.sfapi_client._models import DetectFace, Face, FaceId, MetaValue

#: A face of a gallery: the `Face` itself, its `FaceId`, or the bare uint64 id (an int or, as
#: FindFace allows, its decimal string such as "101").
FaceRef = Face | FaceId | int | str

#: A cached detection: the `DetectFace` from `Client.detect(facen=True)` or its id string.
DetectionRef = DetectFace | str

#: What a new face can be made from: a detection (object or id string) or a stored face.
FaceSource = DetectFace | str | Face | FaceId

#: A face id for `Gallery.add`: an int, or a (sync or async) callable returning one.
NewId = int | Callable[[], int] | Callable[[], Awaitable[int]]

#: Meta of a new face: field name -> int, str or list of str/int.
Meta = Mapping[str, MetaValue]

#: Meta for `Gallery.update`: as `Meta`, where a None value means "leave this field unchanged".
MetaUpdate = Mapping[str, MetaValue | None]

#: A gallery meta schema for `Gallery.create`: field -> type name, or field -> {"type", "default"}.
MetaSchema = Mapping[str, str | Mapping[str, Any]]

#: A value a filter compares with: a uint64 or a string.
FilterValue = int | str
