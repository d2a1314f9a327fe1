"""The plugin framework's errors; every one names the plugin it is about.

PluginError
└── PluginLoadError      a plugin could not be found, imported, activated or validated
"""

from __future__ import annotations


class PluginError(Exception):
    """Base of the plugin framework's errors; `plugin` is the offending plugin's name."""

    def __init__(self, plugin: str, reason: str) -> None:
        super().__init__(f"plugin {plugin!r}: {reason}")
        self.plugin = plugin
        self.reason = reason


class PluginLoadError(PluginError):
    """A plugin cannot be used: missing or failing `activate`, wrong return type, bad hooks."""
