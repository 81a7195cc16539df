"""A seeded set of harder, film-like stills: dark scenes, coloured light and small saturated props.

Each still starts from a crop of one of the sample photographs (real edges and textures), which is
desaturated, lit by coloured lights (a tinted ambient plus a few pools of tungsten, sodium, neon or
moonlight), exposed low (most looks put the median pixel at L* 10 to 30, as night interiors do),
vignetted and given grain. Small saturated props (0.25% to 1.5% of the frame each: ropes, a mat, a
sign, a cup) are painted in with the texture of what they cover, among them dark saturated ones like
the red ropes of a dim boxing ring (L* about 20, C* about 40). Stills are quality-90 JPEGs with 4:2:0
chroma, at 1280x688 and 1920x1080. Everything depends only on `(seed, index, size)`: no downloads.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageOps

from bench.synthetic import encode_jpeg
from palettes import colorspace

FloatArray = NDArray[np.float64]

FILM_SIZES: tuple[tuple[int, int], ...] = ((1280, 688), (1920, 1080))
STILLS = Path(__file__).resolve().parents[1] / "samples" / "stills"
MIN_PROP_SHARE = 0.0025
MAX_PROP_SHARE = 0.015
_LUMINANCE = np.array([0.2126, 0.7152, 0.0722])

# Light colours in linear RGB (the ratio between channels is what tints).
LIGHTS: dict[str, tuple[float, float, float]] = {
    "tungsten": (1.0, 0.62, 0.32),
    "sodium": (1.0, 0.52, 0.12),
    "moonlight": (0.5, 0.68, 1.0),
    "neon-magenta": (1.0, 0.18, 0.75),
    "neon-cyan": (0.15, 0.85, 1.0),
    "fluorescent": (0.72, 1.0, 0.62),
    "daylight": (1.0, 0.97, 0.92),
}


@dataclass(frozen=True)
class Look:
    """How a kind of scene is lit and exposed, and what props it holds."""

    median_lightness: tuple[float, float]  # L* of the median pixel
    keep_chroma: tuple[float, float]  # share of the photograph's own saturation kept
    ambient: tuple[str, ...]  # light colours the ambient is drawn from
    lamps: tuple[str, ...]  # light colours of the pools of light
    lamp_count: tuple[int, int]
    prop_lightness: tuple[float, float]  # L* of the props
    prop_count: tuple[int, int]
    prop_hues: tuple[float, ...] = ()  # CIELAB hue angles (degrees) of the props, any when empty


LOOKS: dict[str, Look] = {
    "night-interior": Look(
        (10, 22), (0.2, 0.5), ("tungsten", "moonlight"), ("tungsten", "sodium"), (1, 2), (18, 45), (1, 3)
    ),
    "neon-street": Look(
        (8, 20), (0.1, 0.4), ("moonlight",), ("neon-magenta", "neon-cyan"), (2, 3), (25, 60), (1, 3)
    ),
    "boxing-ring": Look(
        (14, 26),
        (0.15, 0.4),
        ("tungsten",),
        ("tungsten", "daylight"),
        (1, 1),
        (17, 30),
        (2, 3),
        (30.0, 275.0),
    ),
    "low-key-teal": Look(
        (16, 30),
        (0.2, 0.5),
        ("moonlight", "fluorescent"),
        ("tungsten", "fluorescent"),
        (1, 2),
        (22, 50),
        (1, 3),
    ),
    "graded-day": Look(
        (40, 60), (0.3, 0.7), ("daylight", "tungsten"), ("daylight", "sodium"), (0, 1), (35, 65), (1, 3)
    ),
}


@dataclass(frozen=True)
class FilmStill:
    """One film-like still: its JPEG bytes and how it was made."""

    name: str
    jpeg: bytes
    width: int
    height: int
    look: str
    props: list[tuple[int, int, int]]  # each prop's sRGB colour before shading
    prop_shares: list[float]  # each prop's share of the frame


@cache
def _sources() -> tuple[NDArray[np.uint8], ...]:
    paths = sorted(STILLS.glob("*.jpg"))
    if not paths:
        raise SystemExit(f"no sample stills in {STILLS}: run samples/make_samples.py")
    return tuple(np.asarray(Image.open(path).convert("RGB")) for path in paths)


def _base(rng: np.random.Generator, width: int, height: int) -> FloatArray:
    """A crop of a sample photograph, fitted to the frame, as linear-light RGB."""
    sources = _sources()
    source = sources[int(rng.integers(len(sources)))]
    rows, cols = source.shape[:2]
    zoom = rng.uniform(0.55, 1.0)
    crop_w = int(cols * zoom)
    crop_h = min(rows, int(crop_w * height / width))
    left = int(rng.integers(0, cols - crop_w + 1))
    top = int(rng.integers(0, rows - crop_h + 1))
    crop = Image.fromarray(source[top : top + crop_h, left : left + crop_w])
    if rng.random() < 0.5:
        crop = ImageOps.mirror(crop)
    fitted = ImageOps.fit(crop, (width, height), Image.Resampling.BICUBIC)
    return colorspace.srgb_to_linear(np.asarray(fitted))


def _set_dressing(rng: np.random.Generator, width: int, height: int) -> FloatArray:
    """Per-channel gains that vary smoothly across the frame (fabrics, walls, props out of focus):
    the colour variety of a dressed set, which a desaturated photograph lacks."""
    fields = np.zeros((height, width, 3))
    for cells, strength in ((6, 0.4), (16, 0.4), (48, 0.3)):
        rows = max(2, round(cells * height / width))
        coarse = rng.normal(0.0, strength, (rows, cells, 3)).astype(np.float32)
        for channel in range(3):
            layer = Image.fromarray(coarse[..., channel], "F").resize(
                (width, height), Image.Resampling.BICUBIC
            )
            fields[..., channel] += np.asarray(layer, dtype=np.float64)
    gains: FloatArray = np.exp(rng.uniform(0.12, 0.3) * fields)
    return gains


def _light(rng: np.random.Generator, look: Look, width: int, height: int) -> FloatArray:
    """The light falling on the set: a tinted ambient plus soft pools of coloured light."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    u, v = xs / width, ys / height * height / width
    ambient = np.array(LIGHTS[look.ambient[int(rng.integers(len(look.ambient)))]])
    light = np.broadcast_to(ambient * rng.uniform(0.08, 0.3), (height, width, 3)).copy()
    for _ in range(int(rng.integers(look.lamp_count[0], look.lamp_count[1] + 1))):
        colour = np.array(LIGHTS[look.lamps[int(rng.integers(len(look.lamps)))]])
        centre_u, centre_v = rng.uniform(0.0, 1.0), rng.uniform(0.0, height / width)
        sigma = rng.uniform(0.12, 0.4)
        pool = np.exp(-((u - centre_u) ** 2 + (v - centre_v) ** 2) / (2 * sigma**2))
        light += pool[..., None] * colour * rng.uniform(1.0, 3.0)
    return light


