"""Shows a window's or dialog's running operations: the latest label, how far it got, a bar."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QWidget

from app.gui.state import Operations


def show_progress(ops: Operations, label: QLabel, bar: QProgressBar, *more: QWidget) -> None:
    """Show the newest labelled operation of `ops` in `label` ("Detecting faces in photos 3 of
    10…", "(+1)" when others run too) and `bar` (busy without a known end); hide them and `more`
    (e.g. a Cancel button) when none runs."""
    visible = ops.visible
    for widget in (label, bar, *more):
        widget.setVisible(bool(visible))
    if not visible:
        return
    latest = visible[-1]
    others = f" (+{len(visible) - 1})" if len(visible) > 1 else ""
    steps = f" {latest.done} of {latest.total}" if latest.total else ""
    label.setText(f"{latest.label}{steps}…{others}")
    bar.setRange(0, latest.total)  # (0, 0): busy, no known end
    bar.setValue(latest.done)
