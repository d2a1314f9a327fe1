"""The context shared by all plugins: sf-api clients, the plugin list, ids, loggers, settings.

`ctx.sfapi` maps a configured name to an sf-api `Client`; "default" (the facerouter's
`--sfapi-url`) is always there, and `ctx.sfapi.gallery(name)` is a shortcut for the default
client's gallery. `ctx.idgen()` is the sf-api client's id generator, so ids made by plugins and
by the client never collide.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.plugins._plugin import Plugin
    from app.sfapi_client import Client, Gallery

#: The name of the client built from `--sfapi-url`.
DEFAULT_SFAPI = "default"

#: Parent logger of every plugin's logger.
PLUGIN_LOGGER = "sfdesk.plugin"


class SFApiClients(Mapping[str, "Client"]):
    """Read-only mapping of configured sf-api clients; always holds `DEFAULT_SFAPI`."""

    def __init__(self, clients: Mapping[str, Client]) -> None:
        if DEFAULT_SFAPI not in clients:
            raise ValueError(f"sf-api clients need a {DEFAULT_SFAPI!r} entry")
        self._clients = dict(clients)

    def __getitem__(self, name: str) -> Client:
        return self._clients[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._clients)

    def __len__(self) -> int:
        return len(self._clients)

    @property
    def default(self) -> Client:
        """The client of `--sfapi-url`."""
        return self._clients[DEFAULT_SFAPI]

    def gallery(self, name: str) -> Gallery:
        """A handle on gallery `name` of the default sf-api (no network call)."""
        return self.default.gallery(name)

    def __repr__(self) -> str:
        return f"SFApiClients({sorted(self._clients)!r})"


class PluginContext:
    """What every plugin shares: `sfapi`, `plugins` (ordered by activation), `idgen()`,
    `logger(name)` and `config(name)` (the plugin's table of the `--plugin-config` file).
    """

    def __init__(
        self,
        sfapi: SFApiClients,
        idgen: Callable[[], int],
        plugin_config: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.sfapi = sfapi
        self.idgen = idgen
        self.plugins: OrderedDict[str, Plugin] = OrderedDict()
        self._plugin_config = dict(plugin_config or {})

    def logger(self, plugin_name: str) -> logging.Logger:
        """The logger of plugin `plugin_name` (`sfdesk.plugin.<name>`)."""
        return logging.getLogger(f"{PLUGIN_LOGGER}.{plugin_name}")

    def config(self, plugin_name: str) -> Mapping[str, Any]:
        """Settings for plugin `plugin_name`; empty when the config file has no table for it."""
        return self._plugin_config.get(plugin_name, {})

    def __repr__(self) -> str:
        return f"PluginContext(sfapi={self.sfapi!r}, plugins={list(self.plugins)!r})"
