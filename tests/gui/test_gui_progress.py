"""The progress area shared by the main window and the Enroll dialog."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QWidget

from app.gui.state import Operations
from app.gui.views._progress import show_progress


def test_progress_shows_the_newest_operation_and_hides_when_none(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    label, bar, cancel = QLabel(parent), QProgressBar(parent), QPushButton(parent)
    parent.show()
    ops = Operations()
    ops.changed.connect(lambda _: show_progress(ops, label, bar, cancel))
    show_progress(ops, label, bar, cancel)
    assert not label.isVisible() and not bar.isVisible() and not cancel.isVisible()

    async def scenario() -> None:
        current = asyncio.current_task()
        assert current is not None
        ops.add(current, "Loading faces")
        assert label.text() == "Loading faces…" and bar.maximum() == 0 and cancel.isVisible()
        other = asyncio.ensure_future(asyncio.sleep(0))
        ops.add(other, "Detecting faces in photos")
        await other
        ops.report(2, 5)  # reports for the calling task only
        assert label.text() == "Detecting faces in photos… (+1)"
        ops.discard(other)
        assert label.text() == "Loading faces 2 of 5…"
        assert (bar.maximum(), bar.value()) == (5, 2)
        ops.discard(current)

    asyncio.run(scenario())
    assert not label.isVisible() and not bar.isVisible() and not cancel.isVisible()
