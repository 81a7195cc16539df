"""Accents that do not depend on the still's size: the issue's dim boxing ring (a dark red rope and a
blue mat) at 1280 px and at 640x344, the benchmark's boxing ring at 1/2 and 1/4 size, and the sample
stills that are large enough to be downscaled."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

import palettes
from bench.filmlike import downscales, render
from palettes.colorspace import chroma, lab_to_srgb
from tests.unit.accent_pairs import same_accents

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "stills"


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _dim_ring(width: int = 1280, height: int = 688) -> Image.Image:
    """A dim, overhead, brown frame with a dark red rope (L* 21, C* 38, about 0.6% of the frame) and a
    blue mat (about 0.5%), like the still in the issue."""
    rng = np.random.default_rng(10)
    y, x = np.mgrid[0:height, 0:width]
    pool = np.exp(-(((x - width / 2) / (0.35 * width)) ** 2 + ((y - height / 2) / (0.35 * height)) ** 2))
    lab = np.stack([8 + 27 * pool, 6 + 6 * pool, 9 + 10 * pool], axis=-1)
    pixels = np.clip(lab_to_srgb(lab) + rng.normal(0, 3, (height, width, 1)), 0, 255).astype(np.uint8)
    frame = Image.fromarray(pixels)
    painter = ImageDraw.Draw(frame)
    red = tuple(int(v) for v in np.rint(lab_to_srgb([21.0, 34.0, 17.0])))
    blue = tuple(int(v) for v in np.rint(lab_to_srgb([30.0, 8.0, -38.0])))
    rope = max(2, round(width / 200))
    painter.line([(0.2 * width, 0.3 * height), (0.8 * width, 0.33 * height)], fill=red, width=rope)
    painter.line([(0.22 * width, 0.7 * height), (0.78 * width, 0.68 * height)], fill=red, width=rope)
    side = (0.005 * width * height) ** 0.5
    painter.rectangle((0.55 * width, 0.45 * height, 0.55 * width + side, 0.45 * height + side), fill=blue)
    return frame


def _accents(still: bytes) -> list[palettes.PaletteColor]:
    return [color for color in palettes.extract(still, k=6).colors if color.accent]


def _is_dark_red(color: palettes.PaletteColor) -> bool:
    lightness, a, _ = color.lab
    return lightness < 35 and a > 20 and float(chroma(np.array(color.lab))) >= 30


def _is_blue(color: palettes.PaletteColor) -> bool:
    return color.lab[2] < -25


def test_the_dim_ring_keeps_its_red_and_blue_at_1280_and_at_640() -> None:
    full = _dim_ring()
    half = full.resize((640, 344), Image.Resampling.LANCZOS)
    for still in (full, half):
        accents = _accents(_jpeg(still))
        assert any(_is_dark_red(color) for color in accents), [color.hex for color in accents]
        assert any(_is_blue(color) for color in accents), [color.hex for color in accents]
    assert same_accents(_accents(_jpeg(full)), _accents(_jpeg(half)))


def test_the_benchmark_boxing_ring_keeps_its_accents_at_half_and_quarter_size() -> None:
    still = render(0, 4, (1920, 1080))
    assert still.look == "boxing-ring"
    full = _accents(still.jpeg)
    assert any(_is_dark_red(color) for color in full) and any(_is_blue(color) for color in full)
    for divisor, copy in downscales(still.jpeg):
        assert same_accents(full, _accents(copy)), f"1/{divisor}"


def test_a_prop_beside_skin_tones_keeps_its_accent_at_half_and_quarter_size() -> None:
    """The benchmark's graded day 6: a salmon prop (L* about 60, C* about 58) beside the frame's skin
    tones. A plain-palette colour near one side of it cut that side off the region by an amount that
    changed with the size, and the island test, centred on what was left, lost it at 1/2 size."""
    still = render(0, 6, (1920, 1080))
    full = _accents(still.jpeg)
    assert any(color.lab[1] > 40 and color.lab[2] > 20 for color in full), [color.hex for color in full]
    for divisor, copy in downscales(still.jpeg):
        assert same_accents(full, _accents(copy)), f"1/{divisor}"


@pytest.mark.parametrize(
    "path", [path for path in sorted(SAMPLES.glob("*.jpg")) if Image.open(path).width >= 960], ids=str
)
def test_sample_stills_keep_their_accents_when_halved(path: Path) -> None:
    data = path.read_bytes()
    copies = downscales(data)
    assert copies
    for divisor, copy in copies:
        assert same_accents(_accents(data), _accents(copy)), f"1/{divisor}"
