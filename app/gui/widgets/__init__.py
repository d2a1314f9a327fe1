"""Reusable widgets: the video frame view, the typed meta editor, image helpers."""

from app.gui.widgets._frame_view import COLOURS, FrameView, Overlay
from app.gui.widgets._images import image_from_bytes, pixmap_from_bytes, placeholder
from app.gui.widgets._meta_editor import MetaEditor, mark_invalid
from app.gui.widgets._styling import set_style_state

__all__ = [
    "COLOURS",
    "FrameView",
    "MetaEditor",
    "Overlay",
    "image_from_bytes",
    "mark_invalid",
    "pixmap_from_bytes",
    "placeholder",
    "set_style_state",
]
