"""Decoding and validating submitted images into 8-bit BGR arrays, safely.

Accepted formats are JPEG, PNG, WEBP and BMP. The byte size is checked before anything is
parsed and the pixel count is read from the header before anything is decoded, so neither a
huge upload nor a decompression bomb can allocate unbounded memory. EXIF orientation is applied
and reported. Every colour model Pillow hands back (CMYK, 16-bit, palette, grey, alpha) is
converted to 8-bit BGR; alpha is composited over white.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from app.vision._errors import ImageTooLarge, ImageTooSmall, MalformedImage, UnsupportedImage

#: Pillow format names that are accepted.
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "BMP"})

_EXIF_ORIENTATION = 0x0112

BGRImage = npt.NDArray[np.uint8]


@dataclass(frozen=True, eq=False)
class DecodedImage:
    """An upright 8-bit BGR image and the EXIF orientation (1..8) it was stored with."""

    bgr: BGRImage
    orientation: int

    def __repr__(self) -> str:
        h, w = self.bgr.shape[:2]
        return f"DecodedImage({w}x{h}, orientation={self.orientation})"


@dataclass(frozen=True)
class ImageLimits:
    """The size limits a submitted image must respect."""

    max_bytes: int
    max_pixels: int
    min_side: int


def _open(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own bomb guard, hit before our limit only for absurd sizes.
        raise ImageTooLarge(f"image has too many pixels: {exc}", "decompression bomb") from exc
    except UnidentifiedImageError as exc:
        raise MalformedImage("not an image in any known format", f"{len(data)} bytes") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise MalformedImage(f"not a decodable image: {exc}", f"{len(data)} bytes") from exc


def _check_header(img: Image.Image, limits: ImageLimits) -> None:
    fmt = img.format or "unknown"
    if fmt not in ACCEPTED_FORMATS:
        raise UnsupportedImage(
            f"unsupported image format {fmt}; use JPEG, PNG, WEBP or BMP", f"format {fmt}"
        )
    width, height = img.size
    if width * height > limits.max_pixels:
        raise ImageTooLarge(
            f"image has {width}x{height} pixels, more than the limit of {limits.max_pixels}",
            f"{width}x{height}",
        )
    if min(width, height) < limits.min_side:
        raise ImageTooSmall(
            f"image is {width}x{height} pixels; each side must be at least {limits.min_side}",
            f"{width}x{height}",
        )


def _orientation(img: Image.Image) -> int:
    value = img.getexif().get(_EXIF_ORIENTATION, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _to_rgb(img: Image.Image) -> Image.Image:
    """Any Pillow mode to 8-bit RGB: deep grey is rescaled, alpha composited over white."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        deep = np.asarray(img, dtype=np.float64)
        # 16-bit data is always rescaled; 32-bit modes only when they exceed the 8-bit range.
        scale = 257.0 if img.mode.startswith("I;16") or deep.max(initial=0.0) > 255.0 else 1.0
        grey = np.clip(np.rint(deep / scale), 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if img.mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")


def decode_image(data: bytes, limits: ImageLimits) -> DecodedImage:
    """Validate and decode `data`; raises a specific `ImageError` for every kind of bad input."""
    if not data:
        raise MalformedImage("the image is empty (zero bytes)", "0 bytes")
    if len(data) > limits.max_bytes:
        raise ImageTooLarge(
            f"image has {len(data)} bytes, more than the limit of {limits.max_bytes}",
            f"{len(data)} bytes",
        )
    img = _open(data)
    with img:
        _check_header(img, limits)
        try:
            img.load()
            orientation = _orientation(img)
            upright = ImageOps.exif_transpose(img) if orientation != 1 else img
            rgb = _to_rgb(upright)
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise MalformedImage(f"the image data is corrupt or truncated: {exc}") from exc
    bgr = np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8)[:, :, ::-1])
    return DecodedImage(bgr=bgr, orientation=orientation)
