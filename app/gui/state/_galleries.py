"""The list of galleries with their face counts and schemas; create and drop."""

from __future__ import annotations

from dataclasses import dataclass

from app.gui.state._errors import ValidationError
from app.gui.state._events import Event
from app.gui.state._meta import MetaField, schema_from_info, schema_to_wire
from app.gui.state._session import Session
from app.protocol import ProtocolError, check_gallery_name


@dataclass(frozen=True)
class GalleryItem:
    """One gallery as listed."""

    name: str
    count: int


class GalleriesState:
    """Galleries of the connected server; `changed` fires after every refresh."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.items: list[GalleryItem] = []
        self.changed: Event[None] = Event()
        self._schemas: dict[str, list[MetaField]] = {}

    @property
    def names(self) -> list[str]:
        """The gallery names in listing order."""
        return [item.name for item in self.items]

    async def refresh(self) -> None:
        """Reload the list from the server."""
        listed = await self.session.client.list_galleries()
        self.items = sorted((GalleryItem(g.name, g.number) for g in listed), key=lambda g: g.name)
        self._schemas = {k: v for k, v in self._schemas.items() if k in self.names}
        self.changed.emit(None)

    async def schema(self, name: str) -> list[MetaField]:
        """The meta schema of gallery `name` (cached until the gallery is dropped)."""
        if name not in self._schemas:
            info = await self.session.client.gallery(name).info()
            self._schemas[name] = schema_from_info(info.meta_schema)
        return self._schemas[name]

    async def create(self, name: str, schema: list[MetaField] | None) -> None:
        """Create gallery `name` with `schema` (None: the server's default schema)."""
        try:
            check_gallery_name(name, "name")
        except ProtocolError as exc:
            raise ValidationError("name", exc.reason) from None
        wire = schema_to_wire(schema) if schema is not None else None
        await self.session.client.gallery(name).create(meta_schema=wire)
        self.session.messages.info(f"Gallery {name!r} created")
        await self.refresh()

    async def drop(self, name: str) -> None:
        """Drop gallery `name` and all its faces."""
        await self.session.client.gallery(name).drop()
        self._schemas.pop(name, None)
        self.session.messages.info(f"Gallery {name!r} dropped")
        await self.refresh()

    def __repr__(self) -> str:
        return f"GalleriesState({self.items!r})"
