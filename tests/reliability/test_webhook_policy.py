"""The watch-list webhook plugin (resources/plugins) contacts only allowed hosts, within limits.

The plugin is loaded by the real plugin manager over a fake sf-api gallery that always matches
(its neighbour); the webhook is a real HTTP receiver on loopback. Checked: loopback targets are
refused by the default policy without being contacted (also behind a name), allowed when the
config names them, redirects are not followed, an endless answer body is not read, a slow drip
is cut off by `timeout`, and a malformed `allowed_hosts` is a load error naming the plugin.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from reliability_harness import Origin

from app.common import resources_dir
from app.plugins import (
    PluginContext,
    PluginLoadError,
    PluginManager,
    SFApiClients,
    directory_sources,
)
from app.sfapi_client import BBox, DetectFace, FaceId, idgen
from app.sfapi_client.objects import Face

NAME = "watchlist-alert"


class MatchingGallery:
    """A watch list in which every probe finds face 42."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def list(self, *, filters: Any, limit: int = 1000) -> list[Face]:
        return [Face(FaceId(self.name, 42), {}, {"name": "Villain"}, 0.9)]


class FakeSFApi:
    def gallery(self, name: str) -> MatchingGallery:
        return MatchingGallery(name)


async def alert(url: str, **settings: Any) -> Any:
    """Load the plugin with these settings and let it see one matching face; the plugin."""
    config = {NAME: {"webhook_url": url, "backoff": 0.01, "attempts": 1, **settings}}
    ctx = PluginContext(SFApiClients({"default": FakeSFApi()}), idgen, config)  # type: ignore[dict-item]
    manager = PluginManager(ctx, hook_timeout=30)
    await manager.load(s for s in directory_sources(resources_dir() / "plugins") if s.name == NAME)
    plugin = ctx.plugins[NAME]
    request = SimpleNamespace(
        params=SimpleNamespace(cam_id="gate", timestamp=datetime.now(UTC), labels={})
    )
    detection = DetectFace("det", BBox(0, 0, 112, 112), {"score": 0.9})
    await asyncio.wait_for(plugin.process(request, None, BBox(0, 0, 9, 9), 1, detection), 30)
    await manager.shutdown()
    return plugin


@pytest.fixture
def receiver() -> Iterator[Origin]:
    server = Origin(b"ok")
    yield server
    server.close()


async def test_default_policy_refuses_loopback_without_contact(
    receiver: Origin, caplog: pytest.LogCaptureFixture
) -> None:
    for host in ("127.0.0.1", "localhost", "[::ffff:127.0.0.1]", "2130706433"):
        plugin = await alert(f"http://{host}:{receiver.port}/alerts")
        assert plugin.sent == 0
    assert receiver.hits == []
    assert caplog.text.count("webhook refused") == 4


async def test_allowed_hosts_admit_loopback_by_address_or_name(receiver: Origin) -> None:
    url = f"http://127.0.0.1:{receiver.port}/alerts"
    assert (await alert(url, allowed_hosts=["127.0.0.0/8"])).sent == 1
    url = f"http://localhost:{receiver.port}/alerts"
    assert (await alert(url, allowed_hosts=["localhost"])).sent == 1
    assert receiver.hits == ["/alerts", "/alerts"]
    assert b'"face": 42' in receiver.bodies[0] or b'"face":42' in receiver.bodies[0]


async def test_redirects_are_not_followed_and_bodies_not_read(receiver: Origin) -> None:
    base = f"http://127.0.0.1:{receiver.port}"
    plugin = await alert(f"{base}/redirect?to={base}/elsewhere", allowed_hosts=["127.0.0.1"])
    assert plugin.sent == 0 and receiver.hits == [f"/redirect?to={base}/elsewhere"]
    plugin = await alert(f"{base}/chunked-endless", allowed_hosts=["127.0.0.1"])
    assert plugin.sent == 1  # a 200 whose endless body is never read


async def test_a_slow_drip_is_cut_off_by_the_timeout(
    receiver: Origin, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"http://127.0.0.1:{receiver.port}/drip-headers"
    plugin = await alert(url, allowed_hosts=["127.0.0.1"], timeout=1.0, attempts=2)
    assert plugin.sent == 0
    assert "webhook attempt 2/2 failed" in caplog.text


@pytest.mark.parametrize("allowed", [[""], [1], ["*", None]])
async def test_malformed_allowed_hosts_is_a_load_error(allowed: list[Any]) -> None:
    with pytest.raises(PluginLoadError) as info:
        await alert("http://127.0.0.1:9/alerts", allowed_hosts=allowed)
    assert info.value.plugin == NAME and "allowed_hosts" in str(info.value)
