"""`python -m app [command]`: the composition root that wires every sfdesk command.

Each layer that offers commands has a `cli` module with `register(subparsers)`; this module only
collects them. Without a command the desktop app starts.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from app import __version__


def _command_modules() -> list[ModuleType]:
    # Imported here so that `--help` stays fast: the cli modules import heavy code lazily.
    from app.facerouter import cli as facerouter_cli
    from app.gui import cli as gui_cli
    from app.server import cli as server_cli
    from app.vision import cli as vision_cli

    return [vision_cli, server_cli, facerouter_cli, gui_cli]


#: The command run when none is given.
DEFAULT_COMMAND = "gui"


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="python -m app",
        description=(
            "sfdesk: a FindFace SF API compatible face server, its facerouter and the desktop "
            f"gallery manager. Without a command, runs `{DEFAULT_COMMAND}`."
        ),
    )
    parser.add_argument("--version", action="version", version=f"sfdesk {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse `argv` and run the chosen command; returns the process exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args_list or args_list[0].startswith("-") and args_list[0] not in (
        "-h",
        "--help",
        "--version",
    ):
        args_list.insert(0, DEFAULT_COMMAND)
    args = parser.parse_args(args_list)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
