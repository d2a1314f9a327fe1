"""The frame endpoint in process: decoding, the detect call, plugin dispatch, errors, recording.

The sf-api client is a fake (the facerouter's neighbour); plugins, the tornado HTTP server (on
a loopback port, in the test's event loop) and the pipeline are the real ones.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fr_fakes import (
    HANGING_PLUGIN,
    RAISING_PLUGIN,
    RECORDING_PLUGIN,
    FakeClient,
    face,
    good_parts,
)

from app.facerouter._record import read_recording
from app.facerouter._replay import replay
from app.facerouter._serve import Listener, bind
from app.facerouter._stack import Facerouter, FacerouterSettings
from app.facerouter._wire import RawPart, encode_multipart
from app.sfapi_client import BadParam, SFApiMalformedResponseError, StorageError


class Harness:
    """A started facerouter on a fake client, listening on loopback, and an httpx client."""

    def __init__(
        self, router: Facerouter, fake: FakeClient, listener: Listener, http: httpx.AsyncClient
    ) -> None:
        self.router, self.fake, self.listener, self.http = router, fake, listener, http

    def plugin(self, name: str = "recording") -> Any:
        return self.router.ctx.plugins[name]

    async def post(self, parts: list[RawPart], path: str = "/v0/frame") -> httpx.Response:
        content_type, body = encode_multipart(parts)
        return await self.http.post(path, content=body, headers={"Content-Type": content_type})


@pytest.fixture
async def make_harness(
    tmp_path: Path, write_plugins: Callable[..., Path]
) -> AsyncIterator[Callable[..., Any]]:
    opened: list[Harness] = []

    async def make(
        plugins: dict[str, str] | None = None,
        *,
        fake: FakeClient | None = None,
        config: str = "",
        **settings: Any,
    ) -> Harness:
        directory = write_plugins(**(plugins or {"recording": RECORDING_PLUGIN}))
        config_file = tmp_path / "plugins.toml"
        config_file.write_text(config)
        fake = fake or FakeClient()
        router = await Facerouter.start(
            FacerouterSettings(
                sfapi_url="http://unused",
                plugin_dir=directory,
                plugin_config=config_file,
                entry_points=False,
                **settings,
            ),
            clients={"default": fake},  # type: ignore[dict-item]
        )
        listener = Listener(router, bind("127.0.0.1", 0))
        http = httpx.AsyncClient(base_url=listener.url, timeout=30)
        opened.append(Harness(router, fake, listener, http))
        return opened[-1]

    yield make
    for harness in opened:
        await harness.http.aclose()
        await harness.listener.stop()
        harness.listener.sock.close()
        await harness.router.aclose()


async def test_a_frame_reaches_the_plugins_with_decoded_params(make_harness: Any) -> None:
    h = await make_harness()
    response = await h.post(good_parts())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["detections"] == 1 and isinstance(body["event_id"], int)
    plugin = h.plugin()
    [(request, labels)] = plugin.preprocessed
    assert labels == {"site": "hq", "zone": "entrance"}
    params = request.params
    assert (params.photo, params.face0) == (b"\xff\xd8jpeg-bytes", b"\x89PNG-bytes")
    assert params.bbox == [[812, 140, 955, 283]]
    assert params.timestamp == datetime(2024, 6, 10, 8, 13, 20, 512000, tzinfo=UTC)
    assert params.detectorParams == {"score": 0.97, "track": {"id": 77}}
    assert (params.cam_id, params.bs_type) == ("gate-2", "overall")
    assert request.ctx is h.router.ctx and request.method == "POST"
    [(request2, photo, bbox, event_id, detection)] = plugin.processed
    assert request2 is request and photo == params.photo
    assert bbox.left == 812 and bbox == [[812, 140, 955, 283]] and bbox[0][3] == 283
    # `request` is tornado's HTTPServerRequest, with what tornado documents on it.
    from tornado.httputil import HTTPServerRequest

    assert isinstance(request, HTTPServerRequest)
    assert request.files["photo"][0].body == params.photo
    assert request.files["photo"][0].filename == "frame.jpg"
    assert request.body_arguments["cam_id"] == [b"gate-2"] == request.arguments["cam_id"]
    assert request.headers["Content-Type"].startswith("multipart/form-data")
    assert len(request.body) == int(request.headers["Content-Length"])
    assert request.uri == "/v0/frame" and request.path == "/v0/frame"
    assert request.host.startswith("127.0.0.1:") and request.remote_ip == "127.0.0.1"
    assert event_id == body["event_id"]
    assert detection.id == "det-1"
    # The normalized face went to sf-api with the normalized detector and the asked features.
    [call] = h.fake.detect_calls
    assert call["image"] == b"\x89PNG-bytes" and call["detector"] == "normalized"
    assert (call["facen"], call["gender"], call["age"], call["emotions"]) == (
        True,
        False,
        False,
        False,
    )


async def test_union_of_features_and_only_interested_plugins_are_processed(
    make_harness: Any,
) -> None:
    h = await make_harness(
        {"aa": RECORDING_PLUGIN, "bb": RECORDING_PLUGIN, "cc": RECORDING_PLUGIN},
        config='[aa]\nfeatures = ["age"]\n[bb]\nfeatures = ["gender", "emotions"]\n'
        "[cc]\nfeatures = []\n",
    )
    assert (await h.post(good_parts())).status_code == 200
    [call] = h.fake.detect_calls
    assert (call["facen"], call["gender"], call["age"], call["emotions"]) == (
        False,
        True,
        True,
        True,
    )
    assert len(h.plugin("aa").processed) == len(h.plugin("bb").processed) == 1
    assert len(h.plugin("cc").preprocessed) == 1 and h.plugin("cc").processed == []


async def test_no_interested_plugin_means_no_detect_call(make_harness: Any) -> None:
    h = await make_harness(config="[recording]\nfeatures = []\n")
    response = await h.post(good_parts())
    assert response.json() == {"event_id": None, "detections": 0}
    assert h.fake.detect_calls == []


async def test_photo_only_frames_use_the_detector_and_the_best_overlapping_face(
    make_harness: Any,
) -> None:
    fake = FakeClient(
        [
            face("far", 0, 0, 50, 50),
            face("near", 800, 150, 950, 290),
            face("off", 900, 100, 1000, 200),
        ]
    )
    h = await make_harness(fake=fake, detector="nnd")
    parts = [p for p in good_parts() if p.name != "face0"]
    assert (await h.post(parts)).json()["detections"] == 3
    [call] = fake.detect_calls
    assert call["image"] == b"\xff\xd8jpeg-bytes" and call["detector"] == "nnd"
    [(_, photo, bbox, _, detection)] = h.plugin().processed
    assert detection.id == "near" and bbox == [[812, 140, 955, 283]]


async def test_photo_only_frames_are_refused_by_default_as_in_findface(
    make_harness: Any,
) -> None:
    h = await make_harness()  # FindFace's default `detector` is empty: such frames are refused
    response = await h.post([p for p in good_parts() if p.name != "face0"])
    assert response.status_code == 400
    assert response.json()["param"] == "face0"
    assert h.fake.detect_calls == [] and h.plugin().preprocessed == []


async def test_no_matching_face_means_no_process(make_harness: Any) -> None:
    h = await make_harness(fake=FakeClient([face("elsewhere", 0, 0, 10, 10)]), detector="nnd")
    response = await h.post([p for p in good_parts() if p.name != "face0"])
    assert response.json() == {"event_id": None, "detections": 1}
    assert h.plugin().processed == []


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (BadParam("BAD_PARAM", "not an image", "image"), 400, "BAD_PARAM"),
        (StorageError("STORAGE_ERROR", "disk"), 502, "STORAGE_ERROR"),
        (SFApiMalformedResponseError("connection refused"), 502, "UNKNOWN_ERROR"),
    ],
)
async def test_sfapi_failures_tell_the_worker_whether_to_retry(
    make_harness: Any, error: Exception, status: int, code: str
) -> None:
    fake = FakeClient()
    fake.error = error  # type: ignore[assignment]
    h = await make_harness(fake=fake)
    response = await h.post(good_parts())
    assert response.status_code == status
    assert response.json()["code"] == code and "sf-api" in response.json()["reason"]
    assert h.plugin().processed == []


async def test_a_raising_and_a_hanging_plugin_do_not_affect_the_good_one_or_the_answer(
    make_harness: Any, caplog: pytest.LogCaptureFixture
) -> None:
    h = await make_harness(
        {"good": RECORDING_PLUGIN, "raising": RAISING_PLUGIN, "hanging": HANGING_PLUGIN},
        hook_timeout=0.3,
    )
    response = await h.post(good_parts())
    assert response.status_code == 200
    assert set(response.json()) == {"event_id", "detections"}
    assert len(h.plugin("good").processed) == 1
    assert "plugin 'raising': process() raised" in caplog.text
    assert "plugin 'hanging': process() timed out" in caplog.text
    # The next frame is served the same way.
    assert (await h.post(good_parts())).status_code == 200
    assert len(h.plugin("good").processed) == 2


async def test_frames_are_accepted_on_any_path_and_status_lists_plugins(
    make_harness: Any,
) -> None:
    h = await make_harness()
    assert (await h.post(good_parts(), path="/custom/router")).status_code == 200
    assert len(h.plugin().processed) == 1
    status = await h.http.get("/v0/status")
    assert status.json() == {"status": "ok", "plugins": ["recording"]}
    missing = await h.http.get("/nothing")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"


async def test_plugins_may_add_handlers_to_the_tornado_app(make_harness: Any) -> None:
    plugin = """
