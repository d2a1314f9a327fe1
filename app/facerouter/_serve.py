"""Running the facerouter as an HTTP service, with the same stdout contract as the server.

On stdout the process writes one JSON object per line: `{"event": "ready", "url": ...,
"plugins": [...]}` once it accepts frames, or `{"event": "error", "code": ..., "reason": ...}`
before exiting non-zero (a plugin that fails to load is named in the reason). SIGINT/SIGTERM
stop it gracefully: in-flight frames finish, every plugin's `shutdown()` runs, exit status 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from typing import Any

import uvicorn

from app.facerouter._stack import Facerouter, FacerouterSettings
from app.plugins import PluginError

log = logging.getLogger(__name__)


def emit(event: str, **fields: Any) -> None:
    """Write one JSON event line on stdout for a parent process."""
    sys.stdout.write(json.dumps({"event": event, **fields}) + "\n")
    sys.stdout.flush()


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn re-raises the signal after a graceful stop, which would kill the process
        # before the plugins' shutdown() ran; here the signal only asks the server to stop.
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


async def serve(settings: FacerouterSettings, host: str, port: int) -> int:
    """Run the facerouter until a signal; returns the exit status."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.create_server((host, port), family=family)
    except OSError as exc:
        emit("error", code="ADDRESS_IN_USE", reason=f"cannot listen on {host}:{port}: {exc}")
        return 1
    try:
        router = await Facerouter.start(settings)
    except (PluginError, ValueError, OSError) as exc:
        sock.close()
        emit("error", code="PLUGIN_LOAD_ERROR", reason=str(exc))
        log.error("%s", exc)
        return 2
    if not router.manager.plugins:
        log.warning("no plugins loaded: frames will be accepted and ignored")
    bound_host, bound_port = sock.getsockname()[:2]
    config = uvicorn.Config(router.app, lifespan="off", access_log=False, log_config=None)
    server = _Server(config)
    try:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started and not task.done():
            await asyncio.sleep(0.02)
        if server.started:
            url = f"http://{bound_host}:{bound_port}"
            log.info(
                "facerouter listening on %s with plugins %s", url, list(router.manager.plugins)
            )
            emit("ready", url=url, plugins=list(router.manager.plugins))
        await task
    finally:
        await router.aclose()
        sock.close()
    return 0
