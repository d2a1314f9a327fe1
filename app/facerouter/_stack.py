"""Assembling a facerouter: sf-api clients, plugin context, loaded plugins, router and app.

The HTTP service and the replay tool build the very same stack, so a plugin behaves the same
live and offline.
"""

from __future__ import annotations

import contextlib
import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tornado.web

from app.facerouter._app import DEFAULT_MAX_FRAME_BYTES, FrameEndpoint, create_app
from app.facerouter._record import FrameRecorder
from app.facerouter._router import DEFAULT_DETECTOR, FrameRouter
from app.plugins import (
    DEFAULT_HOOK_TIMEOUT,
    DEFAULT_SFAPI,
    PluginContext,
    PluginManager,
    PluginSource,
    SFApiClients,
    directory_sources,
    entry_point_sources,
    plugin_output,
)
from app.sfapi_client import Client, idgen

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FacerouterSettings:
    """Everything a facerouter is configured with (the command-line options)."""

    sfapi_url: str
    plugin_dir: Path | None = None
    extra_sfapi: Mapping[str, str] = field(default_factory=dict)
    sfapi_token: str | None = None
    hook_timeout: float = DEFAULT_HOOK_TIMEOUT
    detector: str = DEFAULT_DETECTOR
    plugin_config: Path | None = None
    entry_points: bool = True
    record_dir: Path | None = None
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES


def read_plugin_config(path: Path | None) -> dict[str, dict[str, Any]]:
    """The `--plugin-config` TOML file: one table per plugin name; ValueError if unusable."""
    if path is None:
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"cannot read plugin config {str(path)!r}: {exc}") from exc
    bad = [name for name, table in data.items() if not isinstance(table, dict)]
    if bad:
        raise ValueError(f"plugin config {str(path)!r}: {bad} must be tables ([name])")
    return data


def plugin_sources(settings: FacerouterSettings) -> list[PluginSource]:
    """The plugins to load: the plugin directory's modules, then entry-point plugins."""
    sources = directory_sources(settings.plugin_dir) if settings.plugin_dir else []
    return sources + (entry_point_sources() if settings.entry_points else [])


class Facerouter:
    """An assembled facerouter; `await Facerouter.start(settings)` loads the plugins and
    `aclose()` shuts them down (once) and closes the sf-api clients. From `start` to `aclose`
    whatever is printed goes to the plugins' loggers (`app.plugins.plugin_output`).
    """

    def __init__(
        self, settings: FacerouterSettings, clients: Mapping[str, Client] | None = None
    ) -> None:
        if clients is None:
            urls = {DEFAULT_SFAPI: settings.sfapi_url, **settings.extra_sfapi}
            clients = {name: Client(url, token=settings.sfapi_token) for name, url in urls.items()}
        self.settings = settings
        self.ctx = PluginContext(
            SFApiClients(clients), idgen, read_plugin_config(settings.plugin_config)
        )
        self.manager = PluginManager(self.ctx, hook_timeout=settings.hook_timeout)
        self.router = FrameRouter(self.manager, detector=settings.detector)
        recorder = FrameRecorder(settings.record_dir) if settings.record_dir else None
        self.endpoint = FrameEndpoint(
            self.router, recorder, max_frame_bytes=settings.max_frame_bytes
        )
        self.app: tornado.web.Application = create_app(self.endpoint)
        self._output = contextlib.ExitStack()

    @classmethod
    async def start(
        cls, settings: FacerouterSettings, clients: Mapping[str, Client] | None = None
    ) -> Facerouter:
        """Build the stack and load every plugin; on a `PluginLoadError` the plugins loaded so
        far are shut down before the error propagates. `clients` replaces the sf-api clients
        made from the settings (tests pass fakes).
        """
        router = cls(settings, clients)
        router._output.enter_context(plugin_output())
        try:
            await router.manager.load(plugin_sources(settings), router.app)
        except BaseException:
            await router.aclose()
            raise
        return router

    async def aclose(self) -> None:
        """Shut the plugins down (best effort), then close the sf-api clients."""
        try:
            await self.manager.shutdown()
            for client in self.ctx.sfapi_clients.values():
                await client.aclose()
        finally:
            self._output.close()

    def __repr__(self) -> str:
        return f"Facerouter(sfapi_url={self.settings.sfapi_url!r}, {self.manager!r})"
