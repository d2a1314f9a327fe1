"""Where plugins come from: modules in a plugin directory and a Python entry-point group.

Each found plugin becomes a `PluginSource`, the object handed to `activate` as `plugin_source`.
Loading the code is deferred to `PluginSource.load()` so that the manager can report an import
failure under the plugin's name.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType
from typing import Literal

#: Entry-point group through which installed distributions provide plugins.
ENTRY_POINT_GROUP = "sfdesk.facerouter_plugins"

#: Prefix of the `sys.modules` names of directory plugins.
_MODULE_PREFIX = "sfdesk_plugin_"


@dataclass(frozen=True)
class PluginSource:
    """One plugin's origin: `kind` is "dir" (`location` = file or package path) or
    "entry_point" (`location` = "module:attr"). `load()` imports it and returns the module or
    object that provides `activate`.
    """

    name: str
    kind: Literal["dir", "entry_point"]
    location: str
    load: Callable[[], object]

    def __repr__(self) -> str:
        return f"PluginSource(name={self.name!r}, kind={self.kind!r}, location={self.location!r})"


def _import_path(name: str, path: Path) -> ModuleType:
    module_name = _MODULE_PREFIX + re.sub(r"\W", "_", name)
    if path.is_dir():
        spec = importlib.util.spec_from_file_location(
            module_name, path / "__init__.py", submodule_search_locations=[str(path)]
        )
    else:
        spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and relative imports look themselves up here
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def _is_plugin_path(path: Path) -> bool:
    if path.name.startswith(("_", ".")):
        return False
    if path.is_dir():
        return (path / "__init__.py").is_file()
    return path.suffix == ".py"


def directory_sources(plugin_dir: Path) -> list[PluginSource]:
    """The plugins in `plugin_dir`, by name: every `*.py` module and every package (a folder
    with `__init__.py`) whose name does not start with "_" or "."; the name is the file stem.
    """
    if not plugin_dir.is_dir():
        raise FileNotFoundError(f"plugin directory {str(plugin_dir)!r} does not exist")
    return [
        PluginSource(
            name=path.stem,
            kind="dir",
            location=str(path),
            load=functools.partial(_import_path, path.stem, path),
        )
        for path in sorted(plugin_dir.iterdir())
        if _is_plugin_path(path)
    ]


def entry_point_sources(group: str = ENTRY_POINT_GROUP) -> list[PluginSource]:
    """The plugins installed distributions register under `group`; the name is the entry
    point's name and its object is a module with `activate` or the `activate` callable itself.
    """
    return [
        PluginSource(name=ep.name, kind="entry_point", location=ep.value, load=ep.load)
        for ep in sorted(entry_points(group=group), key=lambda ep: ep.name)
    ]
