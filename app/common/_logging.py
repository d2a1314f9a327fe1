"""Logging set-up shared by every sfdesk process (server, facerouter, desktop app, CLI)."""

from __future__ import annotations

import logging
import sys


def setup_logging(level: str | int = "INFO") -> None:
    """Log to stderr with one readable line per record; safe to call more than once."""
    root = logging.getLogger()
    if isinstance(level, str):
        level = logging.getLevelName(level.upper())
    root.setLevel(level)
    if not any(getattr(h, "_sfdesk", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        )
        handler._sfdesk = True  # type: ignore[attr-defined]
        root.addHandler(handler)
