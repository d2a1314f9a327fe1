"""A small in-memory stand-in for `app.sfapi_client.Client`, for unit tests of the GUI state.

Only what the state objects call, with the same names and result types; it records calls so
tests can check what would have gone over the wire.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.sfapi_client import (
    Face,
    FaceId,
    GalleryInfo,
    GalleryListItem,
    ListResponse,
    MetaField,
    NotFound,
    ServerStatus,
    SFApiMalformedResponseError,
)
from app.sfapi_client.filters import Filter


class FakeGallery:
    """A gallery of `FakeClient` holding faces by id."""

    def __init__(self, client: FakeClient, name: str) -> None:
        self.client = client
        self.name = name

    @property
    def faces(self) -> dict[int, dict[str, Any]]:
        return self.client.galleries.setdefault(self.name, {})

    async def info(self, timeout: float | None = None) -> GalleryInfo:
        schema = {"name": MetaField("string"), "tags": MetaField("set[string]", [])}
        return GalleryInfo(self.name, len(self.faces), schema)

    async def list(
        self,
        *,
        filters: Iterable[Filter] | None = None,
        limit: int = 1000,
        sort: str = "",
        page: str | None = None,
        timeout: float | None = None,
    ) -> ListResponse:
        self.client.calls.append(("list", self.name, [f.query(self.name) for f in filters or ()],
                                  limit, sort, page))
        ids = sorted(self.faces, reverse=sort == "-id")
        start = int(page or 0)
        chunk = ids[start:start + limit]
        more = start + limit < len(ids)
        faces = [Face(FaceId(self.name, i), {}, dict(self.faces[i])) for i in chunk]
        return ListResponse(faces, str(start + limit) if more else None)

    async def update(
        self, face: int, *, meta: dict[str, Any] | None = None, timeout: float | None = None
    ) -> Face:
        self.client.calls.append(("update", self.name, face, dict(meta or {})))
        self.faces[face].update(meta or {})
        return Face(FaceId(self.name, face), {}, dict(self.faces[face]))

    async def delete(self, face: int, timeout: float | None = None) -> None:
        self.client.calls.append(("delete", self.name, face))
        if face not in self.faces:
            raise NotFound("NOT_FOUND", f"face {face} not found", status=404)
        del self.faces[face]

    async def normalized(self, face: int, timeout: float | None = None) -> bytes:
        raise NotFound("NOT_FOUND", "this server has no crops", status=404)


class FakeClient:
    """Galleries in memory; `down=True` makes every call fail like a refused connection."""

    def __init__(self) -> None:
        self.galleries: dict[str, dict[int, dict[str, Any]]] = {}
        self.calls: list[tuple[Any, ...]] = []
        self.down = False
        self.closed = False

    def gallery(self, name: str) -> FakeGallery:
        return FakeGallery(self, name)

    async def list_galleries(self, timeout: float | None = None) -> list[GalleryListItem]:
        return [GalleryListItem(name, len(faces)) for name, faces in self.galleries.items()]

    async def status(self, timeout: float | None = None) -> ServerStatus:
        if self.down:
            raise SFApiMalformedResponseError("GET /v2/status: ConnectError: refused")
        return ServerStatus("ok", "9.9.9", "pack")

    async def aclose(self) -> None:
        self.closed = True
