"""The plugin manager: loading and validation name the offender; hooks are isolated."""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from app.plugins import (
    BBox,
    FrameBox,
    FrameParams,
    FrHTTPRequest,
    Outcome,
    Plugin,
    PluginContext,
    PluginLoadError,
    PluginManager,
    PluginSource,
    directory_sources,
    entry_point_sources,
)

GOOD = """
from app.plugins import Plugin

class Good(Plugin):
    calls = []

    async def preprocess(self, request, labels):
        return ("facen", "age")

    async def process(self, request, photo, bbox, event_id, detection):
        self.calls.append((event_id, detection))

    async def shutdown(self):
        self.calls.append("shutdown")

def activate(app, ctx, plugin_name, plugin_source):
    return Good(ctx)
"""

RAISING = """
from app.plugins import Plugin

class Raising(Plugin):
    async def preprocess(self, request, labels):
        return ("gender",)

    async def process(self, request, photo, bbox, event_id, detection):
        raise RuntimeError("boom in process")

    async def shutdown(self):
        raise RuntimeError("boom in shutdown")

def activate(app, ctx, plugin_name, plugin_source):
    return Raising(ctx)
"""

HANGING = """
import asyncio
from app.plugins import Plugin

class Hanging(Plugin):
    async def preprocess(self, request, labels):
        return ("facen",)

    async def process(self, request, photo, bbox, event_id, detection):
        await asyncio.sleep(3600)

    async def shutdown(self):
        await asyncio.sleep(3600)

def activate(app, ctx, plugin_name, plugin_source):
    return Hanging(ctx)
"""


def request_for(ctx: PluginContext, labels: dict[str, str] | None = None) -> FrHTTPRequest:
    params = FrameParams(
        cam_id="cam",
        timestamp=datetime(2024, 6, 10, tzinfo=UTC),
        bbox=FrameBox([[1, 2, 30, 40]]),
        face0=b"png",
        labels=labels or {},
    )
    # Stands in for the tornado request the facerouter builds (only what the manager reads).
    request: Any = SimpleNamespace(method="POST", path="/v0/frame", params=params, ctx=ctx)
    return cast(FrHTTPRequest, request)


async def load(ctx: PluginContext, directory: Path, timeout: float = 10.0) -> PluginManager:
    manager = PluginManager(ctx, hook_timeout=timeout)
    await manager.load(directory_sources(directory), app="the-app")
    return manager


async def test_directory_plugins_load_in_name_order_with_name_logger_and_app(
    ctx: PluginContext, plugin_dir: Callable[..., Path]
) -> None:
    seen = """
from app.plugins import Plugin
SEEN = []
def activate(app, ctx, plugin_name, plugin_source):
    SEEN.append((app, plugin_name, plugin_source.kind))
    return Plugin(ctx)
"""
    directory = plugin_dir(b_good=GOOD, a_seen=seen, _private="raise SystemExit")
    (directory / "notes.txt").write_text("not a plugin")
    manager = await load(ctx, directory)
    assert list(ctx.plugins) == ["a_seen", "b_good"]
    assert manager.plugins is ctx.plugins
    plugin = ctx.plugins["b_good"]
    assert plugin.name == "b_good"
    assert plugin.log.name == "sfdesk.plugin.b_good"
    assert plugin.ctx is ctx
    module = sys.modules["sfdesk_plugin_a_seen"]
    assert module.SEEN == [("the-app", "a_seen", "dir")]
    assert "b_good" in repr(manager)


