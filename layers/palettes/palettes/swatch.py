"""The swatch PNG: the colours in proportion, a labelled tile per colour, then the roles (schema 2).

All text is drawn in a subset of DejaVu Sans shipped beside this module (``SWATCH_FONT_FILE``; source,
licence and the command that makes it in ``LICENSES.md``): Latin (with Latin-1 and Extended-A and -B),
Greek, Cyrillic, combining accents and general punctuation. Characters outside it, e.g. CJK, are drawn
as the font's hollow box (.notdef). The title, the still's file name, is cut to the image's width
with "…".
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

from palettes.contrast import plain_text_color
from palettes.exports import palette_title
from palettes.model import Palette

_MARGIN = 24
_TITLE_HEIGHT = 44
_STRIP_HEIGHT = 90
_TILE_HEIGHT = 170
_ROLE_HEIGHT = 84
_GAP = 12
_BACKGROUND = (250, 250, 248)
_INK = (24, 24, 24)
_TITLE_SIZE = 24
_ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"
# Lambda has no system fonts, and Pillow's bundled one (Aileron) has basic Latin only: "é" was a box.
SWATCH_FONT_FILE: Final = Path(__file__).with_name("DejaVuSans-subset.ttf")


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont:
    # Once per size and process (a swatch uses at most seven sizes); opening the font takes well under
    # a millisecond, so the first swatch pays next to nothing for it.
    return ImageFont.truetype(SWATCH_FONT_FILE, size=size)


def fit_title(title: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    """``title`` in NFC (a decomposed "é" is drawn as one glyph), control characters shown as "�",
    cut to at most ``width`` pixels in ``font``, a cut one ending in "…"."""
    text = "".join(
        "\N{REPLACEMENT CHARACTER}" if unicodedata.category(char) in {"Cc", "Cs"} else char
        for char in unicodedata.normalize("NFC", title)
    )
    if font.getlength(text) <= width:
        return text
    low, high = 0, len(text)  # the longest prefix that fits with the ellipsis, by bisection
    while low < high:
        middle = (low + high + 1) // 2
        if font.getlength(text[:middle].rstrip() + _ELLIPSIS) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + _ELLIPSIS


def label_color(color: Mapping[str, Any]) -> str:
    """The ink of a colour's labels: its readable text colour (schema 2), else black or white,
    whichever contrasts more (a schema 1 document)."""
    text = color.get("text")
    if isinstance(text, Mapping) and isinstance(text.get("hex"), str):
        return str(text["hex"])
    red, green, blue = (int(channel) for channel in color["rgb"])
    return plain_text_color((red, green, blue)).hex


def render_swatch(
    palette: Palette | dict[str, Any], *, width: int = 1200, text: Mapping[str, str] | None = None
) -> bytes:
    """A PNG of the palette under its title (the still's file name, cut to the width with "…"): a strip
    with each colour's share of the frame, a tile per colour with its hex code, share and name (accents
    marked), then a tile per role the still has; every label in the colour's readable text colour.
    ``text`` is written as PNG text chunks (none by default), which tells apart two renderings of one
    palette without changing a pixel."""
    document = palette.to_dict() if isinstance(palette, Palette) else palette
    colors = document["colors"]
    roles = [(name, role) for name, role in (document.get("roles") or {}).items() if role is not None]
    height = _MARGIN + _TITLE_HEIGHT + _STRIP_HEIGHT + _GAP + _TILE_HEIGHT + _MARGIN
    height += (_GAP + _ROLE_HEIGHT) if roles else 0
    image = Image.new("RGB", (width, height), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    title = palette_title(document)
    title_font = _font(_TITLE_SIZE)
    draw.text(
        (_MARGIN, _MARGIN), fit_title(title, title_font, width - 2 * _MARGIN), fill=_INK, font=title_font
    )
    top = _MARGIN + _TITLE_HEIGHT
    _draw_strip(draw, colors, top, width - 2 * _MARGIN)
    top += _STRIP_HEIGHT + _GAP
    _draw_tiles(draw, colors, top, width - 2 * _MARGIN)
    if roles:
        _draw_roles(draw, roles, top + _TILE_HEIGHT + _GAP, width - 2 * _MARGIN)
    buffer = io.BytesIO()
    # zlib's default level: optimize=True tries every level and filter for a PNG 1-2 % smaller, at about
    # 4x the encoding time, paid on every still.
    image.save(buffer, format="PNG", pnginfo=_text_chunks(text) if text else None)
    return buffer.getvalue()


def _text_chunks(text: Mapping[str, str]) -> PngImagePlugin.PngInfo:
    chunks = PngImagePlugin.PngInfo()
    for keyword, value in text.items():
        chunks.add_text(keyword, value)
    return chunks


def _draw_strip(draw: ImageDraw.ImageDraw, colors: Sequence[Mapping[str, Any]], top: int, inner: int) -> None:
    left = float(_MARGIN)
    for index, color in enumerate(colors):
        right = _MARGIN + inner if index == len(colors) - 1 else left + color["proportion"] * inner
        box = (round(left), top, max(round(left), round(right) - 1), top + _STRIP_HEIGHT)
        draw.rectangle(box, fill=color["hex"])
        left = right


def _draw_tiles(draw: ImageDraw.ImageDraw, colors: Sequence[Mapping[str, Any]], top: int, inner: int) -> None:
    count = max(1, len(colors))
    tile_width = (inner - _GAP * (count - 1)) / count
    hex_font = _font(26 if tile_width >= 150 else 18 if tile_width >= 90 else 13)
    small_font = _font(17 if tile_width >= 150 else 13 if tile_width >= 90 else 10)
    for index, color in enumerate(colors):
        x0 = _MARGIN + index * (tile_width + _GAP)
        ink = label_color(color)
        draw.rectangle((round(x0), top, round(x0 + tile_width) - 1, top + _TILE_HEIGHT), fill=color["hex"])
        draw.text((x0 + 10, top + 12), color["hex"].upper(), fill=ink, font=hex_font)
        share = f"{color['proportion'] * 100:.1f}%"
        draw.text((x0 + 10, top + _TILE_HEIGHT - 52), share, fill=ink, font=small_font)
        label = str(color.get("xkcd_name") or color["name"]) + (" · accent" if color.get("accent") else "")
        draw.text((x0 + 10, top + _TILE_HEIGHT - 28), label, fill=ink, font=small_font)


def _draw_roles(
    draw: ImageDraw.ImageDraw, roles: Sequence[tuple[str, Mapping[str, Any]]], top: int, inner: int
) -> None:
    tile_width = (inner - _GAP * (len(roles) - 1)) / len(roles)
    name_font = _font(15 if tile_width >= 140 else 11)
    hex_font = _font(20 if tile_width >= 140 else 14)
    for index, (name, role) in enumerate(roles):
        x0 = _MARGIN + index * (tile_width + _GAP)
        ink = label_color(role)
        draw.rectangle((round(x0), top, round(x0 + tile_width) - 1, top + _ROLE_HEIGHT), fill=role["hex"])
        draw.text((x0 + 8, top + 10), name.replace("_", " "), fill=ink, font=name_font)
        draw.text((x0 + 8, top + 34), role["hex"].upper(), fill=ink, font=hex_font)
        where = "in the palette" if role.get("in_palette") else "outside the palette"
        draw.text((x0 + 8, top + _ROLE_HEIGHT - 22), where, fill=ink, font=name_font)
