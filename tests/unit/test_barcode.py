"""The colour timeline: one stripe per still in order, each the still's colour within CIEDE2000 1,
palette proportions within a pixel, bounded options with clear errors, and no numpy."""

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import palettes
from palettes.barcode import (
    BARCODE_STYLES,
    DEFAULT_HEIGHT,
    MAX_HEIGHT,
    MAX_WIDTH,
    default_width,
    render_barcode,
    stripe_of_document,
    validate_barcode_options,
)
from palettes.colorspace import ciede2000, srgb_to_lab

STILLS = sorted((Path(__file__).resolve().parents[2] / "samples" / "stills").glob("*.jpg"))


def _pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB"))


def _delta_e(first, second) -> float:
    return float(
        ciede2000(srgb_to_lab(np.array(first, dtype=np.uint8)), srgb_to_lab(np.array(second, dtype=np.uint8)))
    )


@pytest.fixture(scope="module")
def stripes() -> list[list[tuple[tuple[int, int, int], float]]]:
    """The sample stills' stripes, from their palette documents (what the service stores)."""
    return [stripe_of_document(palettes.extract(path).to_dict()) for path in STILLS]


@pytest.mark.parametrize("style", BARCODE_STYLES)
def test_one_stripe_per_still_in_order(stripes, style) -> None:
    pixels = _pixels(render_barcode(stripes, style=style))
    count = len(stripes)
    assert pixels.shape == (DEFAULT_HEIGHT, count * (1024 // count), 3)
    width = pixels.shape[1]
    for x in range(width):
        stripe = stripes[x * count // width]
        column = pixels[:, x]
        assert _delta_e(column[0], stripe[0][0]) < 1.0  # the top is the still's largest colour
        if style == "dominant":
            assert (column == column[0]).all()
    # Each still gets the same whole number of columns.
    columns = np.array([x * count // width for x in range(width)])
    assert np.bincount(columns).tolist() == [width // count] * count


def test_a_stripe_colour_is_the_still_colour_within_ciede2000_1(stripes) -> None:
    pixels = _pixels(render_barcode(stripes, style="dominant", width=len(stripes), height=3))
    for x, path in enumerate(STILLS):
        dominant = palettes.extract(path).roles.dominant.color.rgb
        assert _delta_e(pixels[1, x], dominant) < 1.0


def test_palette_style_splits_a_stripe_by_its_shares_within_a_pixel(stripes) -> None:
    height = 997  # a prime: no share lands on a whole row by chance
    pixels = _pixels(render_barcode(stripes, style="palette", width=len(stripes), height=height))
    for x, stripe in enumerate(stripes):
        column = [tuple(int(channel) for channel in rgb) for rgb in pixels[:, x]]
        total = sum(share for _, share in stripe)
        row = 0
        for rgb, share in stripe:
            rows = 0
            while row < height and column[row] == rgb:
                rows, row = rows + 1, row + 1
            assert abs(rows - share / total * height) <= 1.0
        assert row == height  # top to bottom, largest first, nothing else


def test_more_stills_than_columns_shows_every_nth_still() -> None:
    stripes = [[((index, 255 - index, 7), 1.0)] for index in range(10)]
    pixels = _pixels(render_barcode(stripes, style="dominant", width=4, height=2))
    assert [tuple(pixels[0, x]) for x in range(4)] == [(x * 10 // 4, 255 - x * 10 // 4, 7) for x in range(4)]


def test_the_default_width_gives_equal_columns_up_to_the_maximum() -> None:
    assert default_width(1) == 1024
    assert default_width(3) == 3 * 341
    assert default_width(1024) == 1024
    assert default_width(3000) == 3000
    assert default_width(10_000) == MAX_WIDTH


def test_rendering_is_deterministic(stripes) -> None:
    assert render_barcode(stripes, style="palette") == render_barcode(stripes, style="palette")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"style": "rainbow"}, "style must be one of dominant, palette, got 'rainbow'"),
        ({"width": 0}, "width must be a whole number from 1 to 4096, got 0"),
        ({"width": MAX_WIDTH + 1}, "width must be a whole number from 1 to 4096, got 4097"),
        ({"width": "wide"}, "width must be a whole number from 1 to 4096, got 'wide'"),
        ({"width": "-5"}, "width must be a whole number from 1 to 4096"),
        ({"width": 2.5}, "width must be a whole number from 1 to 4096"),
        ({"width": True}, "width must be a whole number from 1 to 4096"),
        ({"height": MAX_HEIGHT + 1}, "height must be a whole number from 1 to 1024, got 1025"),
        ({"height": "9" * 5000}, "height must be a whole number from 1 to 1024"),
    ],
)
def test_bad_options_are_refused_with_the_allowed_values(options, message) -> None:
    with pytest.raises(palettes.InvalidParameterError, match=message):
        validate_barcode_options(**options)
    with pytest.raises(palettes.InvalidParameterError, match=message):
        render_barcode([[((1, 2, 3), 1.0)]], **{"style": "dominant", **options})


def test_options_from_a_query_string_are_parsed() -> None:
    options = validate_barcode_options("palette", "4096", "1")
    assert (options.style, options.width, options.height) == ("palette", 4096, 1)
    assert validate_barcode_options().width is None


def test_no_stripes_is_a_clear_error() -> None:
    with pytest.raises(palettes.NoUsablePixelsError, match="at least one still"):
        render_barcode([], style="dominant")


@pytest.mark.parametrize(
    "stripe", [[], [((256, 0, 0), 1.0)], [((1, 2), 1.0)], [((1, 2, 3), 0.0)], [((1, 2, 3), float("nan"))]]
)
def test_a_bad_stripe_is_a_clear_error(stripe) -> None:
    with pytest.raises(palettes.InvalidParameterError, match="stripe 1"):
        render_barcode([[((1, 2, 3), 1.0)], stripe], style="palette")


def test_importing_and_rendering_a_barcode_imports_no_numpy_and_checking_options_no_pillow() -> None:
    code = (
        "import sys\n"
        "import palettes.barcode\n"
        "palettes.validate_barcode_options('palette', '100', '10')\n"
        "assert 'PIL' not in sys.modules, 'the options and their checks imported Pillow'\n"
        "assert 'numpy' not in sys.modules, 'importing the barcode imported numpy'\n"
        "png = palettes.render_barcode([[((200, 30, 60), 0.7), ((10, 10, 10), 0.3)]], style='palette')\n"
        "palettes.validate_barcode_options('dominant', '100', '10')\n"
        "assert png.startswith(b'\\x89PNG'), 'not a PNG'\n"
        "assert 'numpy' not in sys.modules, 'rendering a barcode imported numpy'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
