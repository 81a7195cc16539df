"""Hypothesis: a still and its 1/2 and 1/4 downscales (down to 480 px wide) give the same accents, and
a colour flagged as an accent covers at most 5% of the frame at every size."""

from __future__ import annotations

import io

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

import palettes
from bench.filmlike import downscales
from palettes.accents import ACCENT_MAX_SHARE
from palettes.colorspace import ciede2000, lab_to_srgb, srgb_to_lab
from tests.unit.accent_pairs import same_accents

SIZES = ((1280, 688), (1920, 1080))


def _prop_colour(lightness: float, hue: float, avoid: list[np.ndarray]) -> np.ndarray:
    """The first of a fixed walk of hues and chromas from `hue` whose 8-bit colour is saturated
    (C* >= 40) and at least CIEDE2000 25 from every colour of `avoid`."""
    for step in range(24):
        angle = np.radians(hue + 47.0 * step)
        chroma = 80.0 - 5.0 * (step % 6)
        rgb = np.rint(lab_to_srgb([lightness, chroma * np.cos(angle), chroma * np.sin(angle)])).astype(
            np.uint8
        )
        lab = srgb_to_lab(rgb)
        if np.hypot(lab[1], lab[2]) >= 40 and all(ciede2000(colours, lab).min() >= 25 for colours in avoid):
            return np.asarray(rgb)
    return np.array([255, 0, 255], dtype=np.uint8)  # magenta: far from any muted grade


@st.composite
def frames_with_props(draw: st.DrawFn, min_share: float = 0.006, max_share: float = 0.02) -> bytes:
    """A graded, grainy frame (dark or mid-key, muted, lightness falling across it) with one or two
    saturated props of `min_share` to `max_share` of the frame each, far from the grade: a JPEG."""
    width, height = draw(st.sampled_from(SIZES))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    key = draw(st.floats(12, 55))
    grade_hue = draw(st.floats(0, 360))
    y, x = np.mgrid[0:height, 0:width]
    lightness = key * (0.5 + x / width) * (1.1 - 0.3 * y / height)
    tint = draw(st.floats(4, 18)) * (0.6 + 0.4 * np.cos(np.radians(grade_hue) + 2 * y / height))
    angle = np.radians(grade_hue) + x / width
    lab = np.stack([lightness, tint * np.cos(angle), tint * np.sin(angle)], axis=-1)
    background = np.clip(lab_to_srgb(lab) + rng.normal(0, 3, (height, width, 1)), 0, 255)
    sample = srgb_to_lab(np.rint(background[::8, ::8]).astype(np.uint8)).reshape(-1, 3)
    canvas = Image.fromarray(np.rint(background).astype(np.uint8))
    painter = ImageDraw.Draw(canvas)
    chosen: list[np.ndarray] = []
    for _ in range(draw(st.integers(1, 2))):
        rgb = _prop_colour(draw(st.floats(20, 70)), draw(st.floats(0, 360)), [sample, *chosen])
        chosen.append(srgb_to_lab(rgb)[None, :])
        side = (draw(st.floats(min_share, max_share)) * width * height) ** 0.5
        left = draw(st.floats(0.05, 0.9)) * (width - side)
        top = draw(st.floats(0.05, 0.9)) * (height - side)
        box = (left, top, left + side, top + side)
        shape = painter.ellipse if draw(st.booleans()) else painter.rectangle
        shape(box, fill=(int(rgb[0]), int(rgb[1]), int(rgb[2])))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _accents(jpeg: bytes) -> list[palettes.PaletteColor]:
    return [color for color in palettes.extract(jpeg, k=6).colors if color.accent]


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(still=frames_with_props())
def test_downscales_give_the_same_accents(still: bytes) -> None:
    full = _accents(still)
    assert full, "each prop is a clear accent"
    for divisor, copy in downscales(still):
        assert same_accents(full, _accents(copy)), f"1/{divisor}"


@settings(max_examples=10, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(still=frames_with_props(min_share=0.02, max_share=0.12))
def test_an_accent_covers_at_most_five_percent_at_every_size(still: bytes) -> None:
    for copy in (still, *(jpeg for _, jpeg in downscales(still))):
        for color in palettes.extract(copy, k=6).colors:
            assert not color.accent or color.proportion <= ACCENT_MAX_SHARE
