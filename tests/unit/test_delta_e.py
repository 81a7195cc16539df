"""The pure-Python CIEDE2000 and hex to CIELAB of palettes.delta_e: Sharma's published test data,
and the numpy implementation of palettes.colorspace on random pairs and every kind of edge."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from palettes import colorspace
from palettes.delta_e import ciede2000, hex_to_lab, hex_to_rgb
from palettes.errors import InvalidParameterError

# Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula", Table 1: all 34 pairs.
SHARMA_PAIRS = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, 2.8361, -74.0200), (50.0, 0.0, -82.7485), 3.4412),
    ((50.0, -1.3802, -84.2814), (50.0, 0.0, -82.7485), 1.0000),
    ((50.0, -1.1848, -84.8006), (50.0, 0.0, -82.7485), 1.0000),
    ((50.0, -0.9009, -85.5211), (50.0, 0.0, -82.7485), 1.0000),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, -1.0, 2.0), (50.0, 0.0, 0.0), 2.3669),
    ((50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0009), 7.1792),
    ((50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0010), 7.1792),
    ((50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0011), 7.2195),
    ((50.0, 2.4900, -0.0010), (50.0, -2.4900, 0.0012), 7.2195),
    ((50.0, -0.0010, 2.4900), (50.0, 0.0009, -2.4900), 4.8045),
    ((50.0, -0.0010, 2.4900), (50.0, 0.0010, -2.4900), 4.8045),
    ((50.0, -0.0010, 2.4900), (50.0, 0.0011, -2.4900), 4.7461),
    ((50.0, 2.5, 0.0), (50.0, 0.0, -2.5), 4.3065),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535),
    ((50.0, 2.5, 0.0), (50.0, 3.1736, 0.5854), 1.0000),
    ((50.0, 2.5, 0.0), (50.0, 3.2972, 0.0), 1.0000),
    ((50.0, 2.5, 0.0), (50.0, 1.8634, 0.5757), 1.0000),
    ((50.0, 2.5, 0.0), (50.0, 3.2592, 0.3350), 1.0000),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((61.2901, 3.7196, -5.3901), (61.4292, 2.2480, -4.9620), 1.8731),
    ((35.0831, -44.1164, 3.7933), (35.0232, -40.0716, 1.5901), 1.8645),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((36.4612, 47.8580, 18.3852), (36.2715, 50.5065, 21.2231), 1.4146),
    ((90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
    ((90.9257, -0.5406, -0.9208), (88.6381, -0.8985, -0.7239), 1.5381),
    ((6.7747, -0.2908, -2.4247), (5.8714, -0.0985, -2.2286), 0.6377),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]

lightness = st.floats(0.0, 100.0)
axis = st.floats(-130.0, 130.0)
labs = st.tuples(lightness, axis, axis)
# Near-grey colours, where the a' stretch and the hue are most sensitive, and exact greys.
near_grey = st.tuples(lightness, st.floats(-2.0, 2.0), st.floats(-2.0, 2.0))
exact_grey = st.tuples(lightness, st.just(0.0), st.just(0.0))
any_lab = st.one_of(labs, near_grey, exact_grey)
rgbs = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))


@pytest.mark.parametrize(("first", "second", "expected"), SHARMA_PAIRS)
def test_sharma_pairs(first, second, expected) -> None:
    assert ciede2000(first, second) == pytest.approx(expected, abs=5e-5)
    assert ciede2000(second, first) == pytest.approx(expected, abs=5e-5)


@given(any_lab, any_lab)
def test_matches_numpy_implementation(first, second) -> None:
    # To 1e-5, as colorspace.ciede2000 promises against scikit-image: it takes its angles its own way.
    expected = float(colorspace.ciede2000(np.array(first), np.array(second)))
    assert ciede2000(first, second) == pytest.approx(expected, abs=1e-5)


@given(any_lab, st.tuples(st.floats(-3, 3), st.floats(-3, 3), st.floats(-3, 3)))
def test_matches_numpy_on_close_pairs(first, offset) -> None:
    second = tuple(value + step for value, step in zip(first, offset, strict=True))
    expected = float(colorspace.ciede2000(np.array(first), np.array(second)))
    assert ciede2000(first, second) == pytest.approx(expected, abs=1e-5)


@given(any_lab, any_lab)
def test_symmetric_and_zero_on_equal_colours(first, second) -> None:
    assert ciede2000(first, first) == 0.0
    assert ciede2000(first, second) == pytest.approx(ciede2000(second, first), abs=1e-9)


@given(rgbs, st.booleans(), st.booleans())
def test_hex_to_lab_matches_srgb_to_lab(rgb, hashed, upper) -> None:
    digits = "{:02x}{:02x}{:02x}".format(*rgb)
    text = ("#" if hashed else "") + (digits.upper() if upper else digits)
    assert hex_to_rgb(text) == rgb
    expected = colorspace.srgb_to_lab(np.array(rgb, dtype=np.uint8))
    np.testing.assert_allclose(hex_to_lab(text), expected, atol=1e-9)


@pytest.mark.parametrize(
    "text", ["", "#", "c0392", "c0392b0", "#g0392b", "0xc0392b", "##c0392b", " c0392b", "c0392b "]
)
def test_bad_hex_is_refused_with_a_message(text) -> None:
    with pytest.raises(InvalidParameterError, match="6 hex digits"):
        hex_to_rgb(text)
