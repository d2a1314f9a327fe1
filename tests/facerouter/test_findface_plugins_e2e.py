"""FindFace plugins run unchanged: the plugins of `findface_plugins.py` (FindFace's imports and
habits, nothing of sfdesk's) in a real facerouter process fed by the real video worker, against
a real sf-api server on loopback. What they saw is read back from the endpoint one of them adds
to the tornado application."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from findface_plugins import PLUGINS
from test_e2e import CAST, REPO, build_video, processes, ready, start  # noqa: F401

from app.sfapi_client import Client

pytestmark = pytest.mark.slow

#: Enrolled in gallery "default" before the video runs: the first two people of the video
#: (other photos of them) and three people who are not in it.
ENROLLED = {
    1: "face_recognition/obama2.jpg",
    2: "face_recognition/biden2.jpg",
    3: "face_recognition/rose_leslie_img1.jpg",
    4: "deepface/img3.jpg",
    5: "deepface/img1.jpg",
}


async def _enroll(url: str, faces_dir: Path) -> None:
    async with Client(url) as client:
        gallery = client["default"]  # FindFace's Client.__getitem__: the gallery
        await gallery.create()
        for face_id, name in ENROLLED.items():
            detected = await client.detect(image=(faces_dir / name).read_bytes(), facen=True)
            best = max(detected, key=lambda d: d.bbox.right - d.bbox.left)
            await gallery.add(face_id, best, meta={"cam_id": name})


def _events(router_url: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{router_url}/observer/events", timeout=30) as response:
        events: list[dict[str, Any]] = json.loads(response.read())
    return events


async def test_findface_plugins_run_unchanged_on_the_real_stack(
    tmp_path: Path, faces_dir: Path, processes: list[subprocess.Popen[str]]  # noqa: F811
) -> None:
    video = tmp_path / "people.avi"
    build_video(video, [faces_dir / name for name in CAST])
    server = start("server", "--port", "0", "--data", str(tmp_path / "data"))
    processes.append(server)
    sfapi_url = ready(server)
    await _enroll(sfapi_url, faces_dir)

    plugin_dir = tmp_path / "findface-plugins"
    plugin_dir.mkdir()
    for name, source in PLUGINS.items():
        (plugin_dir / f"{name}.py").write_text(source)
    facerouter = start(
        "facerouter", "--port", "0", "--sfapi-url", sfapi_url, "--plugin-dir", str(plugin_dir),
        "--no-entry-points", "--plugin-timeout", "60", "--record", str(tmp_path / "frames"),
    )  # fmt: skip
    processes.append(facerouter)
    router_url = ready(facerouter)

    worker = subprocess.run(
        [
            sys.executable, "-m", "app", "video-worker", "--source", str(video),
            "--facerouter", f"{router_url}/v0/frame", "--cam-id", "ff-cam",
            "--labels", "site=lab", "--mode", "overall", "--detect-fps", "4",
        ],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert worker.returncode == 0, worker.stderr[-3000:]
    assert "rejected 0" in worker.stderr and "dropped 0" in worker.stderr, worker.stderr[-3000:]
    shots = len(list((tmp_path / "frames").iterdir()))
    assert shots >= len(CAST) + 1  # each appearance is a track, the returning one too

    events = _events(router_url)
    by_plugin: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_plugin.setdefault(event["plugin"], []).append(event)
    assert {name: len(found) for name, found in by_plugin.items()} == {
        "matcher": shots,
        "inspector": shots,
        "pager": shots,
        "duck": shots,
    }, events

    for event in by_plugin["matcher"]:
        assert event["cam"] == "ff-cam" and event["labels"] == {"site": "lab"}
        assert event["box"] == event["box0"] and event["box"][2] > event["box"][0]
        assert event["bs_type"] == "overall" and "score" in event["features"]
        if event["match"] is not None:  # a match is one of the enrolled people, above 0.75
            assert event["match"]["gallery"] == "default"
            assert event["match"]["face"] in ENROLLED and event["match"]["confidence"] >= 0.75
    matched = {e["match"]["face"] for e in by_plugin["matcher"] if e["match"]}
    assert matched <= {1, 2} and matched, by_plugin["matcher"]  # only people of the video

    for event in by_plugin["inspector"]:
        assert (event["method"], event["uri"], event["path"]) == ("POST", "/v0/frame", "/v0/frame")
        assert event["remote_ip"] == "127.0.0.1" and router_url.endswith(event["host"])
        assert event["body_bytes"] == event["content_length"] > 10_000  # photo and face0 in it
        assert event["content_type"] == "multipart/form-data"
        assert event["photo_is_the_part"] and event["photo_filename"] == "frame.jpg"
        assert event["face0_type"] == "image/png" and event["cam_argument"] == "ff-cam"
        assert json.loads(event["bbox_argument"]) == event["bbox_param"]
        assert event["timestamp_tz"] == 0 and isinstance(event["track"], int)
        assert event["gender"] is not None and event["age"] is not None and event["same_ctx"]

    firsts = set()
    for event in by_plugin["pager"]:
        assert event["galleries"] == ["default"] and event["pages"] == 3  # 5 faces, 2 a page
        ids = [face for face, _ in event["seen"]]
        confidences = [confidence for _, confidence in event["seen"]]
        assert sorted(ids) == sorted(ENROLLED)  # every face once, across the pages
        assert confidences == sorted(confidences, reverse=True)
        firsts.add(ids[0])
    assert {1, 2} <= firsts  # obama's and biden's tracks rank their own enrolled photo first

    for event in by_plugin["duck"]:
        assert event["x1"] == event["left"] and event["y2"] == event["bottom"]
        assert event["equal_to_list"]

    # Replay the recording offline: plugins print there too, stdout stays JSON lines.
    replay = subprocess.run(
        [
            sys.executable, "-m", "app", "facerouter", "replay", "--frames",
            str(tmp_path / "frames"), "--plugin-dir", str(plugin_dir), "--sfapi-url", sfapi_url,
            "--no-entry-points",
        ],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    lines = [json.loads(line) for line in replay.stdout.splitlines()]
    assert len(lines) == shots, replay.stdout
    # matcher posts to request.host, which a replayed frame does not have: it fails there.
    assert all(line["plugins"]["duck"] == line["plugins"]["pager"] == "ok" for line in lines)
    assert "sfdesk.plugin.duck: duck saw" in replay.stderr

    facerouter.terminate()
    out, err = facerouter.communicate(timeout=60)
    assert facerouter.returncode == 0
    assert all(json.loads(line)["event"] for line in out.splitlines()), out  # only JSON events
    assert "sfdesk.plugin.matcher: matched" in err and "sfdesk.plugin.matcher: app" in err
    assert "sfdesk.plugin.observer: observer: serving events on" in err
