"""The numpy pixel operations checked against analytic answers (never against OpenCV's output)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.vision._raster import grey, laplacian, resize_area, resize_bilinear, warp_affine


def ramp(height: int, width: int, a: float, b: float, c: float) -> np.ndarray:
    """The 3-channel image a*x + b*y + c (the same in every channel), x and y pixel centres."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    plane = np.clip(np.rint(a * xs + b * ys + c), 0, 255).astype(np.uint8)
    return np.repeat(plane[:, :, None], 3, axis=2)


def checkerboard(height: int, width: int, cell: int) -> np.ndarray:
    ys, xs = np.mgrid[0:height, 0:width]
    plane = np.where((ys // cell + xs // cell) % 2 == 0, 230, 20).astype(np.uint8)
    return np.stack([plane, plane // 2, 255 - plane], axis=2)


def similarity(angle_deg: float, scale: float, shift: tuple[float, float]) -> np.ndarray:
    """The 2x3 forward map (source to output) of a rotation, uniform scale and shift."""
    t = math.radians(angle_deg)
    c, s = scale * math.cos(t), scale * math.sin(t)
    return np.array([[c, -s, shift[0]], [s, c, shift[1]]])


# ------------------------------------------------------------------ affine warp


def test_identity_warp_is_the_identity() -> None:
    image = checkerboard(37, 53, 5)
    out = warp_affine(image, np.array([[1.0, 0, 0], [0, 1.0, 0]]), 53, 37)
    np.testing.assert_array_equal(out, image)


@pytest.mark.parametrize(
    ("angle", "scale", "shift"),
    [(0.0, 1.0, (7.25, -3.5)), (17.0, 0.9, (20.0, 5.0)), (-30.0, 1.3, (-10.0, 40.0))],
)
def test_warp_of_a_linear_ramp_equals_the_analytic_answer(
    angle: float, scale: float, shift: tuple[float, float]
) -> None:
    # Bilinear sampling reproduces a linear function exactly, so every output pixel must equal
    # the ramp at the source point the map sends it back to, with pixel centres at integer
    # coordinates. A half-pixel slip on both axes would be off by 2 grey levels.
    a, b, c = 3.0, 1.0, 5.0
    image = ramp(70, 60, a, b, c)
    matrix = similarity(angle, scale, shift)
    out = warp_affine(image, matrix, 90, 80).astype(np.float64)
    inverse = np.linalg.inv(np.vstack([matrix, [0, 0, 1]]))
    ys, xs = np.mgrid[0:80, 0:90].astype(np.float64)
    sx = inverse[0, 0] * xs + inverse[0, 1] * ys + inverse[0, 2]
    sy = inverse[1, 0] * xs + inverse[1, 1] * ys + inverse[1, 2]
    inside = (sx >= 1) & (sx <= 58) & (sy >= 1) & (sy <= 68)
    assert inside.sum() > 1000
    expected = a * sx + b * sy + c
    assert np.abs(out[inside][:, 0] - expected[inside]).max() <= 1.0
    assert (out[:, :, 0] == out[:, :, 2]).all()
    # Farther than a pixel outside the source the output is black.
    outside = (sx < -1) | (sx > 60) | (sy < -1) | (sy > 70)
    assert outside.any() and out[outside].max() == 0


def test_a_quarter_turn_about_the_centre_pixel_moves_whole_pixels() -> None:
    image = checkerboard(41, 41, 4)
    image[3, 30] = (255, 255, 255)  # breaks the board's symmetry
    # Counter-clockwise on screen (y down) about the centre pixel (20, 20): (x, y) -> (y, 40 - x).
    matrix = np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, 40.0]])
    np.testing.assert_array_equal(warp_affine(image, matrix, 41, 41), np.rot90(image))


def test_an_integer_shift_moves_pixels_exactly_and_lets_black_in() -> None:
    image = checkerboard(30, 40, 3)
    out = warp_affine(image, np.array([[1.0, 0, 5], [0, 1.0, -2]]), 40, 30)
    np.testing.assert_array_equal(out[:28, 5:], image[2:, :35])
    assert out[:, :5].max() == 0 and out[28:].max() == 0


def test_a_half_pixel_shift_averages_neighbours_and_is_black_past_the_last_pixel() -> None:
    image = np.full((10, 10, 3), 200, dtype=np.uint8)
    image[:, 1::2] = 100
    out = warp_affine(image, np.array([[1.0, 0, -0.5], [0, 1.0, 0]]), 10, 10).astype(int)
    # Output x samples source x + 0.5: the mean of two columns; the last output pixel samples
    # half a pixel past the last column, which is outside the image.
    assert (out[:, :9] == 150).all()
    assert (out[:, 9] == 0).all()


def test_a_shrinking_warp_samples_without_smoothing() -> None:
    # One-pixel checks, shrunk four times so that every output pixel lands on a source pixel
    # centre of the same colour: sampling keeps it, any smoothing would turn it grey.
    image = checkerboard(64, 64, 1)
    out = warp_affine(image, np.array([[0.25, 0, 0], [0, 0.25, 0]]), 16, 16)
    assert (out == image[0, 0]).all()


def test_a_warp_entirely_off_the_image_is_black() -> None:
    image = checkerboard(20, 20, 2)
    assert warp_affine(image, np.array([[1.0, 0, -500], [0, 1.0, 0]]), 16, 16).max() == 0
    assert warp_affine(image, np.array([[1.0, 0, 500], [0, 1.0, 300]]), 16, 16).max() == 0


# ------------------------------------------------------------------ resize


@pytest.mark.parametrize("size", [(1, 1), (7, 3), (64, 64), (224, 224), (300, 20)])
def test_resizing_a_constant_image_keeps_it_constant(size: tuple[int, int]) -> None:
    image = np.full((45, 61, 3), (13, 140, 250), dtype=np.uint8)
    for resized in (resize_bilinear(image, *size), resize_area(image, *size)):
        assert resized.shape == (size[1], size[0], 3)
        assert (resized == np.array([13, 140, 250], dtype=np.uint8)).all()


def test_bilinear_upscale_samples_at_pixel_centres_and_repeats_the_edges() -> None:
    image = ramp(6, 20, 8.0, 0.0, 40.0)  # 40, 48, ..., 192 along x
    out = resize_bilinear(image, 40, 12)[:, :, 0].astype(float)
    # Output x samples (x + 0.5) / 2 - 0.5; before source 0 and after source 19 the edge repeats.
    src = np.clip((np.arange(40) + 0.5) / 2 - 0.5, 0, 19)
    assert np.abs(out - (8.0 * src + 40.0)).max() <= 1.0
    assert (out == out[0]).all()  # constant down each column


def test_bilinear_halving_is_the_mean_of_each_two_by_two_block() -> None:
    image = np.random.default_rng(3).integers(0, 256, (40, 60, 3), dtype=np.uint8)
    out = resize_bilinear(image, 30, 20).astype(float)
    blocks = image.reshape(20, 2, 30, 2, 3).mean(axis=(1, 3))
    assert np.abs(out - blocks).max() <= 1.0


def test_bilinear_resize_with_black_outside_fades_into_black_at_every_edge() -> None:
    image = np.full((4, 4, 3), 200, dtype=np.uint8)
    out = resize_bilinear(image, 8, 8, black_outside=True)[:, :, 0].astype(int)
    # The outer output pixels sample a quarter pixel outside the image: 3/4 of 200.
    assert out[3, 0] == out[3, 7] == out[0, 3] == out[7, 3] == 150
    assert out[0, 0] == 113  # 3/4 * 3/4 * 200 = 112.5
    assert (out[1:7, 1:7] == 200).all()


def test_area_resize_by_an_integer_factor_averages_each_block() -> None:
    image = np.random.default_rng(4).integers(0, 256, (30, 45, 3), dtype=np.uint8)
    out = resize_area(image, 15, 10).astype(float)
    blocks = image.reshape(10, 3, 15, 3, 3).mean(axis=(1, 3))
    assert np.abs(out - blocks).max() <= 1.0


@pytest.mark.parametrize("bad", [np.zeros((0, 5, 3), np.uint8), np.zeros((5, 5, 3), np.float32)])
def test_resampling_refuses_empty_or_non_8bit_images(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="8-bit image"):
        resize_bilinear(bad, 4, 4)
    with pytest.raises(ValueError, match="8-bit image"):
        warp_affine(bad, np.array([[1.0, 0, 0], [0, 1.0, 0]]), 4, 4)


# ------------------------------------------------------------------ grey and Laplacian


def test_grey_of_pure_blue_green_and_red_gives_the_601_weights() -> None:
    bgr = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]]], dtype=np.uint8)
    assert grey(bgr)[0].tolist() == [
        round(0.114 * 255),
        round(0.587 * 255),
        round(0.299 * 255),
        255,
    ]


def test_grey_of_a_grey_pixel_is_its_value() -> None:
    values = np.arange(256, dtype=np.uint8)
    bgr = np.repeat(values[None, :, None], 3, axis=2)
    np.testing.assert_array_equal(grey(bgr)[0], values)


def test_laplacian_of_a_linear_ramp_is_zero_inside() -> None:
    plane = ramp(20, 30, 3.0, 2.0, 5.0)[:, :, 0]
    lap = laplacian(plane)
    assert lap.dtype == np.float64 and lap.shape == plane.shape
    assert (lap[1:-1, 1:-1] == 0).all()
    # The borders mirror without repeating the edge (reflect-101): at x = 0 the missing left
    # neighbour is the pixel at x = 1, so the ramp's slope shows up twice.
    assert (lap[1:-1, 0] == 2 * 3.0).all()


def test_laplacian_of_a_parabola_is_its_constant_second_derivative() -> None:
    xs = np.arange(12, dtype=np.uint8)
    plane = np.tile(xs**2, (8, 1))
    assert (laplacian(plane)[:, 1:-1] == 2.0).all()
