"""Style-sheet states: a dynamic property the app's style sheet selects on, applied at once."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def set_style_state(widget: QWidget, name: str, value: str | bool) -> None:
    """Set the property `name` that `resources/styles/app.qss` selects on (`[level="error"]`)
    and re-polish `widget`: Qt evaluates property selectors only when a widget is polished."""
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
