"""The colour index's geometry: the coarse cell of colour space each palette colour is filed under,
and every cell that can hold a colour within a CIEDE2000 distance of a query. Pure Python.

**Cells.** A colour's cell is its CIE L* band, its chroma ring and its hue sector in CIELAB (C*ab,
h_ab), written ``L<band>C<ring>H<sector>`` (e.g. ``L5C3H07``): ten L* bands 10 wide, chroma rings
whose edges (``RING_EDGES``) widen with chroma as CIEDE2000's chroma scale S_C does, and in each
ring as many equal hue sectors as keep a sector about as wide, in CIEDE2000 units, as a ring
(``RING_SECTORS``; the innermost, near-grey ring is one cell, as hue means little there).

**The bound.** CIEDE2000 is not Euclidean in CIELAB, so ``cells_within(q, d)`` keeps every cell
whose *lower bound* of ΔE00 from ``q`` is at most ``d``. Write ΔE00² = l² + x² + y² + R_T·x·y with
l = ΔL'/S_L, x = ΔC'/S_C, y = ΔH'/S_H. Then, for any colour p of a cell:

1. *Rotation.* ``|R_T| ≤ R = 2·√(C̄'^7/(C̄'^7+25^7))·sin(60°·exp(-(δ/25°)²))``, with C̄' at most
   the mean of the two largest C' possible and δ the least angle from 275° to the arc the mean hue
   h̄' can lie on (below). R ≤ √3 < 2, so x² + y² - R·|x|·|y| is a convex form, least at 0: over
   |x| ≥ x_min, |y| ≥ y_min its least value lies on an edge, at x_min²·(1 - R²/4) when the edge's
   vertex (y = R·x_min/2) is inside it, else at the corner (and the same with x, y swapped). At
   worst (saturated blue) that is a quarter of x_min²; away from blue, or at low chroma, R ≈ 0.
2. *The a' stretch.* a' = (1+G)·a with G = 0.5·(1 - √(C̄^7/(C̄^7+25^7))) from the pair's mean C*ab,
   decreasing in it, so over the cell G lies between its values at the mean chroma's extremes.
   Then C' = C*·√((1+G)²cos²h + sin²h) and h' = atan2(b, (1+G)a) lie in intervals, found from the
   cell's chroma edges, the extremes of cos²h over its sector and of G, and for h' from the sector's
   edge hues (h' is monotone in h, and moves toward the a axis as G grows, by less than 12°).
3. *Lightness.* ``l = |ΔL|/S_L(L̄)`` grows with |ΔL| (S_L's slope is below 0.0165, so
   d(ΔL/S_L)/dΔL ≥ (1 - 50·0.0165)/S_L² > 0): its least value is at the band's edge nearest q.
4. *Chroma.* ``x = (C'₂ - C'₁)/(1 + 0.0225(C'₁ + C'₂))`` grows with C'₂ and falls with C'₁ (for
   C'₂ > C'₁): its least value is at the near ends of the two C' intervals, 0 if they overlap.
5. *Hue.* ``y = 2√(C'₁C'₂)·sin(|Δh'|/2) / (1 + 0.0075·T·(C'₁ + C'₂))``: |Δh'| is at least the gap
   between the two h' arcs; T is at most its largest value over the mean-hue arc (a table of T's
   maxima per degree, each from five samples plus T's Lipschitz bound 2.41/rad times the half-step);
   and √(uv)/(1 + β(u+v)) rises then falls in each of u and v, so its least value over the two C'
   intervals is at one of the four corners.
6. *Mean hue.* h̄' lies on the shorter arc between the two hues (the standard's midpoint); when the
   smallest arc holding both h' arcs is under 180°, h̄' lies on it, else anywhere (R and T then take
   their global maxima). A grey colour (C' = 0) has ΔH' = 0, so its hue convention cannot matter.

So ΔE00² ≥ l_min² + min(x² + y² - R·|x|·|y|) for every colour of the cell: a cell is read when that
is at most d². Near the limit, a sector's bound is the least of its four halves' (in chroma and
hue), whose narrower intervals make it tighter. The chromatic part does not depend on L*, so each
ring and sector is bounded once per query and combined with each band.
``tests/fuzz/test_search_properties.py`` checks, with pairs at exactly the query's distance (near
grey, saturated blue around 275°, L* near 0 and 100), that no colour within d is ever in a cell left
out; ``tests/unit/test_color_index.py`` checks it against every colour of a dense sRGB grid.

The bound holds for CIELAB colours with 0 ≤ L* ≤ 100 and C*ab ≤ ``MAX_CHROMA`` (140): every sRGB
colour (the most saturated, pure blue, has C*ab 133.8). A colour outside is filed in the nearest
band or ring, and may be missed.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from palettes.basic_colors import basic_color_term

L_BAND_WIDTH: Final = 10.0
L_BANDS: Final = 10
MAX_CHROMA: Final = 140.0
RING_EDGES: Final = (0.0, 8.0, 20.0, 36.0, 56.0, 82.0, MAX_CHROMA)
RING_SECTORS: Final = (1, 8, 12, 16, 18, 24)
# Bounds are compared with ΔE00 computed in floating point.
_SLACK: Final = 1e-9
_25_POW_7: Final = 25.0**7
_FULL: Final = 2 * math.pi
# How many times a sector near the limit is halved (in chroma and hue) to tighten its bound.
_REFINEMENTS: Final = 1
# Only a region whose bound is near the limit is worth halving (which one is halved is a matter of
# speed alone: every bound returned holds).
_REFINE_ABOVE: Final = 0.5


@dataclass(frozen=True)
class _Arc:
    """The hues from ``start`` counterclockwise through ``width`` (radians); 2π or more is all."""

    start: float
    width: float

    @property
    def full(self) -> bool:
        return self.width >= _FULL

    def contains(self, hue: float) -> bool:
        return self.full or (hue - self.start) % _FULL <= self.width


@dataclass(frozen=True)
class _Region:
    """A part of the (C*ab, h_ab) plane: chroma from ``chroma_low`` to ``chroma_high``, hues on ``arc``."""

    chroma_low: float
    chroma_high: float
    arc: _Arc

    def halves(self) -> tuple[_Region, ...]:
        """Four parts: the two chroma halves of each half arc (quarters of a whole circle)."""
        middle = (self.chroma_low + self.chroma_high) / 2
        if self.arc.full:
            arcs = tuple(_Arc(quarter * math.pi / 2, math.pi / 2) for quarter in range(4))
        else:
            arcs = (
                _Arc(self.arc.start, self.arc.width / 2),
                _Arc(self.arc.start + self.arc.width / 2, self.arc.width / 2),
            )
        return tuple(
            _Region(low, high, arc)
            for arc in arcs
            for low, high in ((self.chroma_low, middle), (middle, self.chroma_high))
        )


@dataclass(frozen=True)
class _Sector:
    """A ring's hue sector: its key's chroma and hue part, and its region (ring 0 is a whole disc)."""

    key: str
    region: _Region


def cell_of(lab: Sequence[float]) -> str:
    """The cell a CIELAB colour is filed under, e.g. ``L5C3H07``."""
    lightness, a, b = float(lab[0]), float(lab[1]), float(lab[2])
    band = min(max(int(lightness // L_BAND_WIDTH), 0), L_BANDS - 1)
    ring = min(bisect.bisect_right(RING_EDGES, math.hypot(a, b)) - 1, len(RING_SECTORS) - 1)
    sectors = RING_SECTORS[ring]
    sector = min(int(math.atan2(b, a) % _FULL / _FULL * sectors), sectors - 1)
    return f"L{band}C{ring}H{sector:02d}"


def all_cells() -> list[str]:
    """Every cell of the index, in key order."""
    return sorted(f"L{band}{sector.key}" for band in range(L_BANDS) for sector in _SECTORS)


def cells_within(lab: Sequence[float], max_delta_e: float) -> list[str]:
    """Every cell that can hold a colour within CIEDE2000 ``max_delta_e`` of ``lab`` (sorted).

    No false negatives for colours in the index's domain (see the module's docstring)."""
    if not max_delta_e > 0:
        raise ValueError(f"max_delta_e must be positive, got {max_delta_e}")
    query = _Query.of(lab)
    limit = (max_delta_e * (1 + _SLACK) + _SLACK) ** 2
    bands = [(band, _lightness_bound(query.lightness, band) ** 2) for band in range(L_BANDS)]
    bands = [(band, bound) for band, bound in bands if bound <= limit]
    # The band holding the query's L* bounds nothing, so a sector is read when its own bound is.
    chromatic_limit = limit - min(bound for _, bound in bands)
    cells: list[str] = []
    for sector in _SECTORS:
        chromatic = _refined_bound(query, sector.region, chromatic_limit, _REFINEMENTS)
        cells.extend(f"L{band}{sector.key}" for band, bound in bands if bound + chromatic <= limit)
    return sorted(cells)


@dataclass(frozen=True)
class _Query:
    lightness: float
    chroma: float
    hue: float

    @classmethod
    def of(cls, lab: Sequence[float]) -> _Query:
        a, b = float(lab[1]), float(lab[2])
        return cls(float(lab[0]), math.hypot(a, b), math.atan2(b, a) % _FULL)


def _lightness_bound(lightness: float, band: int) -> float:
    """The least ΔL'/S_L from ``lightness`` to any L* of the band (the end bands are open)."""
    low, high = band * L_BAND_WIDTH, (band + 1) * L_BAND_WIDTH
    if band == 0:
        low = -math.inf
    if band == L_BANDS - 1:
        high = math.inf
    if low <= lightness <= high:
        return 0.0
    edge = low if lightness < low else high
    offset = ((lightness + edge) / 2 - 50.0) ** 2
    return abs(edge - lightness) / (1.0 + 0.015 * offset / math.sqrt(20.0 + offset))


