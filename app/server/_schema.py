"""Meta schemas on the wire (`{"<field>": {"type": ..., "default": ...}}`) and `MetaSchema`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.common import MetaLimits
from app.protocol import UINT64_MAX, bad_param
from app.server._limits import check_defaults, check_field_count
from app.server._wire import readable
from app.storage import MetaField, MetaSchema, MetaType, MetaValue

FIELD_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def _is_uint64(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= UINT64_MAX


def value_fits(kind: MetaType, value: object) -> bool:
    """Whether `value` (parsed JSON) is a valid value of a meta field of type `kind`."""
    if kind is MetaType.UNSIGNED:
        return _is_uint64(value)
    if kind is MetaType.STRING:
        return isinstance(value, str)
    if not isinstance(value, list):
        return False
    if kind is MetaType.SET_STRING:
        return all(isinstance(item, str) for item in value)
    return all(_is_uint64(item) for item in value)


def schema_from_json(doc: object, param: str, limits: MetaLimits | None = None) -> MetaSchema:
    """Parse a wire schema; BAD_PARAM naming `param.<field>` for every kind of mistake, and
    naming `param` or the field when the schema exceeds `limits` (default: `MetaLimits()`)."""
    if not isinstance(doc, Mapping):
        raise bad_param(param, doc, "the meta schema must be an object of fields")
    limits = limits or MetaLimits()
    check_field_count(len(doc), param, limits)
    schema: dict[str, MetaField] = {}
    for name, spec in doc.items():
        where = f"{param}.{name}"
        if not FIELD_NAME_RE.fullmatch(name):
            raise bad_param(where, name, "field names must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$")
        if isinstance(spec, str):
            spec = {"type": spec}
        if not isinstance(spec, Mapping) or set(spec) - {"type", "default"}:
            raise bad_param(where, spec, 'a field is {"type": ..., "default": ...}')
        try:
            kind = MetaType(str(spec.get("type")))
        except ValueError:
            types = ", ".join(t.value for t in MetaType)
            raise bad_param(
                f"{where}.type", spec.get("type"), f"type must be one of {types}"
            ) from None
        default: MetaValue | None = spec.get("default")
        if default is not None and not value_fits(kind, default):
            raise bad_param(f"{where}.default", default, f"the default is not a {kind.value}")
        schema[name] = MetaField(name=name, type=kind, default=default)
    check_defaults(schema, param, limits)
    return schema


def schema_to_json(schema: MetaSchema) -> dict[str, Any]:
    """The wire form of a schema; `default` is always present (null when the field has none)."""
    return {
        name: {"type": field.type.value, "default": readable(field.default)}
        for name, field in schema.items()
    }
