"""The plugin manager: activates and validates plugins, then calls their hooks in isolation.

Loading fails with a `PluginLoadError` naming the offender (no `activate`, `activate` raising
or returning something other than a `Plugin`, hooks with the wrong signature, a duplicate
name). At run time every hook call is isolated: an exception or a timeout is logged with the
plugin's name and the call's outcome is reported, never raised, so one plugin cannot break the
others or the facerouter's answer.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from types import ModuleType
from typing import TYPE_CHECKING

from app.plugins._context import PluginContext
from app.plugins._errors import PluginLoadError
from app.plugins._plugin import Plugin
from app.plugins._sources import PluginSource
from app.plugins._types import FEATURES, Feature, FrHTTPRequest

if TYPE_CHECKING:
    from app.sfapi_client import BBox, DetectFace

log = logging.getLogger(__name__)

#: Seconds a single hook call may take before it is cancelled and logged.
DEFAULT_HOOK_TIMEOUT = 10.0

#: How many positional arguments (after self) each hook must accept.
_HOOK_ARITY: Mapping[str, int] = {"preprocess": 2, "process": 5, "shutdown": 0}


class Outcome(StrEnum):
    """How one hook call ended."""

    OK = "ok"
    ERROR = "error"
    TIMEOUT = "timeout"


def _accepts(func: Callable[..., object], arity: int) -> bool:
    try:
        inspect.signature(func).bind(*range(arity))
    except TypeError:
        return False
    except ValueError:  # no signature available (some builtins): give it the benefit of doubt
        return True
    return True


def _activate_function(name: str, loaded: object) -> Callable[..., object]:
    activate: object = (
        getattr(loaded, "activate", None) if isinstance(loaded, ModuleType) else loaded
    )
    if activate is None:
        raise PluginLoadError(name, "has no activate(app, ctx, plugin_name, plugin_source)")
    if not callable(activate):
        raise PluginLoadError(name, f"activate is a {type(activate).__name__}, not a function")
    if not _accepts(activate, 4):
        raise PluginLoadError(name, "activate() must accept (app, ctx, plugin_name, plugin_source)")
    return activate


def _check_hooks(name: str, plugin: Plugin) -> None:
    for hook, arity in _HOOK_ARITY.items():
        func = getattr(plugin, hook, None)
        if not callable(func):
            raise PluginLoadError(name, f"{hook} is not callable")
        if not _accepts(func, arity):
            raise PluginLoadError(name, f"{hook}() must accept {arity} positional argument(s)")


def _features(name: str, answer: object) -> tuple[Feature, ...]:
    """Validate what `preprocess` returned; a bare string counts as one feature."""
    if answer is None:
        return ()
    items = (answer,) if isinstance(answer, str) else answer
    if not isinstance(items, Iterable):
        raise TypeError(f"preprocess() returned {type(answer).__name__}, expected a tuple")
    features: list[Feature] = []
    for item in items:
        if item not in FEATURES:
            raise ValueError(f"preprocess() asked for unknown feature {item!r}; known: {FEATURES}")
        if item not in features:
            features.append(item)
    return tuple(features)


class PluginManager:
    """Owns the activated plugins (in `ctx.plugins`, activation order) and calls their hooks.

    `hook_timeout` bounds each hook call in seconds.
    """

    def __init__(self, ctx: PluginContext, *, hook_timeout: float = DEFAULT_HOOK_TIMEOUT) -> None:
        self.ctx = ctx
        self.hook_timeout = hook_timeout
        self._shut_down = False

    @property
    def plugins(self) -> Mapping[str, Plugin]:
        """The activated plugins by name, in activation order."""
        return self.ctx.plugins

    async def load(self, sources: Iterable[PluginSource], app: object = None) -> None:
        """Import, activate and validate each source in order; the first offender stops the
        loading with a `PluginLoadError` (the plugins activated so far stay, so that the
        caller's `shutdown()` releases them). `app` is handed to every `activate` (the
        facerouter's Starlette application: plugins may add routes to it).
        """
        for source in sources:
            await self.activate(source, app)

    async def activate(self, source: PluginSource, app: object = None) -> Plugin:
        """Import one plugin, call its `activate(app, ctx, name, source)` and register it."""
        name = source.name
        if name in self.ctx.plugins:
            raise PluginLoadError(name, f"a plugin with this name is already loaded ({source!r})")
        try:
            loaded = source.load()
        except Exception as exc:
            raise PluginLoadError(name, f"cannot be imported: {exc!r}") from exc
        activate = _activate_function(name, loaded)
        try:
            plugin = activate(app, self.ctx, name, source)
            if inspect.isawaitable(plugin):
                plugin = await plugin
        except Exception as exc:
            raise PluginLoadError(name, f"activate() raised {exc!r}") from exc
        if not isinstance(plugin, Plugin):
            raise PluginLoadError(
                name,
                f"activate() returned {type(plugin).__name__}, expected an instance of "
                "app.plugins.Plugin",
            )
        _check_hooks(name, plugin)
        plugin.name = name
        plugin.log = self.ctx.logger(name)
        self.ctx.plugins[name] = plugin
        log.info("plugin %r activated from %s %s", name, source.kind, source.location)
        return plugin

    async def _call(
        self, name: str, hook: str, call: Callable[[], object]
    ) -> tuple[Outcome, object]:
        """Run one hook of plugin `name` with the timeout; never raises (but cancellation)."""
        try:
            async with asyncio.timeout(self.hook_timeout):
                result = call()
                if inspect.isawaitable(result):
                    result = await result
        except TimeoutError:
            log.error("plugin %r: %s() timed out after %gs", name, hook, self.hook_timeout)
            return Outcome.TIMEOUT, None
        except Exception:
            log.exception("plugin %r: %s() raised", name, hook)
            return Outcome.ERROR, None
        return Outcome.OK, result

    async def _each(
        self, names: Iterable[str], hook: str, make: Callable[[Plugin], Callable[[], object]]
    ) -> dict[str, tuple[Outcome, object]]:
        chosen = [name for name in names if name in self.ctx.plugins]
        results = await asyncio.gather(
            *(self._call(name, hook, make(self.ctx.plugins[name])) for name in chosen)
        )
        return dict(zip(chosen, results, strict=True))

    async def preprocess(self, request: FrHTTPRequest) -> dict[str, tuple[Feature, ...]]:
        """Ask every plugin what it needs for this frame; only interested plugins are listed.

        A plugin whose `preprocess` fails, overruns or answers nonsense is logged and left out.
        """
        labels = request.params.labels
        answers = await self._each(
            self.ctx.plugins, "preprocess", lambda p: lambda: p.preprocess(request, labels)
        )
        wanted: dict[str, tuple[Feature, ...]] = {}
        for name, (outcome, answer) in answers.items():
            if outcome is not Outcome.OK:
                continue
            try:
                features = _features(name, answer)
            except (TypeError, ValueError) as exc:
                log.error("plugin %r: %s", name, exc)
                continue
            if features:
                wanted[name] = features
        return wanted

    async def process(
        self,
        names: Iterable[str],
        request: FrHTTPRequest,
        photo: bytes | None,
        bbox: BBox,
        event_id: int,
        detection: DetectFace,
    ) -> dict[str, Outcome]:
        """Hand the detection to the plugins `names` concurrently; returns each one's outcome."""
        results = await self._each(
            names,
            "process",
            lambda p: lambda: p.process(request, photo, bbox, event_id, detection),
        )
        return {name: outcome for name, (outcome, _) in results.items()}

    async def shutdown(self) -> dict[str, Outcome]:
        """Call every plugin's `shutdown` once (best effort, each under the timeout)."""
        if self._shut_down:
            return {}
        self._shut_down = True
        results = await self._each(self.ctx.plugins, "shutdown", lambda p: p.shutdown)
        return {name: outcome for name, (outcome, _) in results.items()}

    def __repr__(self) -> str:
        return (
            f"PluginManager(plugins={list(self.ctx.plugins)!r}, hook_timeout={self.hook_timeout!r})"
        )
