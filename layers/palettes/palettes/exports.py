"""Exports of a palette document: CSS custom properties, GIMP .gpl, Adobe .ase, text, JSON, coolors.co.

Pure Python on purpose: the read API renders exports from stored documents and must not pay for
numpy. Every function takes the JSON document (``Palette.to_dict()``), not the Palette object.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from palettes.errors import InvalidParameterError

EXPORT_FORMATS: Final = ("json", "css", "gpl", "ase", "text")
ROLE_FORMATS: Final = ("text", "json")
MEDIA_TYPES: Final = {
    "json": "application/json",
    "css": "text/css; charset=utf-8",
    "gpl": "text/plain; charset=utf-8",
    "ase": "application/octet-stream",
    "text": "text/plain; charset=utf-8",
}
FILE_EXTENSIONS: Final = {"json": "json", "css": "css", "gpl": "gpl", "ase": "ase", "text": "txt"}
COOLORS_BASE: Final = "https://coolors.co/"

Document = Mapping[str, Any]


def coolors_url(hex_colors: Sequence[str]) -> str:
    """A coolors.co link that opens the palette (the original project's API returned one)."""
    return COOLORS_BASE + "-".join(color.lstrip("#").lower() for color in hex_colors)


def palette_title(document: Document) -> str:
    """A human name for the palette: the source's file name without folders, a film palette's film
    (its document names the film and has no source), or 'palette'."""
    key = (document.get("source") or {}).get("key") or document.get("film") or "palette"
    return str(key).rsplit("/", 1)[-1] or "palette"


def to_json(document: Document) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def to_css(document: Document) -> bytes:
    lines = [f"/* {_comment_safe(palette_title(document))}: colour palette */", ":root {"]
    for index, color in enumerate(document["colors"], start=1):
        accent = ", accent" if color.get("accent") else ""
        share = f"{color['proportion'] * 100:.1f}%"
        lines.append(f"  --palette-{index}: {color['hex']}; /* {color['name']}, {share}{accent} */")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def to_gpl(document: Document) -> bytes:
    title = _single_line(palette_title(document))
    lines = ["GIMP Palette", f"Name: {title}", f"Columns: {len(document['colors'])}", "#"]
    for color in document["colors"]:
        red, green, blue = color["rgb"]
        lines.append(f"{red:3d} {green:3d} {blue:3d}\t{color['name']} {color['hex']}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def to_ase(document: Document) -> bytes:
    """Adobe Swatch Exchange 1.0: a group named after the still holding one RGB swatch per colour."""
    blocks = [_ase_block(0xC001, _ase_name(palette_title(document)))]
    for color in document["colors"]:
        red, green, blue = color["rgb"]
        body = (
            _ase_name(f"{color['name']} {color['hex']}")
            + b"RGB "
            + struct.pack(">fff", red / 255.0, green / 255.0, blue / 255.0)
            + struct.pack(">H", 2)  # colour type "normal" (not global, not spot)
        )
        blocks.append(_ase_block(0x0001, body))
    blocks.append(_ase_block(0xC002, b""))
    return b"ASEF" + struct.pack(">HHI", 1, 0, len(blocks)) + b"".join(blocks)


def to_text(document: Document) -> bytes:
    """A line per colour, then (schema 2) a line per role. A colour of schema 2 shows its basic term,
    its survey name with the CSS name, and its text colour with the contrast ratio; a document of
    schema 1 gives the lines it always gave (hex, share, CSS name)."""
    colors = document["colors"]
    if not all("xkcd_name" in color for color in colors):
        lines = []
        for color in colors:
            accent = "  accent" if color.get("accent") else ""
            lines.append(f"{color['hex']}  {color['proportion'] * 100:5.1f}%  {color['name']}{accent}")
        return ("\n".join(lines) + "\n").encode("utf-8")
    text = _aligned(
        [[*_color_cells(color), *(["accent"] if color.get("accent") else [])] for color in colors]
    )
    roles = document.get("roles")
    return text + b"\nroles\n" + roles_to_text(roles) if isinstance(roles, Mapping) else text


def roles_to_text(roles: Mapping[str, Any]) -> bytes:
    """A line per role: its name, then its colour as :func:`to_text` shows one, or ``none``."""
    rows = []
    for name, role in roles.items():
        if role is None:
            rows.append([name, "none"])
        else:
            rows.append(
                [name, *_color_cells(role), *([] if role.get("in_palette") else ["outside the palette"])]
            )
    return _aligned(rows)


def export_roles(document: Document, fmt: str) -> bytes | None:
    """The document's roles as ``text`` or ``json``; ``None`` for a document without roles (schema 1)."""
    if fmt not in ROLE_FORMATS:
        raise InvalidParameterError(f"roles come as {' or '.join(ROLE_FORMATS)}, not {fmt!r}")
    roles = document.get("roles")
    if not isinstance(roles, Mapping):
        return None
    if fmt == "json":
        return to_json({"roles": roles})
    return roles_to_text(roles)


def _aligned(rows: Sequence[Sequence[str]]) -> bytes:
    """Rows of cells as lines of left-aligned columns; a row may have fewer cells than another."""
    widths = [
        max(len(row[column]) for row in rows if len(row) > column) for column in range(max(map(len, rows)))
    ]
    lines = [
        "  ".join(cell.ljust(widths[column]) for column, cell in enumerate(row)).rstrip() for row in rows
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _color_cells(color: Mapping[str, Any]) -> list[str]:
    text = color.get("text") or {}
    return [
        color["hex"],
        f"{color['proportion'] * 100:5.1f}%",
        str(color.get("basic", "")),
        f"{color.get('xkcd_name', '')} (CSS {color['name']})",
        f"text {text.get('hex', '?')} {text.get('contrast', 0):5.2f}:1",
    ]


_EXPORTERS: Final[dict[str, Callable[[Document], bytes]]] = {
    "json": to_json,
    "css": to_css,
    "gpl": to_gpl,
    "ase": to_ase,
    "text": to_text,
}


def export_document(document: Document, fmt: str) -> bytes:
    """The document in one of :data:`EXPORT_FORMATS`."""
    try:
        exporter = _EXPORTERS[fmt]
    except KeyError:
        raise InvalidParameterError(
            f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}"
        ) from None
    return exporter(document)


def _ase_name(name: str) -> bytes:
    encoded = name.encode("utf-16-be") + b"\x00\x00"
    return struct.pack(">H", len(encoded) // 2) + encoded


def _ase_block(block_type: int, body: bytes) -> bytes:
    return struct.pack(">HI", block_type, len(body)) + body


def _comment_safe(text: str) -> str:
    return _single_line(text).replace("*/", "* /")


def _single_line(text: str) -> str:
    return re.sub(r"[\r\n\t]+", " ", text)