import tornado.web
from facerouter.plugin import Plugin

def activate(app, ctx, plugin_name, plugin_source):
    class Hello(tornado.web.RequestHandler):
        def get(self):
            self.write("hi from " + plugin_name)
        def post(self):
            self.write("posted " + self.request.body.decode())
    app.add_handlers(r".*", [(r"/hello", Hello)])
    return Plugin(ctx)
"""
    h = await make_harness({"greeter": plugin})
    assert (await h.http.get("/hello")).text == "hi from greeter"
    assert (await h.http.post("/hello", content=b"x")).text == "posted x"
    # Paths the plugin does not claim still take frames.
    assert (await h.post(good_parts(), path="/elsewhere")).status_code == 200


MALFORMED_BODIES: dict[str, tuple[dict[str, str], bytes, str]] = {
    "json body": ({"Content-Type": "application/json"}, b'{"cam_id": "x"}', "MALFORMED_REQUEST"),
    "no body": ({}, b"", "MALFORMED_REQUEST"),
    "broken multipart": (
        {"Content-Type": "multipart/form-data; boundary=XyZ"},
        b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--XyZ--\r\n",
        "MALFORMED_REQUEST",
    ),
    "missing bbox": (
        {"Content-Type": "multipart/form-data; boundary=B"},
        encode_multipart([p for p in good_parts() if p.name != "bbox"], "B")[1],
        "BAD_PARAM",
    ),
    "bad timestamp": (
        {"Content-Type": "multipart/form-data; boundary=B"},
        encode_multipart(
            [p for p in good_parts() if p.name != "timestamp"] + [RawPart("timestamp", b"now")],
            "B",
        )[1],
        "BAD_PARAM",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED_BODIES))
async def test_malformed_posts_get_a_clear_400_and_reach_no_plugin(
    make_harness: Any, tmp_path: Path, case: str
) -> None:
    headers, body, code = MALFORMED_BODIES[case]
    h = await make_harness(record_dir=tmp_path / "rec")
    response = await h.http.post("/v0/frame", content=body, headers=headers)
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == code and error["reason"]
    if code == "BAD_PARAM":
        assert error["param"] in ("bbox", "timestamp")
    assert h.plugin().preprocessed == [] and h.fake.detect_calls == []
    assert list((tmp_path / "rec").iterdir()) == []  # refused frames are not recorded


async def test_recorded_frames_replay_identically(
    make_harness: Any,
    tmp_path: Path,
    write_plugins: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = await make_harness(record_dir=tmp_path / "rec")
    sent = [good_parts(cam_id=f"cam-{i}") for i in range(3)]
    for parts in sent:
        assert (await h.post(parts, path="/v0/frame")).status_code == 200
    frames = list(read_recording(tmp_path / "rec"))
    assert [f.directory.name for f in frames] == ["000001", "000002", "000003"]
    assert [(p.name, p.data) for p in frames[0].parts] == [(p.name, p.data) for p in sent[0]]
    manifest = json.loads((frames[0].directory / "frame.json").read_text())
    assert manifest["path"] == "/v0/frame"
    assert {"name": "cam_id", "text": "cam-0"} in manifest["parts"]

    lines: list[dict[str, Any]] = []
    fake = FakeClient()
    settings = FacerouterSettings(
        sfapi_url="http://unused",
        plugin_dir=write_plugins(),
        plugin_config=tmp_path / "plugins.toml",
        entry_points=False,
    )
    seen: dict[str, Any] = {}
    original = Facerouter.start

    async def spy(*args: Any, **kwargs: Any) -> Facerouter:
        seen["router"] = await original(*args, **kwargs)
        return seen["router"]

    monkeypatch.setattr(Facerouter, "start", spy)
    assert await replay(tmp_path / "rec", settings, lines.append, clients={"default": fake}) == 0
    assert [line["frame"] for line in lines] == ["000001", "000002", "000003"]
    assert all(line["plugins"] == {"recording": "ok"} for line in lines)
    plugin = seen["router"].ctx.plugins["recording"]
    replayed = [request.params for request, _ in plugin.preprocessed]
    originals = [request.params for request, _ in h.plugin().preprocessed]
    assert replayed == originals
    assert all(request.method == "REPLAY" for request, _ in plugin.preprocessed)
    assert plugin.shut and fake.closed  # replay shuts plugins down and closes clients


async def test_replay_reports_frames_it_cannot_use(
    tmp_path: Path, write_plugins: Callable[..., Path]
) -> None:
    from app.facerouter._record import FrameRecorder

    recorder = FrameRecorder(tmp_path / "rec")
    recorder.save(good_parts(), path="/v0/frame", received=datetime.now(UTC))
    recorder.save(
        [p for p in good_parts() if p.name != "cam_id"], path="/x", received=datetime.now(UTC)
    )
    lines: list[dict[str, Any]] = []
    settings = FacerouterSettings(
        sfapi_url="http://unused",
        plugin_dir=write_plugins(recording=RECORDING_PLUGIN),
        entry_points=False,
    )
    failed = await replay(
        tmp_path / "rec", settings, lines.append, clients={"default": FakeClient()}
    )
    assert failed == 1
    assert lines[0]["plugins"] == {"recording": "ok"}
    assert lines[1]["error"]["param"] == "cam_id"


async def test_shutdown_reaches_every_plugin_and_closes_clients(make_harness: Any) -> None:
    h = await make_harness({"a": RECORDING_PLUGIN, "b": RAISING_PLUGIN})
    await h.router.aclose()
    assert h.plugin("a").shut and h.fake.closed
    await asyncio.sleep(0)
