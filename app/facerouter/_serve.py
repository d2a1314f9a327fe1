"""Running the facerouter as an HTTP service (tornado), with the same stdout contract as the
server.

On stdout the process writes one JSON object per line: `{"event": "ready", "url": ...,
"plugins": [...]}` once it accepts frames, or `{"event": "error", "code": ..., "reason": ...}`
before exiting non-zero (a plugin that fails to load is named in the reason). Plugins' prints
never reach it (`app.plugins.plugin_output`). SIGINT/SIGTERM stop it gracefully: no new
connections, in-flight frames finish, every plugin's `shutdown()` runs, exit status 0.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
from typing import Any

from tornado.httpserver import HTTPServer

from app.facerouter._stack import Facerouter, FacerouterSettings
from app.plugins import PluginError, json_stdout

log = logging.getLogger(__name__)

#: Seconds a keep-alive connection may stay idle, and a request body may take to arrive.
IDLE_TIMEOUT = 60.0
BODY_TIMEOUT = 60.0


def emit(event: str, **fields: Any) -> None:
    """Write one JSON event line on the real stdout for a parent process."""
    out = json_stdout()
    out.write(json.dumps({"event": event, **fields}) + "\n")
    out.flush()


class Listener:
    """The facerouter's tornado HTTP server on an already bound socket."""

    def __init__(self, router: Facerouter, sock: socket.socket) -> None:
        self.router = router
        self.sock = sock
        sock.setblocking(False)
        self.server = HTTPServer(
            router.app,
            max_body_size=router.settings.max_frame_bytes,
            idle_connection_timeout=IDLE_TIMEOUT,
            body_timeout=BODY_TIMEOUT,
        )
        self.server.add_sockets([sock])
        host, port = sock.getsockname()[:2]
        self.url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    async def stop(self) -> None:
        """Stop accepting, let the frames in flight finish (each within the plugin timeout),
        then close the connections; the plugins are shut down by the caller."""
        self.server.stop()
        await self.router.endpoint.drain(2 * self.router.settings.hook_timeout + 30)
        await self.server.close_all_connections()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on (host, port); port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family)


async def serve(settings: FacerouterSettings, host: str, port: int) -> int:
    """Run the facerouter until a signal; returns the exit status."""
    try:
        sock = bind(host, port)
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
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = (signal.SIGINT, signal.SIGTERM)
    for sig in handled:
        loop.add_signal_handler(sig, stop.set)
    try:
        if not router.manager.plugins:
            log.warning("no plugins loaded: frames will be accepted and ignored")
        listener = Listener(router, sock)
        plugins = list(router.manager.plugins)
        log.info("facerouter listening on %s with plugins %s", listener.url, plugins)
        emit("ready", url=listener.url, plugins=plugins)
        await stop.wait()
        log.info("stopping: waiting for the frames in flight")
        await listener.stop()
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
        await router.aclose()
        sock.close()
    return 0
