"""Style-sheet states apply as soon as they are set, not at the widget's next polish."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from app.gui.widgets import set_style_state

pytestmark = [pytest.mark.gui]

WARNING = QColor("#a15c00")


def test_a_style_state_repolishes_the_widget(qtbot: QtBot) -> None:
    label = QLabel("quality")
    qtbot.addWidget(label)
    label.setStyleSheet(f'QLabel[level="warning"] {{ color: {WARNING.name()}; }}')
    label.ensurePolished()
    assert label.palette().color(QPalette.ColorRole.WindowText) != WARNING
    set_style_state(label, "level", "warning")
    assert label.palette().color(QPalette.ColorRole.WindowText) == WARNING
    set_style_state(label, "level", "")
    assert label.palette().color(QPalette.ColorRole.WindowText) != WARNING
