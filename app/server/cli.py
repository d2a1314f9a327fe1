"""Commands of app.server for `python -m app`: `server` runs the sf-api HTTP server."""

from __future__ import annotations

import argparse
from typing import Any

from app.common import DEFAULT_PORT


def _server(args: argparse.Namespace) -> int:
    from app.server._run import run_server  # heavy: uvicorn, models, storage

    overrides = {
        "host": args.host,
        "port": args.port,
        "data_dir": args.data,
        "storage": args.storage,
        "token": args.token,
        "log_level": args.log_level,
    }
    return run_server(overrides, args.config, args.parent_pid)


def _migrate(args: argparse.Namespace) -> int:
    import sys

    from app.protocol import ProtocolError
    from app.server._run import DATABASE_NAME
    from app.storage import migrate, open_location

    try:
        source = open_location(args.source, DATABASE_NAME)
        target = open_location(args.target, DATABASE_NAME)
        try:
            for copy in migrate(
                source,
                target,
                args.gallery or None,
                progress=lambda name, n: print(f"{name}: {n} faces copied", flush=True),
            ):
                print(f"{copy.name}: {copy.faces} faces, checksum {copy.checksum} on both sides")
        finally:
            source.close()
            target.close()
    except ProtocolError as exc:
        print(f"migration failed: {exc.code.value}: {exc.reason}", file=sys.stderr)
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add this layer's subcommands to the top-level parser."""
    parser = subparsers.add_parser(
        "server",
        help="run the sf-api compatible HTTP server",
        description=(
            "Run the sf-api compatible HTTP server. Writes JSON-lines events (progress, ready, "
            "error) on stdout; logs go to stderr."
        ),
    )
    parser.add_argument("--host", help="address to bind (default 127.0.0.1; others need a token)")
    parser.add_argument(
        "--port", type=int, help=f"TCP port (default {DEFAULT_PORT}; 0 = any free port)"
    )
    parser.add_argument("--data", help="directory of the SQLite store")
    parser.add_argument(
        "--storage", help="'sqlite' (default: a file in --data) or a postgresql:// URL (pgvector)"
    )
    parser.add_argument("--config", help="TOML config file with any server setting")
    parser.add_argument("--token", help="API token clients must send as 'Authorization: Bearer'")
    parser.add_argument(
        "--parent-pid", type=int, help="shut down when the process with this id is gone"
    )
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR (default INFO)")
    parser.set_defaults(func=_server)

    storage = subparsers.add_parser("storage", help="maintain the server's galleries")
    actions = storage.add_subparsers(dest="action", required=True)
    migrate = actions.add_parser(
        "migrate",
        help="copy galleries between backends, checked by counts and checksums",
        description=(
            "Copy galleries between backends (SQLite file or data directory, postgresql:// URL);"
            " galleries that exist on the target are refused, nothing is merged."
        ),
    )
    migrate.add_argument("--from", dest="source", required=True, help="path or postgresql:// URL")
    migrate.add_argument("--to", dest="target", required=True, help="path or postgresql:// URL")
    migrate.add_argument("--gallery", action="append", help="copy only this gallery (repeatable)")
    migrate.set_defaults(func=_migrate)
