"""FindFace's module names for plugins: `ntech.sfapi_client` and `facerouter.plugin`.

A FindFace plugin starts with `from ntech import sfapi_client` and
`from facerouter.plugin import Plugin`. Nothing named `ntech` or `facerouter` is installed with
sfdesk (that would shadow real packages of those names for every program of the Python
installation); instead the plugin loader calls `install()` before it imports a plugin, which puts
an import finder first in `sys.meta_path` of the facerouter's own process. It answers:

=============================  ==========================================
`ntech.sfapi_client[.X]`       `app.sfapi_client[.X]` (the very module objects)
`facerouter.plugin`            `app.plugins`
`ntech`, `facerouter`          an empty package holding the above, only when no real package
                               of that name can be imported (a real one is left alone)
=============================  ==========================================
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
from collections.abc import Mapping, Sequence
from types import ModuleType

#: FindFace module name -> the sfdesk module it stands for.
ALIASES: Mapping[str, str] = {
    "ntech.sfapi_client": "app.sfapi_client",
    "ntech.sfapi_client.client": "app.sfapi_client.client",
    "ntech.sfapi_client.filters": "app.sfapi_client.filters",
    "ntech.sfapi_client.gallery": "app.sfapi_client.gallery",
    "ntech.sfapi_client.objects": "app.sfapi_client.objects",
    "facerouter.plugin": "app.plugins",
}

#: Parent packages provided only when no real package of that name exists.
_PARENTS = frozenset(name.split(".", 1)[0] for name in ALIASES)

_lock = threading.Lock()


class _AliasLoader(importlib.abc.Loader):
    """Hands out an existing sfdesk module (or a fresh empty parent package) under the alias."""

    def __init__(self, target: str | None) -> None:
        self._target = target
        self._own_spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        if self._target is None:
            return ModuleType(spec.name, f"FindFace's {spec.name!r} package, provided by sfdesk.")
        module = importlib.import_module(self._target)
        self._own_spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        if self._target is None:
            module.__path__ = []  # a package, so that its aliased submodules can be imported
        else:
            # The import system gave the module the alias's spec; it keeps its own identity.
            module.__spec__ = self._own_spec


class FindFaceAliases(importlib.abc.MetaPathFinder):
    """The finder of `ALIASES` (module docstring)."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname in ALIASES:
            return importlib.util.spec_from_loader(fullname, _AliasLoader(ALIASES[fullname]))
        if fullname in _PARENTS and not _real_package_exists(fullname, self):
            return importlib.machinery.ModuleSpec(
                fullname, _AliasLoader(None), is_package=True
            )
        return None

    def __repr__(self) -> str:
        return f"FindFaceAliases({sorted(ALIASES)})"


def _real_package_exists(name: str, me: FindFaceAliases) -> bool:
    for finder in sys.meta_path:
        if finder is me or not hasattr(finder, "find_spec"):
            continue
        if finder.find_spec(name, None) is not None:
            return True
    return False


def install() -> FindFaceAliases:
    """Put the alias finder first in `sys.meta_path` (once per process); returns it."""
    with _lock:
        for finder in sys.meta_path:
            if isinstance(finder, FindFaceAliases):
                return finder
        finder = FindFaceAliases()
        sys.meta_path.insert(0, finder)
        return finder
