"""A still's entries in the colour index follow its item: reindexed on every change of it.

The aggregate function reindexes each still a stream batch names, from the still's item as it is
now (strongly consistent): a DONE still files its palette colours (those covering at least
``MIN_INDEXED_SHARE`` of the frame) under their cell and their basic colour term; any other still
(FAILED, PROCESSING, removed) files none. So, as with the film's rebuild, duplicates, retries and any
delivery order converge. Readers also check each hit's sequencer against the still's item, so a
reindex that has not run yet never shows colours an overwrite or a removal replaced.
"""

from __future__ import annotations

from dataclasses import dataclass

from palette_service.domain.color_index import cell_of
from palette_service.domain.ports import ColorIndex, IndexedColor, StillRepository
from palette_service.domain.records import StillKey, StillRecord, StillStatus
from palettes.basic_colors import basic_color_term

# Colours smaller than this are not indexed: a search's min_share cannot go below it.
MIN_INDEXED_SHARE = 0.002
CELL_PARTITION = "cell:"
TERM_PARTITION = "term:"


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
    """The index entries of a DONE still's palette: each colour under its cell and its basic term."""
    if record.status is not StillStatus.DONE or record.document is None:
        return []
    entries: list[IndexedColor] = []
    for slot, color in enumerate(record.document.get("colors", [])):
        proportion = float(color["proportion"])
        if proportion < MIN_INDEXED_SHARE:
            continue
        lab = (float(color["lab"][0]), float(color["lab"][1]), float(color["lab"][2]))
        basic = str(color.get("basic") or basic_color_term(lab))  # schema 1 documents have no term
        partitions = [CELL_PARTITION + cell_of(lab), TERM_PARTITION + basic]
        entries.extend(
            IndexedColor(
                partition=partition,
                film=record.still.film,
                name=record.still.name,
                slot=slot,
                hex=str(color["hex"]),
                lab=lab,
                proportion=proportion,
                basic=basic,
                sequencer=record.sequencer,
            )
            for partition in partitions
        )
    return entries
