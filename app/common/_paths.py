"""Where sfdesk finds its resources and keeps its data: source tree, install or bundle."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "sfdesk"


def is_frozen() -> bool:
    """True when running from a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def bundle_root() -> Path:
    """The directory that holds `resources/` and `ui/`: the repository root or the bundle root."""
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS"))  # noqa: B009 (absent unless frozen)
    return Path(__file__).resolve().parents[2]


def resources_dir() -> Path:
    """The `resources/` directory (icons, styles, the model manifest)."""
    return bundle_root() / "resources"


def user_data_dir() -> Path:
    """The per-user data directory (overridable with SFDESK_DATA_HOME).

    Follows each platform's convention: XDG on Linux, LOCALAPPDATA on Windows,
    Application Support on macOS. The desktop app asks Qt (QStandardPaths) for the same place.
    """
    override = os.environ.get("SFDESK_DATA_HOME")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / APP_NAME


def default_model_dir() -> Path:
    """Where `python -m app models install` puts model packs (overridable with SFDESK_MODEL_DIR).

    A frozen bundle carries its verified models inside the bundle.
    """
    override = os.environ.get("SFDESK_MODEL_DIR")
    if override:
        return Path(override)
    if is_frozen():
        return bundle_root() / "models"
    return user_data_dir() / "models"


def default_server_data_dir() -> Path:
    """Where the embedded server keeps its SQLite store unless `--data` says otherwise."""
    return user_data_dir() / "server"