def _refined_bound(query: _Query, region: _Region, limit: float, depth: int) -> float:
    """The chromatic bound of the region; when it is within ``limit`` but near it, the least of its
    halves' bounds, ``depth`` times over (each part's bound holds for its colours, so their least holds for
    the region's, and narrower parts give tighter G, C' and h' intervals)."""
    bound = _chromatic_bound_squared(query, region)
    if depth == 0 or bound > limit or bound < _REFINE_ABOVE * limit:
        return bound
    return min(_refined_bound(query, part, limit, depth - 1) for part in region.halves())


def _chromatic_bound_squared(query: _Query, region: _Region) -> float:
    """The least of x² + y² + R_T·x·y for the query against any colour of the region (any L*)."""
    stretch_low = 1.0 + _g((query.chroma + region.chroma_high) / 2)
    stretch_high = 1.0 + _g((query.chroma + region.chroma_low) / 2)
    cos2_low, cos2_high = _cos2_range(region.arc)
    cos2 = math.cos(query.hue) ** 2
    query_low = query.chroma * _stretch_factor(cos2, stretch_low)
    query_high = query.chroma * _stretch_factor(cos2, stretch_high)
    cell_low = region.chroma_low * _stretch_factor(cos2_low, stretch_low)
    cell_high = region.chroma_high * _stretch_factor(cos2_high, stretch_high)
    query_arc = _stretched_arc(
        _Arc(query.hue, _FULL if query.chroma == 0 else 0.0), stretch_low, stretch_high
    )
    cell_arc = _stretched_arc(region.arc, stretch_low, stretch_high)
    mean_arc = _hull(query_arc, cell_arc)
    rotation = _rotation_bound(mean_arc, (query_high + cell_high) / 2)
    x = _chroma_bound(query_low, query_high, cell_low, cell_high)
    y = _hue_bound(_gap(query_arc, cell_arc), (query_low, query_high), (cell_low, cell_high), mean_arc)
    return _rotated_form_bound(x, y, rotation)


