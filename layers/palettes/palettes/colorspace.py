"""Colour conversions (sRGB, CIELAB D65/2°, HSV) and the CIEDE2000 difference, vectorised with numpy.

Written here rather than imported: scikit-image and colour-science have the same formulas but
would add tens of megabytes and hundreds of milliseconds to the layer's cold start for a few
dozen lines. The tests check these against scikit-image and Sharma's CIEDE2000 test data.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

# sRGB (IEC 61966-2-1) primaries to CIE XYZ, D65 white.
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])
_DELTA = 6.0 / 29.0


def _srgb_decode(encoded: FloatArray) -> FloatArray:
    return np.where(encoded <= 0.04045, encoded / 12.92, ((encoded + 0.055) / 1.055) ** 2.4)


def _srgb_encode(linear: FloatArray) -> FloatArray:
    linear = np.clip(linear, 0.0, 1.0)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)


# Decoding the transfer curve once per 8-bit code value is far cheaper than per pixel.
_LINEAR_LUT = _srgb_decode(np.arange(256, dtype=np.float64) / 255.0)


def srgb_to_linear(rgb: ArrayLike) -> FloatArray:
    """sRGB code values 0-255 (any shape ending in 3) to linear-light RGB 0-1."""
    values = np.asarray(rgb)
    if values.dtype == np.uint8:
        return np.asarray(_LINEAR_LUT[values], dtype=np.float64)
    return _srgb_decode(np.asarray(values, dtype=np.float64) / 255.0)


def _lab_f(t: FloatArray) -> FloatArray:
    return np.where(t > _DELTA**3, np.cbrt(t), t / (3 * _DELTA**2) + 4.0 / 29.0)


def _lab_f_inverse(t: FloatArray) -> FloatArray:
    return np.where(t > _DELTA, t**3, 3 * _DELTA**2 * (t - 4.0 / 29.0))


def srgb_to_lab(rgb: ArrayLike) -> FloatArray:
    """sRGB 0-255 to CIELAB (D65, 2° observer); L* 0-100."""
    xyz = srgb_to_linear(rgb) @ _RGB_TO_XYZ.T
    f = _lab_f(xyz / _WHITE_D65)
    lightness = 116.0 * f[..., 1] - 16.0
    a = 500.0 * (f[..., 0] - f[..., 1])
    b = 200.0 * (f[..., 1] - f[..., 2])
    return np.stack([lightness, a, b], axis=-1)


def lightness(rgb: ArrayLike) -> FloatArray:
    """CIE L* (0-100) of sRGB 0-255 colours: the brightness scale of the library's filters."""
    luminance = srgb_to_linear(rgb) @ _RGB_TO_XYZ[1]
    return 116.0 * _lab_f(luminance) - 16.0


def lab_to_srgb(lab: ArrayLike) -> FloatArray:
    """CIELAB to sRGB 0-255 floats, clipped to the gamut."""
    values = np.asarray(lab, dtype=np.float64)
    fy = (values[..., 0] + 16.0) / 116.0
    f = np.stack([fy + values[..., 1] / 500.0, fy, fy - values[..., 2] / 200.0], axis=-1)
    linear = (_lab_f_inverse(f) * _WHITE_D65) @ _XYZ_TO_RGB.T
    return np.asarray(_srgb_encode(linear) * 255.0, dtype=np.float64)


def rgb_to_hsv(rgb: ArrayLike) -> FloatArray:
    """sRGB 0-255 to HSV with hue in degrees [0, 360) and saturation, value in [0, 1]."""
    values = np.asarray(rgb, dtype=np.float64) / 255.0
    high = values.max(axis=-1)
    low = values.min(axis=-1)
    spread = high - low
    safe = np.where(spread == 0, 1.0, spread)
    red, green, blue = values[..., 0], values[..., 1], values[..., 2]
    hue = np.select(
        [high == red, high == green],
        [((green - blue) / safe) % 6.0, (blue - red) / safe + 2.0],
        (red - green) / safe + 4.0,
    )
    hue = np.where(spread == 0, 0.0, hue * 60.0) % 360.0
    saturation = np.where(high == 0, 0.0, spread / np.where(high == 0, 1.0, high))
    return np.stack([hue, saturation, high], axis=-1)


