"""Where a still sits in its film: the ``frame`` or ``timecode`` upload metadata, else its name.

A film's colour timeline (its barcode) lays its stills out in this order:

1. stills with a ``frame`` (a non-negative integer), by frame;
2. then stills with a ``timecode`` (``HH:MM:SS:FF``, ``HH:MM:SS`` or seconds such as ``83.5``), by time;
3. then the rest, by a natural sort of the name (``shot 2`` before ``shot 10``).

Ties break on the natural name, so the order is total and the same on every rebuild. Pure Python:
the API function and the aggregate function both use it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from palette_service.errors import PermanentStillError

PositionKind = Literal["frame", "time"]
_KIND_RANK = {"frame": 0, "time": 1}
_TIMECODE = re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d)(?::(\d{1,3}))?$")
_SECONDS = re.compile(r"^\d{1,9}(?:\.\d{1,6})?$")
_DIGITS = re.compile(r"(\d+)")
MAX_FRAME = 10**9


class InvalidPositionError(PermanentStillError):
    """The ``frame`` or ``timecode`` metadata of an upload cannot be read."""

    code = "invalid_position"


@dataclass(frozen=True)
class FilmPosition:
    """A still's place in its film: a frame number, or a time.

    A timecode's frames count as thousandths of a second: exact for ordering (every frame rate in
    use has fewer than 1000 frames a second), with no frame rate to know.
    """

    kind: PositionKind
    value: float

    def to_dict(self) -> dict[str, str | float]:
        return {"kind": self.kind, "value": self.value}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> FilmPosition:
        kind = str(data["kind"])
        if kind not in _KIND_RANK:
            raise ValueError(f"unknown position kind {kind!r}")
        return cls(kind="frame" if kind == "frame" else "time", value=float(str(data["value"])))


def position_from_metadata(metadata: Mapping[str, str]) -> FilmPosition | None:
    """The position the upload's user metadata gives (``frame`` wins over ``timecode``), or ``None``."""
    lowered = {name.strip().lower(): value.strip() for name, value in metadata.items()}
    if (frame := lowered.get("frame")) is not None:
        if not frame.isdigit() or int(frame) > MAX_FRAME:
            raise InvalidPositionError(
                f"frame metadata {frame!r} is not a whole number of frames from 0 to {MAX_FRAME}"
            )
        return FilmPosition(kind="frame", value=float(int(frame)))
    if (timecode := lowered.get("timecode")) is not None:
        return FilmPosition(kind="time", value=parse_timecode(timecode))
    return None


def parse_timecode(text: str) -> float:
    """``HH:MM:SS:FF``, ``HH:MM:SS`` or plain seconds, as seconds (frames as thousandths, see above)."""
    if _SECONDS.match(text):
        return float(text)
    match = _TIMECODE.match(text)
    if match is None:
        raise InvalidPositionError(
            f"timecode metadata {text!r} is not HH:MM:SS:FF, HH:MM:SS or a number of seconds"
        )
    hours, minutes, seconds, frames = match.groups()
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds) + int(frames or 0) / 1000


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that orders the digit runs of ``name`` as numbers: ``shot 2`` < ``shot 10``."""
    parts = _DIGITS.split(name)
    return tuple(
        (0, int(part)) if index % 2 else (1, part.casefold()) for index, part in enumerate(parts) if part
    )


def film_order_key(name: str, position: FilmPosition | None) -> tuple[object, ...]:
    """Where a still goes in its film's timeline (see the module docstring)."""
    if position is None:
        return (2, 0.0, natural_key(name), name)
    return (_KIND_RANK[position.kind], position.value, natural_key(name), name)