def _rotated_form_bound(x_min: float, y_min: float, rotation: float) -> float:
    """The least x² + y² - R·|x|·|y| over |x| ≥ x_min, |y| ≥ y_min (R < 2: a convex form whose
    least value is at 0, so over the region it lies on an edge, at the edge's own least point)."""
    return min(_edge_bound(x_min, y_min, rotation), _edge_bound(y_min, x_min, rotation))


def _edge_bound(fixed: float, other_min: float, rotation: float) -> float:
    """The least of fixed² + t² - R·fixed·t over t ≥ other_min (its vertex is at t = R·fixed/2)."""
    vertex = rotation * fixed / 2
    if vertex >= other_min:
        return fixed * fixed * (1.0 - rotation * rotation / 4)
    return fixed * fixed + other_min * other_min - rotation * fixed * other_min


def _g(chroma_mean: float) -> float:
    c7 = chroma_mean**7
    return 0.5 * (1.0 - math.sqrt(c7 / (c7 + _25_POW_7)))


def _stretch_factor(cos2: float, stretch: float) -> float:
    """C'/C* for a hue with cos²h = ``cos2`` under a' = stretch·a."""
    return math.sqrt(stretch * stretch * cos2 + (1.0 - cos2))


def _stretched_hue(hue: float, stretch: float) -> float:
    return math.atan2(math.sin(hue), stretch * math.cos(hue)) % _FULL


