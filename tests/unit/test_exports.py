"""Exports of the palette document; the ASE output is read back by a small independent parser."""

import json
import struct

import pytest

import palettes
from palettes.exports import EXPORT_FORMATS, coolors_url, export_document

DOCUMENT = {
    "schema_version": 1,
    "source": {"key": "stills/my film/Opening shot é.jpg", "width": 10, "height": 10, "format": "JPEG"},
    "params": {"k": 2},
    "colors": [
        {"hex": "#1f3a4b", "rgb": [31, 58, 75], "proportion": 0.75, "name": "darkslategray", "accent": False},
        {"hex": "#dc143c", "rgb": [220, 20, 60], "proportion": 0.25, "name": "crimson", "accent": True},
    ],
}


def _read_ase(data: bytes) -> list[tuple[int, str, tuple[float, ...]]]:
    assert data[:4] == b"ASEF"
    major, minor, count = struct.unpack(">HHI", data[4:12])
    assert (major, minor) == (1, 0)
    offset = 12
    blocks: list[tuple[int, str, tuple[float, ...]]] = []
    for _ in range(count):
        kind, length = struct.unpack(">HI", data[offset : offset + 6])
        body = data[offset + 6 : offset + 6 + length]
        offset += 6 + length
        name, values = "", ()
        if body:
            (units,) = struct.unpack(">H", body[:2])
            name = body[2 : 2 + 2 * units].decode("utf-16-be").rstrip("\x00")
            rest = body[2 + 2 * units :]
            if kind == 0x0001:
                assert rest[:4] == b"RGB "
                values = struct.unpack(">fff", rest[4:16])
        blocks.append((kind, name, values))
    assert offset == len(data)
    return blocks


def test_ase_reads_back() -> None:
    blocks = _read_ase(export_document(DOCUMENT, "ase"))
    assert [kind for kind, _, _ in blocks] == [0xC001, 0x0001, 0x0001, 0xC002]
    assert blocks[0][1] == "Opening shot é.jpg"
    assert blocks[2][1] == "crimson #dc143c"
    assert blocks[2][2] == pytest.approx((220 / 255, 20 / 255, 60 / 255))


def test_css_custom_properties() -> None:
    css = export_document(DOCUMENT, "css").decode()
    assert "--palette-1: #1f3a4b;" in css
    assert "--palette-2: #dc143c; /* crimson, 25.0%, accent */" in css


def test_gpl() -> None:
    lines = export_document(DOCUMENT, "gpl").decode().splitlines()
    assert lines[:4] == ["GIMP Palette", "Name: Opening shot é.jpg", "Columns: 2", "#"]
    assert lines[5].split() == ["220", "20", "60", "crimson", "#dc143c"]


def test_json_and_text() -> None:
    assert json.loads(export_document(DOCUMENT, "json")) == DOCUMENT
    assert export_document(DOCUMENT, "text").decode().splitlines()[1] == "#dc143c   25.0%  crimson  accent"


def test_coolors_url() -> None:
    assert coolors_url(["#1F3A4B", "#dc143c"]) == "https://coolors.co/1f3a4b-dc143c"


def test_unknown_format() -> None:
    with pytest.raises(palettes.InvalidParameterError, match="css"):
        export_document(DOCUMENT, "pdf")


def test_every_format_has_a_media_type() -> None:
    assert set(EXPORT_FORMATS) == set(palettes.MEDIA_TYPES)


def test_names_with_comment_breakers_stay_inside_comments() -> None:
    document = dict(DOCUMENT, source={"key": "evil */ body{}\n.jpg"})
    css = export_document(document, "css").decode()
    first_line = css.splitlines()[0]
    assert first_line.startswith("/* ") and first_line.endswith(" */")
    assert first_line.count("*/") == 1
    assert css.splitlines()[1] == ":root {"
