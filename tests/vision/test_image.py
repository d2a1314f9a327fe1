"""Image decoding: every accepted colour model becomes 8-bit BGR; every bad input a typed error."""

from __future__ import annotations

import io
import resource
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image
from vision_helpers import encode

from app.protocol import ErrorCode, ProtocolError
from app.vision import (
    FaceEngine,
    ImageError,
    ImageLimits,
    ImageTooLarge,
    ImageTooSmall,
    MalformedImage,
    UnsupportedImage,
    decode_image,
)

LIMITS = ImageLimits(max_bytes=32 << 20, max_pixels=40_000_000, min_side=16)
RED_RGB = (220, 30, 40)


def solid(mode: str = "RGB", size: tuple[int, int] = (64, 48)) -> Image.Image:
    return Image.new("RGB", size, RED_RGB).convert(mode)


def noisy(fmt: str, keep: float = 1.0) -> bytes:
    """A 400x300 noise image in `fmt`, cut to its first `keep` fraction of bytes."""
    pixels = np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    data = encode(Image.fromarray(pixels), fmt)
    return data[: int(len(data) * keep)]


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, valid-looking PNG whose header claims `width` x `height` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = zlib.compress(b"\0" * (width * 3 + 1) * 4)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def assert_red(bgr: np.ndarray, tolerance: int = 12) -> None:
    b, g, r = (int(v) for v in bgr.reshape(-1, 3).mean(axis=0))
    assert abs(r - RED_RGB[0]) <= tolerance
    assert abs(g - RED_RGB[1]) <= tolerance
    assert abs(b - RED_RGB[2]) <= tolerance


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "BMP"])
def test_accepted_formats_decode_to_8bit_bgr(fmt: str) -> None:
    decoded = decode_image(encode(solid(), fmt), LIMITS)
    assert decoded.bgr.shape == (48, 64, 3) and decoded.bgr.dtype == np.uint8
    assert decoded.orientation == 1
    assert_red(decoded.bgr)


def test_cmyk_jpeg_is_converted_to_bgr() -> None:
    data = encode(solid("CMYK"), "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    assert_red(decode_image(data, LIMITS).bgr, tolerance=20)


def test_16bit_grey_png_is_rescaled_to_8bit() -> None:
    values = np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (48, 1))
    decoded = decode_image(encode(Image.fromarray(values), "PNG"), LIMITS)
    expected = np.rint(values / 257).astype(int)
    assert np.abs(decoded.bgr[:, :, 0].astype(int) - expected).max() <= 1
    assert (decoded.bgr[:, :, 0] == decoded.bgr[:, :, 2]).all()


def test_16bit_colour_png_is_reduced_to_8bit() -> None:
    rgb16 = np.zeros((48, 64, 3), dtype=np.uint16)
    rgb16[:] = [v * 257 for v in RED_RGB]
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(rgb16[:, :, ::-1]))
    assert ok
    assert_red(decode_image(buf.tobytes(), LIMITS).bgr, tolerance=1)


@pytest.mark.parametrize("mode", ["P", "L", "LA", "RGBA", "1"])
def test_palette_grey_and_alpha_modes_become_bgr(mode: str) -> None:
    decoded = decode_image(encode(solid(mode), "PNG"), LIMITS)
    assert decoded.bgr.shape == (48, 64, 3) and decoded.bgr.dtype == np.uint8
    if mode in ("P", "RGBA"):
        assert_red(decoded.bgr, tolerance=20)


def test_transparent_pixels_are_composited_over_white() -> None:
    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    decoded = decode_image(encode(image, "PNG"), LIMITS)
    assert (decoded.bgr == 255).all()


@pytest.mark.parametrize("orientation", [1, 3, 6, 8])
def test_exif_orientation_is_applied_and_reported(orientation: int) -> None:
    image = Image.new("RGB", (60, 30), (0, 0, 0))
    image.paste((255, 255, 255), (0, 0, 20, 30))  # white band on the stored image's left
    exif = image.getexif()
    exif[0x0112] = orientation
    decoded = decode_image(encode(image, "JPEG", exif=exif, quality=95), LIMITS)
    assert decoded.orientation == orientation
    upright = decoded.bgr[:, :, 0] > 128
    if orientation in (6, 8):
        assert decoded.bgr.shape[:2] == (60, 30)  # width and height swapped
        band = upright[:20].mean() > 0.9 if orientation == 6 else upright[-20:].mean() > 0.9
    else:
        band = upright[:, :20].mean() > 0.9 if orientation == 1 else upright[:, -20:].mean() > 0.9
    assert band


@pytest.mark.parametrize(
    ("name", "data", "error", "code"),
    [
        ("not an image", b"this is plain text, not an image", MalformedImage, "MALFORMED_REQUEST"),
        ("zero bytes", b"", MalformedImage, "MALFORMED_REQUEST"),
        ("truncated header", encode(solid(), "JPEG")[:300], MalformedImage, "MALFORMED_REQUEST"),
        (
            "truncated jpeg",
            noisy("JPEG", 2 / 3),
            MalformedImage,
            "MALFORMED_REQUEST",
        ),
        (
            "truncated png",
            noisy("PNG", 1 / 2),
            MalformedImage,
            "MALFORMED_REQUEST",
        ),
        ("gif", encode(solid(), "GIF"), UnsupportedImage, "BAD_PARAM"),
        ("tiff", encode(solid(), "TIFF"), UnsupportedImage, "BAD_PARAM"),
        ("1x1", encode(solid(size=(1, 1)), "PNG"), ImageTooSmall, "BAD_PARAM"),
        ("20000x20000", png_claiming(20000, 20000), ImageTooLarge, "BAD_PARAM"),
        ("bomb", png_claiming(200_000, 200_000), ImageTooLarge, "BAD_PARAM"),
        ("9000x9000", png_claiming(9000, 9000), ImageTooLarge, "BAD_PARAM"),
    ],
)
def test_bad_inputs_give_their_specific_typed_error(
    name: str, data: bytes, error: type[ImageError], code: str
) -> None:
    with pytest.raises(error) as caught:
        decode_image(data, LIMITS)
    exc = caught.value
    assert isinstance(exc, ProtocolError) and exc.code == ErrorCode(code)
    assert exc.param == "image" and exc.reason
    assert exc.status == 400
    if code == "BAD_PARAM":
        assert exc.value  # describes the format or the size


def test_the_pixel_and_byte_limits_are_configurable() -> None:
    data = encode(solid(size=(200, 100)), "PNG")
    with pytest.raises(ImageTooLarge) as caught:
        decode_image(data, ImageLimits(max_bytes=1 << 20, max_pixels=10_000, min_side=1))
    assert caught.value.value == "200x100"
    with pytest.raises(ImageTooLarge) as caught:
        decode_image(data, ImageLimits(max_bytes=100, max_pixels=10**6, min_side=1))
    assert caught.value.value == f"{len(data)} bytes"
    with pytest.raises(ImageTooSmall):
        decode_image(data, ImageLimits(max_bytes=1 << 20, max_pixels=10**6, min_side=101))


def test_a_decompression_bomb_is_refused_without_a_memory_spike() -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for size in (20000, 60000, 9000):
        with pytest.raises(ImageTooLarge):
            decode_image(png_claiming(size, size), LIMITS)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 100 * 1024  # decoding 20000x20000 RGB would need 1.2 GB


def test_the_engine_raises_the_same_typed_errors(engine: FaceEngine) -> None:
    with pytest.raises(UnsupportedImage):
        engine.detect(encode(solid(), "GIF"))
    with pytest.raises(MalformedImage):
        engine.detect(b"")
