"""The shipped example plugins (resources/plugins) on a fake sf-api gallery; the watch-list
webhook goes to a real HTTP receiver on loopback."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fr_fakes import good_parts

from app.common import resources_dir
from app.facerouter._record import RecordedFrame
from app.facerouter._replay import replayed_request
from app.plugins import (
    FrHTTPRequest,
    Outcome,
    PluginContext,
    PluginLoadError,
    PluginManager,
    SFApiClients,
    directory_sources,
)
from app.sfapi_client import BBox, DetectFace, FaceId, GalleryNotFound, idgen
from app.sfapi_client.objects import Face

PLUGINS = resources_dir() / "plugins"


class FakeGallery:
    """A gallery whose similarity search matches faces enrolled from the same person: a
    detection id is "<person>:<n>", and a stored face matches with confidence 0.9."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.exists = False
        self.faces: list[tuple[Face, str]] = []
        self.searches = 0

    async def create(self) -> None:
        self.exists = True

    async def list(self, *, filters: Any, limit: int = 1000) -> list[Face]:
        self.searches += 1
        await asyncio.sleep(0.01)  # let concurrent frames interleave
        if not self.exists:
            raise GalleryNotFound("GALLERY_NOT_FOUND", f"no gallery {self.name}")
        query = dict(filters[0].query(self.name))
        person = query["looks_like"].removeprefix("detection:").split(":")[0]
        if 0.9 < float(query["threshold"]):
            return []
        return [Face(f.id, f.features, f.meta, 0.9) for f, p in self.faces if p == person][:limit]

    async def add(self, new_id: int, source: DetectFace, *, meta: Any = None) -> Face:
        if not self.exists:
            raise GalleryNotFound("GALLERY_NOT_FOUND", f"no gallery {self.name}")
        face = Face(FaceId(self.name, new_id), dict(source.features), dict(meta or {}))
        self.faces.append((face, source.id.split(":")[0]))
        return face


class FakeClient:
    def __init__(self) -> None:
        self.galleries: dict[str, FakeGallery] = {}

    def gallery(self, name: str) -> FakeGallery:
        return self.galleries.setdefault(name, FakeGallery(name))


def detection(person: str, n: int = 1) -> DetectFace:
    return DetectFace(f"{person}:{n}", BBox(0, 0, 112, 112), {"score": 0.9, "age": 30.0})


async def load(name: str, config: dict[str, Any]) -> tuple[PluginManager, FakeClient]:
    client = FakeClient()
    ctx = PluginContext(SFApiClients({"default": client}), idgen, {name: config})  # type: ignore[dict-item]
    manager = PluginManager(ctx, hook_timeout=10)
    await manager.load(s for s in directory_sources(PLUGINS) if s.name == name)
    return manager, client


def request(ctx: PluginContext, **overrides: Any) -> FrHTTPRequest:
    # The same tornado request the replay tool builds for a recorded frame.
    return replayed_request(RecordedFrame(Path("."), "/v0/frame", good_parts(**overrides)), ctx)


async def frame(manager: PluginManager, det: DetectFace, **overrides: Any) -> dict[str, Outcome]:
    req = request(manager.ctx, **overrides)
    wanted = await manager.preprocess(req)
    return await manager.process(
        wanted, req, req.params.photo, req.params.bbox, manager.ctx.idgen(), det
    )


def test_every_shipped_plugin_is_found() -> None:
    assert [s.name for s in directory_sources(PLUGINS)] == [
        "enroll-unknown",
        "event-log",
        "watchlist-alert",
    ]


async def test_enroll_unknown_creates_the_gallery_and_enrolls_each_person_once() -> None:
    manager, client = await load("enroll-unknown", {"gallery": "visitors"})
    when = datetime(2024, 6, 10, 8, 13, 20, tzinfo=UTC)
    assert await frame(manager, detection("ann"), cam_id="gate", timestamp=when) == {
        "enroll-unknown": Outcome.OK
    }
    await frame(manager, detection("ann", 2))
    await frame(manager, detection("bob"), cam_id="lobby")
    gallery = client.galleries["visitors"]
    assert gallery.exists
    assert [(p, f.meta) for f, p in gallery.faces] == [
        ("ann", {"cam_id": "gate", "timestamp": int(when.timestamp())}),
        ("bob", {"cam_id": "lobby", "timestamp": 1718007200}),
    ]


async def test_enroll_unknown_does_not_enroll_one_person_twice_from_concurrent_frames() -> None:
    manager, client = await load("enroll-unknown", {})
    await asyncio.gather(*(frame(manager, detection("ann", n)) for n in range(4)))
    assert [p for _, p in client.galleries["unknown"].faces] == ["ann"]


async def test_enroll_unknown_clamps_pre_epoch_timestamps_to_zero() -> None:
    manager, client = await load("enroll-unknown", {})
    await frame(manager, detection("old"), timestamp=datetime(1960, 1, 1, tzinfo=UTC))
    [(face, _)] = client.galleries["unknown"].faces
    assert face.meta["timestamp"] == 0


