"""Awaiting dialogs without nested event loops, and the one confirmation question."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import QDialog, QMessageBox, QWidget


async def run_dialog(dialog: QDialog) -> bool:
    """Open `dialog` window-modal and wait (asynchronously) for it; True when accepted."""
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not done.done():
            done.set_result(result)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await done == QDialog.DialogCode.Accepted.value
    finally:
        dialog.finished.disconnect(finished)


def confirm(parent: QWidget, title: str, text: str) -> bool:
    """Ask a yes/no question (default No) before something destructive."""
    answer = QMessageBox.question(
        parent,
        title,
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes
