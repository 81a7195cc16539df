"""The palette document model: what an extraction returns and how it is written as JSON."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from palettes.params import ExtractParams

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class PaletteColor:
    """One palette entry. ``proportion`` is its share of the counted pixels."""

    rgb: tuple[int, int, int]
    hsv: tuple[float, float, float]
    lab: tuple[float, float, float]
    proportion: float
    name: str
    accent: bool

    @property
    def hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.rgb)

    def to_dict(self) -> dict[str, Any]:
        return {
            "hex": self.hex,
            "rgb": list(self.rgb),
            "hsv": [round(self.hsv[0], 1), round(self.hsv[1], 4), round(self.hsv[2], 4)],
            "lab": [round(value, 2) for value in self.lab],
            "proportion": self.proportion,
            "name": self.name,
            "accent": self.accent,
        }


@dataclass(frozen=True)
class SourceInfo:
    """What was analysed: ``key`` is the file name or object key when known."""

    key: str | None
    width: int
    height: int
    format: str
    counted_pixels: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "width": self.width,
            "height": self.height,
            "format": self.format,
            "counted_pixels": self.counted_pixels,
        }


@dataclass(frozen=True)
class Palette:
    """A palette: colours ordered by proportion (largest first), proportions summing to 1."""

    colors: tuple[PaletteColor, ...]
    source: SourceInfo
    params: ExtractParams

    def to_dict(self) -> dict[str, Any]:
        """The palette document (``schema_version`` 1), as documented in the README."""
        from palettes.exports import coolors_url

        colors = [color.to_dict() for color in self.colors]
        return {
            "schema_version": SCHEMA_VERSION,
            "source": self.source.to_dict(),
            "params": self.params.as_kwargs(),
            "colors": colors,
            "coolors_url": coolors_url([color["hex"] for color in colors]),
        }
