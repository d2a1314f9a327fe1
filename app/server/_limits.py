"""Size limits of meta data (`MetaLimits`): a schema's fields and defaults, and a face's meta.

Without them a 100,000-field schema cost about 0.9 GB at the first add, and 25 faces with
15 MiB names made one listing of 375 MiB. Every excess is BAD_PARAM naming the field (or
"meta" / the schema parameter for totals) and the setting to raise; the value is not echoed
back, only its size.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from app.common import MetaLimits
from app.protocol import bad_param
from app.storage import MetaSchema


def meta_bytes(meta: Mapping[str, Any]) -> int:
    """The size of `meta` as compact UTF-8 JSON, the measure of `max_meta_bytes`."""
    text = json.dumps(meta, ensure_ascii=False, separators=(",", ":"))
    return len(text.encode("utf-8", "surrogatepass"))  # old stores may hold lone surrogates


def check_value_size(value: object, param: str, limits: MetaLimits) -> None:
    """BAD_PARAM `param` for a string longer than `max_string_length` characters, or a set of
    more than `max_set_items` values (or with such a string)."""
    if isinstance(value, list):
        if len(value) > limits.max_set_items:
            raise bad_param(
                param,
                f"{len(value)} values",
                f"{param} has more than {limits.max_set_items} values "
                "(server setting meta_limits.max_set_items)",
            )
        for item in value:
            check_value_size(item, param, limits)
    elif isinstance(value, str) and len(value) > limits.max_string_length:
        raise bad_param(
            param,
            f"{len(value)} characters",
            f"{param} is longer than {limits.max_string_length} characters "
            "(server setting meta_limits.max_string_length)",
        )


def check_meta_size(meta: Mapping[str, Any], param: str, limits: MetaLimits) -> None:
    """BAD_PARAM `param` when `meta` as a whole is larger than `max_meta_bytes`."""
    size = meta_bytes(meta)
    if size > limits.max_meta_bytes:
        raise bad_param(
            param,
            f"{size} bytes",
            f"{param} is larger than {limits.max_meta_bytes} bytes as JSON "
            "(server setting meta_limits.max_meta_bytes)",
        )


def check_face_meta(
    current: Mapping[str, Any], changes: Mapping[str, Any], limits: MetaLimits
) -> None:
    """The limits for meta `changes` to a face whose meta is `current` (for a new face: the
    schema defaults), checked on the meta the face will have."""
    for key, value in changes.items():
        check_value_size(value, f"meta.{key}", limits)
    merged = dict(current)
    merged.update((key, value) for key, value in changes.items() if value is not None)
    check_meta_size(merged, "meta", limits)


def defaults(schema: MetaSchema) -> dict[str, Any]:
    """The meta a new face gets when it sets nothing."""
    return {name: field.default for name, field in schema.items() if field.default is not None}


def check_field_count(count: int, param: str, limits: MetaLimits) -> None:
    """BAD_PARAM `param` for a schema of more than `max_fields` fields."""
    if count > limits.max_fields:
        raise bad_param(
            param,
            f"{count} fields",
            f"{param} has more than {limits.max_fields} fields "
            "(server setting meta_limits.max_fields)",
        )


def check_defaults(schema: MetaSchema, param: str, limits: MetaLimits) -> None:
    """The limits for the defaults of a new schema: each of them, and all of them together."""
    for name, field in schema.items():
        check_value_size(field.default, f"{param}.{name}.default", limits)
    check_meta_size(defaults(schema), param, limits)
