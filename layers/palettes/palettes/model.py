"""The palette document model: what an extraction returns and how it is written as JSON."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from palettes.basic_colors import BasicColor
from palettes.contrast import TextColor
from palettes.params import ExtractParams

if TYPE_CHECKING:  # the model serves the API, which must not import numpy
    from palettes.summary import ColorSummary

# 2 added each colour's xkcd_name, basic and text, and the roles; every field of 1 is kept.
SCHEMA_VERSION = 2


@dataclass(frozen=True)
class PaletteColor:
    """One palette entry. ``proportion`` is its share of the counted pixels; ``name`` the nearest
    CSS name, ``xkcd_name`` the nearest name of the xkcd colour survey, ``basic`` its basic colour
    term, ``text`` a readable text colour on it."""

    rgb: tuple[int, int, int]
    hsv: tuple[float, float, float]
    lab: tuple[float, float, float]
    proportion: float
    name: str
    accent: bool
    xkcd_name: str
    basic: BasicColor
    text: TextColor

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
            "xkcd_name": self.xkcd_name,
            "basic": self.basic,
            "accent": self.accent,
            "text": self.text.to_dict(),
        }


@dataclass(frozen=True)
class Role:
    """The colour a role takes (see :mod:`palettes.roles`): ``color.proportion`` is its share of the
    counted pixels, ``in_palette`` false when it comes from outside the palette's colours."""

    color: PaletteColor
    in_palette: bool

    def to_dict(self) -> dict[str, Any]:
        document = self.color.to_dict()
        del document["accent"]
        return {**document, "in_palette": self.in_palette}


@dataclass(frozen=True)
class Roles:
    """A palette's roles; a role the still has no colour for is ``None``."""

    dominant: Role
    vibrant: Role | None
    light_vibrant: Role | None
    dark_vibrant: Role | None
    muted: Role | None
    light_muted: Role | None
    dark_muted: Role | None

    def to_dict(self) -> dict[str, Any]:
        return {name: None if role is None else role.to_dict() for name, role in self.items()}

    def items(self) -> list[tuple[str, Role | None]]:
        return [(field.name, getattr(self, field.name)) for field in fields(self)]


ROLE_NAMES = tuple(field.name for field in fields(Roles))


@dataclass(frozen=True)
class SourceInfo:
    """What was analysed: ``key`` is the file name or object key when known.

    A film's palette (:func:`palettes.film.film_palette`) has no key, width or height: its format is
    ``"film"``, ``stills`` the number of stills it stands for and ``counted_pixels`` their counted
    pixels. ``stills`` appears in the document only when set, so a still's document is unchanged.
    """

    key: str | None
    width: int | None
    height: int | None
    format: str
    counted_pixels: int
    stills: int | None = None

    def to_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "key": self.key,
            "width": self.width,
            "height": self.height,
            "format": self.format,
            "counted_pixels": self.counted_pixels,
        }
        if self.stills is not None:
            document["stills"] = self.stills
        return document


@dataclass(frozen=True)
class Palette:
    """A palette: colours ordered by proportion (largest first), proportions summing to 1.

    ``summary`` is a still's colour summary (see :mod:`palettes.summary`), kept beside the document
    and not part of it; ``None`` for a film's palette. Palettes compare equal without it.
    """

    colors: tuple[PaletteColor, ...]
    source: SourceInfo
    params: ExtractParams
    roles: Roles
    summary: ColorSummary | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The palette document (``schema_version`` 2), as documented in the README."""
        from palettes.exports import coolors_url

        colors = [color.to_dict() for color in self.colors]
        return {
            "schema_version": SCHEMA_VERSION,
            "source": self.source.to_dict(),
            "params": self.params.as_kwargs(),
            "colors": colors,
            "roles": self.roles.to_dict(),
            "coolors_url": coolors_url([color["hex"] for color in colors]),
        }
