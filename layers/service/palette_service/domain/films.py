"""What the service knows of a film: its stills' counts, its palette document and its timeline.

A film's record is rebuilt from the film's still items whenever they change (see
:mod:`palette_service.domain.aggregation`); ``generation`` orders the rebuilds, so an older one never
replaces a newer one. Pure Python: the API function reads films through this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from palette_service.domain.records import StillKey, StillRecord, StillStatus
from palette_service.domain.timeline import FilmPosition

# The default barcode, stored with each rebuild; other styles and sizes are rendered on request.
DEFAULT_BARCODE_STYLE = "dominant"


@dataclass(frozen=True)
class FilmColor:
    """One palette colour of a still, as a film rebuild needs it."""

    hex: str
    proportion: float
    lab: tuple[float, float, float]


@dataclass(frozen=True)
class FilmStill:
    """What a film rebuild reads of one still item: no more, so that a film of 100,000 stills fits.

    ``summary`` is the still's colour summary (``None`` for an item recorded before summaries, whose
    ``colors`` and ``counted_pixels`` stand in); ``colors`` its palette, largest first.
    """

    name: str
    status: StillStatus
    updated_at: str
    position: FilmPosition | None = None
    summary: bytes | None = None
    colors: tuple[FilmColor, ...] = ()
    counted_pixels: int = 0

    @classmethod
    def of(cls, record: StillRecord) -> FilmStill:
        document = record.document or {}
        return cls(
            name=record.still.name,
            status=record.status,
            updated_at=record.updated_at,
            position=record.position,
            summary=record.summary,
            colors=tuple(
                FilmColor(
                    hex=str(color["hex"]),
                    proportion=float(color["proportion"]),
                    lab=(float(color["lab"][0]), float(color["lab"][1]), float(color["lab"][2])),
                )
                for color in document.get("colors", [])
            ),
            counted_pixels=int((document.get("source") or {}).get("counted_pixels") or 0),
        )


@dataclass(frozen=True)
class StillCounts:
    """A film's stills by status (removed stills are not counted)."""

    done: int = 0
    failed: int = 0
    processing: int = 0

    @property
    def total(self) -> int:
        return self.done + self.failed + self.processing

    @classmethod
    def of(cls, stills: list[FilmStill]) -> StillCounts:
        statuses = [still.status for still in stills]
        return cls(
            done=statuses.count(StillStatus.DONE),
            failed=statuses.count(StillStatus.FAILED),
            processing=statuses.count(StillStatus.PROCESSING),
        )

    def to_dict(self) -> dict[str, int]:
        return {"done": self.done, "failed": self.failed, "processing": self.processing}


@dataclass(frozen=True)
class FilmRecord:
    """A film's aggregate. ``document`` (the film palette) is ``None`` while no still is DONE;
    ``barcode_key`` and ``timeline_key`` name this generation's outputs in the bucket."""

    film: str
    generation: int
    updated_at: str
    counts: StillCounts
    document: dict[str, Any] | None = None
    barcode_key: str | None = None
    timeline_key: str | None = None
    # The palette's hex colours when the record was read from the listing index, which carries these
    # and not the document; ``None`` there while the film has no palette.
    listed_colors: tuple[str, ...] | None = None

    @property
    def hex_colors(self) -> list[str] | None:
        """The palette's hex colours; ``None`` while no still is DONE."""
        if self.document is not None:
            return [str(color["hex"]) for color in self.document["colors"]]
        return None if self.listed_colors is None else list(self.listed_colors)

    @property
    def listed(self) -> bool:
        """Whether ``/films`` shows the film: while it has a still."""
        return self.counts.total > 0

    @property
    def output_keys(self) -> tuple[str, ...]:
        return tuple(key for key in (self.barcode_key, self.timeline_key) if key)


@dataclass(frozen=True)
class FilmChange:
    """A film named by a batch of stream records, and the sequence number of its first record there."""

    film: str
    first_sequence_number: str


@dataclass(frozen=True)
class StillChange:
    """A still named by a batch of stream records, and the sequence number of its first record there."""

    still: StillKey
    first_sequence_number: str


@dataclass(frozen=True)
class FilmPage:
    """One page of films, newest change first: each with its opaque index key, and where to resume."""

    entries: list[tuple[FilmRecord, dict[str, str]]] = field(default_factory=list)
    last_evaluated_key: dict[str, str] | None = None


def film_outputs_prefix(film_prefix: str, film: str) -> str:
    """The prefix every output key of ``film`` starts with, and no other film's."""
    return f"{film_prefix}{film}/"


def film_output_keys(film_prefix: str, film: str, generation: int) -> tuple[str, str]:
    """Where a rebuild writes the film's barcode PNG and timeline JSON: one pair per generation, so
    a slower, older rebuild never overwrites what a newer one wrote."""
    stem = f"{film_outputs_prefix(film_prefix, film)}{generation:012d}"
    return f"{stem}-barcode.png", f"{stem}-timeline.json"


def output_generation(film_prefix: str, film: str, key: str) -> int | None:
    """The generation whose rebuild wrote ``key``, an output key of ``film``; ``None`` for any other key
    (one this service does not write, which nothing here may delete)."""
    digits = key.removeprefix(film_outputs_prefix(film_prefix, film)).split("-", 1)[0]
    if not (digits.isascii() and digits.isdigit()):
        return None
    generation = int(digits)
    return generation if key in film_output_keys(film_prefix, film, generation) else None


Stripe = list[tuple[tuple[int, int, int], float]]


def stripes_of(timeline: dict[str, Any]) -> list[Stripe]:
    """The barcode's stripes of a timeline document: each still's colours as (RGB, share), largest first."""
    return [
        [(_rgb(str(color["hex"])), float(color["proportion"])) for color in still["colors"]]
        for still in timeline["stills"]
    ]


def _rgb(hex_color: str) -> tuple[int, int, int]:
    value = hex_color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
