"""The faces of the gallery being browsed: filtered, sorted, paged by cursor, edited, deleted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.gui.state._events import Event
from app.gui.state._meta import MetaField, MetaValue
from app.gui.state._session import Session
from app.sfapi_client.filters import Filter

PAGE_SIZE = 60


@dataclass
class FaceRecord:
    """One face of a gallery as the browser shows it."""

    gallery: str
    face_id: int
    meta: dict[str, Any] = field(default_factory=dict)
    features: dict[str, Any] = field(default_factory=dict)


class FacesState:
    """A gallery's face list.

    Events: `reset` (new gallery, sort or filters), `appended` with the first new row index,
    `row_changed` with a row index, `removed` (rows gone; listeners re-read everything).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.gallery: str | None = None
        self.schema: list[MetaField] = []
        self.descending = False
        self.filters: list[Filter] = []
        self.faces: list[FaceRecord] = []
        self.next_page: str | None = None
        self.loading = False
        self._generation = 0  # bumped by open(); answers to older requests are dropped
        self.reset: Event[None] = Event()
        self.appended: Event[int] = Event()
        self.row_changed: Event[int] = Event()
        self.removed: Event[None] = Event()

    @property
    def has_more(self) -> bool:
        """True when the server said there is another page."""
        return self.next_page is not None

    @property
    def sort(self) -> str:
        """The sf-api `sort` value."""
        return "-id" if self.descending else "id"

    async def open(
        self,
        gallery: str | None,
        schema: list[MetaField],
        *,
        descending: bool | None = None,
        filters: list[Filter] | None = None,
    ) -> None:
        """Show the first page of `gallery` (None: nothing) with the given sort and filters."""
        self.gallery = gallery
        self.schema = list(schema)
        if descending is not None:
            self.descending = descending
        if filters is not None:
            self.filters = list(filters)
        self.faces = []
        self.next_page = None
        self.loading = False
        self._generation += 1
        self.reset.emit(None)
        if gallery is not None:
            await self._fetch(None)

    async def load_more(self) -> None:
        """Append the next page, if any and not already loading."""
        if self.gallery is None or self.next_page is None or self.loading:
            return
        await self._fetch(self.next_page)

    async def _fetch(self, page: str | None) -> None:
        gallery = self.gallery
        assert gallery is not None
        generation = self._generation
        self.loading = True
        try:
            listed = await self.session.client.gallery(gallery).list(
                filters=self.filters, limit=PAGE_SIZE, sort=self.sort, page=page
            )
        finally:
            if generation == self._generation:
                self.loading = False
        if generation != self._generation:  # another gallery, sort or filter meanwhile
            return
        start = len(self.faces)
        self.faces.extend(
            FaceRecord(gallery, face.id.face, dict(face.meta or {}), dict(face.features or {}))
            for face in listed
        )
        self.next_page = listed.next_page or None
        self.appended.emit(start)

    def row_of(self, face_id: int) -> int | None:
        """The row showing `face_id`, if loaded."""
        for row, face in enumerate(self.faces):
            if face.face_id == face_id:
                return row
        return None

    async def update_meta(self, face_id: int, changes: dict[str, MetaValue]) -> None:
        """PATCH only the changed keys of one face and show the server's answer."""
        if self.gallery is None or not changes:
            return
        updated = await self.session.client.gallery(self.gallery).update(face_id, meta=changes)
        row = self.row_of(face_id)
        if row is not None:
            self.faces[row].meta = dict(updated.meta or {})
            self.row_changed.emit(row)
        self.session.messages.info(f"Face {face_id} updated ({', '.join(sorted(changes))})")

    async def delete(self, face_ids: Iterable[int]) -> None:
        """Delete faces one by one; rows of deleted faces disappear even if a later one fails."""
        if self.gallery is None:
            return
        gallery = self.session.client.gallery(self.gallery)
        deleted: set[int] = set()
        try:
            for face_id in face_ids:
                await gallery.delete(face_id)
                deleted.add(face_id)
        finally:
            if deleted:
                self.faces = [face for face in self.faces if face.face_id not in deleted]
                self.removed.emit(None)
                self.session.messages.info(f"Deleted {len(deleted)} face(s)")

    def __repr__(self) -> str:
        return (
            f"FacesState(gallery={self.gallery!r}, rows={len(self.faces)}, "
            f"sort={self.sort!r}, more={self.has_more})"
        )