async def test_package_plugins_load_too(ctx: PluginContext, tmp_path: Path) -> None:
    package = tmp_path / "plugs" / "pkg_plugin"
    package.mkdir(parents=True)
    (package / "helper.py").write_text("FEATURES = ('emotions',)\n")
    (package / "__init__.py").write_text(
        "from app.plugins import Plugin\nfrom .helper import FEATURES\n"
        "class P(Plugin):\n"
        "    async def preprocess(self, request, labels):\n        return FEATURES\n"
        "def activate(app, ctx, name, source):\n    return P(ctx)\n"
    )
    manager = await load(ctx, tmp_path / "plugs")
    assert await manager.preprocess(request_for(ctx)) == {"pkg_plugin": ("emotions",)}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("X = 1\n", "has no activate"),
        ("activate = 42\n", "activate is a int"),
        ("def activate(app, ctx):\n    pass\n", "must accept (app, ctx, plugin_name"),
        ("def activate(app, ctx, name, source):\n    return object()\n", "returned object"),
        ("def activate(app, ctx, name, source):\n    raise KeyError('cfg')\n", "raised KeyError"),
        ("def broken(:\n", "cannot be imported: SyntaxError"),
        ("import no_such_module_xyz\n", "cannot be imported: ModuleNotFoundError"),
        (
            "from app.plugins import Plugin\nclass P(Plugin):\n"
            "    async def process(self, request):\n        pass\n"
            "def activate(app, ctx, name, source):\n    return P(ctx)\n",
            "process() must accept 5",
        ),
        (
            "from app.plugins import Plugin\nclass P(Plugin):\n    preprocess = None\n"
            "def activate(app, ctx, name, source):\n    return P(ctx)\n",
            "preprocess is not callable",
        ),
    ],
)
async def test_validation_names_the_offender(
    ctx: PluginContext, plugin_dir: Callable[..., Path], source: str, message: str
) -> None:
    directory = plugin_dir(a_good=GOOD, z_offender=source)
    with pytest.raises(PluginLoadError) as info:
        await load(ctx, directory)
    assert info.value.plugin == "z_offender"
    assert "'z_offender'" in str(info.value)
    assert message in str(info.value)
    assert list(ctx.plugins) == ["a_good"]  # loaded before the offender; the caller shuts it


async def test_async_activate_is_awaited(
    ctx: PluginContext, plugin_dir: Callable[..., Path]
) -> None:
    source = (
        "from app.plugins import Plugin\n"
        "async def activate(app, ctx, name, source):\n    return Plugin(ctx)\n"
    )
    await load(ctx, plugin_dir(async_one=source))
    assert isinstance(ctx.plugins["async_one"], Plugin)


async def test_duplicate_names_are_refused(
    ctx: PluginContext, plugin_dir: Callable[..., Path]
) -> None:
    manager = await load(ctx, plugin_dir(twice=GOOD))
    with pytest.raises(PluginLoadError, match="'twice'.*already loaded"):
        await manager.load(directory_sources(plugin_dir(twice=GOOD)))


def test_missing_plugin_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        directory_sources(tmp_path / "nope")


