"""Extraction options: one validated, immutable value shared by the API, the CLI and the service.

Every option is bounded to what every store and step can hold (a DynamoDB number, JSON, a numpy
seed), so options that pass here can always be recorded with the palette.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal, get_args

from palettes.errors import InvalidParameterError

Method = Literal["kmeans", "agglomerative"]
Space = Literal["lab", "rgb", "hsv"]
METHODS: tuple[str, ...] = get_args(Method)
SPACES: tuple[str, ...] = get_args(Space)
MIN_K, MAX_K = 1, 32
# Seeds are 32-bit: numpy takes any, but a DynamoDB number keeps 38 digits at most (a JavaScript
# number 15 or 16), and a 32-bit seed is as good a seed.
MIN_SEED, MAX_SEED = 0, 2**32 - 1
# A brightness bound other than 0 is at least this: DynamoDB numbers stop at 1e-130, and the
# darkest pixel that is not black (sRGB 1, 1, 1) already has a brightness of 0.0027.
MIN_NONZERO_BRIGHTNESS = 1e-6
_WHOLE_NUMBERS = {"k": (MIN_K, MAX_K), "seed": (MIN_SEED, MAX_SEED)}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class ExtractParams:
    """Options of :func:`palettes.extract`.

    ``min_brightness`` and ``max_brightness`` are on the CIE lightness scale L*/100 (0 is black,
    1 is diffuse white): pixels darker than the first or lighter than the second are not counted.
    """

    k: int = 6
    method: Method = "kmeans"
    space: Space = "lab"
    min_brightness: float = 0.0
    max_brightness: float = 1.0
    accents: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        _check_whole_number("k", self.k)
        if self.method not in METHODS:
            raise InvalidParameterError(
                f"method must be one of {', '.join(METHODS)}, got {_shown(self.method)}"
            )
        if self.space not in SPACES:
            raise InvalidParameterError(f"space must be one of {', '.join(SPACES)}, got {_shown(self.space)}")
        _check_brightness("min_brightness", self.min_brightness)
        _check_brightness("max_brightness", self.max_brightness)
        if self.min_brightness >= self.max_brightness:
            raise InvalidParameterError(
                f"min_brightness ({self.min_brightness}) must be below max_brightness ({self.max_brightness})"
            )
        if not isinstance(self.accents, bool):
            raise InvalidParameterError(f"accents must be true or false, got {_shown(self.accents)}")
        _check_whole_number("seed", self.seed)

    @classmethod
    def from_strings(cls, options: Mapping[str, str]) -> ExtractParams:
        """Parse options given as text (S3 object metadata, query strings, CLI).

        Names may use ``-`` or ``_`` (``min-brightness``); unknown names are an error, so a typo
        is reported rather than silently ignored.
        """
        known = {f.name for f in fields(cls)}
        parsed: dict[str, Any] = {}
        for raw_name, raw_value in options.items():
            name = raw_name.strip().lower().replace("-", "_")
            if name not in known:
                raise InvalidParameterError(
                    f"unknown option {raw_name!r}; known options: {', '.join(sorted(known))}"
                )
            parsed[name] = _parse_value(name, raw_value.strip())
        return cls(**parsed)

    def as_kwargs(self) -> dict[str, Any]:
        return asdict(self)


def _check_whole_number(name: str, value: object) -> None:
    low, high = _WHOLE_NUMBERS[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidParameterError(
            f"{name} must be a whole number from {low} to {high}, got {_shown(value)}"
        )


def _check_brightness(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise InvalidParameterError(f"{name} must be a number from 0 to 1, got {_shown(value)}")
    if 0.0 < value < MIN_NONZERO_BRIGHTNESS:
        raise InvalidParameterError(
            f"{name} must be 0 or at least {MIN_NONZERO_BRIGHTNESS:g} (no pixel is told apart below it), "
            f"got {value!r}"
        )


def _shown(value: object) -> str:
    """A value as an error message shows it: a huge number or a long text is cut short."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**20:
        sign = "a negative" if value < 0 else "a"
        try:
            return f"{sign} number of {len(str(abs(value)))} digits"
        except ValueError:  # Python writes out whole numbers of at most 4,300 digits
            return f"{sign} number of thousands of digits"
    if isinstance(value, str) and len(value) > 40:
        return repr(value[:40] + "...")
    return repr(value)


def _parse_value(name: str, text: str) -> Any:
    if name in _WHOLE_NUMBERS:
        low, high = _WHOLE_NUMBERS[name]
        try:
            return int(text)
        except ValueError:  # not a number, or over 4,300 digits
            raise InvalidParameterError(
                f"{name} must be a whole number from {low} to {high}, got {_shown(text)}"
            ) from None
    if name in ("min_brightness", "max_brightness"):
        try:
            value = float(text)
        except ValueError:
            raise InvalidParameterError(f"{name} must be a number from 0 to 1, got {_shown(text)}") from None
        if not math.isfinite(value):
            raise InvalidParameterError(f"{name} must be a number from 0 to 1, got {_shown(text)}")
        return value
    if name == "accents":
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise InvalidParameterError(f"accents must be true or false, got {_shown(text)}")
    return text.lower()
