"""A list model of the galleries with their face counts."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from app.gui.state import GalleriesState

#: The role that returns the gallery name.
NAME_ROLE = Qt.ItemDataRole.UserRole + 1


class GalleryListModel(QAbstractListModel):
    """Adapts GalleriesState: `name (count)` per row, the bare name under NAME_ROLE."""

    def __init__(self, state: GalleriesState, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.state = state
        state.changed.connect(self._on_changed)

    def _on_changed(self, _: None) -> None:
        self.beginResetModel()
        self.endResetModel()

    def rowCount(  # noqa: N802 (Qt override)
        self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self.state.items)

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid() or index.row() >= len(self.state.items):
            return None
        item = self.state.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{item.name} ({item.count})"
        if role == NAME_ROLE:
            return item.name
        return None

    def row_of(self, name: str) -> int | None:
        """The row of gallery `name`, if listed."""
        names = self.state.names
        return names.index(name) if name in names else None
