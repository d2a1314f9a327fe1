"""Running the server process: settings, services, the socket, uvicorn, signals and the watchdog.

The process contract (docs/protocol.md, "Server process"): JSON-lines events on stdout
(`progress` during start-up, then `ready` with the URL, or `error` before a non-zero exit);
SIGTERM/SIGINT shut down gracefully (in-flight requests finish, then storage closes); with
`--parent-pid` the server also stops when that process is gone. A SQLite store is locked first
(`app.storage.StoreLock`), so a second server on the same data refuses to start at once, with
an `error` event of code DATA_IN_USE naming the first one's pid and URL.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import signal
import socket
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import uvicorn

from app import __version__
from app.common import ServerSettings, SettingsError, load_server_settings, setup_logging
from app.protocol import ErrorCode, ProtocolError
from app.server._app import create_app
from app.server._cache import DetectionCache, MemoryCache
from app.server._http import protocol_class
from app.server._memcached import MemcachedCache
from app.server._pool import limit_native_threads
from app.server._process import EventStream, process_alive
from app.server._schema import schema_from_json
from app.storage import SQLiteStorage, Storage, StoreInUse, StoreLock
from app.vision import FaceEngine, VisionConfig

log = logging.getLogger(__name__)

DATABASE_NAME = "sfdesk.sqlite3"
#: The `error` event code (and exit status) of a server whose data another process holds.
DATA_IN_USE = "DATA_IN_USE"
EXIT_DATA_IN_USE = 3


class StartupError(Exception):
    """The server cannot start; `code` and the message go into the `error` event."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


def is_loopback(host: str) -> bool:
    """Whether binding `host` keeps the server reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(settings: ServerSettings) -> None:
    """Refuse to listen beyond loopback without an API token."""
    if not is_loopback(settings.host) and not settings.token:
        raise StartupError(
            ErrorCode.BAD_PARAM,
            f"refusing to listen on {settings.host}: it is not a loopback address and no API "
            "token is set; pass --token (or set token in the config file), or bind 127.0.0.1",
        )


def prepare_data_dir(path: Path) -> None:
    """Create the data directory; STORAGE_ERROR naming the problem when that is impossible."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise StartupError(
            ErrorCode.STORAGE_ERROR, f"the data directory {path} is a file, not a directory"
        ) from None
    except OSError as exc:
        raise StartupError(
            ErrorCode.STORAGE_ERROR, f"cannot create the data directory {path}: {exc.strerror}"
        ) from exc


def build_cache(settings: ServerSettings) -> DetectionCache:
    """The detection cache backend named by the settings."""
    cache = settings.cache
    if cache.backend == "memcached":
        return MemcachedCache(
            cache.memcached_servers,
            ttl_seconds=cache.ttl_seconds,
            timeout=cache.memcached_timeout_seconds,
        )
    return MemoryCache(ttl_seconds=cache.ttl_seconds, max_items=cache.max_items)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0: a free port chosen by the OS)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM
        )[0]
        sock = socket.socket(family, kind, proto)
        if os.name == "posix":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        raise StartupError(
            ErrorCode.UNKNOWN_ERROR, f"cannot listen on {host}:{port}: {exc}"
        ) from exc
    sock.setblocking(False)
    return sock


def _url(sock: socket.socket) -> str:
    """The URL a local client uses; a wildcard bind (0.0.0.0, ::) is reached over loopback."""
    host, port = sock.getsockname()[:2]
    if ipaddress.ip_address(host.split("%", 1)[0]).is_unspecified:
        host = "::1" if ":" in host else "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


async def _watch_parent(server: uvicorn.Server, parent_pid: int) -> None:
    reparented = parent_pid == os.getppid()
    while not server.should_exit:
        if not process_alive(parent_pid) or (reparented and os.getppid() != parent_pid):
            log.warning("parent process %d is gone; shutting down", parent_pid)
            server.should_exit = True
            return
        await asyncio.sleep(0.5)