async def test_enroll_unknown_threshold_decides_what_is_known() -> None:
    manager, client = await load("enroll-unknown", {"threshold": 0.95})
    await frame(manager, detection("ann"))
    await frame(manager, detection("ann", 2))  # 0.9 < 0.95: counts as a stranger
    assert len(client.galleries["unknown"].faces) == 2


@pytest.mark.parametrize(
    ("name", "config", "message"),
    [
        ("enroll-unknown", {"threshold": 2.0}, "threshold must be within"),
        ("enroll-unknown", {"gallery": "bad name!"}, "gallery name"),
        ("enroll-unknown", {"galery": "typo"}, "unknown setting 'galery'"),
        ("watchlist-alert", {}, "webhook_url must be an http"),
        ("watchlist-alert", {"webhook_url": "ftp://example.org/x"}, "webhook_url must be"),
        ("watchlist-alert", {"webhook_url": "file:///etc/passwd"}, "webhook_url must be"),
        ("event-log", {"features": []}, "features must be a non-empty list"),
        ("event-log", {"features": ["beard"]}, "features must be"),
    ],
)
async def test_bad_settings_are_load_errors_naming_the_plugin(
    name: str, config: dict[str, Any], message: str
) -> None:
    with pytest.raises(PluginLoadError) as info:
        await load(name, config)
    assert info.value.plugin == name and message in str(info.value)


class Webhook:
    """A loopback HTTP receiver answering each POST with the next status of `statuses`."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.payloads: list[Any] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.payloads.append(json.loads(body))
                self.send_response(hook.statuses.pop(0) if hook.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook() -> Iterator[Any]:
    hooks: list[Webhook] = []

    def make(statuses: list[int]) -> Webhook:
        hooks.append(Webhook(statuses))
        return hooks[-1]

    yield make
    for hook in hooks:
        hook.close()


async def watchlist(url: str, **config: Any) -> tuple[PluginManager, FakeGallery]:
    settings = {"webhook_url": url, "backoff": 0.01, "allowed_hosts": ["127.0.0.1"], **config}
    manager, client = await load("watchlist-alert", settings)
    gallery = client.gallery("watchlist")
    gallery.exists = True
    await gallery.add(42, detection("villain"), meta={"name": "Villain"})
    return manager, gallery


async def test_watchlist_alert_posts_a_json_webhook_and_retries(webhook: Any) -> None:
    hook = webhook([500, 503, 200])
    manager, _ = await watchlist(hook.url)
    assert await frame(manager, detection("villain", 7), cam_id="gate", labels={"zone": "a"}) == {
        "watchlist-alert": Outcome.OK
    }
    assert len(hook.payloads) == 3  # two failures, then delivered
    payload = hook.payloads[-1]
    assert payload["cam_id"] == "gate" and payload["labels"] == {"zone": "a"}
    assert payload["match"] == {
        "gallery": "watchlist",
        "face": 42,
        "confidence": 0.9,
        "meta": {"name": "Villain"},
    }
    assert payload["detection"]["id"] == "villain:7"
    assert payload["bbox"] == [812, 140, 955, 283]
    assert isinstance(payload["event_id"], int)
    assert manager.ctx.plugins["watchlist-alert"].sent == 1  # type: ignore[attr-defined]
    await manager.shutdown()


async def test_watchlist_alert_is_silent_without_a_match_and_gives_up_on_4xx(
    webhook: Any, caplog: pytest.LogCaptureFixture
) -> None:
    hook = webhook([404])
    manager, _ = await watchlist(hook.url, attempts=5)
    await frame(manager, detection("passer-by"))
    assert hook.payloads == []
    await frame(manager, detection("villain", 2))
    assert len(hook.payloads) == 1  # a 404 is not retried
    assert "could not be delivered" in caplog.text
    await manager.shutdown()


async def test_watchlist_alert_survives_an_unreachable_webhook(
    caplog: pytest.LogCaptureFixture,
) -> None:
    manager, _ = await watchlist("http://127.0.0.1:9/alerts", attempts=2)
    assert await frame(manager, detection("villain")) == {"watchlist-alert": Outcome.OK}
    assert "webhook attempt 2/2 failed" in caplog.text
    await manager.shutdown()


async def test_event_log_writes_one_json_line_per_event(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "events.jsonl"
    manager, _ = await load("event-log", {"path": str(path), "features": ["age", "emotions"]})
    req = request(manager.ctx)
    assert await manager.preprocess(req) == {"event-log": ("age", "emotions")}
    await asyncio.gather(*(frame(manager, detection("p", n), cam_id=f"c{n}") for n in range(3)))
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert sorted(line["cam_id"] for line in lines) == ["c0", "c1", "c2"]
    first = lines[0]
    assert first["features"] == {"score": 0.9, "age": 30.0}
    assert first["bbox"] == [812, 140, 955, 283] and first["bs_type"] == "overall"
    assert first["labels"] == {"site": "hq", "zone": "entrance"}
    assert datetime.fromisoformat(first["timestamp"]).tzinfo is not None
    assert {"event_id", "detection_id"} <= set(first)
