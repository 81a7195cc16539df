"""The benchmark's film-like set: deterministic, film-sized, dark where the look is, props where it says,
and downscales at 1/2 and 1/4 down to 480 px wide."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from bench.filmlike import FILM_SIZES, LOOKS, MAX_PROP_SHARE, downscales, generate_film_set, render
from palettes.colorspace import srgb_to_lab


def _decode(jpeg: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG"
        return np.asarray(image.convert("RGB"))


def test_same_arguments_give_the_same_bytes_and_a_smaller_set_is_a_prefix() -> None:
    size = FILM_SIZES[0]
    first = generate_film_set(3, size)
    assert [still.jpeg for still in generate_film_set(2, size)] == [still.jpeg for still in first[:2]]
    assert render(1, 0, size).jpeg != first[0].jpeg
    assert generate_film_set(0, size) == []
    with pytest.raises(ValueError):
        generate_film_set(-1, size)


@pytest.mark.parametrize("size", FILM_SIZES)
def test_stills_are_film_sized_with_small_props(size) -> None:
    for still in generate_film_set(4, size):
        pixels = _decode(still.jpeg)
        assert pixels.shape == (size[1], size[0], 3)
        assert still.look in LOOKS
        assert 1 <= len(still.props) == len(still.prop_shares) <= 3
        assert all(0 < share <= MAX_PROP_SHARE * 1.05 for share in still.prop_shares)
        lab = srgb_to_lab(still.props)
        assert (np.hypot(lab[:, 1], lab[:, 2]) >= 30).all(), "props are saturated"


def test_night_looks_are_dark() -> None:
    for index in range(10):
        still = render(0, index, FILM_SIZES[0])
        median_lightness = float(np.median(srgb_to_lab(_decode(still.jpeg)[::4, ::4])[..., 0]))
        low, high = LOOKS[still.look].median_lightness
        # The vignette, the props and the grain move the median a little from the exposure target.
        assert low - 8 <= median_lightness <= high + 8, still.name


def test_downscales_halve_and_quarter_down_to_480_px() -> None:
    wide = render(0, 0, (1920, 1080))
    assert [(divisor, Image.open(io.BytesIO(jpeg)).size) for divisor, jpeg in downscales(wide.jpeg)] == [
        (2, (960, 540)),
        (4, (480, 270)),
    ]
    narrow = render(0, 0, (1280, 688))
    assert [divisor for divisor, _ in downscales(narrow.jpeg)] == [2]