def _expose(linear: FloatArray, rng: np.random.Generator, look: Look) -> FloatArray:
    """Scaled so that the median pixel has the look's lightness, then vignetted."""
    height, width = linear.shape[:2]
    target = colorspace.srgb_to_linear(
        colorspace.lab_to_srgb([rng.uniform(*look.median_lightness), 0.0, 0.0])
    )
    luminance = linear[::4, ::4] @ _LUMINANCE
    linear = linear * (float(target[1]) / max(float(np.median(luminance)), 1e-6))
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    radius2 = ((xs / width - 0.5) ** 2 + ((ys / height - 0.5) * height / width) ** 2) / 0.5**2
    vignette: FloatArray = 1 - rng.uniform(0.2, 0.6) * np.clip(radius2, 0, 1.5)
    return linear * vignette[..., None]


def _prop_colour(rng: np.random.Generator, look: Look) -> tuple[int, int, int]:
    """A saturated sRGB colour at the look's prop lightness (C* 32 to 75, inside the gamut)."""
    for _ in range(1000):
        lightness = rng.uniform(*look.prop_lightness)
        chroma = rng.uniform(32, 75)
        hue = rng.uniform(0, 2 * math.pi)
        if look.prop_hues:
            hue = math.radians(look.prop_hues[int(rng.integers(len(look.prop_hues)))] + rng.uniform(-12, 12))
        lab = np.array([lightness, chroma * math.cos(hue), chroma * math.sin(hue)])
        rgb = colorspace.lab_to_srgb(lab)
        if np.abs(colorspace.srgb_to_lab(rgb) - lab).max() < 0.5:
            rounded = np.rint(rgb).astype(int)
            return int(rounded[0]), int(rounded[1]), int(rounded[2])
    raise RuntimeError("no prop colour in gamut")  # pragma: no cover


def _prop_mask(rng: np.random.Generator, share: float, width: int, height: int) -> FloatArray:
    """A prop's coverage (0-1, anti-aliased): a rope, a box, a disc or a polygon of about `share`."""
    scale = 2  # drawn at twice the size, then reduced: soft edges as a lens gives them
    canvas = Image.new("L", (width * scale, height * scale), 0)
    draw = ImageDraw.Draw(canvas)
    area = share * width * height * scale * scale
    x, y = rng.uniform(0.1, 0.9) * width * scale, rng.uniform(0.1, 0.9) * height * scale
    kind = int(rng.integers(4))
    if kind == 0:  # a rope or a neon tube: long and thin, slightly curved
        thickness = rng.uniform(0.004, 0.01) * width * scale
        length = area / thickness
        angle = rng.uniform(0, math.pi)
        bend = rng.uniform(-0.3, 0.3)
        t = np.linspace(-0.5, 0.5, 24)
        points = [
            (x + length * s * math.cos(angle + bend * s), y + length * s * math.sin(angle + bend * s))
            for s in t
        ]
        draw.line(points, fill=255, width=max(1, round(thickness)), joint="curve")
    else:
        aspect = math.exp(rng.uniform(math.log(0.4), math.log(2.5)))
        w = math.sqrt(area * aspect)
        h = area / w
        box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if kind == 1:
            draw.rectangle(box, fill=255)
        elif kind == 2:
            draw.ellipse(box, fill=255)
        else:
            draw.polygon([(x - w / 2, y + h / 2), (x, y - h / 2), (x + w / 2, y + h / 2)], fill=255)
    return np.asarray(canvas.reduce(scale), dtype=np.float64) / 255.0


