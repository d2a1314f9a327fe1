"""Value types of the storage layer: meta schemas, stored faces, filters and queries.

Backends (the embedded SQLite default, PostgreSQL later) all speak these types, so nothing
above the storage interface changes when the backend does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from app.storage._ranking import After

MetaValue = int | str | list[str] | list[int]
Sort = Literal["id", "-id", "-confidence"]


class MetaType(StrEnum):
    """The meta field types of FindFace's tarantool schema."""

    UNSIGNED = "unsigned"
    STRING = "string"
    SET_STRING = "set[string]"
    SET_UNSIGNED = "set[unsigned]"


@dataclass(frozen=True)
class MetaField:
    """One typed meta field with its default (used when an added face does not set it)."""

    name: str
    type: MetaType
    default: MetaValue | None = None


MetaSchema = Mapping[str, MetaField]


@dataclass(frozen=True, eq=False)
class StoredFace:
    """A face as stored in a gallery; `vector` is present only when asked for."""

    gallery: str
    id: int
    meta: dict[str, MetaValue]
    features: dict[str, Any]
    model_pack: str
    vector: npt.NDArray[np.float32] | None = None

    def __repr__(self) -> str:
        return f"StoredFace(gallery={self.gallery!r}, id={self.id}, meta={self.meta!r})"


@dataclass(frozen=True, eq=False)
class NewFace:
    """A face to add in bulk (`Storage.add_faces_bulk`); the fields mirror `Storage.add_face`."""

    id: int
    vector: npt.NDArray[np.float32]
    model_pack: str
    features: Mapping[str, object] = field(default_factory=dict)
    meta: Mapping[str, MetaValue] = field(default_factory=dict)
    normalized_png: bytes | None = None

    def __repr__(self) -> str:
        return f"NewFace(id={self.id}, model_pack={self.model_pack!r}, meta={self.meta!r})"


@dataclass(frozen=True)
class IdFilter:
    """id >= gte and id <= lte and (id in one_of, when given)."""

    gte: int | None = None
    lte: int | None = None
    one_of: frozenset[int] | None = None


@dataclass(frozen=True)
class MetaFilter:
    """One meta condition: `op` is "gte", "lte", "in" (equals one of) or "subset".

    "subset" means the face's set-typed field contains every given value.
    """

    field: str
    op: Literal["gte", "lte", "in", "subset"]
    values: tuple[MetaValue, ...]


@dataclass(frozen=True, eq=False)
class Query:
    """A listing or a similarity search over one gallery.

    With `probe` (a unit vector) it is a search: only faces with cosine >= `min_cosine` are
    returned, best first (`sort` "-confidence", ties by id), continuing strictly after
    `after_match` (the last (cosine, id) of the previous page; `_ranking`), and `after` is
    ignored. Without it, faces are listed by id in `sort` order, continuing after the id `after`
    (keyset pagination).
    """

    id_filter: IdFilter = field(default_factory=IdFilter)
    meta_filters: tuple[MetaFilter, ...] = ()
    probe: npt.NDArray[np.float32] | None = None
    probe_model_pack: str | None = None
    min_cosine: float = -1.0
    sort: Sort = "id"
    limit: int = 1000
    after: int | None = None
    ignore_errors: bool = False
    after_match: After | None = None


@dataclass(frozen=True, eq=False)
class QueryResult:
    """Faces of one page; `cosines` parallels `faces` for searches; `more` when a page follows."""

    faces: tuple[StoredFace, ...]
    cosines: tuple[float, ...] | None = None
    more: bool = False
