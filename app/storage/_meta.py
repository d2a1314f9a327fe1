"""Typed meta: validating values against a gallery's schema and the JSON forms stored in SQLite.

Values are normalised on the way in: sets become sorted lists without duplicates, so the stored
form of a face's meta is canonical. A field that a face does not set and whose schema has no
default is *absent*: it is missing from `StoredFace.meta` and matches no filter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from app.protocol import UINT64_MAX, bad_param, check_text
from app.storage._types import MetaField, MetaSchema, MetaType, MetaValue


def is_uint64(value: object) -> bool:
    """An int (not a bool) in the range of face ids and `uint` meta values."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= UINT64_MAX


def check_value(kind: MetaType, value: object, param: str) -> MetaValue:
    """The canonical form of `value` as a `kind`, else BAD_PARAM naming `param`."""
    if kind is MetaType.UNSIGNED:
        if isinstance(value, int) and is_uint64(value):
            return int(value)
        raise bad_param(param, value, "must be an unsigned 64-bit integer")
    if kind is MetaType.STRING:
        if isinstance(value, str):
            return check_text(value, param)
        raise bad_param(param, value, "must be a string")
    if not isinstance(value, list | tuple | set | frozenset):
        raise bad_param(param, value, f"must be a list ({kind.value})")
    if kind is MetaType.SET_STRING:
        if all(isinstance(item, str) for item in value):
            return sorted({check_text(item, param) for item in value})
        raise bad_param(param, value, "must be a list of strings")
    if all(isinstance(item, int) and is_uint64(item) for item in value):
        return sorted({int(item) for item in value})
    raise bad_param(param, value, "must be a list of unsigned 64-bit integers")


def check_schema(schema: MetaSchema) -> dict[str, MetaField]:
    """A validated copy of `schema` (keys equal field names, defaults fit their types)."""
    out: dict[str, MetaField] = {}
    for name, spec in schema.items():
        if not isinstance(spec, MetaField) or spec.name != name or not name:
            raise bad_param(
                f"schema.{name}", spec, "a schema maps each field name to its MetaField"
            )
        kind = MetaType(spec.type)
        default = None
        if spec.default is not None:
            default = check_value(kind, spec.default, f"schema.{name}.default")
        out[name] = MetaField(name=name, type=kind, default=default)
    return out


def meta_for_new_face(
    schema: MetaSchema, meta: Mapping[str, MetaValue | None]
) -> dict[str, MetaValue]:
    """Validated meta of a new face: given values, then schema defaults; absent stays absent."""
    given = _checked(schema, meta)
    out: dict[str, MetaValue] = {}
    for name, spec in schema.items():
        value = given.get(name, spec.default)
        if value is not None:
            out[name] = value
    return out


def meta_after_update(
    schema: MetaSchema, current: Mapping[str, MetaValue], changes: Mapping[str, MetaValue | None]
) -> dict[str, MetaValue]:
    """`current` with the given keys replaced; None values leave a key unchanged."""
    out = dict(current)
    out.update(_checked(schema, changes))
    return out


def _checked(schema: MetaSchema, meta: Mapping[str, MetaValue | None]) -> dict[str, MetaValue]:
    if not isinstance(meta, Mapping):
        raise bad_param("meta", meta, "meta must be an object")
    out: dict[str, MetaValue] = {}
    for name, value in meta.items():
        spec = schema.get(name)
        if spec is None:
            raise bad_param(f"meta.{name}", value, f"unknown meta field {name!r}")
        if value is not None:
            out[name] = check_value(spec.type, value, f"meta.{name}")
    return out


def schema_to_json(schema: MetaSchema) -> str:
    """The stored form of a schema."""
    return json.dumps(
        {name: {"type": spec.type.value, "default": spec.default} for name, spec in schema.items()},
        sort_keys=True,
    )


def schema_from_json(text: str) -> dict[str, MetaField]:
    """A schema read back from its stored form."""
    doc: dict[str, dict[str, Any]] = json.loads(text)
    return {
        name: MetaField(name=name, type=MetaType(spec["type"]), default=spec["default"])
        for name, spec in doc.items()
    }
