"""FindFace habits the plugin framework accepts: duck-typed plugins, FindFace's module names
(without shadowing real packages), prints routed into loggers, `bbox` as the documented list,
and hooks that raise SystemExit or KeyboardInterrupt."""

from __future__ import annotations

import asyncio
import io
import logging
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from app.plugins import (
    FrameBox,
    FrameParams,
    Outcome,
    PluginContext,
    PluginLoadError,
    PluginManager,
    directory_sources,
    json_stdout,
    plugin_output,
)

REPO = Path(__file__).resolve().parents[2]

DUCK = """
class Duck:
    # Not a Plugin subclass and no shutdown(): FindFace's basics allow both.
    def __init__(self, ctx):
        self.ctx = ctx
        self.seen = []

    async def preprocess(self, request, labels):
        return ["facen"]

    def process(self, request, photo, bbox, event_id, detection):
        self.seen.append((bbox[0], bbox.left, event_id))

def activate(app, ctx, plugin_name, plugin_source):
    return Duck(ctx)
"""

EXITING = """
import sys
from facerouter.plugin import Plugin

class Exiting(Plugin):
    async def preprocess(self, request, labels):
        return ("facen",)

    async def process(self, request, photo, bbox, event_id, detection):
        if request.params.cam_id == "exit":
            sys.exit(3)
        raise KeyboardInterrupt

def activate(app, ctx, plugin_name, plugin_source):
    return Exiting(ctx)
"""

PRINTING = """
from ntech import sfapi_client
from facerouter.plugin import Plugin

print("module imported")

class Printing(Plugin):
    async def preprocess(self, request, labels):
        print("preprocess", request.params.cam_id, end="")
        print(" done")
        return ()

def activate(app, ctx, plugin_name, plugin_source):
    print("app", app)
    print("sfapi at", ctx.sfapi.url, "filters:", sfapi_client.filters.__name__)
    return Printing(ctx)
"""


def request(ctx: PluginContext, cam_id: str = "cam") -> Any:
    params = FrameParams(
        cam_id=cam_id,
        timestamp=datetime(2024, 6, 10, tzinfo=UTC),
        bbox=FrameBox([[10, 20, 110, 140]]),
        face0=b"png",
    )
    return SimpleNamespace(method="POST", path="/v0/frame", params=params, ctx=ctx)


async def load(ctx: PluginContext, directory: Path) -> PluginManager:
    manager = PluginManager(ctx, hook_timeout=5)
    await manager.load(directory_sources(directory), app="the-app")
    return manager


def test_frame_box_is_the_documented_list_and_reads_by_name() -> None:
    bbox = FrameBox([[812, 140, 955, 283]])
    assert bbox == [[812, 140, 955, 283]] and [[812, 140, 955, 283]] == bbox
    assert bbox[0] == [812, 140, 955, 283] and bbox[0][2] == 955
    x1, y1, x2, y2 = bbox[0]
    assert (bbox.left, bbox.top, bbox.right, bbox.bottom) == (x1, y1, x2, y2)
    assert tuple(bbox.box) == (812, 140, 955, 283)
    assert isinstance(bbox, list) and len(bbox) == 1
    with pytest.raises(ValueError):
        FrameBox([[1, 2, 3]])


async def test_a_duck_typed_plugin_loads_and_runs(
    ctx: PluginContext, plugin_dir: Callable[..., Path]
) -> None:
    manager = await load(ctx, plugin_dir(duck=DUCK))
    duck = ctx.plugins["duck"]
    assert type(duck).__name__ == "Duck"
    req = request(ctx)
    assert await manager.preprocess(req) == {"duck": ("facen",)}
    assert await manager.process(["duck"], req, None, req.params.bbox, 7, "det") == {
        "duck": Outcome.OK
    }
    assert duck.seen == [([10, 20, 110, 140], 10, 7)]
    assert await manager.shutdown() == {}  # no shutdown() to call: nothing is run


