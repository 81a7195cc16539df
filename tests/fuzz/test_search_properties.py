"""Hypothesis properties of colour search: the index's cells never miss a colour within the radius
(pairs at exactly the query's distance, near grey, in saturated blue, at L* 0 and 100); the mix
distance is the transport problem's optimum (against every vertex of the LP); a search through the
index finds what brute force finds; the ranking is a total order; every bad input is an
InvalidQueryError with a message."""

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from palette_service.domain.color_index import cell_of, cells_within, index_entries
from palette_service.domain.search import (
    Candidate,
    ColorQuery,
    MixQuery,
    WeightedColor,
    candidate_cells,
    distance_floor,
    parse_search_query,
    rank_candidates,
    transport,
)
from palette_service.errors import InvalidQueryError
from palettes.delta_e import ciede2000, hex_to_lab


def polar(lightness: float, chroma: float, hue: float) -> tuple[float, float, float]:
    return (lightness, chroma * math.cos(math.radians(hue)), chroma * math.sin(math.radians(hue)))


# The index's domain: 0 ≤ L* ≤ 100, C*ab ≤ 140, with weight where CIEDE2000 is least Euclidean.
general = st.builds(polar, st.floats(0, 100), st.floats(0, 140), st.floats(0, 360))
near_grey = st.builds(polar, st.floats(0, 100), st.floats(0, 4), st.floats(0, 360))
saturated_blue = st.builds(polar, st.floats(0, 100), st.floats(50, 140), st.floats(240, 310))
corners = st.builds(
    polar, st.one_of(st.floats(0, 3), st.floats(97, 100)), st.floats(0, 140), st.floats(0, 360)
)
from_hex = st.integers(0, (1 << 24) - 1).map(lambda value: hex_to_lab(f"{value:06x}"))
labs = st.one_of(general, near_grey, saturated_blue, corners, from_hex)
steps = st.tuples(st.floats(-30, 30), st.floats(-40, 40), st.floats(-40, 40))


def in_domain(lab: tuple[float, float, float]) -> bool:
    return 0 <= lab[0] <= 100 and math.hypot(lab[1], lab[2]) <= 140


def stepped(pair) -> tuple[tuple[float, ...], tuple[float, ...]]:
    query, step = pair
    return query, tuple(value + change for value, change in zip(query, step, strict=True))


# Any two colours, or a colour and one near it (most of the radii a search uses).
pairs = st.one_of(st.tuples(labs, labs), st.tuples(labs, steps).map(stepped))


@settings(max_examples=1500, deadline=None)
@given(pairs, st.floats(1.0, 1.3))
def test_cells_within_never_miss_a_colour_within_the_radius(pair, stretch) -> None:
    query, other = pair
    assume(in_domain(other))
    distance = ciede2000(query, other)
    assume(0 < distance <= 50)
    # The tightest radius (the pair's own distance), and one a little wider.
    for radius in (distance, min(distance * stretch, 50.0)):
        assert cell_of(other) in cells_within(query, radius)


@st.composite
def palettes(draw, min_colors: int = 1, max_colors: int = 8) -> list[dict[str, Any]]:
    count = draw(st.integers(min_colors, max_colors))
    weights = draw(st.lists(st.integers(1, 100), min_size=count, max_size=count))
    values = draw(st.lists(st.integers(0, (1 << 24) - 1), min_size=count, max_size=count))
    total = sum(weights)
    return [
        {
            "hex": f"#{value:06x}",
            "lab": [round(v, 2) for v in hex_to_lab(f"{value:06x}")],
            "proportion": w / total,
        }
        for value, w in zip(values, weights, strict=True)
    ]


def lp_optimum(supplies, capacities, costs) -> float:
    """The transport LP's optimum by enumerating its basic feasible solutions (tiny cases only):
    variables f[i][j] and a slack per capacity, equalities Σj f = s_i and Σi f + slack = p_j."""
    n, m = len(supplies), len(capacities)
    columns = n * m + m
    matrix = np.zeros((n + m, columns))
    for i in range(n):
        for j in range(m):
            matrix[i, i * m + j] = 1
            matrix[n + j, i * m + j] = 1
    for j in range(m):
        matrix[n + j, n * m + j] = 1
    rhs = np.array(list(supplies) + list(capacities))
    prices = np.array([costs[i][j] for i in range(n) for j in range(m)] + [0.0] * m)
    best = math.inf
    for basis in itertools.combinations(range(columns), n + m):
        sub = matrix[:, basis]
        if abs(np.linalg.det(sub)) < 1e-12:
            continue
        values = np.linalg.solve(sub, rhs)
        if np.all(values >= -1e-9):
            best = min(best, float(prices[list(basis)] @ values))
    return best


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 3).flatmap(
        lambda n: st.integers(1, 3).flatmap(
            lambda m: st.tuples(
                st.lists(st.integers(1, 50), min_size=n, max_size=n),
                st.lists(st.integers(1, 50), min_size=m, max_size=m),
                st.lists(st.lists(st.floats(0, 60), min_size=m, max_size=m), min_size=n, max_size=n),
            )
        )
    )
)
def test_transport_is_optimal(problem) -> None:
    supply_units, capacity_units, costs = problem
    capacities = [unit / sum(capacity_units) for unit in capacity_units]
    supplies = [unit / sum(supply_units) * 0.9 for unit in supply_units]
    cost, flows = transport(supplies, capacities, costs)
    assert cost == pytest.approx(lp_optimum(supplies, capacities, costs), abs=1e-9)
    for i, row in enumerate(flows):
        assert sum(row) == pytest.approx(supplies[i], abs=1e-9)
    for j, capacity in enumerate(capacities):
        assert sum(row[j] for row in flows) <= capacity + 1e-9
    assert cost == pytest.approx(
        sum(f * c for row, crow in zip(flows, costs) for f, c in zip(row, crow)), abs=1e-9
    )


