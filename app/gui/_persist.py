"""QSettings persistence: the operator's Settings, window geometry and splitter positions."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow, QSplitter

from app.common import APP_NAME
from app.gui.media import list_cameras
from app.gui.state import ServerMode, Settings, camera_of_index

ORGANIZATION = APP_NAME
#: Where versions that opened cameras by OpenCV index kept it; read once, then replaced by
#: `settings/camera` (a device id).
LEGACY_CAMERA_KEY = "settings/camera_index"


def open_settings() -> QSettings:
    """The app's settings store (an INI file in the user's config directory)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APP_NAME
    )


def _coerce(raw: Any, default: Any) -> Any:
    # INI files give strings back; convert to the type of the default.
    if isinstance(default, ServerMode):
        return ServerMode(str(raw))
    if isinstance(default, bool):
        return raw if isinstance(raw, bool) else str(raw).lower() in ("true", "1")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return str(raw)


def load_settings(store: QSettings) -> Settings:
    """The saved Settings; missing or unreadable values take their defaults."""
    defaults = Settings()
    values: dict[str, Any] = {}
    for field in fields(Settings):
        default = getattr(defaults, field.name)
        raw = store.value(f"settings/{field.name}")
        if raw is None:
            continue
        try:
            values[field.name] = _coerce(raw, default)
        except ValueError:
            continue
    legacy = store.value(LEGACY_CAMERA_KEY)
    if legacy is not None and "camera" not in values:
        try:
            values["camera"] = camera_of_index(int(legacy), list_cameras())
        except ValueError:
            pass
    return Settings(**values)


def save_settings(store: QSettings, settings: Settings) -> None:
    """Write every field of `settings`."""
    for field in fields(Settings):
        value = getattr(settings, field.name)
        if isinstance(value, ServerMode):
            value = value.value
        store.setValue(f"settings/{field.name}", value)
    store.remove(LEGACY_CAMERA_KEY)
    store.sync()


def save_layout(
    store: QSettings,
    window: QMainWindow,
    splitters: dict[str, QSplitter],
    choices: dict[str, int],
) -> None:
    """Remember the window geometry, each splitter's sizes and small view choices (tab, mode)."""
    store.setValue("layout/geometry", window.saveGeometry())
    for name, value in choices.items():
        store.setValue(f"layout/choice/{name}", value)
    store.setValue("layout/state", window.saveState())
    for name, splitter in splitters.items():
        store.setValue(f"layout/splitter/{name}", splitter.saveState())
    store.sync()


def restore_choice(store: QSettings, name: str, default: int) -> int:
    """A view choice saved by `save_layout`, or `default`."""
    raw = store.value(f"layout/choice/{name}")
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default


def restore_layout(store: QSettings, window: QMainWindow, splitters: dict[str, QSplitter]) -> None:
    """Put the window and splitters back where they were (nothing saved: keep the defaults)."""
    geometry = store.value("layout/geometry")
    if isinstance(geometry, QByteArray):
        window.restoreGeometry(geometry)
    state = store.value("layout/state")
    if isinstance(state, QByteArray):
        window.restoreState(state)
    for name, splitter in splitters.items():
        saved = store.value(f"layout/splitter/{name}")
        if isinstance(saved, QByteArray):
            splitter.restoreState(saved)
