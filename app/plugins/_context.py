"""The context shared by all plugins: sf-api clients, the plugin list, ids, loggers, settings.

As in FindFace, `ctx.sfapi` is one ready `Client` (the facerouter's `--sfapi-url`), so
`ctx.sfapi['default']` is that server's gallery named "default" and `ctx.sfapi.detect(...)`,
`ctx.sfapi.list_galleries()` work. Every configured server (the default one and those of
`--sfapi NAME=URL`) is reachable by name in `ctx.sfapi_clients`. `ctx.idgen()` is the sf-api
client's id generator, so ids made by plugins and by the client never collide.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.sfapi_client import Client, Gallery

#: The name of the client built from `--sfapi-url`.
DEFAULT_SFAPI = "default"

#: Parent logger of every plugin's logger.
PLUGIN_LOGGER = "sfdesk.plugin"


class SFApiClients(Mapping[str, "Client"]):
    """Read-only mapping of configured sf-api clients (`ctx.sfapi_clients`); always holds
    `DEFAULT_SFAPI`, the client that is also `ctx.sfapi`."""

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
    """What every plugin shares: `sfapi` (the default client), `sfapi_clients` (every client by
    name), `plugins` (ordered by activation), `idgen()`, `logger(name)`, and the plugin's table of
    the `--plugin-config` TOML file as `config(name)` or, checked against defaults,
    `settings(name, defaults)`.
    """

    def __init__(
        self,
        sfapi_clients: SFApiClients,
        idgen: Callable[[], int],
        plugin_config: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.sfapi_clients = sfapi_clients
        self.sfapi: Client = sfapi_clients.default
        self.idgen = idgen
        #: name -> what the plugin's `activate` returned (a `Plugin` or any object with hooks)
        self.plugins: OrderedDict[str, Any] = OrderedDict()
        self._plugin_config = dict(plugin_config or {})

    def logger(self, plugin_name: str) -> logging.Logger:
        """The logger of plugin `plugin_name` (`sfdesk.plugin.<name>`)."""
        return logging.getLogger(f"{PLUGIN_LOGGER}.{plugin_name}")

    def config(self, plugin_name: str) -> Mapping[str, Any]:
        """The raw table of plugin `plugin_name` in the config file (empty when it has none)."""
        return self._plugin_config.get(plugin_name, {})

    def settings(self, plugin_name: str, defaults: Mapping[str, Any]) -> dict[str, Any]:
        """`defaults` overridden by the plugin's config table, checked: a key that is not in
        `defaults` or a value of another type than its default is a ValueError naming it (an
        int is accepted where the default is a float).
        """
        merged = dict(defaults)
        for key, value in self.config(plugin_name).items():
            if key not in defaults:
                raise ValueError(f"unknown setting {key!r}; known: {sorted(defaults)}")
            expected = type(defaults[key])
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if not isinstance(value, expected) or isinstance(value, bool) != (expected is bool):
                raise ValueError(f"setting {key!r} must be a {expected.__name__}, got {value!r}")
            merged[key] = value
        return merged

    def __repr__(self) -> str:
        return (
            f"PluginContext(sfapi={self.sfapi!r}, sfapi_clients={self.sfapi_clients!r}, "
            f"plugins={list(self.plugins)!r})"
        )
