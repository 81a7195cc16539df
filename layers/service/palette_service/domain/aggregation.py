"""A film's still items -> its palette, counts, colour timeline and barcode: one rebuild.

Triggered by the table's stream (see ``functions/aggregate``) with the films whose stills changed,
each film once per batch. A rebuild never reads a stream record's contents, only the film's items
as they are now, so duplicates, retries and any delivery order of the records converge on the same
film: the last rebuild to start after the last change reads the final state.

Ordering: a rebuild first takes the film's next generation, then reads its stills (strongly
consistent), and stores its aggregate only over an older generation. So the stored aggregate
always comes from the newest read, whatever order concurrent rebuilds finish in. Its outputs (the
barcode PNG and the timeline JSON) are written under keys of their own generation before the
aggregate names them; the outputs of the aggregate it replaced are then deleted, and so are any
other outputs of older generations (those of rebuilds that failed, crashed or lost), which no
aggregate can name any more. Outputs of a newer generation are never touched: that rebuild may be
about to store them. A rebuild that fails while writing its outputs deletes those it wrote before
re-raising; one whose aggregate write fails leaves them (the write may have been applied).

The film palette is clustered from the union of its DONE stills' colour summaries (a few dozen
weighted CIELAB centroids each, see :mod:`palettes.summary`), weighted by pixels, so it stands for
the pooled pixels of every still rather than for a merge of their six-colour palettes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

import numpy as np

from palette_service.domain.films import (
    DEFAULT_BARCODE_STYLE,
    FilmChange,
    FilmRecord,
    FilmStill,
    StillCounts,
    film_output_keys,
    film_outputs_prefix,
    output_generation,
    stripes_of,
)
from palette_service.domain.ports import FilmRepository, StillStore
from palette_service.domain.records import StillStatus, utc_now
from palette_service.domain.timeline import film_order_key
from palette_service.observability import logger
from palette_service.settings import ServiceSettings
from palettes.barcode import render_barcode
from palettes.film import film_palette
from palettes.summary import ColorSummary

TIMELINE_MEDIA_TYPE = "application/json"


class Change(Protocol):
    """A still or a film a stream batch names (:class:`FilmChange`, :class:`StillChange`)."""

    @property
    def first_sequence_number(self) -> str: ...


@dataclass(frozen=True)
class AggregationServices:
    settings: ServiceSettings
    films: FilmRepository
    storage: StillStore
    clock: Callable[[], datetime] = utc_now


def aggregate_film(film: str, services: AggregationServices) -> FilmRecord | None:
    """Rebuild ``film`` from its items and store it; ``None`` when a newer rebuild was stored first."""
    generation = services.films.next_generation(film)
    return store_rebuild(film, generation, read_stills(film, services), services)


def read_stills(film: str, services: AggregationServices) -> list[FilmStill]:
    """The film's stills that are not removed, as they are now."""
    return [still for still in services.films.film_stills(film) if still.status is not StillStatus.DELETED]


def store_rebuild(
    film: str, generation: int, stills: list[FilmStill], services: AggregationServices
) -> FilmRecord | None:
    """Build the film from ``stills``, write its outputs, and store it unless a newer generation is."""
    record, timeline = build_film(film, generation, stills)
    record, replaced = _write_and_save(record, timeline, services)
    if replaced is None and not _is_stored(record, services):
        logger.info("a newer rebuild of the film was stored first", extra={"film": film})
        _delete(services.storage, record.output_keys)
        return None
    # ``replaced`` is None when an earlier attempt of the write stored it: collecting deletes those too.
    _delete(services.storage, tuple(key for key in replaced or () if key not in record.output_keys))
    collect_unnamed_outputs(record, services)
    return record


def _is_stored(record: FilmRecord, services: AggregationServices) -> bool:
    """Whether the stored aggregate is ``record``'s generation. A write can be applied although its
    answer was an error, or the SDK's retry of it found the condition false (its own write)."""
    stored = services.films.get_film(record.film)
    return stored is not None and stored.generation == record.generation


def _write_and_save(
    record: FilmRecord, timeline: dict[str, Any] | None, services: AggregationServices
) -> tuple[FilmRecord, tuple[str, ...] | None]:
    """Write the outputs and store the aggregate naming them: the record stored, and what
    :meth:`FilmRepository.save_film` answered.

    Should the aggregate's write raise, its outputs stay: the write may have been applied all the same
    (a timeout, a lost answer), and then they are named. The next stored rebuild collects them if not.
    """
    if timeline is not None:
        record = _write_outputs_or_discard(record, timeline, services)
    return record, services.films.save_film(record)


def _write_outputs_or_discard(
    record: FilmRecord, timeline: dict[str, Any], services: AggregationServices
) -> FilmRecord:
    """:func:`_write_outputs`; should one raise, those already written are deleted before the error is
    re-raised (the stream retries the film): no aggregate can name them, as none was written."""
    written: list[str] = []
    try:
        return _write_outputs(record, timeline, services, written)
    except Exception:
        try:
            _delete(services.storage, tuple(written))
        except Exception:  # noqa: BLE001 - the rebuild's own error is the one to raise; a later rebuild collects
            logger.exception("could not discard a failed rebuild's outputs", extra={"film": record.film})
        raise


