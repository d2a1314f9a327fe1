"""Quiets Qt Multimedia's probes for optional libraries; imported before the library loads.

Qt Multimedia looks for PipeWire (camera discovery) when its library loads and for VA-API
(hardware decoding) when the FFmpeg backend starts, and warns for each one missing. It then
uses V4L2 and software decoding, which is all the live view needs, so these are not warnings
worth showing to an operator or failing a test on. The rule is set at import, ahead of the
`PySide6.QtMultimedia` imports of this package's other modules; QT_LOGGING_RULES still wins.
"""

from __future__ import annotations

from PySide6.QtCore import QLoggingCategory

#: The logging filter set for the whole application.
QUIET_RULES = "qt.multimedia.symbolsresolver.warning=false"

QLoggingCategory.setFilterRules(QUIET_RULES)
