"""Pixel operations on 8-bit images: bilinear resize and affine warp, area resize, grey, Laplacian.

They replace OpenCV's `resize`, `warpAffine`, `cvtColor` and `Laplacian` with the same
conventions, so the models see what the recipes of face-models.md were measured with: pixel
centres sit at integer coordinates, a bilinear resize maps output x to source
(x + 0.5) * step - 0.5 and repeats the edge pixels, a warp is black outside the source, grey is
ITU-R 601 luma. The bilinear resize is numpy with 8-bit fixed-point weights per axis (1/256
pixel); the warp and the area resize are Pillow's. The bilinear operations are within one grey
level of the exact value. Arrays are H x W x C (C = 3 for colour, BGR or RGB alike) or H x W.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

ImageArray = npt.NDArray[np.uint8]
IndexArray = npt.NDArray[np.intp]
WeightArray = npt.NDArray[np.unsignedinteger[Any]]

_BITS = 8
_ONE = 1 << _BITS
#: BGR weights of ITU-R 601 luma (0.114 B + 0.587 G + 0.299 R) in 14-bit fixed point, as OpenCV.
_GREY_BITS = 14
_GREY_BGR = (np.uint32(1868), np.uint32(9617), np.uint32(4899))


def _taps(
    coords: npt.NDArray[np.floating[Any]], size: int, *, black_outside: bool
) -> tuple[IndexArray, WeightArray, IndexArray, WeightArray]:
    """The two bilinear taps of each coordinate along an axis of `size` pixels: (index, weight)
    of the pixel at or before it and of the next one, weights in 1/256 summing to 256.

    Past the ends the edge pixel repeats, or with `black_outside` the taps off the axis weigh
    nothing (their indices are clamped only so that they can be read).
    """
    low, high = (-1.0, float(size)) if black_outside else (0.0, size - 1.0)
    clamped = np.minimum(np.maximum(coords, low), high)  # np.clip costs more on small arrays
    first = np.floor(clamped).astype(np.intp)
    second_weight = np.rint((clamped - first) * _ONE).astype(np.uint16)
    first_weight = _ONE - second_weight
    second = first + 1
    if black_outside:
        first_weight[(first < 0) | (first >= size)] = 0
        second_weight[second >= size] = 0
    first = np.minimum(np.maximum(first, 0), size - 1)
    return first, first_weight, np.minimum(second, size - 1), second_weight


def _blend(
    a: npt.NDArray[np.integer],
    a_weight: WeightArray,
    b: npt.NDArray[np.integer],
    b_weight: WeightArray,
) -> WeightArray:
    """a * a_weight + b * b_weight, in the fixed point of the weights (uint16 on 8-bit input)."""
    out: WeightArray = np.multiply(a, a_weight)
    out += b * b_weight
    return out


def _narrow(blended: WeightArray) -> ImageArray:
    """Round a value blended along both axes (scaled by 256 * 256) back to 8 bits."""
    np.add(blended, 1 << (2 * _BITS - 1), out=blended)
    np.right_shift(blended, 2 * _BITS, out=blended)
    return blended.astype(np.uint8)


def _per_channel(weight: WeightArray, channels: int) -> npt.NDArray[np.uint32]:
    """Weights repeated for every channel, so that numpy loops run along a long axis."""
    return np.repeat(weight.astype(np.uint32), channels, axis=-1)


def resize_bilinear(
    image: ImageArray,
    width: int,
    height: int,
    *,
    step: tuple[float, float] | None = None,
    black_outside: bool = False,
) -> ImageArray:
    """`image` resampled bilinearly to width x height, as OpenCV's INTER_LINEAR (no smoothing):
    output pixel (x, y) samples the source at ((x + 0.5) * step_x - 0.5, (y + 0.5) * step_y - 0.5).

    `step` defaults to the ratio of the sizes. Samples past the image's edges repeat the edge
    pixels, or with `black_outside` fade into black as if the image were framed by it.
    """
    rows_in, cols_in, channels = _shape(image)
    step_x, step_y = step or (cols_in / width, rows_in / height)
    y0, wy0, y1, wy1 = _taps(
        (np.arange(height) + 0.5) * step_y - 0.5, rows_in, black_outside=black_outside
    )
    x0, wx0, x1, wx1 = _taps(
        (np.arange(width) + 0.5) * step_x - 0.5, cols_in, black_outside=black_outside
    )
    flat = image.reshape(rows_in, cols_in * channels)
    # Rows first (whole-row copies), then the columns of every channel.
    rows = _blend(flat.take(y0, axis=0), wy0[:, None], flat.take(y1, axis=0), wy1[:, None])
    depth = np.arange(channels)
    out = _blend(
        rows.take((x0[:, None] * channels + depth).ravel(), axis=1),
        _per_channel(wx0, channels),
        rows.take((x1[:, None] * channels + depth).ravel(), axis=1),
        _per_channel(wx1, channels),
    )
    return _narrow(out).reshape((height, width, *image.shape[2:]))


def warp_affine(
    image: ImageArray, matrix: npt.NDArray[np.float64], width: int, height: int
) -> ImageArray:
    """The width x height image whose pixel (x, y) is `image` bilinearly sampled (no smoothing)
    where the 2x3 `matrix` (source to output, as OpenCV's warpAffine) maps from; black outside.

    Pillow's affine transform does the sampling, on only the part of the source the output
    sees (on the 112x112 alignment it measured twice as fast as a numpy sampler). Pillow puts
    pixel centres at +0.5, so the map is shifted to OpenCV's convention; it truncates instead
    of rounding (within one grey level), and a sample less than half a pixel outside the image
    repeats the edge pixel where OpenCV fades it into black.
    """
    rows_in, cols_in, _ = _shape(image)
    inverse = np.linalg.inv(np.vstack([matrix, [0.0, 0.0, 1.0]]))[:2]
    corners = inverse @ np.array(
        [[0, width - 1, 0, width - 1], [0, 0, height - 1, height - 1], [1, 1, 1, 1]], np.float64
    )
    left = min(max(int(np.floor(corners[0].min())), 0), cols_in - 1)
    top = min(max(int(np.floor(corners[1].min())), 0), rows_in - 1)
    right = max(min(int(np.floor(corners[0].max())) + 2, cols_in), left + 1)
    bottom = max(min(int(np.floor(corners[1].max())) + 2, rows_in), top + 1)
    seen = Image.fromarray(np.ascontiguousarray(image[top:bottom, left:right]))
    (a, b, c), (d, e, f) = inverse
    c, f = c - left, f - top
    # Pillow maps output (x + 0.5, y + 0.5) to source pixel coordinates offset by +0.5 too.
    data = (a, b, c + 0.5 - 0.5 * (a + b), d, e, f + 0.5 - 0.5 * (d + e))
    warped = seen.transform(
        (width, height), Image.Transform.AFFINE, data, Image.Resampling.BILINEAR, fillcolor=0
    )
    return np.array(warped, dtype=np.uint8).reshape((height, width, *image.shape[2:]))


def resize_area(image: ImageArray, width: int, height: int) -> ImageArray:
    """`image` resized to width x height with Pillow's box filter: each output pixel is the mean
    of the source pixels whose centres it covers. That is OpenCV's INTER_AREA for whole-number
    shrink factors; for fractional ones OpenCV also weighs the pixels cut by the edge."""
    _shape(image)
    resized = Image.fromarray(image).resize((width, height), Image.Resampling.BOX)
    return np.array(resized, dtype=np.uint8)


def grey(bgr: ImageArray) -> ImageArray:
    """The ITU-R 601 luma of a BGR image, rounded as OpenCV's COLOR_BGR2GRAY."""
    luma = bgr[:, :, 0] * _GREY_BGR[0]
    luma += bgr[:, :, 1] * _GREY_BGR[1]
    luma += bgr[:, :, 2] * _GREY_BGR[2]
    luma += 1 << (_GREY_BITS - 1)
    luma >>= _GREY_BITS
    return luma.astype(np.uint8)


def laplacian(plane: npt.NDArray[np.integer]) -> npt.NDArray[np.float64]:
    """The 4-neighbour Laplacian [[0, 1, 0], [1, -4, 1], [0, 1, 0]] of a 2-D 8-bit image (at
    least 2x2), with the borders mirrored without repeating the edge (OpenCV's default
    BORDER_REFLECT_101). Exact: computed in integers."""
    rows, cols = plane.shape
    p = np.empty((rows + 2, cols + 2), dtype=np.int16)
    p[1:-1, 1:-1] = plane
    p[0, 1:-1], p[-1, 1:-1] = plane[1], plane[-2]
    p[:, 0], p[:, -1] = p[:, 2], p[:, -3]
    lap = p[:-2, 1:-1] + p[2:, 1:-1]
    lap += p[1:-1, :-2]
    lap += p[1:-1, 2:]
    lap -= 4 * p[1:-1, 1:-1]
    return lap.astype(np.float64)


def _shape(image: ImageArray) -> tuple[int, int, int]:
    """(rows, columns, channels) of a 2-D or 3-D 8-bit image; refuses anything else."""
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or 0 in image.shape:
        raise ValueError(f"expected a non-empty 8-bit image, got {image.shape} {image.dtype}")
    rows, cols = image.shape[:2]
    return rows, cols, image.shape[2] if image.ndim == 3 else 1
