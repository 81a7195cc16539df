"""The colour index under any interleaving of still changes and (repeated, late) reindexing.

Hypothesis interleaves changes to a few stills (a palette recorded DONE, a FAILED outcome, a
removal) with reindex runs of any still, duplicated and out of order as stream retries make them.
Claims: at every point a search returns only stills that are DONE now, matched by their current
colours (hits are checked against the item); once each still is reindexed after its last change,
the index holds exactly the entries built from scratch, and no other.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palette_service.data.color_index import COLOR_PREFIX, DynamoColorIndex
from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.domain import search
from palette_service.domain.indexing import IndexingServices, indexed_colors, reindex_still
from palette_service.domain.records import StillKey, StillRecord, StillStatus
from palette_service.domain.search_reads import find
from palettes.basic_colors import basic_color_term
from palettes.delta_e import hex_to_lab

STILLS = ("a.png", "b.png", "c.png")
PALETTES = {
    "teal": (("#1abc9c", 0.6), ("#202020", 0.4)),
    "orange": (("#e67e22", 0.5), ("#202020", 0.5)),
    "both": (("#1abc9c", 0.3), ("#e67e22", 0.3), ("#202020", 0.4)),
}
_films = itertools.count()
_sequencers = itertools.count(1)


@dataclass(frozen=True)
class Change:
    still: int
    outcome: str  # a palette's name, FAILED or DELETED


@dataclass(frozen=True)
class Reindex:
    still: int


plans = st.lists(
    st.one_of(
        st.builds(Change, st.integers(0, 2), st.sampled_from([*PALETTES, "FAILED", "DELETED"])),
        st.builds(Reindex, st.integers(0, 2)),
    ),
    max_size=14,
)


def document(palette: str) -> dict[str, Any]:
    colors = []
    for hex_color, share in PALETTES[palette]:
        lab = list(hex_to_lab(hex_color))
        colors.append({"hex": hex_color, "lab": lab, "proportion": share, "basic": basic_color_term(lab)})
    return {"schema_version": 2, "colors": colors}


def record_of(film: str, change: Change) -> StillRecord:
    sequencer = f"{next(_sequencers):032X}"
    name = STILLS[change.still]
    done = change.outcome in PALETTES
    return StillRecord(
        still=StillKey(film, name),
        key=f"stills/{film}/{name}",
        status=StillStatus.DONE if done else StillStatus(change.outcome),
        etag=sequencer[-8:],
        sequencer=sequencer,
        updated_at="2026-12-01T00:00:00.000000Z",
        document=document(change.outcome) if done else None,
        reason=None if change.outcome != "FAILED" else "not an image",
        error=None if change.outcome != "FAILED" else "unsupported_format",
    )


@pytest.fixture
def services(palettes_table: Any) -> IndexingServices:
    return IndexingServices(
        repository=DynamoStillRepository(palettes_table), index=DynamoColorIndex(palettes_table)
    )


def teal_hits(film: str, services: IndexingServices) -> set[str]:
    query = search.parse_search_query({"color": "1abc9c", "film": film})
    page = find(query, services.index, services.repository)
    return {hit.name for hit in page.hits}


def truly_teal(film: str, services: IndexingServices) -> set[str]:
    names = set()
    for name in STILLS:
        record = services.repository.get(StillKey(film, name))
        if record is not None and record.status is StillStatus.DONE:
            if any(color["hex"] == "#1abc9c" for color in (record.document or {})["colors"]):
                names.add(name)
    return names


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plans)
def test_the_index_follows_the_stills_in_any_order(
    plan: list[Change | Reindex], services: IndexingServices, palettes_table: Any
) -> None:
    film = f"film-{next(_films)}"
    for step in plan:
        if isinstance(step, Change):
            assert services.repository.save(record_of(film, step))
        else:
            reindex_still(StillKey(film, STILLS[step.still]), services)
        # Hits are checked against the items: never a still that is not (or no longer) teal.
        assert teal_hits(film, services) <= truly_teal(film, services)

    for name in STILLS:  # each still's last change reaches the stream: its reindex runs after it
        reindex_still(StillKey(film, name), services)

    assert teal_hits(film, services) == truly_teal(film, services)
    expected = {
        (COLOR_PREFIX + color.partition, f"{film}/{color.name}/{color.slot}")
        for name in STILLS
        if (record := services.repository.get(StillKey(film, name))) is not None
        for color in indexed_colors(record)
    }
    stored = {
        (item["pk"], item["sk"])
        for item in palettes_table.scan()["Items"]
        if str(item["pk"]).startswith(COLOR_PREFIX) and str(item["sk"]).startswith(f"{film}/")
    }
    assert stored == expected