async def test_entry_point_plugins_are_found_and_loaded(
    ctx: PluginContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ep_plugin_mod.py").write_text(GOOD)
    dist = tmp_path / "ep_plugin_dist-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: ep-plugin-dist\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[sfdesk.facerouter_plugins]\nfrom_module = ep_plugin_mod\n"
        "from_function = ep_plugin_mod:activate\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    sources = entry_point_sources()
    assert [(s.name, s.kind) for s in sources] == [
        ("from_function", "entry_point"),
        ("from_module", "entry_point"),
    ]
    manager = PluginManager(ctx)
    await manager.load(sources)
    assert list(ctx.plugins) == ["from_function", "from_module"]


async def test_a_raising_and_a_hanging_plugin_do_not_affect_a_good_one(
    ctx: PluginContext, plugin_dir: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    manager = await load(ctx, plugin_dir(good=GOOD, raising=RAISING, hanging=HANGING), timeout=0.3)
    request = request_for(ctx)
    wanted = await manager.preprocess(request)
    assert wanted == {"good": ("facen", "age"), "raising": ("gender",), "hanging": ("facen",)}
    with caplog.at_level(logging.ERROR, logger="app.plugins"):
        outcomes = await manager.process(wanted, request, None, BBox(1, 2, 30, 40), 77, "detection")
    assert outcomes == {"good": Outcome.OK, "raising": Outcome.ERROR, "hanging": Outcome.TIMEOUT}
    assert ctx.plugins["good"].calls == [(77, "detection")]  # type: ignore[attr-defined]
    messages = [r.getMessage() for r in caplog.records]
    assert any("'raising'" in m and "process() raised" in m for m in messages)
    assert any("'hanging'" in m and "timed out" in m for m in messages)
    raised = next(r for r in caplog.records if "'raising'" in r.getMessage())
    assert raised.exc_info is not None and "boom in process" in str(raised.exc_info[1])


async def test_preprocess_answers_are_validated_per_plugin(
    ctx: PluginContext, plugin_dir: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    def answering(answer: str, sync: bool = False) -> str:
        kind = "def" if sync else "async def"
        return (
            "from app.plugins import Plugin\nclass P(Plugin):\n"
            f"    {kind} preprocess(self, request, labels):\n        return {answer}\n"
            "def activate(app, ctx, name, source):\n    return P(ctx)\n"
        )

    directory = plugin_dir(
        bare_string=answering("'facen'"),
        duplicates=answering("['age', 'age', 'gender']"),
        labels_based=answering("('emotions',) if labels.get('zone') == 'vip' else ()"),
        none=answering("None"),
        not_iterable=answering("42"),
        sync_hook=answering("('facen',)", sync=True),
        unknown=answering("('facen', 'beard')"),
    )
    manager = await load(ctx, directory)
    with caplog.at_level(logging.ERROR, logger="app.plugins"):
        wanted = await manager.preprocess(request_for(ctx, {"zone": "vip"}))
    assert wanted == {
        "bare_string": ("facen",),
        "duplicates": ("age", "gender"),
        "labels_based": ("emotions",),
        "sync_hook": ("facen",),
    }
    text = caplog.text
    assert "'unknown'" in text and "beard" in text
    assert "'not_iterable'" in text
    assert await manager.preprocess(request_for(ctx)) == {
        "bare_string": ("facen",),
        "duplicates": ("age", "gender"),
        "sync_hook": ("facen",),
    }


async def test_shutdown_is_best_effort_and_happens_once(
    ctx: PluginContext, plugin_dir: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    manager = await load(ctx, plugin_dir(good=GOOD, raising=RAISING, hanging=HANGING), timeout=0.2)
    with caplog.at_level(logging.ERROR, logger="app.plugins"):
        outcomes = await manager.shutdown()
    assert outcomes == {"good": Outcome.OK, "raising": Outcome.ERROR, "hanging": Outcome.TIMEOUT}
    assert ctx.plugins["good"].calls == ["shutdown"]  # type: ignore[attr-defined]
    assert "'raising': shutdown() raised" in caplog.text
    assert await manager.shutdown() == {}
    assert ctx.plugins["good"].calls == ["shutdown"]  # type: ignore[attr-defined]


async def test_hooks_run_concurrently(ctx: PluginContext, plugin_dir: Callable[..., Path]) -> None:
    # Two plugins that each wait for the other: only concurrent calls can both finish.
    source = """
import asyncio
from app.plugins import Plugin
class P(Plugin):
    async def preprocess(self, request, labels):
        return ("facen",)
    async def process(self, request, photo, bbox, event_id, detection):
        events = vars(self.ctx).setdefault("test_events", {})  # shared by both modules
        events.setdefault(self.name, asyncio.Event()).set()
        other = "b" if self.name == "a" else "a"
        await events.setdefault(other, asyncio.Event()).wait()
def activate(app, ctx, name, source):
    return P(ctx)
"""
    manager = await load(ctx, plugin_dir(a=source, b=source), timeout=5)
    request = request_for(ctx)
    outcomes = await asyncio.wait_for(
        manager.process(["a", "b"], request, None, BBox(0, 0, 1, 1), 1, "d"), 10
    )
    assert outcomes == {"a": Outcome.OK, "b": Outcome.OK}


def test_plugin_repr_and_defaults(ctx: PluginContext) -> None:
    plugin = Plugin(ctx)
    assert repr(plugin) == "<Plugin plugin 'Plugin'>"
    request = request_for(ctx)
    assert asyncio.run(plugin.preprocess(request, {})) == ()
    assert asyncio.run(plugin.shutdown()) is None


def test_bbox_reads_by_name_and_unpacks_like_a_list() -> None:
    bbox = BBox(1, 2, 3, 4)
    x1, y1, x2, y2 = bbox
    assert (bbox.left, bbox.top, bbox.right, bbox.bottom) == (x1, y1, x2, y2) == (1, 2, 3, 4)
    assert list(bbox) == [1, 2, 3, 4]


def test_all_is_sorted_and_complete() -> None:
    import app.plugins

    names: Any = app.plugins.__all__
    assert names == sorted(names)
    assert all(hasattr(app.plugins, name) for name in names)


async def test_a_source_may_load_any_callable_as_activate(ctx: PluginContext) -> None:
    class Activator:
        def __call__(self, app: object, ctx: PluginContext, name: str, source: object) -> Plugin:
            return Plugin(ctx)

    manager = PluginManager(ctx)
    await manager.activate(PluginSource("callable", "entry_point", "x:y", Activator))
    assert list(ctx.plugins) == ["callable"]
