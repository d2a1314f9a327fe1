"""The `gui` command of `python -m app`: the desktop gallery manager."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the `gui` command to the top-level parser."""
    parser = subparsers.add_parser(
        "gui",
        help="the desktop gallery manager (PySide6)",
        description=(
            "Open the desktop gallery manager. By default it starts an embedded sf-api server "
            "on a free loopback port; --server-url uses a running server instead."
        ),
    )
    parser.add_argument(
        "--server-url", metavar="URL", help="use this sf-api server instead of the embedded one"
    )
    parser.add_argument(
        "--video", metavar="FILE", type=Path, help="open this video file in the live view"
    )
    parser.add_argument(
        "--screenshot",
        metavar="DIR",
        type=Path,
        help="save a PNG of each main view into DIR once connected, then exit",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    # Imported here so that `python -m app --help` does not load Qt.
    from app.gui._app import run

    return run(server_url=args.server_url, screenshot_dir=args.screenshot, video=args.video)
