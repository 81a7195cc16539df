"""Colour search: the queries (parsed from query-string values), the cells of the colour index each
reads, and the exact ranking of the stills found there. Pure Python: it runs in the API function.

The four kinds of query (one frozen dataclass each below), how each ranks and its terms' limits and
defaults: :mod:`palette_service.domain.search_terms`, which the API reads to route a search without
loading this module.

Which cells a query reads (:func:`candidate_cells`):

- a colour: ``cells_within(colour, max_delta_e)``, so nothing within the radius is missed;
- a mix: the union of ``cells_within(c, max_delta_e)`` over its colours; a "more like this": the
  same over the source's largest colours, taken until they hold ``SIMILAR_COVERAGE`` of its mass.
  A still with no indexed colour in those cells moves that covered mass more than ``max_delta_e``
  (but for at most ``MAX_UNINDEXED_SHARE`` of its palette outside the index), so its distance is at
  least :func:`distance_floor`: when the last hit wanted is nearer than that, the ranking is exact
  (:func:`exact_page`). When it is not, the search reads the cells of twice the radius
  (:func:`widened`), up to ``MAX_DELTA_E``, until it is;
- a class: the single key ``class:<term>`` (each index entry's ``class_key``), as a second key of
  the entries rather than a set of cells.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from palette_service.domain.color_index import (
    MAX_UNINDEXED_SHARE,
    MIN_INDEXED_SHARE,
    cells_within,
    class_key,
)
from palette_service.domain.search_terms import (
    DEFAULT_LIMIT,
    DEFAULT_MAX_DELTA_E,
    DEFAULT_MIN_SHARE,
    MAX_DELTA_E,
    MAX_LIMIT,
    MIN_DELTA_E,
)
from palette_service.errors import InvalidQueryError
from palettes.basic_colors import BASIC_COLOR_TERMS, basic_color_term
from palettes.delta_e import Lab, ciede2000, hex_to_lab
from palettes.errors import InvalidParameterError

MAX_MIX_COLORS: Final = 5
SIMILAR_COVERAGE: Final = 0.75
QUERY_KINDS: Final = ("color", "colors", "class")


@dataclass(frozen=True)
class WeightedColor:
    """A query colour and its share of the frame as a fraction (0-1)."""

    hex: str
    lab: Lab
    weight: float


@dataclass(frozen=True)
class ColorQuery:
    hex: str
    lab: Lab
    max_delta_e: float = DEFAULT_MAX_DELTA_E
    min_share: float = DEFAULT_MIN_SHARE
    limit: int = DEFAULT_LIMIT
    film: str | None = None


@dataclass(frozen=True)
class MixQuery:
    """``max_delta_e`` is the radius of the cells read around each colour (see the docstring)."""

    colors: tuple[WeightedColor, ...]
    max_delta_e: float = DEFAULT_MAX_DELTA_E
    limit: int = DEFAULT_LIMIT
    film: str | None = None


@dataclass(frozen=True)
class SimilarQuery:
    """Stills like ``source_film``/``source_name``, whose palette is ``colors`` (weights sum to 1)."""

    source_film: str
    source_name: str
    colors: tuple[WeightedColor, ...]
    max_delta_e: float = DEFAULT_MAX_DELTA_E
    limit: int = DEFAULT_LIMIT
    film: str | None = None


@dataclass(frozen=True)
class ClassQuery:
    term: str
    min_share: float = DEFAULT_MIN_SHARE
    limit: int = DEFAULT_LIMIT
    film: str | None = None


SearchQuery = ColorQuery | MixQuery | SimilarQuery | ClassQuery


@dataclass(frozen=True)
class Candidate:
    """A still found in the index: its film, name and palette colours (each a mapping with ``hex``,
    ``lab``, ``proportion`` and, in schema 2, ``basic``), as in its palette document."""

    film: str
    name: str
    colors: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Match:
    """A palette colour that made a hit: its position in ``colors``, hex, share and basic term; its
    CIEDE2000 distance from the query colour ``query_color`` (None for a class query); and for a
    mix or "more like this", the query mass moved to it (``flow``, a fraction of the frame)."""

    color_index: int
    hex: str
    proportion: float
    basic: str
    delta_e: float | None = None
    query_color: int | None = None
    flow: float | None = None


@dataclass(frozen=True)
class Hit:
    """A ranked still: ``score`` (colour, class; higher first) or ``distance`` (mix, "more like
    this"; lower first), and the palette colours that matched."""

    film: str
    name: str
    matches: tuple[Match, ...]
    score: float | None = None
    distance: float | None = None

    @property
    def sort_key(self) -> tuple[float, str, str]:
        """The ranking's total order, ascending: resume a page after the last hit's key."""
        value = self.distance if self.distance is not None else -(self.score or 0.0)
        return (value, self.film, self.name)


# ---- parsing ---------------------------------------------------------------------------------------


def parse_search_query(params: Mapping[str, str | None]) -> ColorQuery | MixQuery | ClassQuery:
    """The query of ``GET /search``'s query-string values; :class:`InvalidQueryError` says what is
    wrong. Exactly one of ``color``, ``colors`` or ``class``; ``film``, ``limit`` with any;
    ``max_delta_e`` with a colour or a mix; ``min_share`` with a colour or a class."""
    given = [kind for kind in QUERY_KINDS if params.get(kind) not in (None, "")]
    if len(given) != 1:
        found = f", got {' and '.join(given)}" if given else ""
        raise InvalidQueryError(f"give exactly one of color, colors or class{found}")
    _refuse_inapplicable(given[0], params)
    limit, film = _limit(params.get("limit")), _film(params.get("film"))
    if given[0] == "class":
        return ClassQuery(_term(str(params["class"])), _min_share(params.get("min_share")), limit, film)
    max_delta_e = _max_delta_e(params.get("max_delta_e"))
    if given[0] == "color":
        hex_value, lab = _color("color", str(params["color"]))
        return ColorQuery(hex_value, lab, max_delta_e, _min_share(params.get("min_share")), limit, film)
    return MixQuery(_mix(str(params["colors"])), max_delta_e, limit, film)


# The options each kind of query has no use for: refused rather than silently ignored.
_INAPPLICABLE = {"class": ("max_delta_e",), "colors": ("min_share",)}


def _refuse_inapplicable(kind: str, params: Mapping[str, str | None]) -> None:
    for option in _INAPPLICABLE.get(kind, ()):
        if params.get(option) not in (None, ""):
            raise InvalidQueryError(f"{option} does not apply to a {kind} query")


def similar_query(
    film: str, name: str, colors: Sequence[Mapping[str, Any]], params: Mapping[str, str | None]
) -> SimilarQuery:
    """The "more like this" query of a still's palette colours and the query-string values
    (``limit``, ``film``, ``max_delta_e``)."""
    total = sum(max(float(color["proportion"]), 0.0) for color in colors)
    if total <= 0:
        raise InvalidQueryError(f"the still {film}/{name} has no palette colours to compare")
    weighted = tuple(
        WeightedColor(str(color["hex"]), _lab(color), max(float(color["proportion"]), 0.0) / total)
        for color in colors
    )
    return SimilarQuery(
        film,
        name,
        weighted,
        _max_delta_e(params.get("max_delta_e")),
        _limit(params.get("limit")),
        _film(params.get("film")),
    )


def _number(name: str, text: str | None, *, default: float, low: float, high: float, rule: str) -> float:
    if text is None or text == "":
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not low <= value <= high:
        raise InvalidQueryError(f"{name} must be {rule}, got {text!r}")
    return value


def _max_delta_e(text: str | None) -> float:
    rule = f"a number from {MIN_DELTA_E:g} to {MAX_DELTA_E:g} (a CIEDE2000 distance)"
    return _number(
        "max_delta_e", text, default=DEFAULT_MAX_DELTA_E, low=MIN_DELTA_E, high=MAX_DELTA_E, rule=rule
    )


def _min_share(text: str | None) -> float:
    rule = (
        f"a number from {MIN_INDEXED_SHARE:g} to 1 (a share of the frame; the index holds the "
        f"colours of at least {MIN_INDEXED_SHARE:.1%} of it)"
    )
    return _number("min_share", text, default=DEFAULT_MIN_SHARE, low=MIN_INDEXED_SHARE, high=1.0, rule=rule)


def _limit(text: str | None) -> int:
    if text is None or text == "":
        return DEFAULT_LIMIT
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_LIMIT:
        raise InvalidQueryError(f"limit must be a whole number from 1 to {MAX_LIMIT}, got {text!r}")
    return int(text)


def _film(text: str | None) -> str | None:
    if text is None or text == "":
        return None
    if "/" in text:
        raise InvalidQueryError(f"film must be a film's name, without '/', got {text!r}")
    return text


def _term(text: str) -> str:
    if text not in BASIC_COLOR_TERMS:
        raise InvalidQueryError(f"class must be one of {', '.join(BASIC_COLOR_TERMS)}, got {text!r}")
    return text


def _color(name: str, text: str) -> tuple[str, Lab]:
    try:
        lab = hex_to_lab(text)
    except InvalidParameterError:
        raise InvalidQueryError(
            f"{name} must be a colour as 6 hex digits, e.g. c0392b or #c0392b, got {text!r}"
        ) from None
    return "#" + text.removeprefix("#").lower(), lab


def _mix(text: str) -> tuple[WeightedColor, ...]:
    entries = text.split(",")
    if len(entries) > MAX_MIX_COLORS:
        raise InvalidQueryError(f"colors holds at most {MAX_MIX_COLORS} colours, got {len(entries)}")
    colors = []
    for entry in entries:
        hex_text, colon, weight_text = entry.partition(":")
        if not colon:
            raise InvalidQueryError(
                f"each colour in colors must be <hex>:<weight in percent>, e.g. c0392b:30, got {entry!r}"
            )
        hex_value, lab = _color("each colour in colors", hex_text)
        rule = "a percentage above 0, at most 100"
        weight = _number("each weight in colors", weight_text, default=0.0, low=0.0, high=100.0, rule=rule)
        if weight <= 0:
            raise InvalidQueryError(f"each weight in colors must be above 0 percent, got {weight_text!r}")
        colors.append(WeightedColor(hex_value, lab, weight / 100.0))
    total = sum(color.weight for color in colors) * 100.0
    if total > 100.0 + 1e-9:
        raise InvalidQueryError(
            f"the weights in colors sum to {total:g} percent; they may sum to 100 at most"
        )
    return tuple(colors)


# ---- the cells a query reads -----------------------------------------------------------------------


def candidate_cells(query: SearchQuery) -> list[str]:
    """The index keys a query reads, sorted (see the module's docstring for each kind)."""
    if isinstance(query, ClassQuery):
        return [class_key(query.term)]
    if isinstance(query, ColorQuery):
        return cells_within(query.lab, query.max_delta_e)
    cells: set[str] = set()
    for color in _covered_colors(query):
        cells.update(cells_within(color.lab, query.max_delta_e))
    return sorted(cells)


def distance_floor(query: MixQuery | SimilarQuery) -> float:
    """The least mix distance of a still none of whose indexed colours is in the query's cells: the
    covered query mass moves more than ``max_delta_e``, less what the still's colours outside the
    index (at most ``MAX_UNINDEXED_SHARE``) can take. A ranking whose last hit is nearer is exact."""
    total = sum(color.weight for color in query.colors)
    covered = sum(color.weight for color in _covered_colors(query))
    return query.max_delta_e * max(covered - MAX_UNINDEXED_SHARE, 0.0) / total


def exact_page(query: SearchQuery, hits: Sequence[Hit]) -> bool:
    """Whether ``hits``, ranked from the stills in the query's cells, are the true ranking's page.

    A colour or class query always is: its cells hold every match. A mix or "more like this" page is
    when it is full and its last distance is within :func:`distance_floor`, which every still outside
    the cells exceeds."""
    if not isinstance(query, MixQuery | SimilarQuery):
        return True
    return len(hits) == query.limit and (hits[-1].distance or 0.0) <= distance_floor(query)


def widened(query: SearchQuery) -> SearchQuery | None:
    """A mix or "more like this" reading cells of twice the radius (at most ``MAX_DELTA_E``), to
    make a page exact that is not (:func:`exact_page`); ``None`` when it cannot widen."""
    if not isinstance(query, MixQuery | SimilarQuery) or query.max_delta_e >= MAX_DELTA_E:
        return None
    return replace(query, max_delta_e=min(2 * query.max_delta_e, MAX_DELTA_E))


def _covered_colors(query: MixQuery | SimilarQuery) -> list[WeightedColor]:
    """A mix's colours; a "more like this" query's largest, until they hold SIMILAR_COVERAGE."""
    if isinstance(query, MixQuery):
        return list(query.colors)
    covered: list[WeightedColor] = []
    for color in sorted(query.colors, key=lambda color: -color.weight):
        if sum(chosen.weight for chosen in covered) >= SIMILAR_COVERAGE:
            break
        covered.append(color)
    return covered


# ---- ranking ---------------------------------------------------------------------------------------


def rank_candidates(
    query: SearchQuery, candidates: Iterable[Candidate], *, after: tuple[float, str, str] | None = None
) -> list[Hit]:
    """The hits among ``candidates``, in the ranking's total order, from just after ``after`` (a
    previous page's last ``sort_key``), at most ``query.limit`` of them. A still given twice counts
    once; a still of another film than ``query.film``, or the source of a "more like this", never
    appears."""
    unique = {(candidate.film, candidate.name): candidate for candidate in candidates}
    kept = [candidate for candidate in unique.values() if _eligible(query, candidate)]
    if isinstance(query, MixQuery | SimilarQuery):
        return _rank_by_distance(query, kept, after)
    scorer = _color_hit if isinstance(query, ColorQuery) else _class_hit
    hits = (scorer(query, candidate) for candidate in kept)  # type: ignore[arg-type]
    wanted = (hit for hit in hits if hit is not None and (after is None or hit.sort_key > after))
    return heapq.nsmallest(query.limit, wanted, key=lambda hit: hit.sort_key)


def _eligible(query: SearchQuery, candidate: Candidate) -> bool:
    if query.film is not None and candidate.film != query.film:
        return False
    return not (
        isinstance(query, SimilarQuery)
        and (candidate.film, candidate.name) == (query.source_film, query.source_name)
    )


def _color_hit(query: ColorQuery, candidate: Candidate) -> Hit | None:
    best: tuple[float, float, int] | None = None
    for index, color in enumerate(candidate.colors):
        share = float(color["proportion"])
        if share < query.min_share:
            continue
        delta_e = ciede2000(query.lab, _lab(color))
        if delta_e <= query.max_delta_e:
            rank = (-share * (1.0 - delta_e / query.max_delta_e), delta_e, index)
            best = rank if best is None or rank < best else best
    if best is None:
        return None
    score, delta_e, index = -best[0], best[1], best[2]
    match = _match(candidate, index, delta_e=delta_e, query_color=0)
    return Hit(candidate.film, candidate.name, (match,), score=score)


def _class_hit(query: ClassQuery, candidate: Candidate) -> Hit | None:
    of_term = [index for index, color in enumerate(candidate.colors) if _basic(color) == query.term]
    shares = {index: float(candidate.colors[index]["proportion"]) for index in of_term}
    if not shares or max(shares.values()) < query.min_share:
        return None
    largest = min(of_term, key=lambda index: (-shares[index], index))
    return Hit(candidate.film, candidate.name, (_match(candidate, largest),), score=sum(shares.values()))


def _rank_by_distance(
    query: MixQuery | SimilarQuery, candidates: list[Candidate], after: tuple[float, str, str] | None
) -> list[Hit]:
    """Exact top hits with few transport problems solved: each still's cost matrix gives a lower
    bound (every query colour to its nearest palette colour, capacities ignored); stills are solved
    in that bound's order until the bound exceeds the last of ``limit`` hits so far."""
    weights = [color.weight for color in query.colors]
    total = sum(weights)
    bounded = []
    for candidate in candidates:
        costs = [[ciede2000(color.lab, _lab(other)) for other in candidate.colors] for color in query.colors]
        bound = sum(weight * min(row) for weight, row in zip(weights, costs, strict=True)) / total
        bounded.append((bound, candidate.film, candidate.name, candidate, costs))
    bounded.sort(key=lambda item: item[:3])
    best: list[Hit] = []  # the hits so far, in order, at most limit of them
    for bound, _, _, candidate, costs in bounded:
        if len(best) == query.limit and bound > (best[-1].distance or 0.0) + _BOUND_SLACK:
            break
        hit = _distance_hit(candidate, weights, costs)
        if after is not None and hit.sort_key <= after:
            continue
        if len(best) < query.limit or hit.sort_key < best[-1].sort_key:
            bisect.insort(best, hit, key=lambda kept: kept.sort_key)
            del best[query.limit :]
    return best


# The lower bound and the exact distance are computed apart, in floating point.
_BOUND_SLACK: Final = 1e-9


def _distance_hit(candidate: Candidate, weights: list[float], costs: list[list[float]]) -> Hit:
    """The mix distance of a still (see the module's docstring) and, for each query colour, the
    palette colour that takes most of its mass."""
    shares = [max(float(color["proportion"]), 0.0) for color in candidate.colors]
    total = sum(shares)
    capacities = [share / total for share in shares] if total > 0 else shares
    cost, flows = transport(weights, capacities, costs)
    matches = []
    for query_index, row in enumerate(flows):
        index = max(range(len(row)), key=lambda column: (row[column], -column))
        delta_e = costs[query_index][index]
        matches.append(_match(candidate, index, delta_e=delta_e, query_color=query_index, flow=row[index]))
    return Hit(candidate.film, candidate.name, tuple(matches), distance=cost / sum(weights))


def _match(
    candidate: Candidate,
    index: int,
    *,
    delta_e: float | None = None,
    query_color: int | None = None,
    flow: float | None = None,
) -> Match:
    color = candidate.colors[index]
    return Match(
        index, str(color["hex"]), float(color["proportion"]), _basic(color), delta_e, query_color, flow
    )


def _lab(color: Mapping[str, Any]) -> Lab:
    lab = color["lab"]
    return (float(lab[0]), float(lab[1]), float(lab[2]))


def _basic(color: Mapping[str, Any]) -> str:
    """A colour's basic term: schema 2 stores it; older documents get it from their CIELAB."""
    return str(color.get("basic") or basic_color_term(_lab(color)))


# ---- the transport problem -------------------------------------------------------------------------

_EPSILON: Final = 1e-12


def transport(
    supplies: Sequence[float], capacities: Sequence[float], costs: Sequence[Sequence[float]]
) -> tuple[float, list[list[float]]]:
    """The least cost of moving every supply (query mass) to the capacities (palette mass, unused
    capacity free), ``costs[i][j]`` a unit from i to j, and the flows; needs total capacity at
    least the total supply (to 1e-9) and costs of 0 or more.

    Successive shortest paths: a min-cost flow from a source to each supply, through the pairs, to
    a sink from each capacity, augmenting along the cheapest residual path (Dijkstra on costs made
    non-negative by node potentials) until all supply has moved; exact for these few colours."""
    supply_total = sum(supplies)
    if sum(capacities) < supply_total - 1e-9:
        raise ValueError(f"capacities ({sum(capacities)}) are below the supplies ({supply_total})")
    network = _Network(supplies, capacities, costs)
    moved = 0.0
    for _ in range(4 * (len(supplies) + len(capacities)) ** 2 + 4):
        if supply_total - moved <= _EPSILON * max(supply_total, 1.0):
            break
        step = network.augment()
        if step <= 0.0:
            break
        moved += step
    return network.cost(), network.flows()


class _Network:
    """The flow network: node 0 the source, 1..n the supplies, n+1..n+m the capacities, the last
    the sink; ``flow`` is antisymmetric, so a residual arc back along a flow has its negated cost."""

    def __init__(
        self, supplies: Sequence[float], capacities: Sequence[float], costs: Sequence[Sequence[float]]
    ) -> None:
        n, m = len(supplies), len(capacities)
        self.n, self.m, self.size = n, m, n + m + 2
        sink = self.size - 1
        self.capacity = [[0.0] * self.size for _ in range(self.size)]
        self.cost_of = [[0.0] * self.size for _ in range(self.size)]
        self.flow = [[0.0] * self.size for _ in range(self.size)]
        for i, supply in enumerate(supplies):
            self.capacity[0][1 + i] = max(supply, 0.0)
            for j in range(m):
                self.capacity[1 + i][1 + n + j] = math.inf
                self.cost_of[1 + i][1 + n + j] = costs[i][j]
                self.cost_of[1 + n + j][1 + i] = -costs[i][j]
        for j, capacity in enumerate(capacities):
            self.capacity[1 + n + j][sink] = max(capacity, 0.0)
        self.potential = [0.0] * self.size

    def residual(self, u: int, v: int) -> float:
        return self.capacity[u][v] - self.flow[u][v]

    def augment(self) -> float:
        """Push flow along the cheapest residual path from source to sink; the amount pushed."""
        distance, previous = self._shortest_paths()
        sink = self.size - 1
        if math.isinf(distance[sink]):
            return 0.0
        for node in range(self.size):
            if not math.isinf(distance[node]):
                self.potential[node] += distance[node]
        path, node = [], sink
        while node != 0:
            path.append((previous[node], node))
            node = previous[node]
        amount = min(self.residual(u, v) for u, v in path)
        for u, v in path:
            self.flow[u][v] += amount
            self.flow[v][u] -= amount
        return amount

    def _shortest_paths(self) -> tuple[list[float], list[int]]:
        """Dijkstra over reduced costs (dense: the network has at most a few dozen nodes)."""
        distance, previous = [math.inf] * self.size, [-1] * self.size
        distance[0] = 0.0
        done = [False] * self.size
        for _ in range(self.size):
            node = min((v for v in range(self.size) if not done[v]), key=distance.__getitem__)
            if math.isinf(distance[node]):
                break
            done[node] = True
            for other in range(self.size):
                if done[other] or self.residual(node, other) <= _EPSILON:
                    continue
                reduced = self.cost_of[node][other] + self.potential[node] - self.potential[other]
                candidate = distance[node] + max(reduced, 0.0)
                if candidate < distance[other]:
                    distance[other], previous[other] = candidate, node
        return distance, previous

    def cost(self) -> float:
        return sum(
            self.flow[1 + i][1 + self.n + j] * self.cost_of[1 + i][1 + self.n + j]
            for i in range(self.n)
            for j in range(self.m)
        )

    def flows(self) -> list[list[float]]:
        return [[max(self.flow[1 + i][1 + self.n + j], 0.0) for j in range(self.m)] for i in range(self.n)]
