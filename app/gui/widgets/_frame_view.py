"""Paints video frames scaled to fit with face boxes and labels; clicks map to frame pixels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt, Signal, Slot
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


#: How many label heights a label may move up or down to get clear of the labels placed before.
_LABEL_SHIFTS = 6


def _inside(rect: QRectF, bounds: QRectF) -> QRectF:
    """`rect` moved (not resized) to lie within `bounds` where it fits."""
    left = min(max(rect.left(), bounds.left()), bounds.right() - rect.width())
    top = min(max(rect.top(), bounds.top()), bounds.bottom() - rect.height())
    return QRectF(max(left, bounds.left()), max(top, bounds.top()), rect.width(), rect.height())


def place_labels(
    boxes: Sequence[QRectF], sizes: Sequence[QSizeF], bounds: QRectF, gap: float = 2.0
) -> list[QRectF]:
    """Where to draw each box's label: just above its box, else just below it, else moved
    further up or down in label-height steps until it overlaps no label placed before it; always
    inside `bounds` (a face at the frame's top edge gets its label below it). When nothing is
    free within `_LABEL_SHIFTS` steps the label goes above its box, overlapping."""
    placed: list[QRectF] = []
    for box, size in zip(boxes, sizes, strict=True):
        above = QRectF(box.left(), box.top() - size.height() - gap, size.width(), size.height())
        below = QRectF(box.left(), box.bottom() + gap, size.width(), size.height())
        tries = [above, below]
        for step in range(1, _LABEL_SHIFTS + 1):
            shift = step * (size.height() + gap)
            tries += [above.translated(0, -shift), below.translated(0, shift)]
        # Sliding sideways into bounds is harmless; spots that fit vertically come first, one
        # pushed down or up into bounds (over its face) only when none of those is free.
        tries = [spot.translated(_inside(spot, bounds).left() - spot.left(), 0) for spot in tries]
        spots = [spot for spot in tries if _inside(spot, bounds) == spot]
        spots += [_inside(spot, bounds) for spot in tries]
        free = (spot for spot in spots if not any(spot.intersects(p) for p in placed))
        placed.append(next(free, _inside(above, bounds)))
    return placed


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
        metrics = painter.fontMetrics()
        boxes = []
        for overlay in self._overlays:
            left, top, right, bottom = overlay.box
            boxes.append(
                QRectF(
                    rect.left() + left * scale,
                    rect.top() + top * scale,
                    (right - left) * scale,
                    (bottom - top) * scale,
                )
            )
        labelled = [(o, b) for o, b in zip(self._overlays, boxes, strict=True) if o.text]
        sizes = [
            QSizeF(metrics.horizontalAdvance(o.text) + 8, metrics.height() + 2) for o, _ in labelled
        ]
        labels = place_labels([b for _, b in labelled], sizes, QRectF(self.rect()))
        for overlay, box in zip(self._overlays, boxes, strict=True):
            colour = COLOURS.get(overlay.kind, COLOURS["face"])
            painter.setPen(QPen(colour, 3 if overlay.selected else 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(box)
        for (overlay, _box), label in zip(labelled, labels, strict=True):
            painter.fillRect(label, COLOURS.get(overlay.kind, COLOURS["face"]))
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
