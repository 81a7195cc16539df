"""A mix or "more like this" page its cells cannot prove exact is searched again over wider cells
(``search.widened``), through the real index on moto.

Claims: the nearest still is found even when none of its colours lies in the query's first cells;
the cursor of a widened page continues the same ranking; and for any stills and any mix, the page
is brute force's whenever brute force's page is within the widest cells' floor (beyond that no
search short of reading every still could know).
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palette_service.data.color_index import DynamoColorIndex
from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.domain import search, search_terms
from palette_service.domain.indexing import IndexingServices, indexed_colors, reindex_still
from palette_service.domain.records import StillKey, StillRecord, StillStatus
from palette_service.domain.search import Candidate, MixQuery, SearchQuery
from palette_service.domain.search_reads import find
from palettes.basic_colors import basic_color_term
from palettes.delta_e import ciede2000, hex_to_lab

Palette = list[tuple[str, float]]
_films = itertools.count()
_sequencers = itertools.count(1)


@pytest.fixture
def services(palettes_table: Any) -> IndexingServices:
    return IndexingServices(
        repository=DynamoStillRepository(palettes_table), index=DynamoColorIndex(palettes_table)
    )


def done(film: str, name: str, palette: Palette) -> StillRecord:
    sequencer = f"{next(_sequencers):032X}"
    colors = []
    for hex_color, share in palette:
        lab = list(hex_to_lab(hex_color))
        colors.append({"hex": hex_color, "lab": lab, "proportion": share, "basic": basic_color_term(lab)})
    return StillRecord(
        still=StillKey(film, name),
        key=f"stills/{film}/{name}",
        status=StillStatus.DONE,
        etag=sequencer[-8:],
        sequencer=sequencer,
        updated_at="2026-12-01T00:00:00.000000Z",
        document={"schema_version": 2, "colors": colors},
    )


def stored(services: IndexingServices, film: str, palettes: dict[str, Palette]) -> list[Candidate]:
    """Record and index each still; the candidates brute force ranks (palettes as the index holds them)."""
    candidates = []
    for name, palette in palettes.items():
        record = done(film, name, palette)
        assert services.repository.save(record)
        reindex_still(record.still, services)
        candidates.append(Candidate(film, name, indexed_colors(record)[0].palette))
    return candidates


def mix(film: str, radius: float, limit: int, *colors: tuple[str, int]) -> SearchQuery:
    text = ",".join(f"{hex_color.lstrip('#')}:{weight}" for hex_color, weight in colors)
    params = {"colors": text, "max_delta_e": str(radius), "limit": str(limit), "film": film}
    return search.parse_search_query(params)


def test_a_mix_finds_the_nearest_still_outside_its_first_cells(services: IndexingServices) -> None:
    film = f"widen{next(_films)}"
    near: Palette = [("#d01818", 0.6), ("#404040", 0.4)]  # its red: ΔE 3.9 away, in a cell ΔE 3 does not read
    touch: Palette = [("#c1392b", 0.01), ("#2040ff", 0.99)]  # the query's red, on 1% of the frame
    stored(services, film, {"near.png": near, "touch.png": touch})
    query = mix(film, 3, 2, ("#c0392b", 50))
    assert ciede2000(hex_to_lab("d01818"), hex_to_lab("c0392b")) > 3
    first_cells = set(search.candidate_cells(query))
    assert not {entry.partition for entry in indexed_colors(done(film, "x", near))} & first_cells

    page = find(query, services.index, services.repository)

    assert [hit.name for hit in page.hits] == ["near.png", "touch.png"]
    assert page.exact
    assert page.partitions > len(first_cells)


def test_a_film_search_reads_only_the_films_cells_and_stops_once_every_still_is_ranked(
    services: IndexingServices,
) -> None:
    film = f"widen{next(_films)}"
    palettes: dict[str, Palette] = {
        "near.png": [("#d01818", 0.6), ("#404040", 0.4)],
        "touch.png": [("#c1392b", 0.01), ("#2040ff", 0.99)],
    }
    stored(services, film, palettes)
    query = mix(film, 3, 20, ("#c0392b", 50))  # a short page (2 stills) can never be proved by the floor
    filed = {
        entry.partition
        for name, palette in palettes.items()
        for entry in indexed_colors(done(film, name, palette))
    }

    page = find(query, services.index, services.repository)

    assert [hit.name for hit in page.hits] == ["near.png", "touch.png"]
    assert isinstance(page.searched, MixQuery) and page.searched.max_delta_e < search_terms.MAX_DELTA_E
    assert page.partitions <= len(set(search.candidate_cells(query)) | filed)
    assert services.index.film_partitions(film) == {
        name: frozenset(entry.partition for entry in indexed_colors(done(film, name, palette)))
        for name, palette in palettes.items()
    }


def test_a_widened_pages_cursor_continues_the_same_ranking(services: IndexingServices) -> None:
    film = f"widen{next(_films)}"
    palettes: dict[str, Palette] = {
        f"s{i}.png": [(hex_color, 0.7), ("#303030", 0.3)]
        for i, hex_color in enumerate(["#a04030", "#c0392b", "#2040ff", "#10a020", "#d05a40"])
    }
    candidates = stored(services, film, palettes)
    query = mix(film, 2, 2, ("#c0392b", 60))
    truth = [hit.name for hit in search.rank_candidates(replace(query, limit=10), candidates)]

    names: list[str] = []
    cursor: str | None = None
    while True:
        page = find(query, services.index, services.repository, cursor=cursor)
        names.extend(hit.name for hit in page.hits)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert names == truth


hexes = st.integers(0, (1 << 24) - 1).map(lambda value: f"#{value:06x}")
palettes = st.lists(st.tuples(hexes, st.integers(1, 10)), min_size=1, max_size=4).map(
    lambda colors: [(hex_color, weight / sum(w for _, w in colors)) for hex_color, weight in colors]
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    stills=st.lists(palettes, min_size=1, max_size=8),
    # Three weights of at most 33 percent keep every mix within the 100 percent the API allows.
    colors=st.lists(st.tuples(hexes, st.integers(5, 33)), min_size=1, max_size=3),
    radius=st.sampled_from([1, 3, 5, 10]),
    limit=st.integers(1, 4),
)
def test_a_mix_page_is_brute_forces_within_the_widest_floor(
    services: IndexingServices, stills: list[Palette], colors: list[tuple[str, int]], radius: int, limit: int
) -> None:
    film = f"widen{next(_films)}"
    candidates = stored(services, film, {f"s{i}.png": palette for i, palette in enumerate(stills)})
    query = mix(film, radius, limit, *colors)
    assert isinstance(query, MixQuery)
    truth = search.rank_candidates(query, candidates)
    widest = replace(query, max_delta_e=search_terms.MAX_DELTA_E)

    page = find(query, services.index, services.repository)

    if page.exact or not truth or (truth[-1].distance or 0.0) < search.distance_floor(widest):
        assert [hit.name for hit in page.hits] == [hit.name for hit in truth]