def collect_unnamed_outputs(stored: FilmRecord, services: AggregationServices) -> None:
    """Delete the film's outputs of generations older than ``stored``, just stored, except what it names.

    Those were written by rebuilds that failed, crashed (a timeout runs no except block) or lost, and
    no aggregate names them now or ever will: the stored generation only grows, and a rebuild's
    outputs are named only by its own generation's aggregate. Outputs of a newer generation are left,
    since that rebuild may be about to store them.
    """
    prefix = services.settings.film_prefix
    _delete(
        services.storage,
        tuple(
            key
            for key in services.storage.keys_under(film_outputs_prefix(prefix, stored.film))
            if key not in stored.output_keys
            and (generation := output_generation(prefix, stored.film, key)) is not None
            and generation < stored.generation
        ),
    )


def build_film(
    film: str, generation: int, stills: list[FilmStill]
) -> tuple[FilmRecord, dict[str, Any] | None]:
    """The film's aggregate (without outputs) and its timeline (``None`` with no DONE still) from its
    stills that are not removed: a pure function."""
    counts = StillCounts.of(stills)
    updated_at = max((still.updated_at for still in stills), default="")
    record = FilmRecord(film=film, generation=generation, updated_at=updated_at, counts=counts)
    done = timeline_order([still for still in stills if still.status is StillStatus.DONE])
    if not done:
        return record, None
    document = film_document(film, [summary_of(still) for still in done], counts, updated_at)
    return replace(record, document=document), timeline_document(film, generation, done)


def timeline_order(stills: list[FilmStill]) -> list[FilmStill]:
    return sorted(stills, key=lambda still: film_order_key(still.name, still.position))


def film_document(
    film: str, summaries: list[ColorSummary], counts: StillCounts, updated_at: str
) -> dict[str, Any]:
    """The film's palette document: a still's colour fields and roles, for the pooled pixels."""
    palette = film_palette(summaries)
    document = palette.to_dict()
    document.pop("source", None)
    return {
        "film": film,
        "stills": counts.to_dict(),
        "pixels": int(sum(float(summary.weights.sum()) for summary in summaries)),
        "updated_at": updated_at,
        **document,
    }


def summary_of(still: FilmStill) -> ColorSummary:
    """The still's colour summary; for an item recorded before summaries existed, its palette colours
    (each weighted by its share of the counted pixels) stand in."""
    if still.summary is not None:
        return ColorSummary.from_bytes(still.summary)
    counted = float(still.counted_pixels or 1)
    return ColorSummary(
        lab=np.array([color.lab for color in still.colors], dtype=np.float64).reshape(-1, 3),
        weights=np.array([max(1.0, round(color.proportion * counted)) for color in still.colors]),
    )


def timeline_document(film: str, generation: int, done: list[FilmStill]) -> dict[str, Any]:
    """The film's colour timeline: its DONE stills in film order, each with its palette colours."""
    return {
        "film": film,
        "generation": generation,
        "stills": [
            {
                "name": still.name,
                "position": None if still.position is None else still.position.to_dict(),
                "colors": [{"hex": color.hex, "proportion": color.proportion} for color in still.colors],
            }
            for still in done
        ],
    }


def _write_outputs(
    record: FilmRecord, timeline: dict[str, Any], services: AggregationServices, written: list[str]
) -> FilmRecord:
    """Put the timeline JSON and the default barcode under this generation's keys, adding each to
    ``written`` once it is; ``record`` naming them."""
    barcode_key, timeline_key = film_output_keys(
        services.settings.film_prefix, record.film, record.generation
    )
    services.storage.put(
        timeline_key, json.dumps(timeline, separators=(",", ":")).encode(), content_type=TIMELINE_MEDIA_TYPE
    )
    written.append(timeline_key)
    barcode = render_barcode(stripes_of(timeline), style=DEFAULT_BARCODE_STYLE)
    services.storage.put(barcode_key, barcode, content_type="image/png")
    written.append(barcode_key)
    return replace(record, barcode_key=barcode_key, timeline_key=timeline_key)


def _delete(storage: StillStore, keys: tuple[str, ...]) -> None:
    for key in keys:
        storage.delete(key)


def retry_point[C: Change](changes: Sequence[C], work: Callable[[C], object]) -> list[str]:
    """Run ``work`` on each change; the sequence numbers to retry the stream batch from (its partial
    batch response): the first record of the earliest change whose work failed, or none.

    Lambda retries a stream batch from the lowest sequence number reported, so the changes after it
    are worked on again too: harmless, as reindexing a still and rebuilding a film are idempotent.
    """
    failed: list[str] = []
    for change in changes:
        try:
            work(change)
        except Exception:  # noqa: BLE001 - any change's error is retried by the stream; the others go on
            logger.exception("stream change failed", extra={"change": repr(change)})
            failed.append(change.first_sequence_number)
    return [min(failed, key=int)] if failed else []


def rebuild_films(changes: Sequence[FilmChange], services: AggregationServices) -> list[str]:
    """Rebuild each changed film once; where to retry the stream batch from (see :func:`retry_point`)."""
    return retry_point(changes, lambda change: aggregate_film(change.film, services))
