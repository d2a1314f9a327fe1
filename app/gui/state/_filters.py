"""The filter builder's rows: field x operator x typed values, validated, combined with AND."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from app.gui.state._errors import ValidationError
from app.gui.state._events import Event
from app.gui.state._meta import MetaField, MetaType, parse_meta_text, split_list
from app.sfapi_client.filters import Filter, Id, Meta

#: The pseudo field for the face id.
ID_FIELD = "id"


class Operator(enum.Enum):
    """The comparison of one filter row; the value is the label shown in the builder."""

    LTE = "≤"
    GTE = "≥"
    ONE_OF = "one of"
    CONTAINS_ALL = "contains all of"

    @property
    def takes_list(self) -> bool:
        """True when the value is a comma-separated list."""
        return self in (Operator.ONE_OF, Operator.CONTAINS_ALL)


def operators_for(field_type: MetaType) -> list[Operator]:
    """The operators that make sense for a field of `field_type` (the id is unsigned)."""
    if field_type.is_set:
        return [Operator.CONTAINS_ALL]
    return [Operator.LTE, Operator.GTE, Operator.ONE_OF]


@dataclass
class FilterRow:
    """One row of the builder as the operator typed it."""

    field: str = ID_FIELD
    op: Operator = Operator.GTE
    text: str = ""


@dataclass
class FilterBuilderState:
    """The rows of the filter builder for one gallery schema; `changed` fires on every edit."""

    schema: list[MetaField] = field(default_factory=list)
    rows: list[FilterRow] = field(default_factory=list)
    changed: Event[None] = field(default_factory=Event, repr=False, compare=False)

    def field_type(self, name: str) -> MetaType:
        """The type of a field name (the id is unsigned)."""
        if name == ID_FIELD:
            return MetaType.UNSIGNED
        for meta_field in self.schema:
            if meta_field.name == name:
                return meta_field.type
        raise ValidationError(name, "is not a field of this gallery")

    @property
    def field_names(self) -> list[str]:
        """The choosable fields: the id, then the schema's meta fields."""
        return [ID_FIELD, *(meta_field.name for meta_field in self.schema)]

    def set_schema(self, schema: list[MetaField]) -> None:
        """Switch to another gallery's schema; rows naming fields it lacks are dropped."""
        self.schema = list(schema)
        names = set(self.field_names)
        self.rows = [row for row in self.rows if row.field in names]
        self.changed.emit(None)

    def add_row(self) -> FilterRow:
        """Append an empty id row."""
        row = FilterRow()
        self.rows.append(row)
        self.changed.emit(None)
        return row

    def remove_row(self, index: int) -> None:
        """Remove the row at `index`."""
        del self.rows[index]
        self.changed.emit(None)

    def clear(self) -> None:
        """Remove every row."""
        self.rows.clear()
        self.changed.emit(None)

    def update_row(self, index: int, *, field: str, op: Operator, text: str) -> None:
        """Replace the row at `index` (the view writes back what the operator edited)."""
        self.rows[index] = FilterRow(field, op, text)
        self.changed.emit(None)

    def row_error(self, row: FilterRow) -> str | None:
        """Why `row` cannot be sent, or `None` when it is valid."""
        try:
            self._row_filters(row)
        except ValidationError as exc:
            return exc.reason
        return None

    def build(self) -> list[Filter]:
        """The client filters of every row (ANDed by the server); raises on the first bad row."""
        filters: list[Filter] = []
        for row in self.rows:
            filters.extend(self._row_filters(row))
        return filters

    def _row_filters(self, row: FilterRow) -> list[Filter]:
        field_type = self.field_type(row.field)
        if row.op not in operators_for(field_type):
            raise ValidationError(row.field, f"operator {row.op.value!r} does not apply")
        element_type = MetaType.UNSIGNED if field_type.is_unsigned else MetaType.STRING
        element = MetaField(row.field, element_type)
        texts = split_list(row.text) if row.op.takes_list else [row.text]
        if not texts or not all(text.strip() for text in texts):
            raise ValidationError(row.field, "needs a value")
        values = [parse_meta_text(element, text) for text in texts]
        if row.field == ID_FIELD:
            ids = [int(value) for value in values if isinstance(value, int)]
            if row.op is Operator.LTE:
                return [Id.lte(ids[0])]
            if row.op is Operator.GTE:
                return [Id.gte(ids[0])]
            return [Id.oneof(*ids)]
        meta = Meta(row.field)
        scalars = [value for value in values if isinstance(value, int | str)]
        if row.op is Operator.LTE:
            return [meta.lte(scalars[0])]
        if row.op is Operator.GTE:
            return [meta.gte(scalars[0])]
        if row.op is Operator.ONE_OF:
            return [meta.oneof(*scalars)]
        return [meta.subset(*scalars)]
