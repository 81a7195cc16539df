"""Roles: Android-style target swatches, from inside or outside the palette, absent when none fits."""

import math
from typing import Any

import numpy as np
import pytest

import palettes
from palettes.colorspace import ciede2000, lab_to_srgb, srgb_to_lab
from palettes.extraction import palette_of_pixels
from palettes.model import SourceInfo
from palettes.roles import ROLE_MIN_SHARE, ROLE_TARGETS

SOURCE = SourceInfo(key=None, width=1, height=1, format="test", counted_pixels=0)


def lch(lightness: float, chroma: float, hue: float) -> tuple[int, int, int]:
    angle = math.radians(hue)
    red, green, blue = np.rint(lab_to_srgb([lightness, chroma * math.cos(angle), chroma * math.sin(angle)]))
    return int(red), int(green), int(blue)


def frame(
    parts: list[tuple[tuple[int, int, int], float]], *, size: int = 40_000, noise: float = 2.0
) -> np.ndarray:
    """Pixels in the given colours and shares, with a little noise (a still, not a flat chart)."""
    rng = np.random.default_rng(0)
    pixels = np.concatenate([np.tile(rgb, (round(share * size), 1)) for rgb, share in parts])
    return np.clip(pixels + rng.normal(0, noise, pixels.shape), 0, 255).astype(np.uint8)


def boxing_ring() -> np.ndarray:
    """The issue's dim overhead shot: browns and greys, a dark red (L* 21, C* 38) on 0.6% of the
    frame and a blue on 0.5%."""
    return frame(
        [
            (lch(30, 12, 60), 0.34),
            (lch(45, 15, 70), 0.25),
            (lch(20, 6, 50), 0.2),
            (lch(60, 8, 80), 0.1),
            (lch(70, 4, 90), 0.089),
            (lch(21, 38, 30), 0.006),
            (lch(40, 40, 270), 0.005),
        ]
    )


def roles_of(pixels: np.ndarray) -> dict[str, Any]:
    roles: dict[str, Any] = palette_of_pixels(pixels, palettes.ExtractParams(), SOURCE).to_dict()["roles"]
    return roles


def test_every_role_has_a_target() -> None:
    assert {"dominant", *ROLE_TARGETS} == set(palettes.ROLE_NAMES)


def test_a_small_dark_red_the_palette_lost_is_the_dark_vibrant_role() -> None:
    pixels = boxing_ring()
    palette = palette_of_pixels(pixels, palettes.ExtractParams(accents=False), SOURCE)
    red = srgb_to_lab(np.array(lch(21, 38, 30), dtype=np.uint8))
    palette_lab = np.array([color.lab for color in palette.colors])
    assert ciede2000(palette_lab, red).min() > 10  # plain clustering spent no colour on it
    role = palette.roles.dark_vibrant
    assert role is not None
    assert not role.in_palette
    assert ciede2000(np.array(role.color.lab), red) < 5
    assert role.color.proportion == pytest.approx(0.006, abs=0.002)
    assert role.color.basic == "red"


def test_a_role_from_the_palette_is_its_colour_with_its_proportion() -> None:
    palette = palette_of_pixels(boxing_ring(), palettes.ExtractParams(), SOURCE)
    by_hex = {color.hex: color for color in palette.colors}
    assert palette.roles.dominant.color == palette.colors[0]
    for _, role in palette.roles.items():
        if role is not None and role.in_palette:
            assert by_hex[role.color.hex] == role.color


def test_a_grey_still_has_no_vibrant_roles() -> None:
    roles = roles_of(frame([((40, 40, 40), 0.5), ((128, 128, 128), 0.3), ((200, 200, 200), 0.2)]))
    assert roles["vibrant"] is None
    assert roles["light_vibrant"] is None
    assert roles["dark_vibrant"] is None
    assert roles["dominant"]["hex"] is not None
    assert roles["muted"]["basic"] == "grey"


def test_a_dark_still_gets_roles_beyond_its_blacks() -> None:
    """The issue's night interior: half of the palette near-black, the roles find its colours."""
    pixels = frame(
        [
            ((0, 1, 2), 0.47),
            ((14, 0, 0), 0.18),
            ((6, 29, 13), 0.12),
            (lch(25, 20, 150), 0.1),
            (lch(35, 35, 60), 0.08),
            (lch(60, 45, 70), 0.05),
        ],
        noise=1.0,
    )
    roles = roles_of(pixels)
    assert roles["dominant"]["basic"] == "black"
    others = [role for name, role in roles.items() if role is not None and name != "dominant"]
    assert len(others) >= 3
    assert all(role["lab"][0] >= 6 and role["basic"] != "black" for role in others)


def test_a_colour_on_too_little_of_the_frame_takes_no_role() -> None:
    share = ROLE_MIN_SHARE / 3
    roles = roles_of(frame([((128, 128, 128), 1 - share), (lch(55, 70, 30), share)], noise=0.0))
    assert roles["vibrant"] is None


def test_roles_are_deterministic_and_absent_ones_are_null() -> None:
    pixels = boxing_ring()
    document = palette_of_pixels(pixels, palettes.ExtractParams(), SOURCE).to_dict()
    assert document == palette_of_pixels(pixels.copy(), palettes.ExtractParams(), SOURCE).to_dict()
    assert list(document["roles"]) == list(palettes.ROLE_NAMES)
