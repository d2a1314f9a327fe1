"""`Gallery`: a handle on one gallery of a server and the face operations within it."""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any

from app.sfapi_client._exceptions import Conflict
from app.sfapi_client._filters import Filter
from app.sfapi_client._models import Face, GalleryInfo, ListResponse
from app.sfapi_client._refs import face_number, source_ref
from app.sfapi_client._types import FaceRef, FaceSource, Meta, MetaSchema, MetaUpdate, NewId
from app.sfapi_client._wire import image_body, no_body, path_segment

if TYPE_CHECKING:
    from app.sfapi_client._client import Client

log = logging.getLogger(__name__)

#: How many fresh ids `Gallery.add` draws after a CONFLICT when `new_id` is a callable and
#: `regenerate_attempts` is None.
DEFAULT_REGENERATE_ATTEMPTS = 3


async def _draw_id(new_id: NewId) -> int:
    """The next id from an int, or from a sync or async callable."""
    value: Any = new_id() if callable(new_id) else new_id
    if inspect.isawaitable(value):
        value = await value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"new_id must be an int or produce one, got {value!r}")
    return value


def _schema_body(meta_schema: MetaSchema) -> dict[str, Any]:
    """`{"meta_schema": {field: {"type": .., "default"?: ..}}}` from the short or long form."""
    fields: dict[str, Any] = {}
    for name, spec in meta_schema.items():
        fields[name] = {"type": spec} if isinstance(spec, str) else dict(spec)
    return {"meta_schema": fields}


class Gallery:
    """A proxy for the gallery `name` on the client's server.

    Making one needs no request and the gallery need not exist: `create()` makes it. Every
    `face` argument accepts a `Face`, a `FaceId` (of this gallery) or the bare int id. Every
    `timeout` is in seconds; None means the client's default.
    """

    def __init__(self, client: Client, name: str) -> None:
        self.client = client
        self.name = name
        self._path = f"/v2/galleries/{path_segment(name)}"

    def __repr__(self) -> str:
        return f"<Gallery {self.name!r} of {self.client.url!r}>"

    def _face_path(self, face: FaceRef) -> str:
        return f"{self._path}/faces/{face_number(face, self.name)}"

    def _parse_face(self, body: Any) -> Face:
        return Face.from_json(body, self.name)

    async def create(
        self, timeout: float | None = None, *, meta_schema: MetaSchema | None = None
    ) -> None:
        """Create the gallery; CONFLICT if it exists.

        `meta_schema` (extension) declares its meta fields, as `{"person_id": "unsigned"}` or
        `{"tags": {"type": "set[string]", "default": []}}`; without it the server's default
        schema applies.
        """
        await self.client._request(
            "POST",
            self._path,
            no_body,
            timeout=timeout,
            json=None if meta_schema is None else _schema_body(meta_schema),
        )

    async def drop(self, timeout: float | None = None) -> None:
        """Delete the gallery and all its faces; GALLERY_NOT_FOUND if it does not exist."""
        await self.client._request("DELETE", self._path, no_body, timeout=timeout)

    async def info(self, timeout: float | None = None) -> GalleryInfo:
        """The gallery's name, number of faces and meta schema (extension)."""
        return await self.client._request(
            "GET", self._path, lambda r: GalleryInfo.from_json(r.json()), timeout=timeout
        )

    async def list(
        self,
        *,
        filters: Iterable[Filter] | None = None,
        limit: int = 1000,
        sort: str = "",
        page: str | None = None,
        ignore_errors: bool = False,
        timeout: float | None = None,
    ) -> ListResponse:
        """One page of the faces matching all `filters` (a list, ANDed).

        `sort` is "id", "-id" or, with a similarity filter, "-confidence" (the default then).
        Pass the result's `next_page` as `page` (with the same filters) to continue, also
        through similarity search results (confidence descending, then id); `list_all` does
        that for you.
        """
        params = [param for f in filters or () for param in f.query(self.name)]
        params.append(("limit", str(limit)))
        if sort:
            params.append(("sort", sort))
        if page is not None:
            params.append(("page", page))
        if ignore_errors:
            params.append(("ignore_errors", "true"))
        return await self.client._request(
            "GET",
            f"{self._path}/faces",
            lambda r: ListResponse.from_json(r.json(), self.name),
            timeout=timeout,
            params=params,
        )

    async def list_all(
        self,
        *,
        filters: Iterable[Filter] | None = None,
        limit: int = 1000,
        sort: str = "",
        ignore_errors: bool = False,
        timeout: float | None = None,
    ) -> AsyncIterator[Face]:
        """Every matching face, following `next_page` (`limit` is the page size); with a
        similarity filter every match, best first.

        `async for face in gallery.list_all(filters=[...]): ...`
        """
        filters = tuple(filters or ())
        page: str | None = None
        while True:
            result = await self.list(
                filters=filters,
                limit=limit,
                sort=sort,
                page=page,
                ignore_errors=ignore_errors,
                timeout=timeout,
            )
            for face in result:
                yield face
            if result.next_page is None:
                return
            page = result.next_page

    async def add(
        self,
        new_id: NewId,
        source: FaceSource,
        *,
        meta: Meta | None = None,
        regenerate_attempts: int | None = None,
        timeout: float | None = None,
    ) -> Face:
        """Store a face under the id `new_id`, made from `source`, with `meta`.

        `source` is a cached detection (`DetectFace` or its id string) or a stored face (`Face`
        or `FaceId`, possibly of another gallery). `new_id` is an int, or a sync or async
        callable such as `idgen`; with a callable a CONFLICT (id taken) makes it draw a new id,
        up to `regenerate_attempts` times (default 3). With an int, CONFLICT is raised at once.
        """
        body: dict[str, Any] = {"from": source_ref(source)}
        if meta is not None:
            body["meta"] = dict(meta)
        retries = 0
        if callable(new_id):
            retries = (
                DEFAULT_REGENERATE_ATTEMPTS if regenerate_attempts is None else regenerate_attempts
            )
        while True:
            face = await _draw_id(new_id)
            try:
                return await self.client._request(
                    "POST",
                    self._face_path(face),
                    lambda r: self._parse_face(r.json()),
                    timeout=timeout,
                    json=body,
                )
            except Conflict:
                if retries <= 0:
                    raise
                retries -= 1
                log.info("face id %d is taken in %r; drawing another", face, self.name)

    async def get(self, face: FaceRef, timeout: float | None = None) -> Face:
        """The stored face; NOT_FOUND if there is none with that id."""
        return await self.client._request(
            "GET", self._face_path(face), lambda r: self._parse_face(r.json()), timeout=timeout
        )

    async def update(
        self, face: FaceRef, *, meta: MetaUpdate | None = None, timeout: float | None = None
    ) -> Face:
        """Change some meta fields of a face and return it; fields passed as None are kept."""
        changes = {key: value for key, value in (meta or {}).items() if value is not None}
        return await self.client._request(
            "PATCH",
            self._face_path(face),
            lambda r: self._parse_face(r.json()),
            timeout=timeout,
            json={"meta": changes},
        )

    async def delete(self, face: FaceRef, timeout: float | None = None) -> None:
        """Remove a face; NOT_FOUND if there is none with that id."""
        await self.client._request("DELETE", self._face_path(face), no_body, timeout=timeout)

    async def normalized(self, face: FaceRef, timeout: float | None = None) -> bytes:
        """The aligned 112x112 PNG crop the face's vector came from (extension)."""
        return await self.client._request(
            "GET", f"{self._face_path(face)}/normalized", image_body, timeout=timeout
        )
