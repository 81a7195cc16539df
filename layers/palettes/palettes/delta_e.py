"""CIEDE2000 for one pair of CIELAB colours, and hex to CIELAB, in pure Python (no numpy).

For the read path: the API function must not import numpy, and a colour search compares a handful
of colours per still, where numpy's per-call overhead would cost more than the arithmetic. The
formulas are those of :mod:`palettes.colorspace` (sRGB D65, 2° observer; Sharma, Wu and Dalal's
statement of CIEDE2000 with kL = kC = kH = 1); the tests hold the two to 1e-6 on random pairs and
to Sharma's published test data.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from palettes.errors import InvalidParameterError

Lab = tuple[float, float, float]

# sRGB (IEC 61966-2-1) primaries to CIE XYZ, D65 white: the rows of palettes.colorspace's matrix.
_RGB_TO_XYZ: Final = (
    (0.4124564, 0.3575761, 0.1804375),
    (0.2126729, 0.7151522, 0.0721750),
    (0.0193339, 0.1191920, 0.9503041),
)
_WHITE_D65: Final = (0.95047, 1.0, 1.08883)
_DELTA: Final = 6.0 / 29.0
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")
_25_POW_7: Final = 25.0**7


def _srgb_decode(code: int) -> float:
    encoded = code / 255.0
    return encoded / 12.92 if encoded <= 0.04045 else ((encoded + 0.055) / 1.055) ** 2.4


# The transfer curve once per 8-bit code value, as palettes.colorspace does.
_LINEAR: Final = tuple(_srgb_decode(code) for code in range(256))


def _lab_f(t: float) -> float:
    return math.cbrt(t) if t > _DELTA**3 else t / (3 * _DELTA**2) + 4.0 / 29.0


def rgb_to_lab(rgb: Sequence[int]) -> Lab:
    """sRGB code values 0-255 to CIELAB (D65, 2° observer); L* 0-100."""
    linear = [_LINEAR[code] for code in rgb]
    f = [
        _lab_f(sum(weight * value for weight, value in zip(row, linear, strict=True)) / white)
        for row, white in zip(_RGB_TO_XYZ, _WHITE_D65, strict=True)
    ]
    return (116.0 * f[1] - 16.0, 500.0 * (f[0] - f[1]), 200.0 * (f[1] - f[2]))


def hex_to_rgb(value: str) -> tuple[int, int, int]:
    """``#rrggbb`` or ``rrggbb`` (either case) to its code values; anything else is an
    :class:`InvalidParameterError` saying what was expected."""
    digits = value.removeprefix("#")
    if len(digits) != 6 or not set(digits) <= _HEX_DIGITS:
        raise InvalidParameterError(
            f"expected a colour as 6 hex digits (e.g. c0392b or #c0392b), got {value!r}"
        )
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def hex_to_lab(value: str) -> Lab:
    """``#rrggbb`` or ``rrggbb`` to CIELAB (D65), as :func:`palettes.colorspace.srgb_to_lab`."""
    return rgb_to_lab(hex_to_rgb(value))


def ciede2000(lab1: Sequence[float], lab2: Sequence[float]) -> float:
    """CIEDE2000 colour difference of two CIELAB colours (kL = kC = kH = 1).

    Symmetric, zero for equal colours, and equal to :func:`palettes.colorspace.ciede2000` to 1e-6.
    """
    l1, a1, b1 = float(lab1[0]), float(lab1[1]), float(lab1[2])
    l2, a2, b2 = float(lab2[0]), float(lab2[1]), float(lab2[2])
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) * 0.5
    c7 = c_mean**7
    stretch = 1.5 - 0.5 * math.sqrt(c7 / (c7 + _25_POW_7))  # 1 + G
    a1p, a2p = a1 * stretch, a2 * stretch
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.atan2(b1, a1p) % math.tau if c1p else 0.0
    h2p = math.atan2(b2, a2p) % math.tau if c2p else 0.0
    delta_hp, hue_mean = _hue_difference_and_mean(h1p, h2p, c1p * c2p == 0.0)
    delta_big_h = 2.0 * math.sqrt(c1p * c2p) * math.sin(delta_hp / 2.0)
    cp_mean = (c1p + c2p) * 0.5
    weight_t = (
        1.0
        - 0.17 * math.cos(hue_mean - math.radians(30.0))
        + 0.24 * math.cos(2.0 * hue_mean)
        + 0.32 * math.cos(3.0 * hue_mean + math.radians(6.0))
        - 0.20 * math.cos(4.0 * hue_mean - math.radians(63.0))
    )
    rotation = math.sin(math.radians(60.0) * math.exp(-(((math.degrees(hue_mean) - 275.0) / 25.0) ** 2)))
    cp7 = cp_mean**7
    r_t = -2.0 * math.sqrt(cp7 / (cp7 + _25_POW_7)) * rotation
    l_offset = ((l1 + l2) * 0.5 - 50.0) ** 2
    term_l = (l2 - l1) / (1.0 + 0.015 * l_offset / math.sqrt(20.0 + l_offset))
    term_c = (c2p - c1p) / (1.0 + 0.045 * cp_mean)
    term_h = delta_big_h / (1.0 + 0.015 * cp_mean * weight_t)
    squared = term_l * term_l + term_c * term_c + term_h * term_h + r_t * term_c * term_h
    return math.sqrt(max(squared, 0.0))


def _hue_difference_and_mean(h1: float, h2: float, grey: bool) -> tuple[float, float]:
    """Δh' (radians, in [-π, π]) and the mean hue h̄' (radians) of the standard, from hues in
    [0, 2π): the shorter arc; for a grey colour Δh' = 0 and h̄' is the other's hue."""
    if grey:
        return 0.0, h1 + h2
    delta = h2 - h1
    if delta > math.pi:
        delta -= math.tau
    elif delta < -math.pi:
        delta += math.tau
    total = h1 + h2
    if abs(h1 - h2) <= math.pi:
        return delta, total / 2.0
    return delta, (total + math.tau) / 2.0 if total < math.tau else (total - math.tau) / 2.0
