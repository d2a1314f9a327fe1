"""Qt video frames and images as numpy RGB arrays (copies that own their memory)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import QVideoFrame

from app.gui.state import Frame


def image_to_array(image: QImage) -> Frame:
    """An RGB copy of `image`, whatever its format; rows are copied without their padding."""
    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    height, width, stride = rgb.height(), rgb.width(), rgb.bytesPerLine()
    rows = np.frombuffer(rgb.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    return rows[:, : width * 3].reshape(height, width, 3).copy()


def frame_to_array(frame: QVideoFrame) -> Frame | None:
    """The picture of a decoded frame as RGB (rotation and mirroring applied); None if the
    frame holds no picture. Safe to call from a worker thread."""
    image = frame.toImage()
    return None if image.isNull() else image_to_array(image)
