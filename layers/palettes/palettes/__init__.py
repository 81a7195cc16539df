"""Colour palettes of film stills: a pure library (no AWS code) shared by the CLI and the Lambda layer.

``import palettes`` is cheap: numpy and Pillow load on first use of :func:`extract`,
:func:`film_palette` or :func:`render_swatch`, and the exports work on palette documents without
them. :func:`render_barcode` (a film's colour timeline) needs Pillow alone, never numpy.

    >>> palette = palettes.extract("still.jpg", k=6)
    >>> palette.to_dict()["colors"][0]["hex"]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from palettes.basic_colors import BASIC_COLOR_TERMS, basic_color_term
from palettes.contrast import MIN_CONTRAST, TextColor, contrast_ratio
from palettes.errors import (
    CorruptImageError,
    ImageTooLargeError,
    InvalidParameterError,
    NoUsablePixelsError,
    PaletteError,
    UnsupportedFormatError,
)
from palettes.exports import EXPORT_FORMATS, MEDIA_TYPES, export_document
from palettes.params import METHODS, SPACES, ExtractParams

if TYPE_CHECKING:
    from palettes.barcode import BARCODE_STYLES, render_barcode, validate_barcode_options
    from palettes.extraction import extract
    from palettes.film import film_palette
    from palettes.loading import LoadedImage, load_image
    from palettes.model import ROLE_NAMES, Palette, PaletteColor, Role, Roles, SourceInfo
    from palettes.summary import ColorSummary
    from palettes.swatch import render_swatch

__all__ = [
    "BARCODE_STYLES",
    "BASIC_COLOR_TERMS",
    "EXPORT_FORMATS",
    "MEDIA_TYPES",
    "METHODS",
    "MIN_CONTRAST",
    "ROLE_NAMES",
    "SPACES",
    "ColorSummary",
    "CorruptImageError",
    "ExtractParams",
    "ImageTooLargeError",
    "InvalidParameterError",
    "LoadedImage",
    "NoUsablePixelsError",
    "Palette",
    "PaletteColor",
    "PaletteError",
    "Role",
    "Roles",
    "SourceInfo",
    "TextColor",
    "UnsupportedFormatError",
    "basic_color_term",
    "contrast_ratio",
    "export_document",
    "extract",
    "film_palette",
    "load_image",
    "render_barcode",
    "render_swatch",
    "validate_barcode_options",
]

_LAZY = {
    "extract": "palettes.extraction",
    "load_image": "palettes.loading",
    "LoadedImage": "palettes.loading",
    "Palette": "palettes.model",
    "PaletteColor": "palettes.model",
    "SourceInfo": "palettes.model",
    "Role": "palettes.model",
    "Roles": "palettes.model",
    "ROLE_NAMES": "palettes.model",
    "render_swatch": "palettes.swatch",
    "ColorSummary": "palettes.summary",
    "film_palette": "palettes.film",
    "BARCODE_STYLES": "palettes.barcode",
    "render_barcode": "palettes.barcode",
    "validate_barcode_options": "palettes.barcode",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'palettes' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value