@pytest.mark.parametrize("cam_id", ["exit", "ctrl-c"])
async def test_system_exit_and_keyboard_interrupt_in_a_hook_are_contained(
    ctx: PluginContext,
    plugin_dir: Callable[..., Path],
    cam_id: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    manager = await load(ctx, plugin_dir(exiting=EXITING, z_duck=DUCK))
    req = request(ctx, cam_id)
    outcomes = await manager.process(["exiting", "z_duck"], req, None, req.params.bbox, 1, "d")
    assert outcomes == {"exiting": Outcome.ERROR, "z_duck": Outcome.OK}
    expected = "SystemExit" if cam_id == "exit" else "KeyboardInterrupt"
    assert any(
        "'exiting': process() raised" in r.getMessage() and expected in r.exc_text
        for r in caplog.records
        if r.exc_text
    )
    # The event loop carries on.
    assert await asyncio.sleep(0, "alive") == "alive"


async def test_the_callers_own_cancellation_still_propagates(
    ctx: PluginContext, plugin_dir: Callable[..., Path]
) -> None:
    slow = DUCK.replace(
        "    def process(self, request, photo, bbox, event_id, detection):\n",
        "    async def process(self, request, photo, bbox, event_id, detection):\n"
        "        import asyncio\n        await asyncio.sleep(60)\n",
    )
    manager = await load(ctx, plugin_dir(slow=slow))
    req = request(ctx)
    task = asyncio.create_task(manager.process(["slow"], req, None, req.params.bbox, 1, "d"))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("import sys\nsys.exit(1)\n", "cannot be imported: SystemExit"),
        ("def activate(app, ctx, name, source):\n    raise KeyboardInterrupt\n", "raised Keyb"),
        ("def activate(app, ctx, name, source):\n    return None\n", "returned None"),
    ],
)
async def test_exits_while_loading_are_load_errors(
    ctx: PluginContext, plugin_dir: Callable[..., Path], source: str, message: str
) -> None:
    with pytest.raises(PluginLoadError, match=message):
        await load(ctx, plugin_dir(bad=source))


async def test_prints_go_to_the_plugin_logger_not_to_stdout(
    ctx: PluginContext,
    plugin_dir: Callable[..., Path],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = io.StringIO()
    monkeypatch.setattr(sys, "stdout", real)
    caplog.set_level(logging.INFO, logger="sfdesk.plugin")
    with plugin_output() as out:
        assert out is real and json_stdout() is real
        manager = await load(ctx, plugin_dir(printing=PRINTING))
        await manager.preprocess(request(ctx, "lobby"))
        print("from a thread nobody marked")  # the host's own stray output: logged too
        json_stdout().write('{"event": "ready"}\n')
    assert sys.stdout is real
    assert real.getvalue() == '{"event": "ready"}\n'
    by_plugin = [r.getMessage() for r in caplog.records if r.name == "sfdesk.plugin.printing"]
    assert by_plugin == [
        "module imported",
        "app the-app",
        "sfapi at http://default filters: app.sfapi_client.filters",
        "preprocess lobby done",
    ]
    assert any(
        r.name == "sfdesk.plugin" and r.getMessage() == "from a thread nobody marked"
        for r in caplog.records
    )


def test_findface_names_import_only_where_the_loader_put_them(tmp_path: Path) -> None:
    """A real `facerouter` package elsewhere keeps working; nothing is installed globally."""
    real = tmp_path / "site"
    (real / "facerouter").mkdir(parents=True)
    (real / "facerouter" / "__init__.py").write_text("REAL = True\n")
    (real / "facerouter" / "other.py").write_text("VALUE = 42\n")
    script = textwrap.dedent(
        """
        import importlib.util, sys
        assert importlib.util.find_spec("ntech") is None       # nothing installed
        from app.plugins._aliases import install
        install()
        from ntech import sfapi_client
        from ntech.sfapi_client.filters import Detection
        from facerouter.plugin import Plugin
        import facerouter, facerouter.other, app.plugins, app.sfapi_client
        assert sfapi_client is app.sfapi_client and Plugin is app.plugins.Plugin
        assert Detection is app.sfapi_client.filters.Detection
        assert facerouter.REAL and facerouter.other.VALUE == 42  # the real package is kept
        assert app.sfapi_client.__spec__.name == "app.sfapi_client"  # identity unchanged
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env={"PYTHONPATH": f"{REPO}:{real}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