def _signed(angle: float) -> float:
    """An angle as (-π, π]."""
    angle %= _FULL
    return angle - _FULL if angle > math.pi else angle


def _stretched_arc(arc: _Arc, stretch_low: float, stretch_high: float) -> _Arc:
    """Every h' of the arc's hues under any stretch in [low, high] (h' is monotone in h)."""
    if arc.full:
        return arc
    end = arc.start + arc.width
    starts = [_signed(_stretched_hue(arc.start, s) - arc.start) for s in (stretch_low, stretch_high)]
    ends = [_signed(_stretched_hue(end, s) - end) for s in (stretch_low, stretch_high)]
    return _Arc((arc.start + min(starts)) % _FULL, arc.width + max(ends) - min(starts))


def _hull(first: _Arc, second: _Arc) -> _Arc:
    """The smallest arc holding both, or the whole circle when that is 180° or more (then the
    shorter arc between two of its hues need not lie on it)."""
    if first.full or second.full:
        return _Arc(0.0, _FULL)
    width = min(
        max((first.start - start) % _FULL + first.width, (second.start - start) % _FULL + second.width)
        for start in (first.start, second.start)
    )
    start = min(
        (first.start, second.start),
        key=lambda s: max((first.start - s) % _FULL + first.width, (second.start - s) % _FULL + second.width),
    )
    return _Arc(start, width) if width < math.pi else _Arc(0.0, _FULL)


def _gap(first: _Arc, second: _Arc) -> float:
    """The least angle between a hue of one arc and a hue of the other (0 when they meet)."""
    if first.contains(second.start) or second.contains(first.start):
        return 0.0
    after_first = (second.start - first.start - first.width) % _FULL
    after_second = (first.start - second.start - second.width) % _FULL
    return min(after_first, after_second, math.pi)


def _chroma_bound(query_low: float, query_high: float, cell_low: float, cell_high: float) -> float:
    """The least |ΔC'|/S_C between a C' of one interval and one of the other."""
    if cell_low > query_high:
        return (cell_low - query_high) / (1.0 + 0.0225 * (cell_low + query_high))
    if query_low > cell_high:
        return (query_low - cell_high) / (1.0 + 0.0225 * (query_low + cell_high))
    return 0.0


def _hue_bound(gap: float, query: tuple[float, float], cell: tuple[float, float], mean_arc: _Arc) -> float:
    """The least |ΔH'|/S_H given the least hue gap and the two C' intervals."""
    if gap <= 0.0:
        return 0.0
    weight = 0.0075 * _largest_t(mean_arc)
    half_sine = math.sin(gap / 2)
    return min(2.0 * math.sqrt(u * v) * half_sine / (1.0 + weight * (u + v)) for u in query for v in cell)


def _rotation_bound(mean_arc: _Arc, chroma_mean_high: float) -> float:
    """The largest |R_T| for a mean hue on the arc and a mean C' at most ``chroma_mean_high``."""
    blue = math.radians(275.0)
    if mean_arc.contains(blue):
        distance = 0.0
    else:
        end = mean_arc.start + mean_arc.width
        distance = min(abs(_signed(mean_arc.start - blue)), abs(_signed(end - blue)))
    c7 = chroma_mean_high**7
    angle = math.radians(60.0) * math.exp(-((math.degrees(distance) / 25.0) ** 2))
    return 2.0 * math.sqrt(c7 / (c7 + _25_POW_7)) * math.sin(angle)


def _weight_t(hue: float) -> float:
    return (
        1.0
        - 0.17 * math.cos(hue - math.radians(30.0))
        + 0.24 * math.cos(2.0 * hue)
        + 0.32 * math.cos(3.0 * hue + math.radians(6.0))
        - 0.20 * math.cos(4.0 * hue - math.radians(63.0))
    )


# T's largest value over each 1° bin of mean hue: five samples, plus the Lipschitz bound
# (0.17 + 2·0.24 + 3·0.32 + 4·0.20 = 2.41 per radian) over the eighth of a degree to the nearest one.
_T_MARGIN: Final = 2.41 * math.radians(0.125)
_T_BY_DEGREE: Final = tuple(
    max(_weight_t(math.radians(degree + step / 4)) for step in range(5)) + _T_MARGIN for degree in range(360)
)


