"""Paints video frames scaled to fit with face boxes and labels; clicks map to frame pixels."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

#: Overlay colours by kind.
COLOURS = {
    "face": QColor("#3fa7ff"),
    "match": QColor("#37c871"),
    "unknown": QColor("#ffb020"),
    "poor": QColor("#ff5a5a"),
}


@dataclass(frozen=True)
class Overlay:
    """One face box in frame pixels with its label and colour kind (a key of COLOURS)."""

    box: tuple[int, int, int, int]
    text: str
    kind: str = "face"
    selected: bool = False


def _local_paths(event: QDragEnterEvent | QDropEvent) -> list[Path]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class FrameView(QWidget):
    """Shows the latest frame; emits `clicked(x, y)` in frame pixels and `filesDropped(paths)`."""

    clicked = Signal(float, float)
    filesDropped = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._overlays: list[Overlay] = []
        self._hint = ""
        self.setAcceptDrops(True)
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    @Slot(QImage)
    def set_image(self, image: QImage | None) -> None:
        """Show `image` (None: clear)."""
        self._image = image
        self.update()

    def set_overlays(self, overlays: list[Overlay]) -> None:
        """Replace the face boxes."""
        self._overlays = list(overlays)
        self.update()

    def set_hint(self, text: str) -> None:
        """The text shown while there is no frame."""
        self._hint = text
        self.update()

    def _target(self) -> tuple[QRectF, float] | None:
        if self._image is None or self._image.isNull():
            return None
        scale = min(self.width() / self._image.width(), self.height() / self._image.height())
        width, height = self._image.width() * scale, self._image.height() * scale
        left, top = (self.width() - width) / 2, (self.height() - height) / 2
        return QRectF(left, top, width, height), scale

    def to_frame(self, point: QPointF) -> QPointF | None:
        """Frame pixel coordinates of a widget point, None outside the frame."""
        target = self._target()
        if target is None or not target[0].contains(point):
            return None
        rect, scale = target
        return QPointF((point.x() - rect.left()) / scale, (point.y() - rect.top()) / scale)

    def to_widget(self, point: QPointF) -> QPointF:
        """Widget coordinates of a frame pixel (tests click faces with it)."""
        target = self._target()
        if target is None:
            return point
        rect, scale = target
        return QPointF(rect.left() + point.x() * scale, rect.top() + point.y() * scale)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt override)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1d2127"))
        target = self._target()
        if target is None or self._image is None:
            painter.setPen(QColor("#aab2bd"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._hint)
            painter.end()
            return
        rect, scale = target
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(rect, self._image)
        font = QFont()
        font.setPointSize(9)
        painter.setFont(font)
        for overlay in self._overlays:
            left, top, right, bottom = overlay.box
            box = QRectF(
                rect.left() + left * scale,
                rect.top() + top * scale,
                (right - left) * scale,
                (bottom - top) * scale,
            )
            colour = COLOURS.get(overlay.kind, COLOURS["face"])
            painter.setPen(QPen(colour, 3 if overlay.selected else 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(box)
            if overlay.text:
                metrics = painter.fontMetrics()
                label = QRectF(
                    box.left(), box.top() - metrics.height() - 2,
                    metrics.horizontalAdvance(overlay.text) + 8, metrics.height() + 2,
                )
                painter.fillRect(label, colour)
                painter.setPen(QColor("#101316"))
                painter.drawText(label, Qt.AlignmentFlag.AlignCenter, overlay.text)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt override)
        point = self.to_frame(event.position())
        if point is not None and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(point.x(), point.y())
        super().mousePressEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt override)
        if _local_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 (Qt override)
        paths = _local_paths(event)
        if paths:
            event.acceptProposedAction()
            self.filesDropped.emit(paths)