def hsv_to_rgb(hsv: ArrayLike) -> FloatArray:
    """HSV (hue in degrees, saturation and value 0-1) to sRGB 0-255 floats."""
    values = np.asarray(hsv, dtype=np.float64)
    hue = (values[..., 0] % 360.0) / 60.0
    saturation = np.clip(values[..., 1], 0.0, 1.0)
    value = np.clip(values[..., 2], 0.0, 1.0)
    chroma = value * saturation
    x = chroma * (1 - np.abs(hue % 2 - 1))
    zero = np.zeros_like(chroma)
    sector = np.floor(hue).astype(int) % 6
    choices = [
        (chroma, x, zero),
        (x, chroma, zero),
        (zero, chroma, x),
        (zero, x, chroma),
        (x, zero, chroma),
        (chroma, zero, x),
    ]
    channels = [np.choose(sector, [c[i] for c in choices]) for i in range(3)]
    rgb = np.stack(channels, axis=-1) + (value - chroma)[..., None]
    return np.asarray(rgb * 255.0, dtype=np.float64)


def ciede2000(lab1: ArrayLike, lab2: ArrayLike) -> FloatArray:
    """CIEDE2000 colour difference (kL = kC = kH = 1), broadcasting over leading axes.

    Written for speed (it is most of an accent search): the hue difference comes from the dot and
    cross products of the two colours and the mean hue's cosines from one unit vector, so only one
    arctangent is taken. Sharma's test pairs hold, and scikit-image's values to 1e-5.
    """
    first = np.asarray(lab1, dtype=np.float64)
    second = np.asarray(lab2, dtype=np.float64)
    l1, a1, b1 = first[..., 0], first[..., 1], first[..., 2]
    l2, a2, b2 = second[..., 0], second[..., 1], second[..., 2]
    c7 = _seventh((np.sqrt(a1 * a1 + b1 * b1) + np.sqrt(a2 * a2 + b2 * b2)) * 0.5)
    stretch = 1.5 - 0.5 * np.sqrt(c7 / (c7 + _25_POW_7))  # 1 + G
    a1p, a2p = a1 * stretch, a2 * stretch
    c1p, c2p = np.sqrt(a1p * a1p + b1 * b1), np.sqrt(a2p * a2p + b2 * b2)
    product = c1p * c2p
    # 2 sqrt(C1' C2') sin(dh' / 2), signed as dh' is.
    delta_h = np.copysign(
        np.sqrt(np.maximum(2.0 * (product - a1p * a2p - b1 * b2), 0.0)), a1p * b2 - a2p * b1
    )
    cos_h, sin_h = _mean_hue((a1p, b1, c1p), (a2p, b2, c2p), product)
    c_mean = (c1p + c2p) * 0.5
    hue_degrees = np.degrees(np.arctan2(sin_h, cos_h))
    hue_degrees = np.where(hue_degrees < 0.0, hue_degrees + 360.0, hue_degrees)  # [0, 360); % is slow
    rotation = np.sin(np.radians(60.0) * np.exp(-(((hue_degrees - 275.0) / 25.0) ** 2)))
    cm7 = _seventh(c_mean)
    r_t = -2.0 * np.sqrt(cm7 / (cm7 + _25_POW_7)) * rotation
    l_offset = ((l1 + l2) * 0.5 - 50.0) ** 2
    term_l = (l2 - l1) / (1.0 + 0.015 * l_offset / np.sqrt(20.0 + l_offset))
    term_c = (c2p - c1p) / (1.0 + 0.045 * c_mean)
    term_h = delta_h / (1.0 + 0.015 * c_mean * _hue_weight(cos_h, sin_h))
    return np.asarray(
        np.sqrt(term_l * term_l + term_c * term_c + term_h * term_h + r_t * term_c * term_h), dtype=np.float64
    )


_25_POW_7 = 25.0**7
# Below this chroma a colour counts as grey (no 8-bit colour is this close to grey but not on it).
_TINY = 1e-300
_T_TERMS = tuple((np.cos(np.radians(degrees)), np.sin(np.radians(degrees))) for degrees in (30.0, 6.0, 63.0))


def _seventh(values: FloatArray) -> FloatArray:
    squared = values * values
    return np.asarray(squared * squared * squared * values, dtype=np.float64)


