"""The shared wire contract: error table, value rules and the confidence mapping."""

from __future__ import annotations

import math

import pytest

import app.protocol as protocol
from app.protocol import (
    DEFAULT_CONFIDENCE,
    HTTP_STATUS,
    ErrorCode,
    ProtocolError,
    check_gallery_name,
    confidence_from_cosine,
    cosine_from_confidence,
    parse_bool,
    parse_uint64,
)


def test_all_is_sorted_and_complete() -> None:
    assert protocol.__all__ == sorted(protocol.__all__)
    for name in protocol.__all__:
        assert hasattr(protocol, name)


def test_every_code_has_a_status() -> None:
    assert set(HTTP_STATUS) == set(ErrorCode)
    assert HTTP_STATUS[ErrorCode.BAD_PARAM] == 400
    assert HTTP_STATUS[ErrorCode.OVER_CAPACITY] == 429
    assert HTTP_STATUS[ErrorCode.STORAGE_ERROR] == 503


def test_error_body_carries_param_and_value() -> None:
    err = ProtocolError(ErrorCode.BAD_PARAM, "bad", param="threshold", value="1.7")
    assert err.status == 400
    assert err.body() == {
        "code": "BAD_PARAM", "reason": "bad", "param": "threshold", "value": "1.7"
    }
    assert str(err) == "BAD_PARAM: bad"
    assert ProtocolError(ErrorCode.NOT_FOUND, "x").body() == {"code": "NOT_FOUND", "reason": "x"}


@pytest.mark.parametrize("cos", [-1.0, -0.2, 0.0, 0.3, 0.4, 0.45, 0.8, 1.0])
def test_confidence_round_trips(cos: float) -> None:
    assert cosine_from_confidence(confidence_from_cosine(cos)) == pytest.approx(cos, abs=1e-9)


def test_confidence_presets_match_the_report() -> None:
    assert confidence_from_cosine(0.30) == pytest.approx(0.5)
    assert cosine_from_confidence(DEFAULT_CONFIDENCE) == pytest.approx(0.40, abs=0.002)
    assert confidence_from_cosine(0.45) == pytest.approx(0.84, abs=0.01)
    assert cosine_from_confidence(0.0) == -math.inf
    assert cosine_from_confidence(1.0) == math.inf
    with pytest.raises(ValueError):
        cosine_from_confidence(1.5)


def test_confidence_is_monotonic() -> None:
    values = [confidence_from_cosine(c / 100) for c in range(-100, 101)]
    assert values == sorted(values)


@pytest.mark.parametrize("name", ["a", "ffsec_persons", "A-b_9", "x" * 64])
def test_good_gallery_names(name: str) -> None:
    assert check_gallery_name(name) == name


@pytest.mark.parametrize("name", ["", "x" * 65, "../etc", "a b", "a/b", "имя", "a;drop"])
def test_bad_gallery_names(name: str) -> None:
    with pytest.raises(ProtocolError) as info:
        check_gallery_name(name)
    assert info.value.code is ErrorCode.BAD_PARAM
    assert info.value.param == "gallery"


def test_uint64_is_exact_above_2_53() -> None:
    assert parse_uint64("18446744073709551615", "id") == 2**64 - 1
    assert parse_uint64("9007199254740993", "id") == 2**53 + 1
    for bad in ["18446744073709551616", "-1", "1.0", "1e3", "", " 1", "０"]:
        with pytest.raises(ProtocolError) as info:
            parse_uint64(bad, "id")
        assert info.value.param == "id"


def test_bool_spellings() -> None:
    for text in ["1", "yes", "TRUE", "On"]:
        assert parse_bool(text, "facen") is True
    for text in ["0", "no", "False", "off"]:
        assert parse_bool(text, "facen") is False
    with pytest.raises(ProtocolError):
        parse_bool("maybe", "facen")


def test_text_that_is_not_unicode_is_refused_and_made_readable() -> None:
    assert protocol.check_text("Zoë 😀 \x00", "meta.name") == "Zoë 😀 \x00"
    with pytest.raises(ProtocolError) as info:
        protocol.check_text("a\ud800", "meta.name")
    assert (info.value.code, info.value.param) == (ErrorCode.BAD_PARAM, "meta.name")
    assert protocol.readable_text("a\ud800b\udfff") == "a\ufffdb\ufffd"
    assert protocol.readable_text("\ud83d\ude00") == "😀"  # a split pair is its character
    # An error echoing such text still encodes: a 400 must not turn into a 500.
    body = ProtocolError(ErrorCode.BAD_PARAM, "bad \ud800", param="\ud800", value="\udc00").body()
    assert body == {
        "code": "BAD_PARAM",
        "reason": "bad \ufffd",
        "param": "\ufffd",
        "value": "\ufffd",
    }
