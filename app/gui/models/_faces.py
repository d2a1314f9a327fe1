"""A table model of a gallery's faces: id and meta columns, thumbnails as decorations."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QIcon

from app.gui.models._thumbnails import ThumbnailCache
from app.gui.state import FacesState, format_meta_value

#: The role that returns the face id (an int; ids exceed 2**31, so never via DisplayRole math).
FACE_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class FacesModel(QAbstractTableModel):
    """Adapts FacesState: column 0 is the id with the thumbnail, then one column per meta field.

    The grid (a QListView in icon mode) shows column 0 of the same model.
    """

    def __init__(
        self, state: FacesState, thumbnails: ThumbnailCache, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.thumbnails = thumbnails
        state.reset.connect(self._on_reset)
        state.removed.connect(self._on_reset)
        state.appended.connect(self._on_appended)
        state.row_changed.connect(self._on_row_changed)
        thumbnails.ready.connect(self._on_thumbnail)

    def _on_reset(self, _: None) -> None:
        self.beginResetModel()
        self.endResetModel()

    def _on_appended(self, start: int) -> None:
        end = len(self.state.faces) - 1
        if end < start:
            return
        # The rows are already in the state; announce them as inserted.
        self.beginInsertRows(QModelIndex(), start, end)
        self.endInsertRows()

    def _on_row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def _on_thumbnail(self, gallery: str, face_id: object) -> None:
        if gallery != self.state.gallery or not isinstance(face_id, int):
            return
        row = self.state.row_of(face_id)
        if row is not None:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def rowCount(  # noqa: N802 (Qt override)
        self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self.state.faces)

    def columnCount(  # noqa: N802 (Qt override)
        self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else 1 + len(self.state.schema)

    def headerData(  # noqa: N802 (Qt override)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if section == 0:
            return "face (name, id)"
        return self.state.schema[section - 1].name

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid() or index.row() >= len(self.state.faces):
            return None
        face = self.state.faces[index.row()]
        column = index.column()
        if role == FACE_ID_ROLE:
            return face.face_id
        if column == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                name = face.meta.get("name")
                return f"{name}\n{face.face_id}" if name else str(face.face_id)
            if role == Qt.ItemDataRole.DecorationRole:
                return QIcon(self.thumbnails.pixmap(face.gallery, face.face_id))
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Face {face.face_id}"
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return format_meta_value(face.meta.get(self.state.schema[column - 1].name))
        return None

    def face_ids(self, rows: list[int]) -> list[int]:
        """The face ids of `rows`."""
        return [self.state.faces[row].face_id for row in rows if row < len(self.state.faces)]


#: Grid cell size for the icon-mode list (thumbnail plus two text lines).
GRID_CELL = QSize(118, 140)