def _mean_hue(
    first: tuple[FloatArray, FloatArray, FloatArray],
    second: tuple[FloatArray, FloatArray, FloatArray],
    product: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Cosine and sine of CIEDE2000's mean hue, from each colour's (a', b*, C'): halfway along the
    shorter arc (the sum of the two unit hue vectors), the chromatic colour's hue when the other is
    grey (a grey colour's a' and b* are 0: it adds nothing to the sum), 0 when both are; for
    opposite hues, the standard's mean of the two angles in [0, 360)."""
    (a1, b1, c1), (a2, b2, c2) = first, second
    inverse1, inverse2 = 1.0 / np.maximum(c1, _TINY), 1.0 / np.maximum(c2, _TINY)
    x, y = a1 * inverse1 + a2 * inverse2, b1 * inverse1 + b2 * inverse2
    length = np.sqrt(x * x + y * y)
    inverse = 1.0 / np.maximum(length, _TINY)
    cos_h, sin_h = x * inverse, y * inverse
    # Rare: both grey, or opposite hues (the unit vectors cancel); fixed one by one.
    degenerate = np.flatnonzero(length < 1e-12)
    if len(degenerate):
        shape = np.broadcast_shapes(np.shape(product), np.shape(cos_h))
        cos_h, sin_h = np.broadcast_to(cos_h, shape).copy(), np.broadcast_to(sin_h, shape).copy()
        grey = np.broadcast_to(product, shape).flat[degenerate] == 0
        hues = [
            np.mod(
                np.arctan2(
                    np.broadcast_to(b, shape).flat[degenerate], np.broadcast_to(a, shape).flat[degenerate]
                ),
                2 * np.pi,
            )
            for a, b in ((a1, b1), (a2, b2))
        ]
        mean = (hues[0] + hues[1]) / 2
        cos_h.flat[degenerate] = np.where(grey, 1.0, np.cos(mean))
        sin_h.flat[degenerate] = np.where(grey, 0.0, np.sin(mean))
    return cos_h, sin_h


def _hue_weight(cos_h: FloatArray, sin_h: FloatArray) -> FloatArray:
    """CIEDE2000's T from the mean hue's cosine and sine, the multiple angles by recurrence."""
    cos2, sin2 = cos_h * cos_h - sin_h * sin_h, 2.0 * sin_h * cos_h
    cos3, sin3 = cos2 * cos_h - sin2 * sin_h, sin2 * cos_h + cos2 * sin_h
    cos4, sin4 = cos2 * cos2 - sin2 * sin2, 2.0 * sin2 * cos2
    (cos30, sin30), (cos6, sin6), (cos63, sin63) = _T_TERMS
    return np.asarray(
        1.0
        - 0.17 * (cos_h * cos30 + sin_h * sin30)
        + 0.24 * cos2
        + 0.32 * (cos3 * cos6 - sin3 * sin6)
        - 0.20 * (cos4 * cos63 + sin4 * sin63),
        dtype=np.float64,
    )


def chroma(lab: ArrayLike) -> FloatArray:
    """CIELAB chroma C*ab: how far a colour is from grey."""
    values = np.asarray(lab, dtype=np.float64)
    return np.asarray(np.hypot(values[..., 1], values[..., 2]), dtype=np.float64)


def lab_to_din99o(lab: ArrayLike) -> FloatArray:
    """CIELAB to DIN99o (DIN 6176), a reshaping of CIELAB whose Euclidean distances follow perceived
    differences far better: chroma and lightness differences are compressed as CIEDE2000 does."""
    values = np.asarray(lab, dtype=np.float64)
    angle = np.radians(26.0)
    lightness_99 = 303.67 * np.log1p(0.0039 * values[..., 0])
    e = values[..., 1] * np.cos(angle) + values[..., 2] * np.sin(angle)
    f = 0.83 * (-values[..., 1] * np.sin(angle) + values[..., 2] * np.cos(angle))
    chroma_99 = np.log1p(0.075 * np.hypot(e, f)) / 0.0435
    hue_99 = np.arctan2(f, e) + angle
    return np.stack([lightness_99, chroma_99 * np.cos(hue_99), chroma_99 * np.sin(hue_99)], axis=-1)
