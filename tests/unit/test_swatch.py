"""The swatch PNG: colours in proportion, a tile per colour, readable labels."""

import io

from PIL import Image

import palettes
from palettes.swatch import label_color
from tests.unit.test_exports import DOCUMENT


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


def test_labels_contrast_with_their_tile() -> None:
    assert label_color((250, 250, 240)) == (0, 0, 0)
    assert label_color((20, 20, 60)) == (255, 255, 255)
    png = palettes.render_swatch(DOCUMENT)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    tile = image.crop((24, 24 + 44 + 90 + 12, 24 + 500, 24 + 44 + 90 + 12 + 60))
    colours = {rgb for _, rgb in tile.getcolors(maxcolors=100_000) or []}
    assert (255, 255, 255) in colours  # white hex label on the dark tile


def test_swatch_of_a_palette_object(sample_still) -> None:
    palette = palettes.extract(sample_still)
    assert palettes.render_swatch(palette)[:8] == b"\x89PNG\r\n\x1a\n"