def _paint_props(
    rng: np.random.Generator, linear: FloatArray, look: Look
) -> tuple[FloatArray, list[tuple[int, int, int]], list[float]]:
    """Props painted over the frame, keeping the texture and the light (relative luminance) of
    what they cover, in part."""
    height, width = linear.shape[:2]
    luminance = linear @ _LUMINANCE
    texture = np.clip(luminance / max(float(np.median(luminance)), 1e-6), 0.4, 2.0) ** 0.4
    colours: list[tuple[int, int, int]] = []
    shares: list[float] = []
    for _ in range(int(rng.integers(look.prop_count[0], look.prop_count[1] + 1))):
        coverage = _prop_mask(rng, rng.uniform(MIN_PROP_SHARE, MAX_PROP_SHARE), width, height)
        colour = _prop_colour(rng, look)
        painted = (
            colorspace.srgb_to_linear(np.array(colour, dtype=np.uint8))[None, None, :] * texture[..., None]
        )
        linear = linear * (1 - coverage[..., None]) + painted * coverage[..., None]
        colours.append(colour)
        shares.append(float(coverage.mean()))
    return linear, colours, shares


def _to_srgb_with_grain(linear: FloatArray, rng: np.random.Generator) -> NDArray[np.uint8]:
    """Encoded to sRGB with film grain: luminance noise, stronger in the shadows, and a little chroma."""
    clipped = np.clip(linear, 0.0, 1.0)
    encoded = 255.0 * np.where(clipped <= 0.0031308, 12.92 * clipped, 1.055 * clipped ** (1 / 2.4) - 0.055)
    height, width = linear.shape[:2]
    sigma = rng.uniform(2.0, 4.5)
    shadow = 1.0 + 0.8 * (1.0 - encoded.mean(axis=2, keepdims=True) / 255.0)
    grain = rng.normal(0.0, sigma, (height, width, 1)) * shadow + rng.normal(
        0.0, sigma / 3, (height, width, 3)
    )
    return np.clip(np.rint(encoded + grain), 0, 255).astype(np.uint8)


def render(seed: int, index: int, size: tuple[int, int]) -> FilmStill:
    """Film-like still `index` of `seed` at `size`: the same arguments always give the same bytes."""
    rng = np.random.default_rng([seed, index, size[0], size[1]])
    width, height = size
    look_name = sorted(LOOKS)[int(rng.integers(len(LOOKS)))]
    look = LOOKS[look_name]
    base = _base(rng, width, height)
    keep = rng.uniform(*look.keep_chroma)
    grey = (base @ _LUMINANCE)[..., None]
    dressed = (grey + keep * (base - grey)) * _set_dressing(rng, width, height)
    lit = dressed * _light(rng, look, width, height)
    linear = _expose(lit, rng, look)
    linear, colours, shares = _paint_props(rng, linear, look)
    pixels = _to_srgb_with_grain(linear, rng)
    return FilmStill(
        name=f"film-s{seed}-{index:03d}-{look_name}-{width}x{height}",
        jpeg=encode_jpeg(pixels),
        width=width,
        height=height,
        look=look_name,
        props=colours,
        prop_shares=shares,
    )


def generate_film_set(count: int, size: tuple[int, int], seed: int = 0) -> list[FilmStill]:
    """`count` film-like stills at `size`; a smaller set is a prefix of a larger one."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    return [render(seed, index, size) for index in range(count)]


def downscales(jpeg: bytes, min_width: int = 480) -> list[tuple[int, bytes]]:
    """The still at 1/2 and 1/4 of its size while at least `min_width` wide, as a thumbnail or a web
    grab would make it (Lanczos, then a quality-90 JPEG): `(divisor, bytes)` pairs."""
    with Image.open(io.BytesIO(jpeg)) as opened:
        full = opened.convert("RGB")
    copies = []
    for divisor in (2, 4):
        width, height = full.width // divisor, full.height // divisor
        if width < min_width:
            break
        reduced = full.resize((width, height), Image.Resampling.LANCZOS)
        copies.append((divisor, encode_jpeg(np.asarray(reduced))))
    return copies


def main(argv: Sequence[str] | None = None) -> None:
    """Write a few stills to look at: `python -m bench.filmlike OUT_DIR [N]`."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    out = Path(args[0] if args else "out/filmlike")
    count = int(args[1]) if len(args) > 1 else 6
    out.mkdir(parents=True, exist_ok=True)
    for size in FILM_SIZES:
        for still in generate_film_set(count, size):
            (out / f"{still.name}.jpg").write_bytes(still.jpeg)
            described = ", ".join(
                f"{rgb} {share:.2%}" for rgb, share in zip(still.props, still.prop_shares, strict=True)
            )
            print(f"{still.name}: {described}")


if __name__ == "__main__":
    main()
