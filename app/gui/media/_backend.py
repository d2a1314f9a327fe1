"""Quiets Qt Multimedia and the FFmpeg it bundles where they report what is normal.

Qt Multimedia looks for PipeWire (camera discovery) when its library loads and for VA-API
(hardware decoding) when the FFmpeg backend starts, and warns for each one missing; it then
uses V4L2 and software decoding, which is all the live view needs. That rule is set at
import, ahead of the `PySide6.QtMultimedia` imports of this package's other modules;
QT_LOGGING_RULES still wins. FFmpeg itself prints to stderr (Qt passes its log through unless
QT_FFMPEG_DEBUG is set), for some streams a warning per frame ("deprecated pixel format used"
for MJPEG) and per file opened a few errors of hardware decoders it tries and cannot use:
`quiet_ffmpeg` keeps only its fatal messages. Failures still reach the operator, through the
player's errors (MediaError).
"""

from __future__ import annotations

import ctypes
import functools
import os
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLoggingCategory

#: The logging filter set for the whole application.
QUIET_RULES = "qt.multimedia.symbolsresolver.warning=false"
#: FFmpeg's AV_LOG_FATAL: only messages about unrecoverable failures reach stderr.
AV_LOG_FATAL = 8

QLoggingCategory.setFilterRules(QUIET_RULES)


@functools.cache
def quiet_ffmpeg() -> bool:
    """Lower the log level of the FFmpeg that Qt loaded (call after creating a player or a
    camera); True when it was found. Never loads a second copy of the library."""
    if "QT_FFMPEG_DEBUG" in os.environ:
        return False
    folders = {
        QLibraryInfo.path(QLibraryInfo.LibraryPath.LibrariesPath),
        QLibraryInfo.path(QLibraryInfo.LibraryPath.BinariesPath),
    }
    mode = getattr(os, "RTLD_NOLOAD", 0) | ctypes.DEFAULT_MODE  # Windows: by loaded name
    for name in sorted({p.name for folder in folders for p in Path(folder).glob("*avutil*")}):
        try:
            library = ctypes.CDLL(name, mode=mode)
        except OSError:  # not the name the loaded copy goes by
            continue
        library.av_log_set_level(AV_LOG_FATAL)
        return True
    return False
