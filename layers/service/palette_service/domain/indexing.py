"""A still's entries in the colour index follow its item: reindexed on every change of it.

The aggregate function reindexes each still a stream batch names, from the still's item as it is
now (strongly consistent): a DONE still files its palette colours (see
:func:`~palette_service.domain.color_index.index_entries`) under their cell and their basic colour
term; any other still
(FAILED, PROCESSING, removed) files none. So, as with the film's rebuild, duplicates, retries and any
delivery order converge. Readers also check each hit's sequencer against the still's item, so a
reindex that has not run yet never shows colours an overwrite or a removal replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from palette_service.domain.color_index import index_entries
from palette_service.domain.ports import ColorIndex, IndexedColor, StillRepository
from palette_service.domain.records import StillKey, StillRecord, StillStatus
from palettes.basic_colors import basic_color_term


@dataclass(frozen=True)
class IndexingServices:
    repository: StillRepository
    index: ColorIndex


def reindex_still(still: StillKey, services: IndexingServices) -> int:
    """File the still's colours as its item says now; the index writes it took."""
    record = services.repository.get(still)
    colors = [] if record is None else indexed_colors(record)
    return services.index.replace(still, colors)


def indexed_colors(record: StillRecord) -> list[IndexedColor]:
    """The index entries of a DONE still's palette (see :func:`color_index.index_entries`): each under
    its cell and its basic term's key, each carrying the still's whole palette, which ranking needs."""
    if record.status is not StillStatus.DONE or record.document is None:
        return []
    colors = [_indexed_fields(color) for color in record.document.get("colors", [])]
    palette = tuple(colors)
    return [
        IndexedColor(
            partition=partition,
            film=record.still.film,
            name=record.still.name,
            slot=entry.color_index,
            sequencer=record.sequencer,
            palette=palette,
        )
        for entry in index_entries(colors)
        for partition in (entry.cell, entry.class_key)
    ]


def _indexed_fields(color: dict[str, Any]) -> dict[str, Any]:
    """What ranking reads of a palette colour; schema 1 documents have no basic term: it is made."""
    lab = [round(float(value), 2) for value in color["lab"]]
    return {
        "hex": str(color["hex"]),
        "lab": lab,
        "proportion": float(color["proportion"]),
        "basic": str(color.get("basic") or basic_color_term(lab)),
    }
