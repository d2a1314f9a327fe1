"""Typed editors for a gallery's meta fields, built from its schema, with invalid values marked."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QRegularExpression, Signal, Slot
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from app.gui.state import (
    MetaField,
    MetaType,
    MetaValue,
    ValidationError,
    format_meta_value,
    parse_meta_text,
)
from app.gui.widgets._styling import set_style_state

_PLACEHOLDERS = {
    MetaType.UNSIGNED: "unsigned integer",
    MetaType.STRING: "text",
    MetaType.SET_STRING: "tags, comma separated",
    MetaType.SET_UNSIGNED: "numbers, comma separated",
}
# QSpinBox stops at 2**31 - 1; uint64 fields get a digits-only line edit checked on parse.
_PATTERNS = {
    MetaType.UNSIGNED: r"\d{0,20}",
    MetaType.SET_UNSIGNED: r"[\d,\s]*",
}


def mark_invalid(widget: QWidget, error: str | None) -> None:
    """Flag `widget` for the style sheet (`[invalid="true"]`) and explain in its tooltip."""
    set_style_state(widget, "invalid", error is not None)
    widget.setToolTip(error or "")


class MetaEditor(QWidget):
    """One editor per schema field; `edited` fires on every keystroke."""

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._form = QFormLayout(self)
        self._form.setContentsMargins(0, 0, 0, 0)
        self._fields: list[MetaField] = []
        self._editors: dict[str, QLineEdit] = {}

    @property
    def fields(self) -> list[MetaField]:
        """The schema being edited."""
        return list(self._fields)

    def editor(self, name: str) -> QLineEdit:
        """The editor of field `name`."""
        return self._editors[name]

    def set_schema(self, fields: list[MetaField]) -> None:
        """Rebuild the editors for `fields` (values are cleared)."""
        while self._form.rowCount():
            self._form.removeRow(0)
        self._fields = list(fields)
        self._editors = {}
        for field in fields:
            edit = QLineEdit(self)
            edit.setObjectName(f"meta_{field.name}")
            edit.setPlaceholderText(_PLACEHOLDERS[field.type])
            pattern = _PATTERNS.get(field.type)
            if pattern:
                edit.setValidator(QRegularExpressionValidator(QRegularExpression(pattern), edit))
            edit.textEdited.connect(self._on_edited)
            self._editors[field.name] = edit
            self._form.addRow(QLabel(f"{field.name} ({field.type.value})"), edit)

    def set_values(self, meta: Mapping[str, object]) -> None:
        """Fill the editors from a face's meta (missing keys: the field default)."""
        for field in self._fields:
            value = meta.get(field.name, field.default)
            self._editors[field.name].setText(format_meta_value(value))
            mark_invalid(self._editors[field.name], None)

    def values(self) -> dict[str, MetaValue | None]:
        """The typed values; raises ValidationError for the first invalid field."""
        return {
            field.name: parse_meta_text(field, self._editors[field.name].text())
            for field in self._fields
        }

    def validate(self) -> bool:
        """Mark every invalid editor; True when all are valid."""
        valid = True
        for field in self._fields:
            edit = self._editors[field.name]
            try:
                parse_meta_text(field, edit.text())
            except ValidationError as exc:
                mark_invalid(edit, exc.reason)
                valid = False
            else:
                mark_invalid(edit, None)
        return valid

    @Slot()
    def _on_edited(self) -> None:
        self.validate()
        self.edited.emit()
