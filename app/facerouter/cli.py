"""Commands of app.facerouter for `python -m app` (none registered yet)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add this layer's subcommands to the top-level parser."""
