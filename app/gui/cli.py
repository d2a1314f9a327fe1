"""The `gui` and `self-test` commands of `python -m app`: the desktop app and its check."""

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
    self_test = subparsers.add_parser(
        "self-test",
        help="check the installation end to end without a display",
        description=(
            "Start the embedded server as the desktop app does, detect the face on a bundled "
            "public-domain photo, enroll it in a scratch gallery and search for it. Exit status "
            "0 when every step passed."
        ),
    )
    self_test.add_argument(
        "--image",
        metavar="FILE",
        type=Path,
        help="use this one-face photo instead of the bundled one",
    )
    self_test.set_defaults(func=_self_test)


def _self_test(args: argparse.Namespace) -> int:
    from app.gui._selftest import DEFAULT_IMAGE, run_self_test

    return run_self_test(args.image or DEFAULT_IMAGE)


def _run(args: argparse.Namespace) -> int:
    # Imported here so that `python -m app --help` does not load Qt.
    from app.gui._app import run

    return run(server_url=args.server_url, screenshot_dir=args.screenshot, video=args.video)