def _window_maxima(values: tuple[float, ...]) -> tuple[tuple[float, ...], ...]:
    """A sparse table: row k holds the largest of each 2**k consecutive values (around the circle)."""
    rows = [values]
    while 2 ** len(rows) <= len(values):
        half, previous = 2 ** (len(rows) - 1), rows[-1]
        rows.append(tuple(max(previous[i], previous[(i + half) % len(values)]) for i in range(len(values))))
    return tuple(rows)


_T_WINDOWS: Final = _window_maxima(_T_BY_DEGREE)


def _largest_t(arc: _Arc) -> float:
    """The largest T for a mean hue on the arc: over the whole degrees it touches."""
    first = math.floor(math.degrees(arc.start))
    count = math.floor(math.degrees(arc.start + arc.width)) - first + 1
    if arc.full or count >= 360:
        return max(_T_WINDOWS[-1])
    level = count.bit_length() - 1
    row = _T_WINDOWS[level]
    return max(row[first % 360], row[(first + count - (1 << level)) % 360])


def _cos2_range(arc: _Arc) -> tuple[float, float]:
    """The least and largest cos²h over the arc (ends, and the axes it crosses)."""
    if arc.full:
        return 0.0, 1.0
    values = [math.cos(arc.start) ** 2, math.cos(arc.start + arc.width) ** 2]
    values += [float(axis % 2 == 0) for axis in range(4) if arc.contains(axis * math.pi / 2)]
    return min(values), max(values)


def _sectors() -> tuple[_Sector, ...]:
    sectors = []
    for ring, count in enumerate(RING_SECTORS):
        for sector in range(count):
            arc = _Arc(0.0, _FULL) if count == 1 else _Arc(sector * _FULL / count, _FULL / count)
            region = _Region(RING_EDGES[ring], RING_EDGES[ring + 1], arc)
            sectors.append(_Sector(f"C{ring}H{sector:02d}", region))
    return tuple(sectors)


_SECTORS: Final = _sectors()


# What the index holds of a still: each palette colour with at least MIN_INDEXED_SHARE of the frame,
# and more (the largest first) while the colours left out would hold over MAX_UNINDEXED_SHARE, so a
# single-colour search with min_share ≥ MIN_INDEXED_SHARE misses nothing, and a still's colours
# outside the index never hold more than MAX_UNINDEXED_SHARE of it (the bound of the mixes' floor).
MIN_INDEXED_SHARE: Final = 0.005
MAX_UNINDEXED_SHARE: Final = 0.02


@dataclass(frozen=True)
class IndexEntry:
    """One palette colour as the index stores it: under ``cell``; ``color_index`` is its position in
    the still's ``colors``."""

    cell: str
    color_index: int
    hex: str
    lab: tuple[float, float, float]
    proportion: float
    basic: str

    @property
    def class_key(self) -> str:
        """The key class queries read (``class:<basic term>``), e.g. as a second index's key."""
        return class_key(self.basic)


def class_key(term: str) -> str:
    return f"class:{term}"


def index_entries(colors: Sequence[Mapping[str, Any]]) -> list[IndexEntry]:
    """The index entries of a still's palette colours (``hex``, ``lab``, ``proportion``, ``basic``),
    in colour order: every colour with at least ``MIN_INDEXED_SHARE``, and the largest of the rest
    until those left out hold at most ``MAX_UNINDEXED_SHARE``."""
    order = sorted(range(len(colors)), key=lambda index: (-float(colors[index]["proportion"]), index))
    left_out = sum(
        float(color["proportion"]) for color in colors if float(color["proportion"]) < MIN_INDEXED_SHARE
    )
    kept = []
    for index in order:
        share = float(colors[index]["proportion"])
        if share < MIN_INDEXED_SHARE:
            if left_out <= MAX_UNINDEXED_SHARE or share <= 0:
                break
            left_out -= share
        kept.append(index)
    return [_entry(index, colors[index]) for index in sorted(kept)]


def _entry(index: int, color: Mapping[str, Any]) -> IndexEntry:
    lab = (float(color["lab"][0]), float(color["lab"][1]), float(color["lab"][2]))
    basic = str(color.get("basic") or basic_color_term(lab))
    return IndexEntry(cell_of(lab), index, str(color["hex"]), lab, float(color["proportion"]), basic)
