"""Camera and video-file frames through Qt Multimedia, adapted to the Qt-free FrameSource."""

from app.gui.media._backend import QUIET_RULES
from app.gui.media._devices import find_camera, list_cameras
from app.gui.media._frames import frame_to_array, image_to_array
from app.gui.media._source import OPEN_TIMEOUT, MediaSource

__all__ = [
    "OPEN_TIMEOUT",
    "QUIET_RULES",
    "MediaSource",
    "find_camera",
    "frame_to_array",
    "image_to_array",
    "list_cameras",
]
