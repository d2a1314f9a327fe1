"""A table model of similarity-search results: match thumbnail, confidence, gallery, meta."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from app.gui.models._thumbnails import ThumbnailCache
from app.gui.state import SearchState, format_meta_value

_HEADERS = ("match", "confidence", "gallery", "meta")


class ResultsModel(QAbstractTableModel):
    """Adapts SearchState.results (already sorted by decreasing confidence)."""

    def __init__(
        self, state: SearchState, thumbnails: ThumbnailCache, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.thumbnails = thumbnails
        state.results_changed.connect(self._on_reset)
        thumbnails.ready.connect(self._on_thumbnail)

    def _on_reset(self, _: None) -> None:
        self.beginResetModel()
        self.endResetModel()

    def _on_thumbnail(self, gallery: str, face_id: object) -> None:
        for row, hit in enumerate(self.state.results):
            if hit.gallery == gallery and hit.face_id == face_id:
                index = self.index(row, 0)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    def rowCount(  # noqa: N802 (Qt override)
        self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(self.state.results)

    def columnCount(  # noqa: N802 (Qt override)
        self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()  # noqa: B008
    ) -> int:
        return 0 if parent.isValid() else len(_HEADERS)

    def headerData(  # noqa: N802 (Qt override)
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _HEADERS[section]
        return None

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if not index.isValid() or index.row() >= len(self.state.results):
            return None
        hit = self.state.results[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return QIcon(self.thumbnails.pixmap(hit.gallery, hit.face_id))
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == 0:
            return str(hit.face_id)
        if column == 1:
            return f"{hit.confidence:.3f}"
        if column == 2:
            return hit.gallery
        return "; ".join(f"{k}={format_meta_value(v)}" for k, v in sorted(hit.meta.items()))
