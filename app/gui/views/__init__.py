"""The views: each composes its generated form as `self.ui` and observes Qt-free state."""

from app.gui.views._create_gallery_dialog import CreateGalleryDialog
from app.gui.views._enroll_dialog import EnrollDialog
from app.gui.views._filter_builder import FilterBuilder, FilterRowWidget
from app.gui.views._gallery_browser import GalleryBrowser
from app.gui.views._live_view import LiveView
from app.gui.views._main_window import MainWindow
from app.gui.views._search_view import SearchView
from app.gui.views._settings_dialog import SettingsDialog, strictness_text

__all__ = [
    "CreateGalleryDialog",
    "EnrollDialog",
    "FilterBuilder",
    "FilterRowWidget",
    "GalleryBrowser",
    "LiveView",
    "MainWindow",
    "SearchView",
    "SettingsDialog",
    "strictness_text",
]
