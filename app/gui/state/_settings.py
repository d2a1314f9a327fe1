"""The operator's preferences (connection, timeouts, camera, threshold) as plain data."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.protocol import DEFAULT_CONFIDENCE


class ServerMode(enum.Enum):
    """Which server the app talks to."""

    EMBEDDED = "embedded"
    REMOTE = "remote"


@dataclass(frozen=True)
class Settings:
    """Everything the Settings dialog edits; persisted by the Qt side (QSettings)."""

    mode: ServerMode = ServerMode.EMBEDDED
    remote_url: str = "http://127.0.0.1:18411"
    token: str = ""
    request_timeout: float = 15.0
    detect_timeout: float = 30.0
    #: The preferred camera's device id as the system lists it (CameraInfo.id); "": the default.
    camera: str = ""
    detect_rate: float = 4.0
    show_attributes: bool = False
    confidence: float = DEFAULT_CONFIDENCE
