"""Gallery meta schemas as the GUI edits them: typed fields, parsing typed text, changed keys."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.gui.state._errors import ValidationError
from app.protocol import ProtocolError, parse_uint64
from app.sfapi_client import MetaField as ClientMetaField

#: A meta value as sent on the wire.
MetaValue = int | str | list[str] | list[int]


class MetaType(enum.Enum):
    """The four meta field types of the sf-api storage."""

    UNSIGNED = "unsigned"
    STRING = "string"
    SET_STRING = "set[string]"
    SET_UNSIGNED = "set[unsigned]"

    @property
    def is_set(self) -> bool:
        """True for the two set types (edited as comma-separated lists)."""
        return self in (MetaType.SET_STRING, MetaType.SET_UNSIGNED)

    @property
    def is_unsigned(self) -> bool:
        """True when values (or set elements) are uint64."""
        return self in (MetaType.UNSIGNED, MetaType.SET_UNSIGNED)


@dataclass(frozen=True)
class MetaField:
    """One field of a gallery's meta schema."""

    name: str
    type: MetaType
    default: MetaValue | None = None


def schema_from_info(schema: Mapping[str, ClientMetaField]) -> list[MetaField]:
    """Fields of `GalleryInfo.meta_schema` in the server's order."""
    return [MetaField(name, MetaType(spec.type), spec.default) for name, spec in schema.items()]


def schema_to_wire(fields: list[MetaField]) -> dict[str, dict[str, Any]]:
    """The `meta_schema` body for creating a gallery."""
    wire: dict[str, dict[str, Any]] = {}
    for field in fields:
        spec: dict[str, Any] = {"type": field.type.value}
        if field.default is not None:
            spec["default"] = field.default
        wire[field.name] = spec
    return wire


def _parse_unsigned(text: str, field: str) -> int:
    try:
        return parse_uint64(text.strip(), field)
    except ProtocolError:
        reason = f"{text.strip()!r} is not an unsigned 64-bit integer"
        raise ValidationError(field, reason) from None


def split_list(text: str) -> list[str]:
    """Split a comma-separated list, dropping blanks and surrounding spaces."""
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_meta_text(field: MetaField, text: str) -> MetaValue | None:
    """The typed value of `text` for `field`; `None` for an empty scalar (leave unset).

    Raises ValidationError naming the field when the text does not fit the type.
    """
    if field.type.is_set:
        items = split_list(text)
        if field.type is MetaType.SET_UNSIGNED:
            return sorted({_parse_unsigned(item, field.name) for item in items})
        return sorted(set(items))
    if not text.strip():
        return None
    if field.type is MetaType.UNSIGNED:
        return _parse_unsigned(text, field.name)
    return text


def format_meta_value(value: object) -> str:
    """The editable text of a meta value (lists comma-separated)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(item) for item in value)
    return str(value)


def changed_meta(
    original: Mapping[str, object], edited: Mapping[str, MetaValue | None]
) -> dict[str, MetaValue]:
    """The keys of `edited` whose value differs from `original` (what a PATCH sends)."""
    changes: dict[str, MetaValue] = {}
    for key, value in edited.items():
        if value is None:
            continue
        before = original.get(key)
        if isinstance(before, list | tuple | set) and isinstance(value, list):
            if sorted(before, key=str) == sorted(value, key=str):
                continue
        elif before == value:
            continue
        changes[key] = value
    return changes
