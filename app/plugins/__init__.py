"""The facerouter plugin contract: the Plugin base class, its context and the plugin manager.

Inside the facerouter this package is also FindFace's `facerouter.plugin` (see `_aliases`).
"""

from app.plugins._context import DEFAULT_SFAPI, PLUGIN_LOGGER, PluginContext, SFApiClients
from app.plugins._errors import PluginError, PluginLoadError
from app.plugins._manager import DEFAULT_HOOK_TIMEOUT, Outcome, PluginManager
from app.plugins._output import json_stdout, plugin_output
from app.plugins._plugin import Plugin
from app.plugins._sources import (
    ENTRY_POINT_GROUP,
    PluginSource,
    directory_sources,
    entry_point_sources,
)
from app.plugins._types import (
    FEATURES,
    BsType,
    Feature,
    FrameBox,
    FrameParams,
    FrHTTPRequest,
)
from app.sfapi_client import BBox

__all__ = [
    "BBox",
    "BsType",
    "DEFAULT_HOOK_TIMEOUT",
    "DEFAULT_SFAPI",
    "ENTRY_POINT_GROUP",
    "FEATURES",
    "Feature",
    "FrHTTPRequest",
    "FrameBox",
    "FrameParams",
    "Outcome",
    "PLUGIN_LOGGER",
    "Plugin",
    "PluginContext",
    "PluginError",
    "PluginLoadError",
    "PluginManager",
    "PluginSource",
    "SFApiClients",
    "directory_sources",
    "entry_point_sources",
    "json_stdout",
    "plugin_output",
]
