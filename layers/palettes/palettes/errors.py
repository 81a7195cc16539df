"""Typed errors of the palettes library: one root, each also a ValueError, each a permanent failure."""

from __future__ import annotations


class PaletteError(ValueError):
    """Root of every error the library raises for bad input or bad options.

    ``code`` is a stable, machine-readable name (it ends up in FAILED records and API bodies);
    the message is written for a person.
    """

    code = "palette_error"


class UnsupportedFormatError(PaletteError):
    """The data is not an image in a supported format (JPEG, PNG, WebP, GIF, TIFF, BMP)."""

    code = "unsupported_format"


class CorruptImageError(PaletteError):
    """The image declares a supported format but its data is truncated, empty or damaged."""

    code = "corrupt_image"


class ImageTooLargeError(PaletteError):
    """The image has more pixels than the configured limit (checked before decoding)."""

    code = "image_too_large"


class NoUsablePixelsError(PaletteError):
    """Every pixel was left out: fully transparent, or outside the brightness bounds."""

    code = "no_usable_pixels"


class InvalidParameterError(PaletteError):
    """An option (k, method, space, brightness bounds, ...) is out of range or unknown."""

    code = "invalid_parameter"
