"""Exports of the palette document; the ASE output is read back by a small independent parser."""

import json
import struct
from typing import Any

import pytest

import palettes
from palettes.exports import EXPORT_FORMATS, coolors_url, export_document, export_roles

DOCUMENT: dict[str, Any] = {
    "schema_version": 1,
    "source": {"key": "stills/my film/Opening shot é.jpg", "width": 10, "height": 10, "format": "JPEG"},
    "params": {"k": 2},
    "colors": [
        {"hex": "#1f3a4b", "rgb": [31, 58, 75], "proportion": 0.75, "name": "darkslategray", "accent": False},
        {"hex": "#dc143c", "rgb": [220, 20, 60], "proportion": 0.25, "name": "crimson", "accent": True},
    ],
}


V2_COLORS = [
    {
        **DOCUMENT["colors"][0],
        "xkcd_name": "dark slate blue",
        "basic": "blue",
        "text": {"hex": "#dcc9ab", "contrast": 7.36},
    },
    {
        **DOCUMENT["colors"][1],
        "xkcd_name": "lipstick red",
        "basic": "red",
        "text": {"hex": "#fcfbf9", "contrast": 4.52},
    },
]
V2_DOCUMENT: dict[str, Any] = {
    **DOCUMENT,
    "schema_version": 2,
    "colors": V2_COLORS,
    "roles": {
        "dominant": {**{k: v for k, v in V2_COLORS[0].items() if k != "accent"}, "in_palette": True},
        "vibrant": {**{k: v for k, v in V2_COLORS[1].items() if k != "accent"}, "in_palette": True},
        "light_vibrant": None,
        "dark_vibrant": {
            "hex": "#931303",
            "rgb": [147, 19, 3],
            "proportion": 0.005,
            "name": "darkred",
            "xkcd_name": "brick red",
            "basic": "red",
            "text": {"hex": "#dcc9ab", "contrast": 6.02},
            "in_palette": False,
        },
        "muted": None,
        "light_muted": None,
        "dark_muted": None,
    },
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


def test_a_film_palette_is_named_after_its_film() -> None:
    film = {key: value for key, value in DOCUMENT.items() if key != "source"} | {"film": "Raging Bull"}
    assert export_document(film, "gpl").decode().splitlines()[1] == "Name: Raging Bull"
    assert export_document(film, "css").decode().splitlines()[0] == "/* Raging Bull: colour palette */"


def test_json_and_text() -> None:
    assert json.loads(export_document(DOCUMENT, "json")) == DOCUMENT
    assert export_document(DOCUMENT, "text").decode().splitlines()[1] == "#dc143c   25.0%  crimson  accent"


def test_text_of_a_v2_document_shows_names_text_colours_and_roles() -> None:
    lines = export_document(V2_DOCUMENT, "text").decode().splitlines()
    assert lines[:2] == [
        "#1f3a4b   75.0%  blue  dark slate blue (CSS darkslategray)  text #dcc9ab  7.36:1",
        "#dc143c   25.0%  red   lipstick red (CSS crimson)           text #fcfbf9  4.52:1  accent",
    ]
    assert lines[2:4] == ["", "roles"]
    assert lines[4].startswith("dominant       #1f3a4b   75.0%  blue  dark slate blue (CSS darkslategray)")
    assert lines[5].split()[:2] == ["vibrant", "#dc143c"]
    assert lines[6].split() == ["light_vibrant", "none"]
    assert lines[7].endswith("text #dcc9ab  6.02:1  outside the palette")
    assert len(lines) == 4 + 7


def test_roles_alone_as_text_or_json() -> None:
    text = export_roles(V2_DOCUMENT, "text")
    assert text is not None
    assert [line.split()[0] for line in text.decode().splitlines()] == list(V2_DOCUMENT["roles"])
    assert json.loads(export_roles(V2_DOCUMENT, "json") or b"") == {"roles": V2_DOCUMENT["roles"]}


def test_a_v1_document_has_no_roles_to_export() -> None:
    assert export_roles(DOCUMENT, "text") is None
    assert b"roles" not in export_document(DOCUMENT, "text")
    with pytest.raises(palettes.InvalidParameterError, match="text or json"):
        export_roles(V2_DOCUMENT, "css")


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_every_export_reads_v1_and_v2_documents(fmt) -> None:
    assert export_document(DOCUMENT, fmt)
    assert export_document(V2_DOCUMENT, fmt)


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
