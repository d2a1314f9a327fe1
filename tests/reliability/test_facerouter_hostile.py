"""Hostile input to a real facerouter process (loopback): plugins that raise SystemExit or
KeyboardInterrupt, oversized frames (declared and chunked), and JSON parts Python chokes on
(deep nesting, integers of thousands of digits). Each gets a clean JSON answer and the process
keeps serving."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "facerouter"))

from fr_fakes import good_parts, read_event  # noqa: E402

from app.facerouter._wire import RawPart, encode_multipart  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
LIMIT = 2_000_000

EXITER = """
import sys

class Exiter:
    async def preprocess(self, request, labels):
        if request.params.cam_id == "exit":
            sys.exit(0)
        if request.params.cam_id == "ctrl-c":
            raise KeyboardInterrupt
        if request.params.cam_id == "base":
            raise BaseException("plain BaseException")
        return ()

    def process(self, request, photo, bbox, event_id, detection):
        pass

def activate(app, ctx, plugin_name, plugin_source):
    return Exiter()
"""


@pytest.fixture(scope="module")
def facerouter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    plugins = tmp_path_factory.mktemp("hostile-plugins")
    (plugins / "exiter.py").write_text(EXITER)
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "app", "facerouter", "--port", "0", "--no-entry-points",
            "--sfapi-url", "http://127.0.0.1:9", "--plugin-dir", str(plugins),
            "--max-frame-bytes", str(LIMIT), "--detector", "nnd",
        ],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        event = read_event(proc, timeout=60)
        assert event["event"] == "ready", event
        yield str(event["url"]), proc
    finally:
        proc.kill()
        proc.communicate(timeout=30)


def post(url: str, parts: list[RawPart]) -> tuple[int, dict[str, Any]]:
    content_type, body = encode_multipart(parts)
    request = urllib.request.Request(
        url + "/v0/frame", data=body, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def replaced(name: str, text: str) -> list[RawPart]:
    return [p for p in good_parts() if p.name != name] + [RawPart(name, text.encode())]


@pytest.mark.parametrize("cam_id", ["exit", "ctrl-c", "base"])
def test_a_plugin_that_exits_does_not_stop_the_facerouter(
    facerouter: tuple[str, Any], cam_id: str
) -> None:
    url, proc = facerouter
    for _ in range(3):
        assert post(url, good_parts(cam_id=cam_id)) == (200, {"event_id": None, "detections": 0})
    assert proc.poll() is None
    assert post(url, good_parts(cam_id="normal"))[0] == 200


@pytest.mark.parametrize(
    ("part", "text"),
    [
        ("bbox", "[" * 100_000 + "]" * 100_000),
        ("labels", '{"a":' * 50_000 + "1" + "}" * 50_000),
        ("detectorParams", "[" * 100_000 + "]" * 100_000),
        ("bbox", "[[1, 2, 3, " + "9" * 5000 + "]]"),
        ("bbox", "[[1, 2, 3, " + "9" * 4000 + "]]"),
        ("labels", '{"a": ' + "7" * 5000 + "}"),
        ("detectorParams", '{"score": ' + "7" * 5000 + "}"),
    ],
)
def test_json_python_cannot_read_is_a_clean_bad_param(
    facerouter: tuple[str, Any], part: str, text: str
) -> None:
    url, proc = facerouter
    status, body = post(url, replaced(part, text))
    assert status == 400 and body["code"] == "BAD_PARAM" and body["param"] == part, body
    assert len(json.dumps(body)) < 2000  # the echoed value is cut short
    assert proc.poll() is None


def _raw_exchange(url: str, head: bytes, chunks: Iterator[bytes]) -> bytes:
    """Send `head` and then `chunks` until the server answers; returns what it sent back."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head)
        sock.settimeout(0.05)
        answer = b""
        deadline = time.monotonic() + 30
        for chunk in chunks:
            try:
                sock.sendall(chunk)
            except OSError:  # the server closed the connection after answering
                break
            try:
                answer += sock.recv(65536)
            except TimeoutError:
                pass
            if b"\r\n\r\n" in answer or time.monotonic() > deadline:
                break
        sock.settimeout(10)
        try:
            while data := sock.recv(65536):
                answer += data
        except OSError:
            pass
    return answer


def _json_answer(raw: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1])
    return status, json.loads(body)


def test_a_frame_declared_too_big_is_refused_before_its_body_is_read(
    facerouter: tuple[str, Any],
) -> None:
    url, proc = facerouter
    declared = 300 * 1024 * 1024
    head = (
        f"POST /v0/frame HTTP/1.1\r\nHost: x\r\nContent-Length: {declared}\r\n"
        "Content-Type: multipart/form-data; boundary=B\r\n\r\n"
    ).encode()
    sent = iter([b"x" * 65536] * 64)  # 4 MiB at most: far less than declared
    status, body = _json_answer(_raw_exchange(url, head, sent))
    assert status == 400 and body["code"] == "BAD_PARAM" and body["param"] == "body"
    assert str(LIMIT) in body["reason"]
    assert post(url, good_parts())[0] == 200 and proc.poll() is None


def test_a_chunked_frame_growing_too_big_is_refused(facerouter: tuple[str, Any]) -> None:
    url, proc = facerouter
    head = (
        b"POST /v0/frame HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: multipart/form-data; boundary=B\r\n\r\n"
    )
    chunk = b"10000\r\n" + b"y" * 0x10000 + b"\r\n"
    status, body = _json_answer(_raw_exchange(url, head, iter([chunk] * 200)))  # 13 MiB max
    assert status == 400 and body["param"] == "body"
    assert post(url, good_parts())[0] == 200 and proc.poll() is None
