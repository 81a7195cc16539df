"""WCAG 2.x contrast of two colours, and a text colour with its contrast.

Pure Python on purpose (no numpy): the swatch, the gallery and the read API can use it. The text
colours of a palette are chosen by :mod:`palettes.text_colors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

RGB = tuple[int, int, int]
# WCAG 2.x level AA for body text.
MIN_CONTRAST: Final = 4.5
WHITE: Final[RGB] = (255, 255, 255)
BLACK: Final[RGB] = (0, 0, 0)


def _linear(channel: int) -> float:
    value = channel / 255.0
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


# Each 8-bit code value's linear light, and each channel's weight in the luminance.
LINEAR: Final = tuple(_linear(channel) for channel in range(256))
LUMINANCE_WEIGHTS: Final = (0.2126, 0.7152, 0.0722)


def relative_luminance(rgb: Sequence[int]) -> float:
    """WCAG 2.x relative luminance of an 8-bit sRGB colour (0 black, 1 white)."""
    red, green, blue = LUMINANCE_WEIGHTS
    return red * LINEAR[rgb[0]] + green * LINEAR[rgb[1]] + blue * LINEAR[rgb[2]]


def contrast_ratio(first: Sequence[int], second: Sequence[int]) -> float:
    """WCAG 2.x contrast ratio of two 8-bit sRGB colours, from 1 (same luminance) to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class TextColor:
    """A text colour for a background, and its contrast ratio with it (at least ``MIN_CONTRAST``)."""

    rgb: RGB
    contrast: float

    @property
    def hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)

    def to_dict(self) -> dict[str, Any]:
        # Rounded down, so the ratio written never claims more contrast than there is.
        return {"hex": self.hex, "contrast": int(self.contrast * 100) / 100}


def plain_text_color(background: Sequence[int]) -> TextColor:
    """Black or white, whichever contrasts more with the background."""
    on_black, on_white = contrast_ratio(background, BLACK), contrast_ratio(background, WHITE)
    return TextColor(BLACK, on_black) if on_black >= on_white else TextColor(WHITE, on_white)
