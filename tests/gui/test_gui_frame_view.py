"""Face-box labels of the live view: placed clear of each other and inside the view."""

from __future__ import annotations

from itertools import combinations

from PySide6.QtCore import QRectF, QSizeF
from PySide6.QtGui import QImage

from app.gui.widgets import FrameView, Overlay
from app.gui.widgets._frame_view import place_labels

BOUNDS = QRectF(0, 0, 640, 480)
LABEL = QSizeF(180, 18)


def test_a_lone_label_sits_just_above_its_box() -> None:
    box = QRectF(100, 200, 80, 80)
    (label,) = place_labels([box], [LABEL], BOUNDS)
    assert label == QRectF(100, 200 - 18 - 2, 180, 18)


def test_labels_of_close_faces_do_not_overlap() -> None:
    boxes = [QRectF(100 + 40 * i, 200 + 5 * i, 60, 60) for i in range(5)]  # a tight group
    labels = place_labels(boxes, [LABEL] * 5, BOUNDS)
    assert labels[0] == QRectF(100, 200 - 20, 180, 18)  # the first keeps its natural spot
    for a, b in combinations(labels, 2):
        assert not a.intersects(b), (a, b)
    assert all(BOUNDS.contains(label) for label in labels)


def test_a_face_at_the_top_edge_gets_its_label_below_and_inside() -> None:
    box = QRectF(600, 0, 40, 60)  # top-right corner: no room above, too little to the right
    (label,) = place_labels([box], [LABEL], BOUNDS)
    assert BOUNDS.contains(label)
    assert label.top() >= box.bottom() and not label.intersects(box)


def test_with_no_free_spot_labels_stay_inside_the_view() -> None:
    boxes = [QRectF(10, 10, 600, 460)] * 20  # more labels than shifts can separate
    labels = place_labels(boxes, [LABEL] * 20, BOUNDS)
    assert len(labels) == 20 and all(BOUNDS.contains(label) for label in labels)


def test_the_view_paints_close_labelled_faces(qtbot) -> None:  # type: ignore[no-untyped-def]
    view = FrameView()
    qtbot.addWidget(view)
    view.resize(640, 480)
    image = QImage(640, 480, QImage.Format.Format_RGB888)
    image.fill(0x404040)
    view.set_image(image)
    view.set_overlays(
        [Overlay((100 + 30 * i, 5, 160 + 30 * i, 70), f"person {i}", "match") for i in range(4)]
    )
    picture = view.grab().toImage()
    assert not picture.isNull() and picture.width() == 640