stills = st.lists(palettes(), min_size=1, max_size=40).map(
    lambda colors: [Candidate(f"film{i % 3}", f"still{i}", palette) for i, palette in enumerate(colors)]
)


def through_the_index(query, candidates: list[Candidate]) -> list[Candidate]:
    """What the lead's index returns: the stills with an index entry in a cell the query reads."""
    cells = set(candidate_cells(query))
    return [c for c in candidates if any(entry.cell in cells for entry in index_entries(c.colors))]


@settings(max_examples=150, deadline=None)
@given(stills, st.integers(0, (1 << 24) - 1), st.floats(1, 50), st.sampled_from([0.005, 0.02, 0.2]))
def test_single_colour_search_through_the_index_finds_what_brute_force_finds(
    candidates, value, radius, share
) -> None:
    query = ColorQuery(f"#{value:06x}", hex_to_lab(f"{value:06x}"), radius, share, 100)
    assert rank_candidates(query, through_the_index(query, candidates)) == rank_candidates(query, candidates)


@settings(max_examples=100, deadline=None)
@given(
    stills,
    st.lists(st.tuples(st.integers(0, (1 << 24) - 1), st.integers(1, 20)), min_size=1, max_size=5),
    st.floats(1, 50),
)
def test_stills_outside_the_mix_cells_are_no_nearer_than_the_floor(candidates, colors, radius) -> None:
    query = MixQuery(
        tuple(WeightedColor(f"#{v:06x}", hex_to_lab(f"{v:06x}"), w / 100) for v, w in colors), radius, 100
    )
    found = {(c.film, c.name) for c in through_the_index(query, candidates)}
    floor = distance_floor(query)
    for hit in rank_candidates(query, candidates):
        if (hit.film, hit.name) not in found:
            assert (hit.distance or 0.0) >= floor - 1e-9


@settings(max_examples=100, deadline=None)
@given(stills, st.randoms(), st.integers(1, 7), st.sampled_from(["color", "colors", "class"]))
def test_ranking_is_a_total_order_whatever_the_candidates_order(candidates, rng, limit, kind) -> None:
    params = {"color": "c0392b", "colors": "c0392b:30,1abc9c:20", "class": "red"}
    query = parse_search_query(
        {
            kind: params[kind],
            "max_delta_e": "50" if kind != "class" else None,
            "min_share": "0.005" if kind != "colors" else None,
        }
    )
    full = rank_candidates(query, candidates)
    shuffled = list(candidates)
    rng.shuffle(shuffled)
    assert rank_candidates(query, shuffled) == full
    keys = [hit.sort_key for hit in full]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    # Pages of `limit` stitched together are the full ranking (whose own first page is `full`: it stops
    # at the query's default limit).
    paged_query = parse_search_query(
        {
            kind: params[kind],
            "limit": str(limit),
            "max_delta_e": "50" if kind != "class" else None,
            "min_share": "0.005" if kind != "colors" else None,
        }
    )
    pages, after = [], None
    while True:
        page = rank_candidates(paged_query, shuffled, after=after)
        if not page:
            break
        pages.extend(page)
        after = page[-1].sort_key
    assert pages[: len(full)] == full
    assert len(pages) == len(full) or len(full) == query.limit


params_text = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(
        ["", "c0392b", "#1ABC9C", "c0392b:30,1abc9c:20", "red", "10", "0.02", "nan", "1e3", "-1"]
    ),
)


@settings(max_examples=500, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            k: params_text for k in ("color", "colors", "class", "max_delta_e", "min_share", "limit", "film")
        },
    )
)
def test_any_input_parses_or_is_an_invalid_query_with_a_message(params) -> None:
    try:
        query = parse_search_query(params)
    except InvalidQueryError as error:
        assert str(error)
        return
    candidate_cells(query)
