"""Pixmaps from image bytes and the placeholder shown when a crop is unavailable."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPixmap


def placeholder(size: int = 112, text: str = "no image") -> QPixmap:
    """A grey square with a face outline and `text`, for missing thumbnails."""
    pixmap = QPixmap(QSize(size, size))
    pixmap.fill(QColor("#d8dce2"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor("#9aa3ad"))
    painter.setBrush(QColor("#c3c9d1"))
    painter.drawEllipse(QRect(size // 3, size // 6, size // 3, size * 2 // 5))
    painter.drawRoundedRect(QRect(size // 5, size * 3 // 5, size * 3 // 5, size // 3), 12, 12)
    font = QFont()
    font.setPointSizeF(max(6.0, size / 14))
    painter.setFont(font)
    painter.setPen(QColor("#5b6570"))
    caption = QRect(0, size - size // 5, size, size // 5)
    painter.drawText(caption, Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap


def image_from_bytes(data: bytes | None) -> QImage | None:
    """Decode PNG/JPEG bytes; None when absent or undecodable."""
    if not data:
        return None
    image = QImage.fromData(QByteArray(data))
    return None if image.isNull() else image


def pixmap_from_bytes(data: bytes | None, size: int, text: str = "no image") -> QPixmap:
    """A pixmap of at most `size` pixels from image bytes, or the placeholder."""
    image = image_from_bytes(data)
    if image is None:
        return placeholder(size, text)
    return QPixmap.fromImage(image).scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
