"""Extraction options: one validated, immutable value shared by the API, the CLI and the service."""

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
        if isinstance(self.k, bool) or not isinstance(self.k, int) or not MIN_K <= self.k <= MAX_K:
            raise InvalidParameterError(f"k must be a whole number from {MIN_K} to {MAX_K}, got {self.k!r}")
        if self.method not in METHODS:
            raise InvalidParameterError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        if self.space not in SPACES:
            raise InvalidParameterError(f"space must be one of {', '.join(SPACES)}, got {self.space!r}")
        for name in ("min_brightness", "max_brightness"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
                raise InvalidParameterError(f"{name} must be a number from 0 to 1, got {value!r}")
        if self.min_brightness >= self.max_brightness:
            raise InvalidParameterError(
                f"min_brightness ({self.min_brightness}) must be below max_brightness ({self.max_brightness})"
            )
        if not isinstance(self.accents, bool):
            raise InvalidParameterError(f"accents must be true or false, got {self.accents!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise InvalidParameterError(f"seed must be a non-negative whole number, got {self.seed!r}")

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


def _parse_value(name: str, text: str) -> Any:
    if name in ("k", "seed"):
        try:
            return int(text)
        except ValueError:
            raise InvalidParameterError(f"{name} must be a whole number, got {text!r}") from None
    if name in ("min_brightness", "max_brightness"):
        try:
            value = float(text)
        except ValueError:
            raise InvalidParameterError(f"{name} must be a number from 0 to 1, got {text!r}") from None
        if not math.isfinite(value):
            raise InvalidParameterError(f"{name} must be a number from 0 to 1, got {text!r}")
        return value
    if name == "accents":
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise InvalidParameterError(f"accents must be true or false, got {text!r}")
    return text.lower()
