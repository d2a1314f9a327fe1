"""Checks of new faces and query filters that every storage backend applies alike.

Each raises BAD_PARAM naming the request key the value came from, so that the embedded and
the PostgreSQL backends answer the same bad input with the same error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from app.protocol import UINT64_MAX, bad_param
from app.storage._columns import check_filter
from app.storage._meta import is_uint64
from app.storage._types import IdFilter, MetaFilter, MetaSchema, Query

_SORTS = ("id", "-id", "-confidence")


def checked_face_id(face_id: int) -> int:
    """`face_id` when it is an unsigned 64-bit integer, else BAD_PARAM "id"."""
    if not is_uint64(face_id):
        raise bad_param("id", face_id, "face ids are unsigned 64-bit integers")
    return face_id


def features_json(features: Mapping[str, object]) -> str:
    """Detection features as JSON text, else BAD_PARAM "features"."""
    try:
        return json.dumps(features)
    except (TypeError, ValueError) as exc:
        raise bad_param("features", repr(features), "detection features must be JSON data") from exc


def unit_rows(
    vectors: Iterable[npt.NDArray[np.float32] | None], param: str, dim: int | None
) -> npt.NDArray[np.float32]:
    """Rows of one dimension scaled to unit length, else BAD_PARAM naming `param`."""
    try:
        matrix = np.array(list(vectors), dtype=np.float32, ndmin=2)
    except (TypeError, ValueError) as exc:
        raise bad_param(
            param, None, "feature vectors must be equally long lists of numbers"
        ) from exc
    if matrix.ndim != 2 or matrix.shape[1] == 0 or (dim is not None and matrix.shape[1] != dim):
        raise bad_param(param, matrix.shape[-1], f"feature vectors must have {dim} components")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    if not np.all(np.isfinite(matrix)) or np.any(norms == 0):
        raise bad_param(param, None, "feature vectors must be finite and non-zero")
    unit: npt.NDArray[np.float32] = matrix / norms
    return unit


def check_packs(gallery: str, packs: set[str], current: str | None) -> None:
    """BAD_PARAM "from" unless new faces share one model pack, that of the gallery's faces.

    `current` is the pack of the faces the gallery holds, None when it holds none.
    """
    if len(packs) > 1 or (current is not None and packs != {current}):
        raise bad_param(
            "from",
            sorted(packs - {current}) if current else sorted(packs),
            f"gallery {gallery!r} holds vectors of model pack {current!r}; "
            "vectors of different packs cannot be compared",
        )


def check_filters(
    schema: MetaSchema, id_filter: IdFilter, meta_filters: Sequence[MetaFilter]
) -> list[MetaFilter]:
    """Validate filters against uint64 and the schema (BAD_PARAM naming the query key)."""
    for op, value in (("gte", id_filter.gte), ("lte", id_filter.lte)):
        if value is not None and not is_uint64(value):
            raise bad_param(f"id:{op}", value, "must be an unsigned 64-bit integer")
    for value in id_filter.one_of or ():
        if not is_uint64(value):
            raise bad_param("id:in", value, "must be an unsigned 64-bit integer")
    return [
        check_filter(schema[f.field].type if f.field in schema else None, f) for f in meta_filters
    ]


def check_query(query: Query) -> None:
    """BAD_PARAM unless the page size and the sort order of a listing or search are valid."""
    if isinstance(query.limit, bool) or not isinstance(query.limit, int) or query.limit < 1:
        raise bad_param("limit", query.limit, "limit must be a positive integer")
    if query.sort not in _SORTS:
        raise bad_param("sort", query.sort, f"sort must be one of {', '.join(_SORTS)}")


def check_listing(query: Query) -> None:
    """BAD_PARAM unless a query without a probe has a sort and a page cursor it can use."""
    if query.sort == "-confidence":
        raise bad_param("sort", query.sort, "sorting by confidence needs looks_like")
    if query.after is not None and not (
        isinstance(query.after, int) and 0 <= query.after <= UINT64_MAX
    ):
        raise bad_param("page", query.after, "bad page cursor")


def check_probe_pack(query: Query, gallery: str, model_pack: str | None) -> None:
    """BAD_PARAM "looks_like" when the probe comes from another pack than the gallery's faces."""
    if query.probe_model_pack is not None and query.probe_model_pack != model_pack:
        raise bad_param(
            "looks_like",
            query.probe_model_pack,
            f"the probe comes from model pack {query.probe_model_pack!r}, gallery "
            f"{gallery!r} holds vectors of {model_pack!r}",
        )
