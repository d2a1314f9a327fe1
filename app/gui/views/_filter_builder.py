"""The filter builder: one row widget per condition, invalid values marked before sending."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QGroupBox, QWidget

from app.gui.forms.ui_filter_builder import Ui_FilterBuilder
from app.gui.forms.ui_filter_row import Ui_FilterRow
from app.gui.state import FilterBuilderState, FilterRow, Operator, operators_for
from app.gui.widgets import mark_invalid


class FilterRowWidget(QWidget):
    """Field, operator and value editors of one row; `edited` fires on any change."""

    edited = Signal()
    removeRequested = Signal()

    def __init__(self, state: FilterBuilderState, row: FilterRow, parent: QWidget) -> None:
        super().__init__(parent)
        self.ui = Ui_FilterRow()
        self.ui.setupUi(self)
        self.state = state
        self.ui.fieldCombo.addItems(state.field_names)
        self.ui.fieldCombo.setCurrentText(row.field)
        self._fill_operators(row.op)
        self.ui.valueEdit.setText(row.text)
        self.ui.fieldCombo.currentTextChanged.connect(self._on_field)
        self.ui.opCombo.currentIndexChanged.connect(self._on_any)
        self.ui.valueEdit.textChanged.connect(self._on_any)
        self.ui.removeButton.clicked.connect(self.removeRequested)

    def _fill_operators(self, selected: Operator | None) -> None:
        operators = operators_for(self.state.field_type(self.ui.fieldCombo.currentText()))
        self.ui.opCombo.blockSignals(True)
        self.ui.opCombo.clear()
        for op in operators:
            self.ui.opCombo.addItem(op.value, op)
        if selected in operators:
            self.ui.opCombo.setCurrentIndex(operators.index(selected))
        self.ui.opCombo.blockSignals(False)
        self._update_placeholder()

    def _update_placeholder(self) -> None:
        op = self.ui.opCombo.currentData()
        field_type = self.state.field_type(self.ui.fieldCombo.currentText())
        kind = "number" if field_type.is_unsigned else "text"
        many = isinstance(op, Operator) and op.takes_list
        self.ui.valueEdit.setPlaceholderText(f"{kind}s, comma separated" if many else kind)

    def row(self) -> FilterRow:
        """The row as edited."""
        op = self.ui.opCombo.currentData()
        assert isinstance(op, Operator)
        return FilterRow(self.ui.fieldCombo.currentText(), op, self.ui.valueEdit.text())

    def show_error(self, error: str | None) -> None:
        """Mark the value editor invalid (or valid again)."""
        mark_invalid(self.ui.valueEdit, error)

    @Slot(str)
    def _on_field(self, _: str) -> None:
        self._fill_operators(None)
        self.edited.emit()

    @Slot()
    def _on_any(self) -> None:
        self._update_placeholder()
        self.edited.emit()


class FilterBuilder(QGroupBox):
    """Observes a FilterBuilderState; `applied` fires when the operator applies valid filters."""

    applied = Signal()

    def __init__(self, state: FilterBuilderState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ui = Ui_FilterBuilder()
        self.ui.setupUi(self)
        self.state = state
        self.rows: list[FilterRowWidget] = []
        self._writing = False
        state.changed.connect(self._on_state_changed)
        self.ui.addRowButton.clicked.connect(self._on_add)
        self.ui.clearButton.clicked.connect(self._on_clear)
        self.ui.applyButton.clicked.connect(self.apply)
        self._rebuild()

    def _on_state_changed(self, _: None) -> None:
        if not self._writing:
            self._rebuild()

    def _rebuild(self) -> None:
        for widget in self.rows:
            widget.deleteLater()
        self.rows = []
        for index, row in enumerate(self.state.rows):
            widget = FilterRowWidget(self.state, row, self.ui.rowsHost)
            widget.edited.connect(lambda index=index: self._on_row_edited(index))
            widget.removeRequested.connect(lambda index=index: self.state.remove_row(index))
            self.ui.rowsLayout.addWidget(widget)
            self.rows.append(widget)
        self.validate()

    def _on_row_edited(self, index: int) -> None:
        row = self.rows[index].row()
        self._writing = True
        try:
            self.state.update_row(index, field=row.field, op=row.op, text=row.text)
        finally:
            self._writing = False
        self.validate()

    def validate(self) -> bool:
        """Mark the invalid rows; True when every row can be sent."""
        errors = [self.state.row_error(row) for row in self.state.rows]
        for widget, error in zip(self.rows, errors, strict=True):
            widget.show_error(error)
        bad = sum(1 for error in errors if error)
        self.ui.statusLabel.setText(f"{bad} invalid condition(s)" if bad else "")
        self.ui.applyButton.setEnabled(not bad)
        return not bad

    @Slot()
    def _on_add(self) -> None:
        self.state.add_row()

    @Slot()
    def _on_clear(self) -> None:
        self.state.clear()
        self.applied.emit()

    @Slot()
    def apply(self) -> None:
        """Emit `applied` if every row is valid."""
        if self.validate():
            self.applied.emit()
