"""The frame POST's wire format: what the worker encodes is what the facerouter decodes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from fr_fakes import good_parts

from app.facerouter._wire import RawPart, decode_frame, encode_multipart
from app.protocol import ErrorCode, ProtocolError


def test_decoded_params_have_the_documented_types() -> None:
    params = decode_frame(good_parts())
    assert params.photo == b"\xff\xd8jpeg-bytes"
    assert params.face0 == params.normalized == b"\x89PNG-bytes"
    assert params.bbox == [[812, 140, 955, 283]]
    assert tuple(params.face_bbox) == (812, 140, 955, 283)
    assert params.cam_id == "gate-2"
    assert params.timestamp == datetime(2024, 6, 10, 8, 13, 20, 512000, tzinfo=UTC)
    assert params.detectorParams == {"score": 0.97, "track": {"id": 77}}
    assert params.bs_type == "overall"
    assert params.labels == {"site": "hq", "zone": "entrance"}


def test_optional_parts_have_defaults_and_aliases_and_lenient_forms_are_read() -> None:
    parts = [
        RawPart("normalized", b"png", "n.png", "image/png"),
        RawPart("bbox", b"[1, 2, 3, 4]"),
        RawPart("cam_id", b"cam"),
        RawPart("timestamp", b"2024-06-10T08:13:20"),
        RawPart("unknown_extra", b"ignored"),
    ]
    params = decode_frame(parts)
    assert params.face0 == b"png" and params.photo is None
    assert params.bbox == [[1, 2, 3, 4]]
    assert params.timestamp.tzinfo is not None and params.timestamp.utcoffset() == timedelta(0)
    assert (params.detectorParams, params.labels, params.bs_type) == ({}, {}, "overall")


def test_offsets_are_kept() -> None:
    parts = good_parts(timestamp=datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=3))))
    assert decode_frame(parts).timestamp.utcoffset() == timedelta(hours=3)


def test_multipart_encoding_is_the_documented_one() -> None:
    content_type, body = encode_multipart(good_parts(), boundary="XyZ")
    assert content_type == "multipart/form-data; boundary=XyZ"
    text = body.decode("latin-1")
    assert text.startswith(
        '--XyZ\r\nContent-Disposition: form-data; name="photo"; filename="frame.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n\xff\xd8jpeg-bytes\r\n"
    )
    assert (
        '--XyZ\r\nContent-Disposition: form-data; name="face0"; filename="face0.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ) in text
    assert (
        '--XyZ\r\nContent-Disposition: form-data; name="bbox"\r\n\r\n[[812, 140, 955, 283]]' in text
    )
    assert "2024-06-10T08:13:20.512+00:00" in text
    assert text.endswith("--XyZ--\r\n")


def _without(name: str) -> list[RawPart]:
    return [p for p in good_parts() if p.name != name]


def _with(name: str, data: bytes, filename: str | None = None) -> list[RawPart]:
    return [p for p in good_parts() if p.name != name] + [RawPart(name, data, filename)]


#: (parts, param named in the error) of frames that must be refused.
MALFORMED = {
    "no cam_id": (_without("cam_id"), "cam_id"),
    "empty cam_id": (_with("cam_id", b"  "), "cam_id"),
    "no timestamp": (_without("timestamp"), "timestamp"),
    "bad timestamp": (_with("timestamp", b"yesterday"), "timestamp"),
    "no bbox": (_without("bbox"), "bbox"),
    "bbox not json": (_with("bbox", b"[[1,2,3"), "bbox"),
    "bbox floats": (_with("bbox", b"[[1.5, 2, 3, 4]]"), "bbox"),
    "bbox three numbers": (_with("bbox", b"[[1, 2, 3]]"), "bbox"),
    "bbox inverted": (_with("bbox", b"[[10, 10, 5, 20]]"), "bbox"),
    "bbox empty": (_with("bbox", b"[]"), "bbox"),
    "bbox object": (_with("bbox", b'{"left": 1}'), "bbox"),
    "no image": ([p for p in good_parts() if p.name not in ("photo", "face0")], "face0"),
    "empty face0": (_with("face0", b"", "f.png"), "face0"),
    "bad bs_type": (_with("bs_type", b"sometimes"), "bs_type"),
    "labels not object": (_with("labels", b'["a"]'), "labels"),
    "labels not strings": (_with("labels", b'{"a": 1}'), "labels"),
    "detectorParams not object": (_with("detectorParams", b"7"), "detectorParams"),
    "cam_id as file": (_with("cam_id", b"cam", "cam.txt"), "cam_id"),
    "not utf-8": (_with("cam_id", b"\xff\xfe"), "cam_id"),
    "repeated part": (good_parts() + [RawPart("cam_id", b"again")], "cam_id"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_frames_are_bad_param_naming_the_part(case: str) -> None:
    parts, param = MALFORMED[case]
    with pytest.raises(ProtocolError) as info:
        decode_frame(parts)
    assert info.value.code == ErrorCode.BAD_PARAM
    assert info.value.param == param
    assert info.value.status == 400
    assert json.dumps(info.value.body())  # serializable as the 400 body


def test_package_all_is_sorted_and_complete() -> None:
    import app.facerouter

    names = app.facerouter.__all__
    assert names == sorted(names)
    assert all(hasattr(app.facerouter, name) for name in names)
