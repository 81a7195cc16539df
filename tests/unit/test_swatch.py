"""The swatch PNG: colours in proportion, a tile per colour, readable labels, the roles."""

import copy
import io
from importlib.resources import files
from typing import Any

from PIL import Image, ImageDraw, ImageFont

import palettes
from palettes import swatch
from palettes.contrast import MIN_CONTRAST, contrast_ratio
from palettes.swatch import SWATCH_FONT_FILE, fit_title, label_color
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


def _titled(key: str) -> dict[str, Any]:
    document = copy.deepcopy(V2_DOCUMENT)
    document["source"] = {**(document.get("source") or {}), "key": key}
    return document


def _title_band(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return image.crop((0, 0, image.width, 24 + 44))


def test_the_font_ships_in_the_package_with_its_licence() -> None:
    package = files("palettes")
    font = package / "DejaVuSans-subset.ttf"
    assert font.is_file()
    assert SWATCH_FONT_FILE.read_bytes() == font.read_bytes()
    assert len(font.read_bytes()) < 200_000  # it ships in the Lambda layer
    assert ImageFont.truetype(io.BytesIO(font.read_bytes()), 24).getname() == ("DejaVu Sans", "Book")
    licence = (package / "DejaVuSans-LICENSE.txt").read_text(encoding="utf-8")
    assert "Bitstream Vera Fonts Copyright" in licence and "Arev Fonts Copyright" in licence
    assert "DejaVuSans-subset.ttf" in (package / "LICENSES.md").read_text(encoding="utf-8")


def test_every_script_the_font_claims_has_real_glyphs() -> None:
    font = ImageFont.truetype(SWATCH_FONT_FILE, 24)
    missing = bytes(font.getmask("\N{CJK UNIFIED IDEOGRAPH-6771}"))  # no CJK in the subset: the box
    punctuation = "\N{EN DASH}\N{EM DASH}\N{LEFT SINGLE QUOTATION MARK}\N{RIGHT SINGLE QUOTATION MARK}“”„…"
    for char in "aZ09%#·éüßñçøłŁżŻčřőĞșțƒǅΩωάЖжЁёЩ€™\N{MINUS SIGN}\N{REPLACEMENT CHARACTER}" + punctuation:
        mask = font.getmask(char)
        assert mask.getbbox() is not None, char
        assert bytes(mask) != missing, char


def test_a_title_in_any_european_script_is_drawn_in_full() -> None:
    # Each letter in its own still name: drawn, it changes the title's pixels from the box's.
    boxed = _title_band(palettes.render_swatch(_titled("stills/f/x\N{CJK UNIFIED IDEOGRAPH-6771}.jpg")))
    for char in "éłΩЖ":
        drawn = _title_band(palettes.render_swatch(_titled(f"stills/f/x{char}.jpg")))
        assert drawn.tobytes() != boxed.tobytes(), char


def test_a_decomposed_accent_is_drawn_as_the_composed_letter() -> None:
    composed = palettes.render_swatch(_titled("stills/f/plan s\N{LATIN SMALL LETTER E WITH ACUTE}quence.jpg"))
    decomposed = palettes.render_swatch(_titled("stills/f/plan se\N{COMBINING ACUTE ACCENT}quence.jpg"))
    assert composed == decomposed


def test_a_long_title_is_cut_to_the_width_with_an_ellipsis() -> None:
    font = ImageFont.truetype(SWATCH_FONT_FILE, 24)
    title = "plan séquence Żółć Жизнь " * 20 + ".jpg"
    for width in (300, 552, 1152):
        fitted = fit_title(title, font, width)
        assert fitted.endswith("…") and not fitted.endswith(" …")
        assert font.getlength(fitted) <= width
        assert title.startswith(fitted[:-1])
        longer = next(
            title[:end].rstrip()
            for end in range(len(fitted), len(title))
            if title[:end].rstrip() != fitted[:-1]
        )
        assert font.getlength(longer + "…") > width  # the longest cut that fits
    assert fit_title("short.jpg", font, 300) == "short.jpg"
    # Measured, not counted: 85 narrow letters fit where 60 wide ones do not.
    assert fit_title("i" * 85, font, 1152) == "i" * 85
    assert fit_title("W" * 60, font, 1152).endswith("…")


def test_a_long_title_ends_inside_the_image() -> None:
    png = palettes.render_swatch(_titled("stills/f/" + "Ω" * 300 + ".jpg"), width=600)
    band = _title_band(png)
    ink = [
        x for x in range(band.width) for y in range(band.height) if band.getpixel((x, y)) != (250, 250, 248)
    ]
    assert max(ink) < 600 - 24 + 2  # the right margin, give or take antialiasing


def test_the_swatch_is_deterministic_and_its_title_is_in_the_shipped_font() -> None:
    name = "plan séquence Ωμέγα Жизнь " + "long " * 50 + ".jpg"
    document = _titled(f"stills/film/{name}")
    first = palettes.render_swatch(document)
    swatch._font.cache_clear()  # a fresh process's fonts draw the same
    assert palettes.render_swatch(copy.deepcopy(document)) == first
    font = ImageFont.truetype(SWATCH_FONT_FILE, 24)
    expected = Image.new("RGB", (1200, 24 + 44), (250, 250, 248))
    title = fit_title(name, font, 1200 - 48)
    ImageDraw.Draw(expected).text((24, 24), title, fill=(24, 24, 24), font=font)
    assert _title_band(first).tobytes() == expected.tobytes()
