"""Listing and similarity search of a gallery's faces: `GET /v2/galleries/{gallery}/faces`.

Query grammar (docs/protocol.md): `looks_like`, `threshold`, `id:gte|lte|in`,
`meta:gte|lte|in|subset:<field>`, `limit`, `sort`, `page`, `ignore_errors`. Values of `:in` and
`:subset` may repeat the key; numeric ones may also be comma lists. Filter values are typed by the
gallery's meta schema. Listings page by keyset cursor on the id; searches page by a cursor on
the last (cosine, id) returned (confidence descending, then id), each page as exact as the first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.protocol import DEFAULT_CONFIDENCE, bad_param, cosine_from_confidence, parse_uint64
from app.server._cursor import decode_cursor, decode_match_cursor, encode_cursor, fingerprint
from app.server._params import flag, int_in_range, single
from app.server._services import Services, services
from app.server._sources import resolve
from app.server._wire import face_json, gallery_param
from app.storage import (
    After,
    IdFilter,
    MetaFilter,
    MetaSchema,
    MetaType,
    MetaValue,
    Query,
    Sort,
)

_PLAIN = {"looks_like", "threshold", "limit", "sort", "page", "ignore_errors"}
_OPS = ("gte", "lte", "in", "subset")
_NUMERIC = (MetaType.UNSIGNED, MetaType.SET_UNSIGNED)


def _values(params: QueryParams, key: str, numeric: bool) -> list[str]:
    raw = params.getlist(key)
    if not numeric:
        return raw
    return [part for value in raw for part in value.split(",")]


def _one(params: QueryParams, key: str) -> str:
    value = single(params, key)
    assert value is not None
    return value


def _id_filter(params: QueryParams) -> IdFilter:
    gte, lte = single(params, "id:gte"), single(params, "id:lte")
    one_of = None
    if "id:in" in params:
        one_of = frozenset(parse_uint64(v, "id:in") for v in _values(params, "id:in", True))
    return IdFilter(
        gte=None if gte is None else parse_uint64(gte, "id:gte"),
        lte=None if lte is None else parse_uint64(lte, "id:lte"),
        one_of=one_of,
    )


def _meta_value(kind: MetaType, key: str, text: str) -> MetaValue:
    return parse_uint64(text, key) if kind in _NUMERIC else text


def _meta_filters(params: QueryParams, schema: MetaSchema) -> tuple[MetaFilter, ...]:
    filters: list[MetaFilter] = []
    for key in dict.fromkeys(params.keys()):
        if not key.startswith("meta:"):
            continue
        parts = key.split(":", 2)
        if len(parts) != 3 or parts[1] not in _OPS:
            raise bad_param(key, params[key], "meta filters are meta:gte|lte|in|subset:<field>")
        op, name = parts[1], parts[2]
        field = schema.get(name)
        if field is None:
            raise bad_param(key, params[key], f"the gallery has no meta field {name!r}")
        is_set = field.type in (MetaType.SET_STRING, MetaType.SET_UNSIGNED)
        if op in ("gte", "lte"):
            if is_set:
                raise bad_param(key, params[key], f"{op} does not apply to the set field {name!r}")
            values: Iterable[str] = [_one(params, key)]
        else:
            if op == "subset" and not is_set:
                raise bad_param(key, params[key], f"subset applies to set fields; {name!r} is not")
            values = _values(params, key, field.type in _NUMERIC)
        parsed = tuple(_meta_value(field.type, key, v) for v in values)
        filters.append(MetaFilter(field=name, op=cast(Any, op), values=parsed))
    return tuple(filters)


def _threshold(params: QueryParams) -> float:
    text = single(params, "threshold")
    if text is None:
        return DEFAULT_CONFIDENCE
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:
        raise bad_param("threshold", text, "threshold must be a confidence between 0 and 1")
    return value


def _check_known(params: QueryParams) -> None:
    for key in params.keys():
        if key not in _PLAIN and not key.startswith(("id:", "meta:")):
            raise bad_param(key, params[key], f"unknown query parameter {key!r}")
        if key.startswith("id:") and key not in ("id:gte", "id:lte", "id:in"):
            raise bad_param(key, params[key], "id filters are id:gte, id:lte and id:in")


@dataclass(frozen=True, eq=False)
class _Filters:
    """What listings and searches share: the gallery, filters, limit and ignore_errors."""

    gallery: str
    id_filter: IdFilter
    meta_filters: tuple[MetaFilter, ...]
    limit: int
    ignore_errors: bool


async def list_faces(request: Request) -> Response:
    """GET /v2/galleries/{gallery}/faces: a listing page, or a search with `looks_like`."""
    svc = services(request)
    gallery = gallery_param(request)
    params = request.query_params
    _check_known(params)
    settings = svc.settings
    limit = int_in_range(params, "limit", settings.default_limit, 1, settings.max_limit)
    ignore_errors = flag(params, "ignore_errors")
    id_filter = _id_filter(params)
    schema = await svc.blocking(lambda: svc.storage.gallery_schema(gallery))
    common = _Filters(gallery, id_filter, _meta_filters(params, schema), limit, ignore_errors)
    looks_like = single(params, "looks_like")
    if looks_like is None:
        return await _listing(svc, params, common)
    return await _search(svc, params, looks_like, common)


async def _search(
    svc: Services, params: QueryParams, looks_like: str, common: _Filters
) -> Response:
    if single(params, "sort") not in (None, "-confidence"):
        raise bad_param("sort", params["sort"], "search results are sorted by -confidence")
    bound_to = fingerprint(common.gallery, _query_filters(params))
    page = single(params, "page")
    after = None if page is None else decode_match_cursor(page, bound_to)
    min_cosine = cosine_from_confidence(_threshold(params))
    source = await resolve(svc, looks_like, "looks_like")
    if min_cosine > 1.0:  # a confidence no cosine reaches (e.g. threshold=1): nothing matches
        return JSONResponse({"faces": [], "next_page": None})
    query = Query(
        id_filter=common.id_filter,
        meta_filters=common.meta_filters,
        probe=source.vector,
        probe_model_pack=source.model_pack,
        min_cosine=max(-1.0, min_cosine),
        sort="-confidence",
        limit=common.limit + 1,  # one more tells whether a next page exists
        ignore_errors=common.ignore_errors,
        after_match=after,
    )
    result = await svc.searches.run(lambda: svc.storage.query(common.gallery, query))
    hits = list(zip(result.faces, result.cosines or (), strict=True))
    next_page = None
    if len(hits) > common.limit:
        hits = hits[: common.limit]
        last, cosine = hits[-1]
        next_page = encode_cursor("-confidence", After(cosine, last.id), bound_to)
    faces = [face_json(face, cos) for face, cos in hits]
    return JSONResponse({"faces": faces, "next_page": next_page})


def _query_filters(params: QueryParams) -> list[tuple[str, str]]:
    """The parameters a cursor is bound to: all but the page and its size."""
    return [(k, v) for k, v in params.multi_items() if k not in ("page", "limit")]


async def _listing(svc: Services, params: QueryParams, common: _Filters) -> Response:
    if "threshold" in params:
        raise bad_param("threshold", params["threshold"], "threshold needs looks_like")
    sort_text = single(params, "sort")
    if sort_text not in (None, "id", "-id"):
        raise bad_param("sort", sort_text, "a listing sorts by id or -id")
    sort: Sort = "-id" if sort_text == "-id" else "id"
    bound_to = fingerprint(common.gallery, _query_filters(params))
    page = single(params, "page")
    query = Query(
        id_filter=common.id_filter,
        meta_filters=common.meta_filters,
        sort=sort,
        limit=common.limit,
        after=None if page is None else decode_cursor(page, sort, bound_to),
        ignore_errors=common.ignore_errors,
    )
    result = await svc.blocking(lambda: svc.storage.query(common.gallery, query))
    next_page = None
    if result.more and result.faces:
        next_page = encode_cursor(sort, result.faces[-1].id, bound_to)
    return JSONResponse({"faces": [face_json(f) for f in result.faces], "next_page": next_page})


routes = [Route("/v2/galleries/{gallery}/faces", list_faces, methods=["GET"])]
