"""Colour search (palette_service.domain.search): parsing and its messages, each kind's matching and
score, the mix distance on cases worked by hand, pagination and the cells each kind reads."""

from typing import Any

import pytest

from palette_service.domain.color_index import cells_within
from palette_service.domain.search import (
    Candidate,
    ClassQuery,
    ColorQuery,
    MixQuery,
    candidate_cells,
    distance_floor,
    parse_search_query,
    rank_candidates,
    similar_query,
    transport,
)
from palette_service.errors import InvalidQueryError
from palettes.delta_e import ciede2000, hex_to_lab


def parsed[Kind: (ColorQuery, MixQuery, ClassQuery)](kind: type[Kind], params: dict[str, str | None]) -> Kind:
    query = parse_search_query(params)
    assert isinstance(query, kind)
    return query


def color(hex_value: str, proportion: float, basic: str | None = None) -> dict[str, Any]:
    entry = {
        "hex": "#" + hex_value,
        "lab": list(hex_to_lab(hex_value)),
        "proportion": proportion,
    }
    if basic:
        entry["basic"] = basic
    return entry


def still(film: str, name: str, *colors: dict[str, Any]) -> Candidate:
    return Candidate(film, name, list(colors))


def test_parses_each_kind_with_defaults() -> None:
    query = parsed(ColorQuery, {"color": "C0392B"})
    assert isinstance(query, ColorQuery)
    assert (query.hex, query.max_delta_e, query.min_share, query.limit, query.film) == (
        "#c0392b",
        10.0,
        0.02,
        20,
        None,
    )
    assert query.lab == hex_to_lab("c0392b")
    assert parsed(ColorQuery, {"color": "#c0392b", "film": "", "limit": ""}) == query
    mix = parsed(MixQuery, {"colors": "c0392b:30,#1abc9c:20.5", "max_delta_e": "15", "film": "alien"})
    assert isinstance(mix, MixQuery)
    assert [(c.hex, c.weight) for c in mix.colors] == [("#c0392b", 0.3), ("#1abc9c", 0.205)]
    assert (mix.max_delta_e, mix.film) == (15.0, "alien")
    assert parse_search_query(
        {"class": "grey", "film": "alien", "min_share": "0.1", "limit": "5"}
    ) == ClassQuery("grey", 0.1, 5, "alien")
    assert parsed(MixQuery, {"colors": "c0392b:100"}).colors[0].weight == 1.0


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "exactly one of color, colors or class"),
        ({"color": "c0392b", "class": "red"}, "got color and class"),
        ({"color": "c0392b", "colors": "c0392b:10"}, "got color and colors"),
        ({"color": "c0392"}, "color must be a colour as 6 hex digits"),
        ({"color": "zz0392b"}, "6 hex digits"),
        ({"color": "#c0392bff"}, "6 hex digits"),
        ({"colors": "a:1,b:1,c:1,d:1,e:1,f:1"}, "at most 5 colours, got 6"),
        ({"colors": "c0392b:60,1abc9c:50"}, "sum to 110 percent"),
        ({"colors": "c0392b:101"}, "at most 100"),
        ({"colors": "c0392b:0"}, "above 0 percent"),
        ({"colors": "c0392b:-5"}, "each weight in colors"),
        ({"colors": "c0392b"}, "<hex>:<weight in percent>"),
        ({"colors": "c0392b:"}, "above 0 percent"),
        ({"colors": "c0392b:ten"}, "each weight in colors"),
        ({"colors": "c0392b:nan"}, "each weight in colors"),
        ({"colors": "xyz:10"}, "each colour in colors must be a colour as 6 hex digits"),
        ({"colors": "c0392b:10,"}, "<hex>:<weight in percent>"),
        ({"color": "c0392b", "max_delta_e": "0.5"}, "max_delta_e must be a number from 1 to 50"),
        ({"color": "c0392b", "max_delta_e": "51"}, "from 1 to 50"),
        ({"color": "c0392b", "max_delta_e": "inf"}, "from 1 to 50"),
        ({"colors": "c0392b:10", "max_delta_e": "ten"}, "max_delta_e"),
        ({"class": "teal"}, "class must be one of black, white, grey"),
        ({"class": "Red"}, "class must be one of"),
        ({"color": "c0392b", "min_share": "0.001"}, "min_share must be a number from 0.005 to 1"),
        ({"class": "red", "min_share": "1.5"}, "min_share"),
        ({"class": "blue", "max_delta_e": "10"}, "max_delta_e does not apply to a class query"),
        ({"colors": "c0392b:30", "min_share": "0.5"}, "min_share does not apply to a colors query"),
        ({"color": "c0392b", "limit": "0"}, "limit must be a whole number from 1 to 100"),
        ({"color": "c0392b", "limit": "101"}, "limit"),
        ({"color": "c0392b", "limit": "2.5"}, "limit"),
        ({"color": "c0392b", "limit": "\uff11"}, "limit"),
        ({"color": "c0392b", "film": "a/b"}, "film must be a film's name"),
    ],
)
def test_bad_input_says_what_is_wrong(params, message) -> None:
    with pytest.raises(InvalidQueryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_search_query(params)


def test_single_colour_matches_within_the_radius_and_share_and_scores_by_both() -> None:
    query = parsed(ColorQuery, {"color": "c0392b", "max_delta_e": "10", "min_share": "0.1"})
    near = color("c8402f", 0.5, "red")
    distance = ciede2000(query.lab, near["lab"])
    candidates = [
        still("a", "near", color("000000", 0.5, "black"), near),
        still("a", "exact-small", color("c0392b", 0.09, "red"), color("000000", 0.91)),
        still("a", "far", color("2980b9", 1.0, "blue")),
        still("b", "exact", color("c0392b", 0.3, "red"), color("ffffff", 0.7)),
    ]
    hits = rank_candidates(query, candidates)
    assert sorted(hit.name for hit in hits) == ["exact", "near"]
    by_name = {hit.name: hit for hit in hits}
    assert by_name["exact"].score == pytest.approx(0.3)
    assert by_name["near"].score == pytest.approx(0.5 * (1 - distance / 10))
    match = by_name["near"].matches[0]
    assert (match.color_index, match.hex, match.proportion, match.basic) == (1, "#c8402f", 0.5, "red")
    assert match.delta_e == pytest.approx(distance)
    assert [hit.sort_key for hit in hits] == sorted(hit.sort_key for hit in hits)


def test_ties_go_to_film_then_name_and_film_filters() -> None:
    query = parsed(ColorQuery, {"color": "c0392b"})
    same = [color("c0392b", 0.5)]
    candidates = [
        still("b", "x", *same),
        still("a", "y", *same),
        still("a", "x", *same),
        still("a", "x", *same),
    ]
    assert [(hit.film, hit.name) for hit in rank_candidates(query, candidates)] == [
        ("a", "x"),
        ("a", "y"),
        ("b", "x"),
    ]
    only_b = parsed(ColorQuery, {"color": "c0392b", "film": "b"})
    assert [(hit.film, hit.name) for hit in rank_candidates(only_b, candidates)] == [("b", "x")]


def test_pages_resume_after_the_last_key() -> None:
    query = parsed(ColorQuery, {"color": "c0392b", "limit": "2"})
    candidates = [still("f", f"s{i}", color("c0392b", 0.1 + i / 100)) for i in range(5)]
    full = rank_candidates(parsed(ColorQuery, {"color": "c0392b"}), candidates)
    first = rank_candidates(query, candidates)
    second = rank_candidates(query, candidates, after=first[-1].sort_key)
    assert first + second == full[:4]


def test_class_matches_a_large_enough_colour_of_the_term_and_scores_its_total_share() -> None:
    query = parsed(ClassQuery, {"class": "red", "min_share": "0.1"})
    candidates = [
        still(
            "f", "two-reds", color("c0392b", 0.15, "red"), color("a00000", 0.05, "red"), color("000000", 0.8)
        ),
        still("f", "small-red", color("c0392b", 0.05, "red"), color("000000", 0.95, "black")),
        still("f", "schema-1", color("c0392b", 0.4), color("000000", 0.6)),
    ]
    hits = rank_candidates(query, candidates)
    assert [(hit.name, round(hit.score or 0.0, 6)) for hit in hits] == [("schema-1", 0.4), ("two-reds", 0.2)]
    assert hits[1].matches[0].color_index == 0
    assert candidate_cells(query) == ["class:red"]


def test_mix_distance_on_worked_cases() -> None:
    query = parsed(MixQuery, {"colors": "c0392b:30,1abc9c:20"})
    exact = still("f", "exact", color("c0392b", 0.5), color("1abc9c", 0.5))
    tight = still("f", "tight", color("c0392b", 0.2), color("1abc9c", 0.8))
    hits = {hit.name: hit for hit in rank_candidates(query, [exact, tight])}
    assert hits["exact"].distance == pytest.approx(0.0, abs=1e-12)
    # 0.2 of the red finds red; the other 0.1 travels to the teal.
    red_to_teal = ciede2000(query.colors[0].lab, tight.colors[1]["lab"])
    assert hits["tight"].distance == pytest.approx(0.1 * red_to_teal / 0.5)
    red_match = hits["tight"].matches[0]
    assert (red_match.query_color, red_match.color_index) == (0, 0)
    assert red_match.flow == pytest.approx(0.2)
    assert [hit.name for hit in rank_candidates(query, [tight, exact])] == ["exact", "tight"]


def test_transport_moves_every_supply_at_least_cost() -> None:
    cost, flows = transport([0.5, 0.5], [0.5, 0.5], [[0.0, 10.0], [10.0, 1.0]])
    assert cost == pytest.approx(0.5)
    assert flows == [[pytest.approx(0.5), 0.0], [0.0, pytest.approx(0.5)]]
    # The cheap colour is full: the second supply must take the dearer path, or reroute the first.
    cost, _ = transport([0.5, 0.5], [0.5, 0.5], [[1.0, 2.0], [1.0, 10.0]])
    assert cost == pytest.approx(0.5 * 2.0 + 0.5 * 1.0)
    assert transport([0.2], [0.5, 0.5], [[3.0, 4.0]])[0] == pytest.approx(0.6)
    with pytest.raises(ValueError, match="below the supplies"):
        transport([0.6], [0.5], [[1.0]])


def test_similar_leaves_out_the_source_and_reads_its_main_colours() -> None:
    palette = [color("c0392b", 0.5), color("1abc9c", 0.3), color("000000", 0.15), color("ffffff", 0.05)]
    query = similar_query("f", "source", palette, {"limit": "3"})
    assert [round(c.weight, 6) for c in query.colors] == [0.5, 0.3, 0.15, 0.05]
    hits = rank_candidates(query, [still("f", "source", *palette), still("g", "copy", *palette)])
    assert [(hit.film, hit.name, round(hit.distance or 0.0, 9)) for hit in hits] == [("g", "copy", 0.0)]
    cells = set(candidate_cells(query))
    assert set(cells_within(query.colors[0].lab, 10)) | set(cells_within(query.colors[1].lab, 10)) == cells
    assert distance_floor(query) == pytest.approx(10 * (0.8 - 0.02))
    with pytest.raises(InvalidQueryError, match="no palette colours"):
        similar_query("f", "empty", [], {})


def test_colour_and_mix_cells() -> None:
    query = parsed(ColorQuery, {"color": "c0392b", "max_delta_e": "5"})
    assert candidate_cells(query) == cells_within(query.lab, 5)
    mix = parsed(MixQuery, {"colors": "c0392b:30,1abc9c:20"})
    assert set(candidate_cells(mix)) == set(cells_within(mix.colors[0].lab, 10)) | set(
        cells_within(mix.colors[1].lab, 10)
    )
    assert distance_floor(mix) == pytest.approx(10 * (0.5 - 0.02) / 0.5)
