"""A film's colour timeline ("barcode"): a PNG with one stripe per still, in film order.

Pillow only, never numpy: the API renders barcodes of any size and style on request. Pillow loads
when a barcode is drawn, so the options and their checks cost no import. A stripe is a still's
palette colours as ``((r, g, b), share)`` pairs, largest first (see :func:`stripe_of_document`).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

from palettes.errors import InvalidParameterError, NoUsablePixelsError
from palettes.params import _shown as shown

BarcodeStyle = Literal["dominant", "palette"]
BARCODE_STYLES: Final[tuple[str, ...]] = get_args(BarcodeStyle)
DEFAULT_STYLE: Final[BarcodeStyle] = "dominant"
MAX_WIDTH: Final = 4096
MAX_HEIGHT: Final = 1024
DEFAULT_HEIGHT: Final = 256
# The default width gives every still the same whole number of columns, about this many in all.
DEFAULT_TARGET_WIDTH: Final = 1024
MEDIA_TYPE: Final = "image/png"

Rgb = tuple[int, int, int]
Stripe = Sequence[tuple[Rgb, float]]


@dataclass(frozen=True)
class BarcodeOptions:
    """Validated options: ``width`` None means the default for the number of stills."""

    style: BarcodeStyle
    width: int | None
    height: int


def validate_barcode_options(
    style: object = DEFAULT_STYLE, width: object = None, height: object = None
) -> BarcodeOptions:
    """The options of :func:`render_barcode`, checked before anything is read: ``style`` one of
    ``BARCODE_STYLES``, ``width`` from 1 to ``MAX_WIDTH`` and ``height`` from 1 to ``MAX_HEIGHT``
    (whole numbers, or their decimal text as a query string gives them), each None for its default.
    Raises :class:`palettes.InvalidParameterError` with a message naming the allowed values."""
    if style not in BARCODE_STYLES:
        raise InvalidParameterError(f"style must be one of {', '.join(BARCODE_STYLES)}, got {shown(style)}")
    return BarcodeOptions(
        style=style,  # type: ignore[arg-type]  # checked against BARCODE_STYLES above
        width=None if width is None else _whole_number("width", width, MAX_WIDTH),
        height=DEFAULT_HEIGHT if height is None else _whole_number("height", height, MAX_HEIGHT),
    )


def default_width(stills: int) -> int:
    """Every still the same whole number of columns, about ``DEFAULT_TARGET_WIDTH`` in all, one
    column each past that, at most ``MAX_WIDTH``."""
    return min(MAX_WIDTH, stills * max(1, DEFAULT_TARGET_WIDTH // max(stills, 1)))


def render_barcode(
    stripes: Sequence[Stripe],
    *,
    style: object = DEFAULT_STYLE,
    width: object = None,
    height: object = None,
) -> bytes:
    """The barcode PNG of ``stripes`` (one per still, in film order).

    Column ``x`` shows still ``floor(x * n / width)``. ``dominant`` paints a still's columns in its
    first (largest) colour; ``palette`` splits them top to bottom by its colours' shares (normalised
    to sum to 1; each colour's band within a pixel of its share of the height). Every pixel is one of
    the stripes' colours exactly. Raises :class:`palettes.InvalidParameterError` for bad options or
    stripes and :class:`palettes.NoUsablePixelsError` for no stripes.
    """
    options = validate_barcode_options(style, width, height)
    if not stripes:
        raise NoUsablePixelsError("a barcode needs at least one still's colours")
    checked = [_checked_stripe(index, stripe) for index, stripe in enumerate(stripes)]
    columns = options.width or default_width(len(checked))
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (columns, options.height))
    draw = ImageDraw.Draw(image)
    for index, stripe in enumerate(checked):
        left, right = _columns_of(index, len(checked), columns)
        if left >= right:
            continue  # more stills than columns: this one falls between two
        bands = stripe[:1] if options.style == "dominant" else stripe
        for rgb, top, bottom in _bands(bands, options.height):
            draw.rectangle((left, top, right - 1, bottom - 1), fill=rgb)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def stripe_of_document(document: Mapping[str, Any]) -> list[tuple[Rgb, float]]:
    """A still's stripe from its palette document (``colors``, each with ``rgb`` and ``proportion``)."""
    return [
        ((int(color["rgb"][0]), int(color["rgb"][1]), int(color["rgb"][2])), float(color["proportion"]))
        for color in document["colors"]
    ]


def _columns_of(index: int, stills: int, columns: int) -> tuple[int, int]:
    """The columns x with floor(x * stills / columns) == index: [ceil(index * columns / stills), ...)."""
    return -(-index * columns // stills), -(-(index + 1) * columns // stills)


def _bands(stripe: Sequence[tuple[Rgb, float]], height: int) -> list[tuple[Rgb, int, int]]:
    """Each colour's rows, top to bottom: boundaries at the rounded cumulative shares (the last is
    exactly ``height``: the running sum ends on the total it is divided by)."""
    total = sum(share for _, share in stripe)
    bands, cumulative, top = [], 0.0, 0
    for rgb, share in stripe:
        cumulative += share
        bottom = round(cumulative / total * height)
        if bottom > top:
            bands.append((rgb, top, bottom))
            top = bottom
    return bands


def _checked_stripe(index: int, stripe: Stripe) -> list[tuple[Rgb, float]]:
    """The stripe's colours, or an error naming the still when it has none or a bad one."""
    if not stripe:
        raise InvalidParameterError(f"stripe {index} has no colours; a stripe needs at least one")
    checked = []
    for rgb, share in stripe:
        if len(rgb) != 3 or not all(_is_whole(channel) and 0 <= channel <= 255 for channel in rgb):
            raise InvalidParameterError(f"stripe {index}: colours are three whole numbers 0-255, got {rgb!r}")
        if isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share < float("inf"):
            raise InvalidParameterError(f"stripe {index}: shares are positive numbers, got {share!r}")
        checked.append(((int(rgb[0]), int(rgb[1]), int(rgb[2])), float(share)))
    return checked


def _whole_number(name: str, value: object, high: int) -> int:
    if isinstance(value, str) and value.isascii() and value.isdecimal() and len(value) <= 10:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise InvalidParameterError(f"{name} must be a whole number from 1 to {high}, got {shown(value)}")
    return value


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
