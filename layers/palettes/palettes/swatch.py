"""The swatch PNG: the colours in proportion, then one labelled tile per colour."""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from palettes.model import Palette

_MARGIN = 24
_STRIP_HEIGHT = 90
_TILE_HEIGHT = 170
_GAP = 12
_BACKGROUND = (250, 250, 248)
_INK = (24, 24, 24)


@lru_cache(maxsize=4)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled scalable font: legible at any size, no system fonts needed in Lambda.
    return ImageFont.load_default(size=size)


def _relative_luminance(rgb: tuple[int, int, int]) -> float:
    def linear(channel: int) -> float:
        value = channel / 255.0
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def label_color(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever contrasts more with the colour (WCAG contrast ratio)."""
    luminance = _relative_luminance(rgb)
    contrast_with_black = (luminance + 0.05) / 0.05
    contrast_with_white = 1.05 / (luminance + 0.05)
    return (0, 0, 0) if contrast_with_black >= contrast_with_white else (255, 255, 255)


def render_swatch(palette: Palette | dict[str, Any], *, width: int = 1200) -> bytes:
    """A PNG of the palette: a strip with each colour's share of the frame, and a tile per colour
    with its hex code, share and CSS name (accents marked), labels in black or white for contrast."""
    document = palette.to_dict() if isinstance(palette, Palette) else palette
    colors = document["colors"]
    inner = width - 2 * _MARGIN
    title_height = 44
    height = _MARGIN + title_height + _STRIP_HEIGHT + _GAP + _TILE_HEIGHT + _MARGIN
    image = Image.new("RGB", (width, height), _BACKGROUND)
    draw = ImageDraw.Draw(image)

    title = str((document.get("source") or {}).get("key") or "palette").rsplit("/", 1)[-1]
    draw.text((_MARGIN, _MARGIN), title[:80], fill=_INK, font=_font(24))

    top = _MARGIN + title_height
    left = float(_MARGIN)
    for index, color in enumerate(colors):
        right = _MARGIN + inner if index == len(colors) - 1 else left + color["proportion"] * inner
        draw.rectangle(
            (round(left), top, max(round(left), round(right) - 1), top + _STRIP_HEIGHT), fill=color["hex"]
        )
        left = right

    top += _STRIP_HEIGHT + _GAP
    count = max(1, len(colors))
    tile_width = (inner - _GAP * (count - 1)) / count
    hex_font = _font(26 if tile_width >= 150 else 18 if tile_width >= 90 else 13)
    small_font = _font(17 if tile_width >= 150 else 13 if tile_width >= 90 else 10)
    for index, color in enumerate(colors):
        x0 = _MARGIN + index * (tile_width + _GAP)
        rgb = tuple(color["rgb"])
        ink = label_color((int(rgb[0]), int(rgb[1]), int(rgb[2])))
        draw.rectangle((round(x0), top, round(x0 + tile_width) - 1, top + _TILE_HEIGHT), fill=color["hex"])
        draw.text((x0 + 10, top + 12), color["hex"].upper(), fill=ink, font=hex_font)
        share = f"{color['proportion'] * 100:.1f}%"
        draw.text((x0 + 10, top + _TILE_HEIGHT - 52), share, fill=ink, font=small_font)
        label = color["name"] + (" · accent" if color.get("accent") else "")
        draw.text((x0 + 10, top + _TILE_HEIGHT - 28), label, fill=ink, font=small_font)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
