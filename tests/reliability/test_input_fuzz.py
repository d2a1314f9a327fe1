"""Hypothesis fuzz of what the schema cannot describe: image bytes and filter query strings.

Image bodies: random bytes, a real JPEG with random bytes overwritten, real JPEG/PNG files
truncated anywhere, and well-formed PNG/JPEG headers declaring huge sizes (decompression bombs),
under every accepted Content-Type. Filters: the listing/search query keys (`meta:<op>:<field>`,
`id:*`, `looks_like`, `threshold`, `page`, `limit`, `sort`) with hostile values. Every answer
must be a success or a well-formed 4xx error (the documented 429 allowed), over real HTTP to a
real server. `SFDESK_FUZZ_EXAMPLES` scales the examples (CI default 25).
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from api_checks import error_body_problem
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from server_harness import Http, ServerProcess

EXAMPLES = int(os.environ.get("SFDESK_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
IMAGE_TYPES = ["image/jpeg", "image/jpg", "image/png", "image/webp", "image/bmp"]
GALLERY = "fuzzed"


def check_answer(status: int, body: bytes, ok: set[int]) -> None:
    """A success status of `ok`, or a well-formed protocol error that is not a server fault."""
    if status in ok:
        return
    problem = error_body_problem(status, body)
    assert problem is None, problem
    assert status < 500, body


@pytest.fixture(scope="module")
def photo(faces_dir: Path) -> bytes:
    return (faces_dir / "face_recognition" / "obama1.jpg").read_bytes()


@pytest.fixture(scope="module")
def png(photo: bytes) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(photo)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def http(shared_server: ServerProcess, photo: bytes) -> Http:
    """The shared server with gallery `fuzzed` holding a few faces of one detection."""
    client = shared_server.http()
    assert client.post(f"/v2/galleries/{GALLERY}").status == 200
    det = client.post("/v2/detect", params={"facen": "on"}, body=photo, content_type="image/jpeg")
    ref = f"detection:{det.json['faces'][0]['id']}"
    for face_id, name in ((1, "a,b"), (2, "ü"), (2**64 - 1, "")):
        meta = {"person_id": face_id % 1000, "name": name, "tags": ["x", name]}
        reply = client.post(
            f"/v2/galleries/{GALLERY}/faces/{face_id}", json_body={"from": ref, "meta": meta}
        )
        assert reply.status == 200, reply.body
    return client


def png_header(width: int, height: int) -> bytes:
    """A PNG signature and IHDR chunk declaring width x height, then a tiny IDAT and IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def jpeg_with_size(photo: bytes, width: int, height: int) -> bytes:
    """The photo with its SOF0/SOF2 frame header rewritten to declare width x height."""
    data = bytearray(photo)
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = data.find(marker)
        if at >= 0:
            data[at + 5 : at + 9] = struct.pack(">HH", height, width)
            return bytes(data)
    raise AssertionError("no SOF marker in the photo")


sides = st.integers(min_value=0, max_value=65535)


@st.composite
def image_bodies(draw: st.DrawFn, photo: bytes, png: bytes) -> bytes:
    kind = draw(st.sampled_from(["random", "mutated", "truncated", "png-bomb", "jpeg-bomb"]))
    if kind == "random":
        return draw(st.binary(max_size=4096))
    if kind == "mutated":
        data = bytearray(photo)
        for _ in range(draw(st.integers(1, 20))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if kind == "truncated":
        source = draw(st.sampled_from([photo, png]))
        return source[: draw(st.integers(0, len(source) - 1))]
    if kind == "png-bomb":
        return png_header(draw(sides), draw(sides))
    return jpeg_with_size(photo, draw(sides), draw(sides))


def test_hostile_image_bodies(http: Http, photo: bytes, png: bytes) -> None:
    @FUZZ
    @given(
        body=image_bodies(photo, png),
        content_type=st.sampled_from(IMAGE_TYPES),
        facen=st.booleans(),
    )
    def run(body: bytes, content_type: str, facen: bool) -> None:
        params = {"facen": "on"} if facen else {}
        reply = http.post("/v2/detect", params=params, body=body, content_type=content_type)
        check_answer(reply.status, reply.body, {200})
        if reply.status == 200:
            assert isinstance(reply.json["faces"], list)

    run()


text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
values = st.one_of(
    text,
    numbers,
    st.lists(numbers, min_size=1, max_size=4).map(",".join),
    st.sampled_from(
        [
            "",
            "faces/fuzzed/1",
            f"faces/fuzzed/{2**64}",
            "faces/../etc/1",
            "detection:",
            "detection:' OR 1=1 --",
            "eyJ2IjogMX0",
            "-id",
            "-confidence",
            "1e400",
        ]
    ),
)
fields = st.one_of(
    st.sampled_from(["person_id", "name", "tags", "cam_id", "timestamp", "nope"]), text
)
filter_keys = st.one_of(
    st.builds(
        "meta:{}:{}".format, st.sampled_from(["gte", "lte", "in", "subset", "eq", ""]), fields
    ),
    st.sampled_from(
        ["id:gte", "id:lte", "id:in", "looks_like", "threshold", "page", "limit", "sort"]
    ),
    text,
)


def test_hostile_filter_strings(http: Http) -> None:
    @FUZZ
    @given(params=st.lists(st.tuples(filter_keys, values), max_size=6))
    def run(params: list[tuple[str, Any]]) -> None:
        reply = http.get(f"/v2/galleries/{GALLERY}/faces", params=params)
        check_answer(reply.status, reply.body, {200})
        if reply.status == 200:
            assert {f["id"]["gallery"] for f in reply.json["faces"]} <= {GALLERY}

    run()
    listed = http.get(f"/v2/galleries/{GALLERY}/faces").json["faces"]
    assert len(listed) == 3  # reading never changed the gallery
