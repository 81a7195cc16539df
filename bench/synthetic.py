"""A seeded set of film-like stills with small, known, saturated accents, for measuring accent recall.

Each still is a muted, graded background (a gradient, a few large soft blobs of neighbouring colours, a
vignette and grain) with one to three small patches (rectangles, ellipses or thin ropes, each 0.5 % to 3 %
of the frame) of a colour that is clearly apart from it: CIELAB chroma >= 40 and CIEDE2000 >= 25 from every
background pixel. Stills are returned as quality-90 JPEG bytes so that decoding is part of what a
benchmark measures. The colour conversions are the library's (`palettes.colorspace`, which its own tests
check against scikit-image); the benchmark scores palettes with scikit-image's, not the library's.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from palettes import colorspace

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

FRAME_SIZES: tuple[tuple[int, int], ...] = ((640, 360), (854, 480), (960, 540), (1280, 720))
MIN_ACCENT_FRACTION = 0.005
MAX_ACCENT_FRACTION = 0.03
MIN_ACCENT_CHROMA = 40.0
MIN_DELTA_E_FROM_BACKGROUND = 25.0
MIN_DELTA_E_BETWEEN_ACCENTS = 20.0
JPEG_QUALITY = 90
SHAPES = ("rectangle", "ellipse", "rope")

# Colour grades as CIELAB anchors (L*, a*, b*), all of low chroma (C* <= 25), like a graded film frame.
GRADES: dict[str, tuple[tuple[float, float, float], ...]] = {
    "teal-orange": ((18, -9, -12), (42, -6, -8), (62, 10, 18), (74, 12, 22)),
    "dim-interior": ((10, 3, 6), (24, 6, 14), (40, 8, 20), (55, 6, 18)),
    "night-blue": ((8, 2, -12), (22, -2, -18), (38, -4, -14), (55, -3, -8)),
    "bleach-bypass": ((22, -3, 3), (45, -2, 5), (62, -1, 6), (80, 0, 5)),
    "sepia-day": ((35, 5, 14), (55, 5, 18), (70, 4, 16), (86, 2, 10)),
    "fluorescent": ((18, -8, 6), (38, -12, 10), (58, -10, 12), (74, -6, 10)),
}


@dataclass(frozen=True)
class AccentCase:
    """One synthetic still and its ground truth.

    `accents[i]` is the sRGB colour planted in patch i and `accent_fractions[i]` the exact share of the frame
    that patch covers (before JPEG encoding), between 0.005 and 0.03.
    """

    name: str
    jpeg: bytes
    accents: list[tuple[int, int, int]]
    accent_fractions: list[float]
    width: int
    height: int
    grade: str
    shapes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RenderedStill:
    """The still before encoding, with the patch masks: what the tests check the fractions against."""

    rgb: NDArray[np.uint8]
    masks: list[BoolArray]
    accents: list[tuple[int, int, int]]
    shapes: list[str]
    grade: str


GAMUT_TOLERANCE = 1e-6  # CIELAB units: far above float error, far below an 8-bit sRGB step


def in_gamut_srgb(lab: FloatArray) -> FloatArray | None:
    """The sRGB 0-255 floats of a CIELAB colour, or None when it lies outside the sRGB gamut.

    The library clips to the gamut, so a colour outside it does not convert back to itself.
    """
    rgb = colorspace.lab_to_srgb(lab)
    if np.abs(colorspace.srgb_to_lab(rgb) - lab).max() > GAMUT_TOLERANCE:
        return None
    return rgb


# --- rendering ---


def _background_lab(rng: np.random.Generator, width: int, height: int, grade: str) -> FloatArray:
    anchors = np.array(GRADES[grade], dtype=np.float64)
    anchors = anchors + rng.normal(0.0, [2.0, 1.5, 1.5], size=anchors.shape)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    u, v = xs / width, ys / height

    # A soft gradient between two anchors along a random direction: light falling across the set.
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (u - 0.5) * math.cos(angle) + (v - 0.5) * math.sin(angle)
    ramp = np.clip(ramp / 1.2 + 0.5, 0, 1)[..., None]
    start, end = rng.choice(len(anchors), size=2, replace=False)
    lab: FloatArray = anchors[start] * (1 - ramp) + anchors[end] * ramp

    # Large soft blobs of neighbouring grade colours: out-of-focus shapes, a window, a face.
    for _ in range(int(rng.integers(2, 6))):
        colour = anchors[rng.integers(len(anchors))] + rng.normal(0.0, [4.0, 2.0, 2.0])
        centre_u, centre_v = rng.uniform(0.05, 0.95, size=2)
        sigma_u, sigma_v = rng.uniform(0.08, 0.3, size=2)
        weight = rng.uniform(0.4, 0.85) * np.exp(
            -(((u - centre_u) / sigma_u) ** 2 + ((v - centre_v) * height / width / sigma_v) ** 2) / 2
        )
        lab = lab * (1 - weight[..., None]) + colour * weight[..., None]

    # Vignette: lightness falls towards the corners.
    radius2 = ((u - 0.5) ** 2 + ((v - 0.5) * height / width) ** 2) / 0.5**2
    lab[..., 0] *= 1 - rng.uniform(0.15, 0.45) * np.clip(radius2, 0, 1.6)
    # Keep the grade muted whatever the blending did.
    chroma = colorspace.chroma(lab)
    squeeze = np.minimum(1.0, 25.0 / np.maximum(chroma, 1e-9))
    lab[..., 1:] *= squeeze[..., None]
    lab[..., 0] = np.clip(lab[..., 0], 2, 95)
    return lab


def _grain(rng: np.random.Generator, width: int, height: int) -> FloatArray:
    """Film grain in sRGB units (0-1): mostly luminance noise, a little chroma noise."""
    sigma = rng.uniform(1.5, 3.5) / 255.0
    luminance = rng.normal(0.0, sigma, size=(height, width, 1))
    chroma = rng.normal(0.0, sigma / 3, size=(height, width, 3))
    return luminance + chroma


def _draw_shape(
    shape: str, params: dict[str, float], width: int, height: int, grow: float = 0.0
) -> BoolArray:
    canvas = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(canvas)
    if shape == "rectangle":
        x, y, w, h = params["x"], params["y"], params["w"], params["h"]
        draw.rectangle((x - grow, y - grow, x + w - 1 + grow, y + h - 1 + grow), fill=255)
    elif shape == "ellipse":
        x, y, w, h = params["x"], params["y"], params["w"], params["h"]
        draw.ellipse((x - grow, y - grow, x + w - 1 + grow, y + h - 1 + grow), fill=255)
    else:
        count = int(params["points"])
        t = np.linspace(0, 1, count)
        length = params["length"]
        heading = params["angle"] + params["bend"] * np.sin(2 * math.pi * params["waves"] * t)
        step = length / (count - 1)
        xs = params["x"] + np.concatenate([[0.0], np.cumsum(np.cos(heading[1:]) * step)])
        ys = params["y"] + np.concatenate([[0.0], np.cumsum(np.sin(heading[1:]) * step)])
        points = [(float(px), float(py)) for px, py in zip(xs, ys, strict=True)]
        line_width = max(1, round(params["width"] + 2 * grow))
        draw.line(points, fill=255, width=line_width, joint="curve")
    return np.asarray(canvas) > 127


def _shape_params(
    rng: np.random.Generator, shape: str, target_fraction: float, width: int, height: int
) -> dict[str, float]:
    area = target_fraction * width * height
    if shape in ("rectangle", "ellipse"):
        aspect = math.exp(rng.uniform(math.log(0.35), math.log(2.8)))
        if shape == "ellipse":
            area = area * 4 / math.pi
        w = min(math.sqrt(area * aspect), width * 0.6)
        h = min(area / w, height * 0.6)
        x = rng.uniform(4, width - w - 4)
        y = rng.uniform(4, height - h - 4)
        return {"x": round(x), "y": round(y), "w": round(w), "h": round(h)}
    rope_width = rng.uniform(6, 12) * width / 960
    length = area / rope_width
    return {
        "x": rng.uniform(0.1, 0.9) * width,
        "y": rng.uniform(0.1, 0.9) * height,
        "width": rope_width,
        "length": length,
        "angle": rng.uniform(0, 2 * math.pi),
        "bend": rng.uniform(0.2, 0.9),
        "waves": rng.uniform(0.3, 1.5),
        "points": max(8, int(length / 6)),
    }


def _pick_accent(
    rng: np.random.Generator, background_lab: FloatArray, chosen: list[FloatArray]
) -> tuple[tuple[int, int, int], FloatArray]:
    """A saturated in-gamut sRGB colour far (CIEDE2000) from every background sample and earlier accent."""
    for _ in range(2000):
        lightness = rng.uniform(35, 82)
        chroma = rng.uniform(45, 95)
        hue = rng.uniform(0, 2 * math.pi)
        candidate = np.array([lightness, chroma * math.cos(hue), chroma * math.sin(hue)])
        rgb_float = in_gamut_srgb(candidate)
        if rgb_float is None:
            continue
        rgb = np.round(rgb_float).astype(np.uint8)
        lab = colorspace.srgb_to_lab(rgb)
        if colorspace.chroma(lab) < MIN_ACCENT_CHROMA:
            continue
        if colorspace.ciede2000(background_lab, lab).min() < MIN_DELTA_E_FROM_BACKGROUND:
            continue
        if any(colorspace.ciede2000(other, lab) < MIN_DELTA_E_BETWEEN_ACCENTS for other in chosen):
            continue
        return (int(rgb[0]), int(rgb[1]), int(rgb[2])), lab
    raise RuntimeError("no accent colour satisfies the distance constraints")  # pragma: no cover


def _place_patch(
    rng: np.random.Generator, width: int, height: int, occupied: BoolArray
) -> tuple[str, BoolArray, BoolArray]:
    """A patch mask covering 0.5-3 % of the frame, clear of earlier patches; and its margin mask."""
    margin = max(6.0, width / 80)
    for _ in range(500):
        shape = SHAPES[int(rng.integers(len(SHAPES)))]
        target = rng.uniform(MIN_ACCENT_FRACTION * 1.1, MAX_ACCENT_FRACTION * 0.9)
        params = _shape_params(rng, shape, target, width, height)
        mask = _draw_shape(shape, params, width, height)
        fraction = mask.mean()
        if not MIN_ACCENT_FRACTION <= fraction <= MAX_ACCENT_FRACTION:
            continue  # a rope that folded onto itself or ran off the frame
        grown = _draw_shape(shape, params, width, height, grow=margin)
        if (grown & occupied).any():
            continue
        return shape, mask, grown
    raise RuntimeError("could not place a patch")  # pragma: no cover


def render_still(seed: int, index: int) -> RenderedStill:
    """Render still `index` of the set with `seed`; independent of how many stills the set has."""
    rng = np.random.default_rng([seed, index])
    width, height = FRAME_SIZES[int(rng.integers(len(FRAME_SIZES)))]
    grade = sorted(GRADES)[int(rng.integers(len(GRADES)))]
    background = colorspace.lab_to_srgb(_background_lab(rng, width, height, grade)) / 255.0
    grain = _grain(rng, width, height)
    grained = np.clip(background + grain, 0, 1)
    # Distances are checked against what the frame actually holds, grain included (a sample of pixels).
    background_lab = colorspace.srgb_to_lab(np.round(grained[::4, ::4] * 255).astype(np.uint8)).reshape(-1, 3)

    occupied = np.zeros((height, width), dtype=bool)
    image = background.copy()
    masks: list[BoolArray] = []
    accents: list[tuple[int, int, int]] = []
    accent_labs: list[FloatArray] = []
    shapes: list[str] = []
    for _ in range(int(rng.integers(1, 4))):
        shape, mask, grown = _place_patch(rng, width, height, occupied)
        rgb, lab = _pick_accent(rng, background_lab, accent_labs)
        image[mask] = np.array(rgb, dtype=np.float64) / 255.0
        occupied |= grown
        masks.append(mask)
        accents.append(rgb)
        accent_labs.append(lab)
        shapes.append(shape)
    pixels = np.round(np.clip(image + grain, 0, 1) * 255).astype(np.uint8)
    return RenderedStill(rgb=pixels, masks=masks, accents=accents, shapes=shapes, grade=grade)


def encode_jpeg(rgb: NDArray[np.uint8], quality: int = JPEG_QUALITY) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def generate_accent_set(n: int, seed: int = 0) -> list[AccentCase]:
    """`n` film-like stills with planted accents; the same `(n, seed)` always gives the same bytes.

    Still i depends only on `(seed, i)`, so a smaller set is a prefix of a larger one.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    cases = []
    for index in range(n):
        still = render_still(seed, index)
        height, width = still.rgb.shape[:2]
        cases.append(
            AccentCase(
                name=f"accent-s{seed}-{index:03d}-{still.grade}",
                jpeg=encode_jpeg(still.rgb),
                accents=list(still.accents),
                accent_fractions=[float(mask.mean()) for mask in still.masks],
                width=width,
                height=height,
                grade=still.grade,
                shapes=list(still.shapes),
            )
        )
    return cases


def main() -> None:
    """Write a few stills to a folder to look at: `python -m bench.synthetic OUT_DIR [N]`."""
    import sys
    from pathlib import Path

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "out/synthetic")
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    out.mkdir(parents=True, exist_ok=True)
    for case in generate_accent_set(count):
        (out / f"{case.name}.jpg").write_bytes(case.jpeg)
        described = ", ".join(
            f"{shape} {rgb} {fraction:.2%}"
            for shape, rgb, fraction in zip(case.shapes, case.accents, case.accent_fractions, strict=True)
        )
        print(f"{case.name}: {case.width}x{case.height} {described}")


if __name__ == "__main__":
    main()
