"""The New gallery dialog: a name and either the server's default schema or typed fields."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QDialog, QTableWidgetItem, QWidget

from app.gui.forms.ui_create_gallery_dialog import Ui_CreateGalleryDialog
from app.gui.state import MetaField, MetaType, ValidationError, parse_meta_text
from app.protocol import ProtocolError, check_gallery_name


class CreateGalleryDialog(QDialog):
    """Collects `name` and `schema` (None: server default); refuses OK while invalid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = Ui_CreateGalleryDialog()
        self.ui.setupUi(self)
        self.name = ""
        self.schema: list[MetaField] | None = None
        self.ui.schemaTable.horizontalHeader().setStretchLastSection(True)
        self.ui.defaultSchemaCheck.toggled.connect(self._on_default_toggled)
        self.ui.addFieldButton.clicked.connect(self.add_field)
        self.ui.removeFieldButton.clicked.connect(self._on_remove)
        self.ui.buttonBox.accepted.connect(self._on_ok)
        self.ui.buttonBox.rejected.connect(self.reject)

    @Slot(bool)
    def _on_default_toggled(self, use_default: bool) -> None:
        for widget in (self.ui.schemaTable, self.ui.addFieldButton, self.ui.removeFieldButton):
            widget.setEnabled(not use_default)

    @Slot()
    def add_field(self, name: str = "", field_type: MetaType = MetaType.STRING) -> None:
        """Append a schema row."""
        table = self.ui.schemaTable
        row = table.rowCount()
        table.insertRow(row)
        table.setItem(row, 0, QTableWidgetItem(name))
        combo = QComboBox(table)
        combo.addItems([t.value for t in MetaType])
        combo.setCurrentText(field_type.value)
        table.setCellWidget(row, 1, combo)
        table.setItem(row, 2, QTableWidgetItem(""))

    @Slot()
    def _on_remove(self) -> None:
        row = self.ui.schemaTable.currentRow()
        if row >= 0:
            self.ui.schemaTable.removeRow(row)

    def _read_schema(self) -> list[MetaField]:
        table = self.ui.schemaTable
        fields: list[MetaField] = []
        for row in range(table.rowCount()):
            name_item, default_item = table.item(row, 0), table.item(row, 2)
            name = name_item.text().strip() if name_item else ""
            combo = table.cellWidget(row, 1)
            assert isinstance(combo, QComboBox)
            if not name:
                raise ValidationError(f"row {row + 1}", "the field needs a name")
            field = MetaField(name, MetaType(combo.currentText()))
            default = parse_meta_text(field, default_item.text() if default_item else "")
            fields.append(MetaField(name, field.type, default))
        if len({f.name for f in fields}) != len(fields):
            raise ValidationError("schema", "field names must be unique")
        return fields

    @Slot()
    def _on_ok(self) -> None:
        name = self.ui.nameEdit.text().strip()
        try:
            check_gallery_name(name, "name")
            schema = None if self.ui.defaultSchemaCheck.isChecked() else self._read_schema()
        except ProtocolError as exc:
            self.ui.errorLabel.setText(f"Name: {exc.reason}")
            return
        except ValidationError as exc:
            self.ui.errorLabel.setText(exc.reason)
            return
        self.name, self.schema = name, schema
        self.accept()
