"""Qt item models adapting the Qt-free state objects, and the thumbnail cache they share."""

from app.gui.models._faces import FACE_ID_ROLE, GRID_CELL, FacesModel
from app.gui.models._galleries import NAME_ROLE, GalleryListModel
from app.gui.models._results import ResultsModel
from app.gui.models._thumbnails import THUMB_SIZE, ThumbnailCache

__all__ = [
    "FACE_ID_ROLE",
    "FacesModel",
    "GRID_CELL",
    "GalleryListModel",
    "NAME_ROLE",
    "ResultsModel",
    "THUMB_SIZE",
    "ThumbnailCache",
]
