"""A seeded set of film-like stills with small, known, saturated accents, for measuring accent recall.

Each still is a muted, graded background (a gradient, a few large soft blobs of neighbouring colours, a
vignette and grain) with one to three small patches (rectangles, ellipses or thin ropes, each 0.5 % to 3 %
of the frame) of a colour that is clearly apart from it: CIELAB chroma >= 40 and CIEDE2000 >= 25 from every
background pixel. Stills are returned as quality-90 JPEG bytes so that decoding is part of what a
benchmark measures. Only numpy and Pillow are used, and the colour maths is local, so the ground truth does
not depend on the library under test.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

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


# --- colour maths (sRGB D65 <-> CIELAB, CIEDE2000), kept here so the ground truth is self-contained ---

_SRGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
)
_XYZ_TO_SRGB = np.linalg.inv(_SRGB_TO_XYZ)
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])
_DELTA = 6.0 / 29.0


def srgb_to_lab(rgb: NDArray[np.generic]) -> FloatArray:
    """sRGB (uint8 0-255, or float 0-1) of shape (..., 3) to CIELAB under D65."""
    values = np.asarray(rgb)
    scaled = values / 255.0 if values.dtype == np.uint8 else values.astype(np.float64)
    linear = np.where(scaled <= 0.04045, scaled / 12.92, ((scaled + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _SRGB_TO_XYZ.T / _WHITE_D65
    f = np.where(xyz > _DELTA**3, np.cbrt(xyz), xyz / (3 * _DELTA**2) + 4.0 / 29.0)
    lightness = 116.0 * f[..., 1] - 16.0
    a = 500.0 * (f[..., 0] - f[..., 1])
    b = 200.0 * (f[..., 1] - f[..., 2])
    return np.stack([lightness, a, b], axis=-1)


def lab_to_srgb(lab: FloatArray) -> FloatArray:
    """CIELAB (D65) of shape (..., 3) to unclipped sRGB floats in 0-1 (out-of-gamut values leave 0-1)."""
    fy = (lab[..., 0] + 16.0) / 116.0
    fx = fy + lab[..., 1] / 500.0
    fz = fy - lab[..., 2] / 200.0
    f = np.stack([fx, fy, fz], axis=-1)
    xyz = np.where(f > _DELTA, f**3, 3 * _DELTA**2 * (f - 4.0 / 29.0)) * _WHITE_D65
    linear = xyz @ _XYZ_TO_SRGB.T
    magnitude = np.abs(linear)
    encoded = np.where(magnitude <= 0.0031308, 12.92 * magnitude, 1.055 * magnitude ** (1 / 2.4) - 0.055)
    return np.sign(linear) * encoded


def ciede2000(lab1: FloatArray, lab2: FloatArray) -> FloatArray:
    """CIEDE2000 colour difference (kL = kC = kH = 1), broadcasting over leading axes."""
    l1, a1, b1 = np.moveaxis(np.asarray(lab1, dtype=np.float64), -1, 0)
    l2, a2, b2 = np.moveaxis(np.asarray(lab2, dtype=np.float64), -1, 0)
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    delta_l = l2 - l1
    delta_c = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    delta_h = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_mean = (l1 + l2) / 2
    cp_mean = (c1p + c2p) / 2
    h_sum = h1p + h2p
    hp_mean = np.where(
        np.abs(h1p - h2p) > 180, np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2), h_sum / 2
    )
    hp_mean = np.where(c1p * c2p == 0, h_sum, hp_mean)
    t = (
        1
        - 0.17 * np.cos(np.radians(hp_mean - 30))
        + 0.24 * np.cos(np.radians(2 * hp_mean))
        + 0.32 * np.cos(np.radians(3 * hp_mean + 6))
        - 0.20 * np.cos(np.radians(4 * hp_mean - 63))
    )
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / np.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    delta_theta = 30 * np.exp(-(((hp_mean - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(cp_mean**7 / (cp_mean**7 + 25.0**7))
    r_t = -np.sin(np.radians(2 * delta_theta)) * r_c
    term_l = delta_l / s_l
    term_c = delta_c / s_c
    term_h = delta_h / s_h
    return np.asarray(np.sqrt(term_l**2 + term_c**2 + term_h**2 + r_t * term_c * term_h), dtype=np.float64)


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
    lab = anchors[start] * (1 - ramp) + anchors[end] * ramp

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
    chroma = np.hypot(lab[..., 1], lab[..., 2])
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
        rgb_float = lab_to_srgb(candidate)
        if np.any(rgb_float < 0) or np.any(rgb_float > 1):
            continue
        rgb = np.round(rgb_float * 255).astype(np.uint8)
        lab = srgb_to_lab(rgb)
        if math.hypot(lab[1], lab[2]) < MIN_ACCENT_CHROMA:
            continue
        if ciede2000(background_lab, lab).min() < MIN_DELTA_E_FROM_BACKGROUND:
            continue
        if any(ciede2000(other, lab) < MIN_DELTA_E_BETWEEN_ACCENTS for other in chosen):
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
    background = np.clip(lab_to_srgb(_background_lab(rng, width, height, grade)), 0, 1)
    grain = _grain(rng, width, height)
    grained = np.clip(background + grain, 0, 1)
    # Distances are checked against what the frame actually holds, grain included (a sample of pixels).
    background_lab = srgb_to_lab(np.round(grained[::4, ::4] * 255).astype(np.uint8)).reshape(-1, 3)

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
    """Write a few stills to a folder to look at: `python bench/synthetic.py OUT_DIR [N]`."""
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
