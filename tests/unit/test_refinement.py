"""The frame's colours refined after accents and merges: closer to the frame, accents untouched."""

from __future__ import annotations

import numpy as np
import pytest

import palettes
from bench.filmlike import render
from palettes import histogram
from palettes.colorspace import ciede2000, srgb_to_lab
from palettes.loading import load_image
from palettes.refinement import refine_frame_colours


def _reconstruction(jpeg: bytes, palette: palettes.Palette) -> float:
    """Mean CIEDE2000 from each analysed pixel to its nearest palette colour (the benchmark's measure)."""
    pixels = srgb_to_lab(load_image(jpeg).pixels)
    colours = np.array([color.lab for color in palette.colors])
    return float(ciede2000(pixels[:, None, :], colours[None, :, :]).min(axis=1).mean())


@pytest.mark.parametrize(
    ("index", "size", "ceiling"),
    [
        # A graded day whose two accents left the frame's restart with two colours on one mass of
        # pixels: 7.60 before refinement, 7.11 after.
        (1, (1920, 1080), 7.35),
        # A neon street: 3.20 before, 2.89 after.
        (11, (1920, 1080), 3.05),
    ],
)
def test_film_like_stills_whose_frame_colours_settled_badly_are_refined(index, size, ceiling) -> None:
    still = render(0, index, size)
    palette = palettes.extract(still.jpeg, k=6)
    assert _reconstruction(still.jpeg, palette) <= ceiling
    assert any(color.accent for color in palette.colors)


def test_ward_is_left_as_it_is() -> None:
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (3000, 3), dtype=np.uint8)
    bins = histogram.bin_pixels(pixels, "lab")
    labels = np.arange(len(bins.weights)) % 4
    params = palettes.ExtractParams(method="agglomerative", k=6)
    refined, accents = refine_frame_colours(bins, labels, {3}, params, None)
    assert refined is labels
    assert accents == {3}
