"""The swatch PNG: colours in proportion, a tile per colour, readable labels, the roles."""

import io

from PIL import Image

import palettes
from palettes.contrast import MIN_CONTRAST, contrast_ratio
from palettes.swatch import label_color
from tests.unit.test_exports import DOCUMENT, V2_DOCUMENT

TILE_TOP = 24 + 44 + 90 + 12
ROLE_TOP = TILE_TOP + 170 + 12


def _colours(image: Image.Image, box: tuple[int, int, int, int]) -> set[object]:
    return {rgb for _, rgb in image.crop(box).getcolors(maxcolors=100_000) or []}


def test_swatch_shows_the_colours_in_proportion() -> None:
    png = palettes.render_swatch(DOCUMENT, width=1000)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.width == 1000
    strip_row = 24 + 44 + 45
    left_part = image.getpixel((24 + int(0.5 * 952), strip_row))
    right_part = image.getpixel((24 + int(0.9 * 952), strip_row))
    assert left_part == (31, 58, 75)
    assert right_part == (220, 20, 60)


def test_labels_of_a_v1_document_are_black_or_white() -> None:
    assert label_color({"rgb": [250, 250, 240]}) == "#000000"
    assert label_color({"rgb": [20, 20, 60]}) == "#ffffff"
    png = palettes.render_swatch(DOCUMENT)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.height == TILE_TOP + 170 + 24  # no roles row
    assert (255, 255, 255) in _colours(image, (24, TILE_TOP, 24 + 500, TILE_TOP + 60))


def test_labels_of_a_v2_document_are_its_text_colours_and_its_roles_have_a_row() -> None:
    image = Image.open(io.BytesIO(palettes.render_swatch(V2_DOCUMENT))).convert("RGB")
    assert image.height == ROLE_TOP + 84 + 24
    assert (0xDC, 0xC9, 0xAB) in _colours(image, (24, TILE_TOP, 24 + 500, TILE_TOP + 60))
    present = [role for role in V2_DOCUMENT["roles"].values() if role is not None]
    width = (1200 - 48 - 12 * (len(present) - 1)) / len(present)
    for index, role in enumerate(present):
        left = round(24 + index * (width + 12))
        tile = _colours(image, (left, ROLE_TOP, left + round(width) - 1, ROLE_TOP + 84))
        assert tuple(role["rgb"]) in tile
        assert tuple(int(role["text"]["hex"][i : i + 2], 16) for i in (1, 3, 5)) in tile


def test_swatch_of_a_palette_object(sample_still) -> None:
    palette = palettes.extract(sample_still)
    png = palettes.render_swatch(palette)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(png)).size == (1200, ROLE_TOP + 84 + 24)
    for color in palette.colors:
        assert contrast_ratio(color.text.rgb, color.rgb) >= MIN_CONTRAST


def test_text_chunks_change_the_bytes_and_not_the_pixels() -> None:
    plain = palettes.render_swatch(DOCUMENT, width=600)
    tagged = palettes.render_swatch(DOCUMENT, width=600, text={"source-sequencer": "0067455D2B7A3C1F00"})

    assert tagged != plain
    assert Image.open(io.BytesIO(plain)).text == {}  # type: ignore[attr-defined]
    with Image.open(io.BytesIO(tagged)) as image:
        assert image.text == {"source-sequencer": "0067455D2B7A3C1F00"}  # type: ignore[attr-defined]
        assert image.tobytes() == Image.open(io.BytesIO(plain)).tobytes()
