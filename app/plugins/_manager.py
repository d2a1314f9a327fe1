"""The plugin manager: activates and validates plugins, then calls their hooks in isolation.

Loading fails with a `PluginLoadError` naming the offender (no `activate`, `activate` raising
or returning an object without the hooks, hooks with the wrong signature, a duplicate name).
As FindFace's plugin basics allow, `activate` may return any object with `preprocess` and
`process` (and optionally `shutdown`); a `Plugin` subclass is not required. Before the first
plugin is imported the FindFace module names (`ntech.sfapi_client`, `facerouter.plugin`) are made
importable (`_aliases`). At run time every hook call is isolated: an exception (any
`BaseException`, `SystemExit` and `KeyboardInterrupt` included, but the cancellation of the
caller's own task) or a timeout is logged with the plugin's name and the call's outcome is
reported, never raised, so one plugin cannot break the others, the facerouter's answer or the
process. Whatever a plugin prints while it is imported, activated or called is logged under its
name (`_output`).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from types import ModuleType
from typing import TYPE_CHECKING, Any

from app.plugins import _aliases
from app.plugins._context import PluginContext
from app.plugins._errors import PluginLoadError
from app.plugins._output import running_plugin
from app.plugins._plugin import Plugin
from app.plugins._sources import PluginSource
from app.plugins._types import FEATURES, Feature, FrameBox, FrHTTPRequest

if TYPE_CHECKING:
    from app.sfapi_client import DetectFace

log = logging.getLogger(__name__)

#: Seconds a single hook call may take before it is cancelled and logged.
DEFAULT_HOOK_TIMEOUT = 10.0

#: How many positional arguments (after self) each hook must accept.
_HOOK_ARITY: Mapping[str, int] = {"preprocess": 2, "process": 5, "shutdown": 0}
#: Hooks a plugin may leave out (FindFace: "shutdown (optional)").
_OPTIONAL_HOOKS = frozenset({"shutdown"})


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


def _check_hooks(name: str, plugin: object) -> None:
    for hook, arity in _HOOK_ARITY.items():
        if not hasattr(plugin, hook) and hook in _OPTIONAL_HOOKS:
            continue
        func = getattr(plugin, hook, None)
        if not hasattr(plugin, hook):
            raise PluginLoadError(
                name,
                f"activate() returned {type(plugin).__name__} without {hook}(); a plugin is "
                "an object with preprocess() and process() (e.g. an app.plugins.Plugin)",
            )
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


def _own_cancellation(exc: BaseException) -> bool:
    """Whether `exc` is the cancellation of the running task itself (which must propagate),
    rather than a CancelledError a plugin raised or let escape on its own."""
    if not isinstance(exc, asyncio.CancelledError):
        return False
    task = asyncio.current_task()
    return task is None or task.cancelling() > 0


class PluginManager:
    """Owns the activated plugins (in `ctx.plugins`, activation order) and calls their hooks.

    `hook_timeout` bounds each hook call in seconds.
    """

    def __init__(self, ctx: PluginContext, *, hook_timeout: float = DEFAULT_HOOK_TIMEOUT) -> None:
        self.ctx = ctx
        self.hook_timeout = hook_timeout
        self._shut_down = False

    @property
    def plugins(self) -> Mapping[str, Any]:
        """The activated plugins by name, in activation order."""
        return self.ctx.plugins

    async def load(self, sources: Iterable[PluginSource], app: object = None) -> None:
        """Import, activate and validate each source in order; the first offender stops the
        loading with a `PluginLoadError` (the plugins activated so far stay, so that the
        caller's `shutdown()` releases them). `app` is handed to every `activate` (the
        facerouter's tornado `Application`: plugins may add handlers to it).
        """
        for source in sources:
            await self.activate(source, app)

    async def activate(self, source: PluginSource, app: object = None) -> Any:
        """Import one plugin, call its `activate(app, ctx, name, source)` and register what it
        returned (a `Plugin`, or any object with the hooks)."""
        name = source.name
        if name in self.ctx.plugins:
            raise PluginLoadError(name, f"a plugin with this name is already loaded ({source!r})")
        _aliases.install()
        with running_plugin(name):
            try:
                loaded = source.load()
            except BaseException as exc:  # SystemExit from a module that calls sys.exit()
                if _own_cancellation(exc):
                    raise
                raise PluginLoadError(name, f"cannot be imported: {exc!r}") from exc
            activate = _activate_function(name, loaded)
            try:
                plugin = activate(app, self.ctx, name, source)
                if inspect.isawaitable(plugin):
                    plugin = await plugin
            except BaseException as exc:
                if _own_cancellation(exc):
                    raise
                raise PluginLoadError(name, f"activate() raised {exc!r}") from exc
        if plugin is None or isinstance(plugin, type | ModuleType):
            raise PluginLoadError(
                name, f"activate() returned {plugin!r}, expected a plugin object (with its hooks)"
            )
        _check_hooks(name, plugin)
        if isinstance(plugin, Plugin):
            plugin.name = name
            plugin.log = self.ctx.logger(name)
        self.ctx.plugins[name] = plugin
        log.info("plugin %r activated from %s %s", name, source.kind, source.location)
        return plugin

    async def _call(
        self, name: str, hook: str, call: Callable[[], object]
    ) -> tuple[Outcome, object]:
        """Run one hook of plugin `name` with the timeout; never raises but the cancellation of
        the calling task itself."""
        try:
            with running_plugin(name):
                async with asyncio.timeout(self.hook_timeout):
                    result = call()
                    if inspect.isawaitable(result):
                        result = await result
        except TimeoutError:
            log.error("plugin %r: %s() timed out after %gs", name, hook, self.hook_timeout)
            return Outcome.TIMEOUT, None
        except BaseException as exc:  # SystemExit, KeyboardInterrupt: the process goes on
            if _own_cancellation(exc):
                raise
            log.error("plugin %r: %s() raised", name, hook, exc_info=exc)
            return Outcome.ERROR, None
        return Outcome.OK, result

    async def _each(
        self, names: Iterable[str], hook: str, make: Callable[[Any], Callable[[], object]]
    ) -> dict[str, tuple[Outcome, object]]:
        chosen = [
            name
            for name in names
            if name in self.ctx.plugins and hasattr(self.ctx.plugins[name], hook)
        ]
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
        bbox: FrameBox,
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
