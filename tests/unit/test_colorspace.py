"""Colour conversions against scikit-image and the published CIEDE2000 test data."""

import numpy as np
import pytest
from skimage import color as skcolor

from palettes.colorspace import (
    chroma,
    ciede2000,
    hsv_to_rgb,
    lab_to_srgb,
    lightness,
    rgb_to_hsv,
    srgb_to_lab,
)

RNG = np.random.default_rng(7)
RANDOM_RGB = RNG.integers(0, 256, size=(2000, 3), dtype=np.uint8)

# Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula": pairs 1, 7, 13, 17, 25, 34.
SHARMA_PAIRS = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0011), 7.2195),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


def test_lab_matches_scikit_image() -> None:
    ours = srgb_to_lab(RANDOM_RGB)
    reference = skcolor.rgb2lab(RANDOM_RGB.reshape(1, -1, 3) / 255.0).reshape(-1, 3)
    np.testing.assert_allclose(ours, reference, atol=0.02)


def test_lightness_is_the_l_of_lab() -> None:
    np.testing.assert_allclose(lightness(RANDOM_RGB), srgb_to_lab(RANDOM_RGB)[:, 0], atol=1e-9)


@pytest.mark.parametrize(("first", "second", "expected"), SHARMA_PAIRS)
def test_ciede2000_published_pairs(first, second, expected) -> None:
    assert ciede2000(np.array(first), np.array(second)) == pytest.approx(expected, abs=1e-4)
    assert ciede2000(np.array(second), np.array(first)) == pytest.approx(expected, abs=1e-4)


def test_ciede2000_matches_scikit_image_and_broadcasts() -> None:
    lab = srgb_to_lab(RANDOM_RGB)
    ours = ciede2000(lab[:1000], lab[1000:])
    np.testing.assert_allclose(ours, skcolor.deltaE_ciede2000(lab[:1000], lab[1000:]), atol=1e-6)
    matrix = ciede2000(lab[:5, None, :], lab[None, :7, :])
    assert matrix.shape == (5, 7)
    np.testing.assert_allclose(matrix[2, 3], ciede2000(lab[2], lab[3]))


def test_lab_round_trip() -> None:
    np.testing.assert_allclose(lab_to_srgb(srgb_to_lab(RANDOM_RGB)), RANDOM_RGB, atol=0.01)


def test_hsv_matches_scikit_image_and_round_trips() -> None:
    ours = rgb_to_hsv(RANDOM_RGB)
    reference = skcolor.rgb2hsv(RANDOM_RGB.reshape(1, -1, 3) / 255.0).reshape(-1, 3)
    np.testing.assert_allclose(ours[:, 1:], reference[:, 1:], atol=1e-9)
    hue_gap = np.abs(ours[:, 0] - reference[:, 0] * 360.0)
    assert np.all(np.minimum(hue_gap, 360.0 - hue_gap) < 1e-6)
    np.testing.assert_allclose(hsv_to_rgb(ours), RANDOM_RGB, atol=1e-6)


def test_grey_has_no_chroma_and_zero_hue() -> None:
    grey = np.array([[128, 128, 128]], dtype=np.uint8)
    assert chroma(srgb_to_lab(grey))[0] == pytest.approx(0.0, abs=1e-3)
    assert rgb_to_hsv(grey)[0].tolist() == pytest.approx([0.0, 0.0, 128 / 255])


def test_ciede2000_edge_hues_match_scikit_image() -> None:
    # Greys (no hue), a grey against a colour, exactly opposite hues, and hues across 0°.
    lab = np.array(
        [
            [50.0, 0.0, 0.0],
            [0.0, 0.0, 0.0],
            [100.0, 0.0, 0.0],
            [50.0, 10.0, 0.0],
            [50.0, -10.0, 0.0],
            [50.0, 0.0, 10.0],
            [50.0, 0.0, -10.0],
            [30.0, 20.0, 20.0],
            [30.0, -20.0, -20.0],
            [40.0, 30.0, -1.0],
            [40.0, 30.0, 1.0],
        ]
    )
    first = np.broadcast_to(lab[:, None, :], (len(lab), len(lab), 3))
    second = np.broadcast_to(lab[None, :, :], (len(lab), len(lab), 3))
    np.testing.assert_allclose(ciede2000(first, second), skcolor.deltaE_ciede2000(first, second), atol=1e-5)