async def _serve(
    server: uvicorn.Server, sock: socket.socket, events: EventStream, parent_pid: int | None
) -> None:
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.02)
    if server.started:
        events.emit("ready", url=_url(sock), version=__version__)
    watchdog = None
    if parent_pid is not None:
        watchdog = asyncio.create_task(_watch_parent(server, parent_pid))
    try:
        await serving
    finally:
        if watchdog is not None:
            watchdog.cancel()
    if not server.started:
        raise StartupError(ErrorCode.UNKNOWN_ERROR, "the HTTP server failed to start; see the log")


def _start(settings: ServerSettings, events: EventStream, parent_pid: int | None) -> None:
    check_bind(settings)
    limit_native_threads(settings.native_threads)
    default_schema = schema_from_json(
        settings.default_meta_schema, "default_meta_schema", settings.meta_limits
    )
    prepare_data_dir(settings.data_dir)
    # Before anything else: a second server on the same data fails at once, naming the first.
    lock = None
    if settings.storage == "sqlite":
        lock = StoreLock.acquire(settings.data_dir / DATABASE_NAME)
    sock = bind_socket(settings.host, settings.port)  # then: a taken port fails fast
    if lock is not None:
        lock.record(_url(sock))
    events.progress("loading models")
    config = VisionConfig(
        max_image_bytes=settings.max_body_bytes, max_image_pixels=settings.max_image_pixels
    )
    engine = FaceEngine(model_dir=settings.model_dir, config=config, pack=settings.model_pack)
    events.progress("opening storage")
    storage: Storage
    if lock is not None:
        storage = SQLiteStorage(
            settings.data_dir / DATABASE_NAME, default_schema=default_schema, lock=lock
        )
    else:
        from app.storage import (  # psycopg only when configured
            PostgresStorage,
            PostgresTuning,
            ShardedPostgresStorage,
        )

        tuning = PostgresTuning(hnsw_min_faces=settings.postgres_hnsw_min_faces or None)
        urls = settings.storage.split()
        if len(urls) == 1:
            storage = PostgresStorage(urls[0], default_schema=default_schema, tuning=tuning)
        else:
            storage = ShardedPostgresStorage(urls, default_schema=default_schema, tuning=tuning)
    cache = build_cache(settings)
    events.progress("starting HTTP server")
    app = create_app(settings, storage, engine, cache)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            http=protocol_class(settings.http),
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=int(settings.shutdown_timeout_seconds),
        )
    )

    # uvicorn installs its own handlers while serving and re-raises the stop signal after its
    # graceful shutdown; ours (in place before and after) only ask for that shutdown, so a
    # signal during start-up is not lost and a graceful stop exits 0.
    def stop(*_: object) -> None:
        server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)
    asyncio.run(_serve(server, sock, events, parent_pid))


def run_server(
    overrides: Mapping[str, Any], config_file: str | None, parent_pid: int | None
) -> int:
    """The `server` command: returns the exit code (0 after a graceful stop)."""
    events = EventStream.take_stdout()

    def fail(status: int, code: str, reason: str, **fields: Any) -> int:
        events.error(code, reason, **fields)
        print(f"sfdesk server: {reason}", file=sys.stderr)  # one line for a person at a terminal
        return status

    try:
        events.progress("reading settings")
        path = None if config_file is None else Path(config_file)
        settings = load_server_settings(path, overrides)
        setup_logging(settings.log_level)
        _start(settings, events, parent_pid)
    except SettingsError as exc:
        return fail(2, ErrorCode.BAD_PARAM, str(exc))
    except StartupError as exc:
        return fail(2, exc.code, str(exc))
    except StoreInUse as exc:
        # Its own code, so that the desktop app can tell "already running" from a failure.
        holder = exc.holder
        return fail(EXIT_DATA_IN_USE, DATA_IN_USE, exc.reason, pid=holder.pid, url=holder.url)
    except ProtocolError as exc:
        return fail(1, exc.code, exc.reason)
    except Exception as exc:
        log.exception("the server failed")
        return fail(1, ErrorCode.UNKNOWN_ERROR, f"{type(exc).__name__}: {exc}")
    return 0
