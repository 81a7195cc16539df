"""Colour search at scale: the index's answers against brute force, and what a query costs.

    python -m bench.search [--stills 100000] [--queries 40] [--moto-stills 10000] [--moto-queries 4]

**The stills.** Palettes are drawn from the distribution of real ones: the library's palettes
(``palettes.extract``) of the sample stills, 40 film-like stills (``bench/filmlike.py``, 1280x688)
and 40 synthetic ones (``bench/synthetic.py``). Each generated still (film ``f`` seeded ``[SEED, f]``, so
a smaller run is a prefix of a larger one) takes one of those palettes at random and

* moves the whole palette by a grade (CIELAB, s.d. ``GRADE_SIGMA``: another exposure and grade of
  the same look), then each colour by its own jitter (s.d. ``COLOR_SIGMA``);
* with probability ``RESAMPLE_PROBABILITY`` swaps one colour for a colour of another source
  palette (a prop or a light from another scene);
* scales each share by a log-normal factor (s.d. ``SHARE_SIGMA``) and, with probability
  ``DROP_PROBABILITY``, drops its smallest colour; shares are renormalised;
* is brought into sRGB as the library's colours are (clipped, 8-bit; CIELAB from the 8-bit value,
  to 2 decimals), colours closer than CIEDE2000 5 merged (the library's guarantee), ordered by
  share, each with ``hex``, ``rgb``, ``lab``, ``proportion`` and ``basic`` (``basic_color_term``).

**The index.** Every still goes through ``indexing.indexed_colors`` into an in-memory
``ColorIndex`` (a dict of partition to entries; 100 films of 1,000 stills). It counts what a
DynamoDB Query of each partition would read: items, and bytes as ``data/color_index._item`` stores
them. moto is far too slow to hold the million items of 100,000 stills (about 1 ms an item
written, and several ms an item read, growing with the partition: both are printed), so the real
``DynamoColorIndex`` runs on in-process moto at 10,000 stills, on the cheapest query of each kind
narrowed to one film, and its pages and items read are checked equal to the in-memory index's.

**The queries** (seeded): colours, half a palette colour of a random still and half a random sRGB
colour, with ``max_delta_e`` 5, 10 or 20 and ``min_share`` 0.005 to 0.1; mixes of 2 to 5 colours,
half a random still's largest colours (jittered, its shares as weights) and half random sRGB
colours with random weights (40 to 100% in all); "more like this" of random stills; each basic
term as a class. About a quarter are of one film. By default 48: 40 in the issue's proportions
(200 : 100 : 50 : 20) and every term as a class. At 100,000 stills one ``find`` takes seconds (tens
of seconds for a mix or "more like this"), so the issue's 370 (``--queries 370``) take an hour.

**The truth.** ``search.rank_candidates`` over all the documents, with no index. For speed a numpy
pass first drops stills that cannot matter (exactly): for a colour or a class, those with no colour
near the radius (ΔE + 0.01) or the term; for a mix or "more like this", those whose lower bound of
the mix distance (each query colour to its nearest palette colour) is above the K-th distance found
among the stills of lowest bound (the set grows until that certificate holds).

**Measured.** For colours and classes: recall over every match (not only the first page) of the
stills in the partitions read, and whether ``search_reads.find``'s first page equals the truth's;
for mixes and "more like this": NDCG@20 of ``find``'s page against the truth's ranking (a still at
true rank r has gain 21 - r; stills outside the true top 20 gain 0). Cost per query: partitions,
items and bytes read, read units (a Query page bills 4 KB units of the items read, at least one,
eventually consistent: half a unit each), hit checks (``repository.get``, strongly consistent), and
the time of ``find`` in process (cells, candidates, exact ranking). At 1,000,000 stills by
extrapolation: items per partition grow linearly with the stills.

A benchmark: it prints figures beside their targets and asserts nothing.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import math
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bench.film_rebuild import item_bytes
from bench.filmlike import FILM_SIZES, STILLS, render
from bench.synthetic import encode_jpeg, render_still
from palette_service.data.color_index import _color_of, _item
from palette_service.domain import search
from palette_service.domain.indexing import indexed_colors
from palette_service.domain.ports import IndexedColor, IndexPage
from palette_service.domain.records import PendingVersion, StillKey, StillRecord, StillStatus
from palette_service.domain.search import Candidate, Hit, SearchQuery
from palette_service.domain.search_reads import SearchPage, find
from palettes import colorspace
from palettes.basic_colors import BASIC_COLOR_TERMS, basic_color_term

SEED = 12
STILLS_PER_FILM = 1_000
FILMLIKE_SOURCES = 40
SYNTHETIC_SOURCES = 40
MAX_COLORS = 6
GRADE_SIGMA = (5.0, 3.0, 3.0)  # L*, a*, b*
COLOR_SIGMA = (3.0, 4.0, 4.0)
SHARE_SIGMA = 0.4
RESAMPLE_PROBABILITY = 0.25
DROP_PROBABILITY = 0.15
MIN_SEPARATION = 5.0  # the library's: no two palette colours closer than CIEDE2000 5
DEFAULT_QUERIES = 40  # at 100,000 stills a query's find takes seconds: see the module's docstring
QUERY_MIX = {"color": 200, "mix": 100, "similar": 50, "class": 20}
COLOR_RADII = (5.0, 10.0, 10.0, 20.0)
COLOR_SHARES = (0.005, 0.02, 0.02, 0.1)
MIX_RADII = (10.0, 10.0, 5.0, 20.0)
CLASS_SHARES = (0.02, 0.1)
NDCG_TARGET = 0.95
PREFILTER_SLACK = 0.01  # ΔE: numpy's CIEDE2000 and the pure-Python one agree far closer than this
READ_UNIT_BYTES = 4096
PAGE_BYTES = 1024 * 1024  # a Query page stops at 1 MB read
WRITE_UNIT_BYTES = 1024
SCALE_STILLS = 1_000_000
FILM_FILTER_SHARE = 0.25
MANIFEST_SAMPLE = 10  # every tenth still's manifest is sized

Colors = list[dict[str, Any]]
Source = tuple[str, list[tuple[tuple[float, float, float], float]], int]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---- source palettes --------------------------------------------------------------------------------


def _source_palette(job: tuple[str, int]) -> Source:
    """The library's palette of one source still, and the size of its still item (what a hit
    check reads)."""
    import palettes
    from palette_service.data.items import item_key, record_attributes

    kind, index = job
    if kind == "sample":
        path = sorted(STILLS.glob("*.jpg"))[index]
        label, image = path.name, path.read_bytes()
    elif kind == "filmlike":
        still = render(0, index, FILM_SIZES[0])  # the larger size takes 5x as long to render
        label, image = still.name, still.jpeg
    else:
        label, image = f"synthetic-{index:03d}", encode_jpeg(render_still(0, index).rgb)
    palette = palettes.extract(image)
    record = _done_record(StillKey("film", label), f"{index:032X}", palette.to_dict(), palette.summary)
    attributes = {k: v for k, v in record_attributes(record).items() if v is not None}
    size = item_bytes({**item_key(record.still), **attributes})
    return label, [(color.lab, color.proportion) for color in palette.colors], size


def _done_record(
    still: StillKey, sequencer: str, document: dict[str, Any] | None, summary: Any = None
) -> StillRecord:
    return StillRecord(
        still=still,
        key=f"stills/{still.film}/{still.name}",
        status=StillStatus.DONE,
        etag=sequencer.lower(),
        sequencer=sequencer,
        updated_at="2026-12-01T00:00:00.000000Z",
        document=document,
        summary=None if summary is None else summary.to_bytes(),
    )


def source_palettes(pool: ProcessPoolExecutor) -> list[Source]:
    samples = len(sorted(STILLS.glob("*.jpg")))
    jobs = [("sample", i) for i in range(samples)]
    jobs += [("filmlike", i) for i in range(FILMLIKE_SOURCES)]
    jobs += [("synthetic", i) for i in range(SYNTHETIC_SOURCES)]
    return list(pool.map(_source_palette, jobs))


# ---- the generator ----------------------------------------------------------------------------------


@functools.cache
def _basic(hex_value: str, lab: tuple[float, float, float]) -> str:
    return basic_color_term(lab)


def _padded(sources: Sequence[Source]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    labs = np.zeros((len(sources), MAX_COLORS, 3))
    shares = np.zeros((len(sources), MAX_COLORS))
    for row, (_, colors, _) in enumerate(sources):
        for slot, (lab, share) in enumerate(colors[:MAX_COLORS]):
            labs[row, slot], shares[row, slot] = lab, share
    return labs, shares


def generate_film(sources: Sequence[Source], film: int, count: int) -> list[Colors]:
    """``count`` palettes of film ``film``, deterministic in (SEED, film) (see the module's docstring)."""
    rng = np.random.default_rng([SEED, film])
    source_labs, source_shares = _padded(sources)
    picks = rng.integers(len(sources), size=count)
    labs, shares = source_labs[picks].copy(), source_shares[picks].copy()
    sizes = (shares > 0).sum(axis=1)
    for row in np.flatnonzero(rng.random(count) < RESAMPLE_PROBABILITY):
        donor = int(rng.integers(len(sources)))
        donor_slot = int(rng.integers((source_shares[donor] > 0).sum()))
        labs[row, int(rng.integers(sizes[row]))] = source_labs[donor, donor_slot]
    labs += rng.normal(0.0, GRADE_SIGMA, (count, 1, 3)) + rng.normal(0.0, COLOR_SIGMA, (count, MAX_COLORS, 3))
    shares *= rng.lognormal(0.0, SHARE_SIGMA, (count, MAX_COLORS))
    for row in np.flatnonzero((rng.random(count) < DROP_PROBABILITY) & (sizes > 2)):
        smallest = min(range(sizes[row]), key=lambda slot: shares[row, slot])
        shares[row, smallest] = 0.0
    rgb = np.rint(colorspace.lab_to_srgb(labs)).astype(np.uint8)
    lab8 = np.round(colorspace.srgb_to_lab(rgb), 2)
    distances = colorspace.ciede2000(lab8[:, :, None, :], lab8[:, None, :, :])
    return [_palette_colors(rgb[row], lab8[row], shares[row], distances[row]) for row in range(count)]


def _palette_colors(
    rgb: NDArray[np.uint8],
    lab: NDArray[np.float64],
    shares: NDArray[np.float64],
    distances: NDArray[np.float64],
) -> Colors:
    """One still's colours: merged into the larger when closer than MIN_SEPARATION, by share."""
    kept: list[int] = []
    merged = {slot: float(shares[slot]) for slot in range(MAX_COLORS) if shares[slot] > 0}
    for slot in sorted(merged, key=lambda slot: -merged[slot]):
        near = [other for other in kept if distances[slot, other] < MIN_SEPARATION]
        if near:
            nearest = min(near, key=lambda other: distances[slot, other])
            merged[nearest] += merged[slot]
        else:
            kept.append(slot)
    total = sum(merged[slot] for slot in kept)
    colors = []
    for slot in sorted(kept, key=lambda slot: -merged[slot]):
        red, green, blue = (int(value) for value in rgb[slot])
        hex_value = f"#{red:02x}{green:02x}{blue:02x}"
        lab_value = (float(lab[slot, 0]), float(lab[slot, 1]), float(lab[slot, 2]))
        colors.append(
            {
                "hex": hex_value,
                "rgb": [red, green, blue],
                "lab": list(lab_value),
                "proportion": merged[slot] / total,
                "basic": _basic(hex_value, lab_value),
            }
        )
    return colors


def _film_job(job: tuple[Sequence[Source], int, int]) -> list[Colors]:
    return generate_film(*job)


@dataclass(frozen=True)
class Corpus:
    """The generated stills: key, sequencer and palette document of each, in film order."""

    keys: list[StillKey]
    documents: list[dict[str, Any]]

    def sequencer(self, index: int) -> str:
        return f"{index:032X}"


def generate_corpus(sources: Sequence[Source], stills: int, pool: ProcessPoolExecutor) -> Corpus:
    films = math.ceil(stills / STILLS_PER_FILM)
    jobs = [(sources, film, min(STILLS_PER_FILM, stills - film * STILLS_PER_FILM)) for film in range(films)]
    keys, documents = [], []
    for film, palettes in enumerate(pool.map(_film_job, jobs)):
        for index, colors in enumerate(palettes):
            keys.append(StillKey(film_name(film), f"shot-{index:04d}.jpg"))
            documents.append({"schema_version": 2, "colors": colors})
    return Corpus(keys, documents)


def film_name(film: int) -> str:
    return f"film-{film:03d}"


# ---- the index and the still items, in memory --------------------------------------------------------


def pages(partition_bytes: int) -> int:
    """The pages of a Query reading that many bytes (at least one)."""
    return max(math.ceil(partition_bytes / PAGE_BYTES), 1)


def read_units(partition_bytes: int) -> float:
    """What an eventually consistent Query of that many bytes bills: per 1 MB page, its 4 KB units
    (at least one), half a read unit each."""
    units = sum(
        max(math.ceil(min(PAGE_BYTES, partition_bytes - page * PAGE_BYTES) / READ_UNIT_BYTES), 1)
        for page in range(pages(partition_bytes))
    )
    return units / 2


@dataclass
class ReadCounts:
    partitions: int = 0
    items: int = 0
    partition_bytes: list[int] = field(default_factory=list)


class MemoryColorIndex:
    """The ``ColorIndex`` port over a dict of partition to entries (in sort key order), counting
    what DynamoDB would read: items and their bytes as ``data/color_index._item`` stores them."""

    def __init__(self) -> None:
        self.partitions: dict[str, list[tuple[IndexedColor, int]]] = {}
        self.reads = ReadCounts()

    def add(self, colors: Sequence[IndexedColor]) -> list[int]:
        """File a new still's entries; their item sizes."""
        sizes = []
        for color in colors:
            size = item_bytes(_item(color))
            self.partitions.setdefault(color.partition, []).append((color, size))
            sizes.append(size)
        return sizes

    def replace(self, still: StillKey, colors: list[IndexedColor]) -> int:
        for partition, entries in self.partitions.items():
            self.partitions[partition] = [
                (color, size)
                for color, size in entries
                if (color.film, color.name) != (still.film, still.name)
            ]
        return len(self.add(colors))

    def film_partitions(self, film: str) -> dict[str, frozenset[str]]:
        """From every entry; counted as DynamoDB reads it: one Query of the film's manifests."""
        stills: dict[str, list[IndexedColor]] = {}
        for entries in self.partitions.values():
            for color, _ in entries:
                if color.film == film:
                    stills.setdefault(color.name, []).append(color)
        self.reads.partitions += 1
        self.reads.items += len(stills)
        self.reads.partition_bytes.append(
            sum(_manifest_bytes(StillKey(film, name), colors) for name, colors in stills.items())
        )
        return {name: frozenset(color.partition for color in colors) for name, colors in stills.items()}

    def colors_in(self, partition: str, film: str | None = None) -> Iterator[IndexedColor]:
        read = 0
        self.reads.partitions += 1
        for color, size in self.partitions.get(partition, []):
            if film and color.film != film:
                continue
            read += size
            self.reads.items += 1
            yield color
        self.reads.partition_bytes.append(read)


class CountingRepository:
    """The still items for hit checks: every indexed still is DONE with the sequencer its entries
    carry, so every check passes; ``gets`` counts them (one strongly consistent read each, a page's
    together in a BatchGetItem)."""

    def __init__(self, corpus: Corpus, stills: int) -> None:
        self._stills = {(key.film, key.name): index for index, key in enumerate(corpus.keys[:stills])}
        self._corpus = corpus
        self.gets = 0

    def get(self, still: StillKey) -> StillRecord | None:
        self.gets += 1
        index = self._stills.get((still.film, still.name))
        if index is None:
            return None
        return _done_record(still, self._corpus.sequencer(index), self._corpus.documents[index])

    def get_many(self, stills: Collection[StillKey]) -> dict[StillKey, StillRecord]:
        records = ((still, self.get(still)) for still in dict.fromkeys(stills))
        return {still: record for still, record in records if record is not None}

    def save(self, record: StillRecord) -> bool:
        raise NotImplementedError

    def save_given_up(self, record: StillRecord) -> bool:
        raise NotImplementedError

    def claim(self, still: StillKey, key: str, version: PendingVersion) -> None:
        raise NotImplementedError

    def query_newest(
        self, film: str, *, page_size: int, name_prefix: str = "", start_key: dict[str, str] | None = None
    ) -> IndexPage:
        raise NotImplementedError


def still_entries(corpus: Corpus, index: int) -> list[IndexedColor]:
    record = _done_record(corpus.keys[index], corpus.sequencer(index), corpus.documents[index])
    return indexed_colors(record)


@dataclass
class IndexFigures:
    entries_per_still: list[int] = field(default_factory=list)
    entry_bytes: list[int] = field(default_factory=list)
    entry_write_units: list[int] = field(default_factory=list)
    manifest_bytes: list[int] = field(default_factory=list)
    seconds: float = 0.0


def build_index(corpus: Corpus, stills: int) -> tuple[MemoryColorIndex, IndexFigures]:
    index, figures = MemoryColorIndex(), IndexFigures()
    started = time.perf_counter()
    for position in range(stills):
        colors = still_entries(corpus, position)
        sizes = index.add(colors)
        figures.entries_per_still.append(len(colors))
        figures.entry_bytes.extend(sizes)
        figures.entry_write_units.append(sum(math.ceil(size / WRITE_UNIT_BYTES) for size in sizes))
        if position % MANIFEST_SAMPLE == 0:
            figures.manifest_bytes.append(_manifest_bytes(corpus.keys[position], colors))
    figures.seconds = time.perf_counter() - started
    return index, figures


def _manifest_bytes(still: StillKey, colors: Sequence[IndexedColor]) -> int:
    """The size of the still's manifest item, as ``DynamoColorIndex.replace`` writes it."""
    return item_bytes(_manifest_item(still, colors))


def _manifest_item(still: StillKey, colors: Sequence[IndexedColor]) -> dict[str, Any]:
    """The still's manifest item, as ``DynamoColorIndex.replace`` writes it."""
    from palette_service.data.color_index import _manifest_key

    keys = sorted({(item["pk"], item["sk"]) for item in (_item(color) for color in colors)})
    return {**_manifest_key(still), "keys": json.dumps(keys)}


# ---- queries ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchQuery:
    kind: str  # color, mix, similar, class
    origin: str  # palette, random, still, term
    query: SearchQuery


def _hex(rgb: Sequence[int] | NDArray[np.integer[Any]]) -> str:
    return "".join(f"{int(value):02x}" for value in rgb)


def _jittered_hex(lab: Sequence[float], rng: np.random.Generator) -> str:
    moved = np.asarray(lab, dtype=np.float64) + rng.normal(0.0, 3.0, 3)
    return _hex(np.rint(colorspace.lab_to_srgb(moved)).astype(int))


def query_counts(total: int) -> dict[str, int]:
    """The brief's proportions (200 colours, 100 mixes, 50 "more like this", 20 classes) of ``total``;
    classes are cheap, so every term gets one from 33 queries up."""
    whole = sum(QUERY_MIX.values())
    counts = {kind: max(1, round(total * count / whole)) for kind, count in QUERY_MIX.items()}
    counts["class"] = max(counts["class"], min(len(BASIC_COLOR_TERMS), total // 3))
    return counts


def make_queries(corpus: Corpus, stills: int, total: int) -> list[BenchQuery]:
    rng = np.random.default_rng([SEED, 1])
    counts = query_counts(total)
    films = math.ceil(stills / STILLS_PER_FILM)
    queries = [_color_query(corpus, stills, films, i, rng) for i in range(counts["color"])]
    queries += [_mix_query(corpus, stills, films, i, rng) for i in range(counts["mix"])]
    queries += [_similar_query(corpus, stills, films, rng) for _ in range(counts["similar"])]
    queries += [_class_query(films, i, rng) for i in range(counts["class"])]
    return queries


def _color_query(corpus: Corpus, stills: int, films: int, i: int, rng: np.random.Generator) -> BenchQuery:
    if i % 2 == 0:
        colors = corpus.documents[int(rng.integers(stills))]["colors"]
        hex_value, origin = str(colors[int(rng.integers(len(colors)))]["hex"]).lstrip("#"), "palette"
    else:
        hex_value, origin = _hex(rng.integers(256, size=3)), "random"
    params = {
        "color": hex_value,
        "max_delta_e": f"{COLOR_RADII[(i // 2) % len(COLOR_RADII)]:g}",
        "min_share": f"{COLOR_SHARES[(i // 8) % len(COLOR_SHARES)]:g}",
        "film": _film_filter(films, rng),
    }
    return BenchQuery("color", origin, search.parse_search_query(params))


def _film_filter(films: int, rng: np.random.Generator) -> str | None:
    """A film for about FILM_FILTER_SHARE of the queries, none for the rest."""
    film = film_name(int(rng.integers(films)))
    return film if rng.random() < FILM_FILTER_SHARE else None


def _mix_query(corpus: Corpus, stills: int, films: int, i: int, rng: np.random.Generator) -> BenchQuery:
    size = int(rng.integers(2, 6))
    if i % 2 == 0:
        colors = corpus.documents[int(rng.integers(stills))]["colors"][:size]
        hexes = [_jittered_hex(color["lab"], rng) for color in colors]
        weights = [max(1, math.floor(float(color["proportion"]) * 100)) for color in colors]
        origin = "palette"
    else:
        hexes = [_hex(rng.integers(256, size=3)) for _ in range(size)]
        total = rng.uniform(max(size, 40), 100)
        weights = [max(1, math.floor(share * total)) for share in rng.dirichlet(np.ones(size))]
        origin = "random"
    while sum(weights) > 100:
        weights[weights.index(max(weights))] -= 1
    mix = ",".join(f"{hex_value}:{weight}" for hex_value, weight in zip(hexes, weights, strict=True))
    radius = f"{MIX_RADII[(i // 2) % len(MIX_RADII)]:g}"
    params = {"colors": mix, "max_delta_e": radius, "film": _film_filter(films, rng)}
    return BenchQuery("mix", origin, search.parse_search_query(params))


def _similar_query(corpus: Corpus, stills: int, films: int, rng: np.random.Generator) -> BenchQuery:
    index = int(rng.integers(stills))
    key = corpus.keys[index]
    params = {"film": _film_filter(films, rng)}
    query = search.similar_query(key.film, key.name, corpus.documents[index]["colors"], params)
    return BenchQuery("similar", "still", query)


def _class_query(films: int, i: int, rng: np.random.Generator) -> BenchQuery:
    params = {
        "class": BASIC_COLOR_TERMS[i % len(BASIC_COLOR_TERMS)],
        "min_share": f"{CLASS_SHARES[(i // len(BASIC_COLOR_TERMS)) % len(CLASS_SHARES)]:g}",
        "film": _film_filter(films, rng),
    }
    return BenchQuery("class", "term", search.parse_search_query(params))


# ---- brute force ------------------------------------------------------------------------------------


class BruteForce:
    """``rank_candidates`` over every document, after an exact numpy pass (see the module's docstring)."""

    def __init__(self, corpus: Corpus, stills: int) -> None:
        documents = corpus.documents[:stills]
        self.candidates = [
            Candidate(key.film, key.name, document["colors"])
            for key, document in zip(corpus.keys[:stills], documents, strict=True)
        ]
        colors = [color for document in documents for color in document["colors"]]
        self.lab = np.array([color["lab"] for color in colors], dtype=np.float64)
        self.share = np.array([color["proportion"] for color in colors], dtype=np.float64)
        self.basic = np.array([color["basic"] for color in colors])
        counts = [len(document["colors"]) for document in documents]
        self.still_of = np.repeat(np.arange(stills), counts)
        self.starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
        self.film_of = np.array([key.film for key in corpus.keys[:stills]])

    def ranking(self, query: SearchQuery) -> list[Hit]:
        """Every match of a colour or class query in order; the top ``limit`` of a mix or similar."""
        if isinstance(query, search.MixQuery | search.SimilarQuery):
            return self._nearest(query)
        if isinstance(query, search.ColorQuery):
            near = (
                colorspace.ciede2000(self.lab, np.asarray(query.lab)) <= query.max_delta_e + PREFILTER_SLACK
            )
        else:
            near = self.basic == query.term
        stills = np.unique(self.still_of[near & (self.share >= query.min_share - 1e-12)])
        wanted = replace(query, limit=max(len(stills), 1))
        return search.rank_candidates(wanted, [self.candidates[int(still)] for still in stills])

    def _nearest(self, query: search.MixQuery | search.SimilarQuery) -> list[Hit]:
        bound = self._distance_bound(query)
        if query.film is not None:
            bound[self.film_of != query.film] = np.inf
        order = np.argsort(bound, kind="stable")
        taken = 4 * query.limit
        while True:
            taken = min(taken, len(order))
            hits = search.rank_candidates(query, [self.candidates[int(still)] for still in order[:taken]])
            rest = float(bound[order[taken]]) if taken < len(order) else math.inf
            if taken == len(order) or (len(hits) == query.limit and (hits[-1].distance or 0.0) < rest - 1e-9):
                return hits
            taken *= 4

    def _distance_bound(self, query: search.MixQuery | search.SimilarQuery) -> NDArray[np.float64]:
        """Each still's least possible mix distance: each query colour to its nearest palette colour."""
        total = sum(color.weight for color in query.colors)
        bound = np.zeros(len(self.candidates))
        for color in query.colors:
            distances = colorspace.ciede2000(self.lab, np.asarray(color.lab))
            bound += color.weight * np.minimum.reduceat(distances, self.starts)
        return np.asarray(bound / total, dtype=np.float64)


# ---- one query --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryResult:
    kind: str
    origin: str
    label: str
    partitions: int
    items: int
    bytes_read: int
    read_units: float
    read_units_at_scale: float
    pages_at_scale: int
    candidates: int
    gets: int
    seconds: float
    truth_count: int
    recall_all: float | None  # colour, class: matches in the partitions read / every match
    page_recall: float
    identical: bool
    ndcg: float | None  # mix, similar
    certified: bool | None  # mix, similar: the page's last distance is within distance_floor
    radius: float = 0.0  # colour and mix: max_delta_e, as last searched
    widened: bool = False  # mix, similar: find searched wider cells to make the page exact
    missed: tuple[str, ...] = ()


def ndcg(page: Sequence[Hit], truth: Sequence[Hit], k: int) -> float:
    """NDCG@k of ``page`` against the true ranking: a still at true rank r gains k + 1 - r."""
    gains = {(hit.film, hit.name): k - rank for rank, hit in enumerate(truth[:k])}
    ideal = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(sorted(gains.values(), reverse=True)))
    if ideal == 0:
        return 1.0 if not page else 0.0
    found = sum(gains.get((hit.film, hit.name), 0) / math.log2(rank + 2) for rank, hit in enumerate(page[:k]))
    return found / ideal


def describe(query: SearchQuery) -> str:
    film = f" film={query.film}" if query.film else ""
    if isinstance(query, search.ColorQuery):
        return f"color={query.hex} max_delta_e={query.max_delta_e:g} min_share={query.min_share:g}{film}"
    if isinstance(query, search.MixQuery):
        mix = ",".join(f"{color.hex}:{color.weight * 100:.0f}" for color in query.colors)
        return f"colors={mix} max_delta_e={query.max_delta_e:g}{film}"
    if isinstance(query, search.SimilarQuery):
        return f"similar {query.source_film}/{query.source_name}{film}"
    return f"class={query.term} min_share={query.min_share:g}{film}"


@dataclass
class Workload:
    """What each worker process reads (inherited by fork)."""

    index: MemoryColorIndex
    repository: CountingRepository
    truth: BruteForce
    scale: float


_WORKLOAD: Workload | None = None


def run_query(bench_query: BenchQuery) -> QueryResult:
    assert _WORKLOAD is not None
    work, query = _WORKLOAD, bench_query.query
    work.index.reads, work.repository.gets = ReadCounts(), 0
    started = time.perf_counter()
    page = find(query, work.index, work.repository)
    seconds = time.perf_counter() - started
    reads, gets = work.index.reads, work.repository.gets
    truth = work.truth.ranking(query)
    keys = [(hit.film, hit.name) for hit in page.hits]
    top = [(hit.film, hit.name) for hit in truth[: query.limit]]
    recall_all, missed = _recall_all(work.index, query, truth)
    return QueryResult(
        kind=bench_query.kind,
        origin=bench_query.origin,
        label=describe(query),
        partitions=reads.partitions,
        items=reads.items,
        bytes_read=sum(reads.partition_bytes),
        read_units=sum(read_units(size) for size in reads.partition_bytes),
        read_units_at_scale=sum(read_units(round(size * work.scale)) for size in reads.partition_bytes),
        pages_at_scale=sum(pages(round(size * work.scale)) for size in reads.partition_bytes),
        candidates=page.candidates,
        gets=gets,
        seconds=seconds,
        truth_count=len(truth),
        recall_all=recall_all,
        page_recall=len(set(keys) & set(top)) / len(top) if top else float(not keys),
        identical=keys == top,
        ndcg=ndcg(page.hits, truth, query.limit) if _by_distance(query) else None,
        certified=_certified(page),
        radius=getattr(page.searched, "max_delta_e", 0.0),
        widened=page.searched != query,
        missed=missed,
    )


def _recall_all(
    index: MemoryColorIndex, query: SearchQuery, truth: Sequence[Hit]
) -> tuple[float | None, tuple[str, ...]]:
    """For a colour or class query: the share of every true match held by the partitions read."""
    if isinstance(query, search.MixQuery | search.SimilarQuery):
        return None, ()
    held = {
        (color.film, color.name)
        for partition in search.candidate_cells(query)
        for color in index.colors_in(partition, query.film)
    }
    missed = tuple(f"{hit.film}/{hit.name}" for hit in truth if (hit.film, hit.name) not in held)
    return (1.0 - len(missed) / len(truth) if truth else 1.0), missed


def _by_distance(query: SearchQuery) -> bool:
    return isinstance(query, search.MixQuery | search.SimilarQuery)


def _certified(page: SearchPage) -> bool | None:
    """For a mix or "more like this": whether ``find`` proved the page exact (after any widening)."""
    return page.exact if _by_distance(page.searched) else None


def run_queries(queries: Sequence[BenchQuery], workload: Workload, workers: int) -> list[QueryResult]:
    global _WORKLOAD  # noqa: PLW0603  (inherited by the forked workers, not passed: it is large)
    _WORKLOAD = workload
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(run_query, queries, chunksize=2))


# ---- decoding, as the API function would ----------------------------------------------------------------


def decode_microseconds(index: MemoryColorIndex, samples: int = 2_000) -> float:
    """The time to turn one item of a Query's response into an ``IndexedColor``: boto3's
    deserializer on its wire form, then the palette's JSON (what ``DynamoColorIndex`` does)."""
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

    serializer, deserializer = TypeSerializer(), TypeDeserializer()
    entries = [color for entries in index.partitions.values() for color, _ in entries[:50]][:samples]
    wire = [{name: serializer.serialize(value) for name, value in _item(color).items()} for color in entries]
    started = time.perf_counter()
    for item in wire:
        _color_of({name: deserializer.deserialize(value) for name, value in item.items()})
    return (time.perf_counter() - started) / max(len(wire), 1) * 1e6


# ---- the real index on moto ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MotoCheck:
    stills: int
    items: int
    write_ms_per_item: float
    queries: int
    equal: int
    items_equal: int
    items_read: int
    read_ms_per_item: float
    differences: tuple[str, ...]


def moto_check(corpus: Corpus, queries: Sequence[BenchQuery], stills: int, count: int) -> MotoCheck:
    """The first ``stills`` stills in ``DynamoColorIndex`` on moto and in the in-memory index: about
    ``count`` of the queries (see :func:`moto_subset`), the same pages and the same items read."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="eu-west-1"
    )
    import boto3
    from moto import mock_aws

    from palette_service.data.color_index import DynamoColorIndex
    from palettes_stack.resources import create_table
    from palettes_stack.template import StackTemplate

    memory, _ = build_index(corpus, stills)
    repository = CountingRepository(corpus, stills)
    chosen = moto_subset(queries, count, memory, stills)
    with mock_aws():
        stack = StackTemplate.read(stack_name="bench", region="eu-west-1")
        table = boto3.resource("dynamodb").Table(
            create_table(stack, "PalettesTable", boto3.client("dynamodb"))
        )
        dynamo = DynamoColorIndex(table)
        started, items = time.perf_counter(), 0
        for position in range(min(stills, 20)):  # the function's own write path, manifest and all
            items += dynamo.replace(corpus.keys[position], still_entries(corpus, position))
        with table.batch_writer() as batch:  # the rest in bulk: the same items, far faster on moto
            for position in range(min(stills, 20), stills):
                entries = still_entries(corpus, position)
                for color in entries:
                    batch.put_item(Item=_item(color))
                batch.put_item(Item=_manifest_item(corpus.keys[position], entries))
                items += len(entries) + 1
        write_ms = (time.perf_counter() - started) / items * 1e3
        log(f"moto: {items:,} items written in {time.perf_counter() - started:.0f} s")
        return _compare(chosen, memory, dynamo, repository, stills, items, write_ms)


def _compare(
    queries: Sequence[BenchQuery],
    memory: MemoryColorIndex,
    dynamo: Any,
    repository: CountingRepository,
    stills: int,
    items: int,
    write_ms: float,
) -> MotoCheck:
    equal = items_equal = 0
    differences: list[str] = []
    moto_seconds = 0.0
    items_read = 0
    for bench_query in queries:
        memory.reads, before = ReadCounts(), dynamo.items_read
        started = time.perf_counter()
        expected = find(bench_query.query, memory, repository)
        middle = time.perf_counter()
        got = find(bench_query.query, dynamo, repository)
        moto_seconds += (time.perf_counter() - middle) - (middle - started)
        read = dynamo.items_read - before
        items_read += read
        same = [_hit_key(hit) for hit in expected.hits] == [_hit_key(hit) for hit in got.hits]
        equal += same
        items_equal += memory.reads.items == read
        if not same or memory.reads.items != read:
            differences.append(
                f"{describe(bench_query.query)}: {len(expected.hits)} hits from memory, {len(got.hits)} "
                f"from moto; {memory.reads.items} vs {read} items read"
            )
    read_ms = moto_seconds / max(items_read, 1) * 1e3
    return MotoCheck(
        stills, items, write_ms, len(queries), equal, items_equal, items_read, read_ms, tuple(differences)
    )


def _hit_key(hit: Hit) -> tuple[Any, ...]:
    return (hit.film, hit.name, hit.sort_key, hit.matches)


# ---- the report ---------------------------------------------------------------------------------------


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def _p50_p95(values: Sequence[float]) -> tuple[float, float]:
    return statistics.median(values), _percentile(values, 0.95)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stills", type=int, default=100_000)
    parser.add_argument(
        "--queries", type=int, default=DEFAULT_QUERIES, help="370 is the issue's full set (about an hour)"
    )
    parser.add_argument("--moto-stills", type=int, default=10_000)
    parser.add_argument("--moto-queries", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    return run(args)


def run(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    print(
        f"colour search at scale; python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at the start (other work on the machine slows every time below)"
    )
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        sources = source_palettes(pool)
        log(f"{len(sources)} source palettes in {time.perf_counter() - began:.0f} s")
        corpus = generate_corpus(sources, args.stills, pool)
    log(f"{args.stills:,} palettes at {time.perf_counter() - began:.0f} s")
    # A million long-lived objects: the collector would walk them all, over and over, for nothing.
    gc.disable()
    index, figures = build_index(corpus, args.stills)
    log(f"index built at {time.perf_counter() - began:.0f} s")
    queries = make_queries(corpus, args.stills, args.queries)
    workload = Workload(
        index,
        CountingRepository(corpus, args.stills),
        BruteForce(corpus, args.stills),
        SCALE_STILLS / args.stills,
    )
    gc.freeze()
    gc.enable()
    results = run_queries(queries, workload, args.workers)
    log(f"{len(queries)} queries at {time.perf_counter() - began:.0f} s")
    decode_us = decode_microseconds(index)
    print_corpus(sources, corpus, args.stills)
    print_index(index, figures, sources, args.stills)
    print_correctness(results, args.stills)
    print_costs(results, decode_us, sources, args.stills)
    if args.moto_stills and args.moto_queries:
        stills = min(args.moto_stills, args.stills)
        print_moto(moto_check(corpus, queries, stills, args.moto_queries))
    print(f"\ntotal {time.perf_counter() - began:.0f} s, load average {os.getloadavg()[0]:.1f} at the end")
    return 0


def moto_subset(
    queries: Sequence[BenchQuery], count: int, memory: MemoryColorIndex, stills: int
) -> list[BenchQuery]:
    """About ``count`` of the queries, the cheapest of each kind on moto (whose Query takes a few ms
    for every item of the partition, whatever the film filter keeps), each narrowed to one film."""
    films = math.ceil(stills / STILLS_PER_FILM)
    chosen = []
    for kind, wanted in query_counts(count).items():
        of_kind = [query for query in queries if query.kind == kind]
        of_kind.sort(key=lambda query: _partition_items(memory, query.query))
        chosen += of_kind[:wanted]
    return [
        replace(chosen_query, query=replace(chosen_query.query, film=film_name(position % films)))
        for position, chosen_query in enumerate(chosen)
    ]


def _partition_items(memory: MemoryColorIndex, query: SearchQuery) -> int:
    return sum(len(memory.partitions.get(cell, [])) for cell in search.candidate_cells(query))


def _terms(labs: Sequence[Sequence[float]], weights: Sequence[float]) -> dict[str, float]:
    shares = dict.fromkeys(BASIC_COLOR_TERMS, 0.0)
    for lab, weight in zip(labs, weights, strict=True):
        shares[basic_color_term(lab)] += weight
    total = sum(shares.values()) or 1.0
    return {term: share / total for term, share in shares.items()}


def print_corpus(sources: Sequence[Source], corpus: Corpus, stills: int) -> None:
    films = math.ceil(stills / STILLS_PER_FILM)
    samples = len(sources) - FILMLIKE_SOURCES - SYNTHETIC_SOURCES
    print(
        f"\nstills: {stills:,} generated palettes ({films} films of up to {STILLS_PER_FILM:,}) from "
        f"{len(sources)} library palettes ({samples} sample stills, {FILMLIKE_SOURCES} film-like, "
        f"{SYNTHETIC_SOURCES} synthetic); generator in the module's docstring, seed {SEED}"
    )
    source_colors = [color for _, colors, _ in sources for color in colors]
    generated = [color for document in corpus.documents[:stills] for color in document["colors"]]
    before = _terms([lab for lab, _ in source_colors], [share for _, share in source_colors])
    after = _terms([color["lab"] for color in generated], [color["proportion"] for color in generated])
    print(
        f"  colours per still: sources {len(source_colors) / len(sources):.2f}, "
        f"generated {len(generated) / stills:.2f}"
    )
    print("  share of the frame by basic term (sources -> generated):")
    print("   " + "  ".join(f"{term} {before[term]:.0%}->{after[term]:.0%}" for term in BASIC_COLOR_TERMS))


def print_index(
    index: MemoryColorIndex, figures: IndexFigures, sources: Sequence[Source], stills: int
) -> None:
    from palette_service.domain.color_index import all_cells

    entries = sum(figures.entries_per_still)
    sizes = figures.entry_bytes
    cells = [partition for partition in index.partitions if not partition.startswith("class:")]
    print(
        f"\nindex: in memory, the ColorIndex port over a dict of partition -> entries "
        f"({figures.seconds:.0f} s to build through indexing.indexed_colors); moto cannot hold "
        f"{entries:,} items in reasonable time (its per-item times are below)"
    )
    print(
        f"  entries per still  mean {statistics.mean(figures.entries_per_still):.2f}, median "
        f"{statistics.median(figures.entries_per_still):g}, max {max(figures.entries_per_still)} "
        "(each indexed colour twice: its cell and its class key)"
    )
    print(
        f"  bytes per entry    mean {statistics.mean(sizes):.0f}, median {statistics.median(sizes):g}, "
        f"p95 {_percentile(sizes, 0.95):g}, max {max(sizes)} (the item as data/color_index._item stores it)"
    )
    print(
        f"  partitions         {len(cells)} of {len(all_cells())} cells hold colours, plus "
        f"{len(index.partitions) - len(cells)} class keys"
    )
    largest = sorted(index.partitions.items(), key=lambda item: -len(item[1]))[:6]
    print("  largest            " + ", ".join(f"{name} {len(items):,}" for name, items in largest))
    _print_write_units(figures, sources)


def _print_write_units(figures: IndexFigures, sources: Sequence[Source]) -> None:
    entry_units = statistics.mean(figures.entry_write_units)
    manifest_units = statistics.mean(math.ceil(size / WRITE_UNIT_BYTES) for size in figures.manifest_bytes)
    over = sum(size > WRITE_UNIT_BYTES for size in figures.entry_bytes)
    still_bytes = statistics.median(size for _, _, size in sources)
    still_units = math.ceil(still_bytes / READ_UNIT_BYTES)
    print(
        f"  WRUs per still     {entry_units + manifest_units:.2f} = {entry_units:.2f} for the entries "
        f"({over} of {len(figures.entry_bytes):,} entries over 1 KB) + {manifest_units:.2f} for the manifest "
        f"(median {statistics.median(figures.manifest_bytes):g} B, max {max(figures.manifest_bytes)} B)"
    )
    print(
        f"{'':21}and its reads: the still's item ({still_units} RCU strongly consistent, median "
        f"{still_bytes:g} B with its summary) and the manifest (1 RCU); an overwrite also deletes "
        "the entries whose keys changed (1 WRU each)"
    )


def _kind_rows(results: Sequence[QueryResult]) -> list[tuple[str, list[QueryResult]]]:
    rows: list[tuple[str, list[QueryResult]]] = []
    colors = [r for r in results if r.kind == "color"]
    for radius in sorted({r.radius for r in colors}):
        rows.append((f"colour dE{radius:g}", [r for r in colors if r.radius == radius]))
    for kind in ("mix", "similar", "class"):
        rows.append((kind, [r for r in results if r.kind == kind]))
    rows.append(("all", list(results)))
    return [(label, rows_of) for label, rows_of in rows if rows_of]


def print_correctness(results: Sequence[QueryResult], stills: int) -> None:
    print(f"\ncorrectness against brute force (rank_candidates over all {stills:,} documents, no index)")
    for kind in ("color", "class"):
        of_kind = [r for r in results if r.kind == kind]
        if not of_kind:
            continue
        matches = sum(r.truth_count for r in of_kind)
        held = sum(round(r.truth_count * (r.recall_all or 0.0)) for r in of_kind)
        print(
            f"  {kind:8} recall over every match {held / max(matches, 1):.4%} ({held:,} of {matches:,} "
            f"matches, {len(of_kind)} queries; target 100%); first page equal to the truth's in "
            f"{sum(r.identical for r in of_kind)}/{len(of_kind)}, page recall mean "
            f"{statistics.mean(r.page_recall for r in of_kind):.4f}"
        )
        for r in [r for r in of_kind if r.missed or not r.identical][:5]:
            print(f"    {r.label}: missed {list(r.missed[:3])}, first page equal {r.identical}")
    for kind in ("mix", "similar"):
        of_kind = [r for r in results if r.kind == kind]
        for origin in sorted({r.origin for r in of_kind}):
            _print_ndcg(f"{kind} ({origin})", [r for r in of_kind if r.origin == origin])
    print(
        "  (a mix's page is proved exact when its last distance is within search.distance_floor, or every "
        "still of its film was ranked; when it is not, find searches again over cells of twice the radius, "
        "up to dE 50, within its read budget: search_reads.WIDENING_PARTITIONS and WIDENING_ITEMS)"
    )


def _print_ndcg(label: str, rows: Sequence[QueryResult]) -> None:
    scores = [r.ndcg or 0.0 for r in rows]
    print(
        f"  {label:18} NDCG@20 mean {statistics.mean(scores):.4f}, min {min(scores):.4f} (target >= "
        f"{NDCG_TARGET}: {'met' if statistics.mean(scores) >= NDCG_TARGET else 'NOT met'}); pages equal "
        f"{sum(r.identical for r in rows)}/{len(rows)}; proved exact "
        f"{sum(bool(r.certified) for r in rows)}/{len(rows)}, after widening the cells in "
        f"{sum(r.widened for r in rows)}/{len(rows)}"
    )
    for r in sorted(rows, key=lambda r: r.ndcg or 0.0)[:3]:
        if (r.ndcg or 0.0) < 1.0:
            print(f"    NDCG {r.ndcg:.3f}: {r.label} ({r.candidates:,} candidates)")


def print_costs(
    results: Sequence[QueryResult], decode_us: float, sources: Sequence[Source], stills: int
) -> None:
    scale = SCALE_STILLS / stills
    still_units = math.ceil(statistics.median(size for _, _, size in sources) / READ_UNIT_BYTES)
    print(
        f"\ncost per query at {stills:,} stills, p50 / p95 (find in process on the in-memory index, "
        "2 queries at a time; hit checks pass and cost nothing here)"
    )
    print(
        f"  {'':12} {'partitions':>12} {'items read':>15} {'KB read':>15} {'query RCU':>13} "
        f"{'hit checks':>11} {'find ms':>13} {'+decode ms':>12}"
    )
    for label, rows in _kind_rows(results):
        print(
            f"  {label:12} {_pair([r.partitions for r in rows], '.0f'):>12} "
            f"{_pair([r.items for r in rows], ',.0f'):>15} "
            f"{_pair([r.bytes_read / 1024 for r in rows], ',.0f'):>15} "
            f"{_pair([r.read_units for r in rows], ',.0f'):>13} {_pair([r.gets for r in rows], '.0f'):>11} "
            f"{_pair([r.seconds * 1e3 for r in rows], ',.0f'):>13} "
            f"{_pair([r.items * decode_us / 1e3 for r in rows], ',.0f'):>12}"
        )
    print(
        f"  query RCU: eventually consistent Query pages, each ceil(bytes / 4 KB) / 2; hit checks: a "
        f"strongly consistent read of the still's item each (a page's in one BatchGetItem), {still_units} "
        "RCU at its median size"
    )
    print(
        f"  +decode: the items read x {decode_us:.0f} us, boto3's deserializer and the palette's JSON "
        "per item (measured), which the in-memory index skips"
    )
    per_candidate = statistics.median(r.seconds / r.candidates * 1e6 for r in results if r.candidates)
    print(f"  find's time per candidate: median {per_candidate:.1f} us")
    _print_extrapolation(results, decode_us, scale, stills)


def _pair(values: Sequence[float], spec: str) -> str:
    p50, p95 = _p50_p95(values)
    return f"{format(p50, spec)} / {format(p95, spec)}"


def _print_extrapolation(results: Sequence[QueryResult], decode_us: float, scale: float, stills: int) -> None:
    print(f"\nat {SCALE_STILLS:,} stills, by extrapolation from the index's partitions at {stills:,}")
    print(
        "  a query reads the same partitions (its cells depend on the query alone), and each "
        f"partition's items grow with the stills: items(1M) = items({stills:,}) x "
        f"{SCALE_STILLS:,} / {stills:,} = x {scale:g}"
    )
    print(
        "  RCU(1M) = sum over partitions read of its 1 MB pages' ceil(bytes / 4 KB) / 2, "
        f"bytes = bytes({stills:,}) x {scale:g}"
    )
    print(
        f"  find ms(1M) = find ms({stills:,}) x {scale:g} (ranking visits every candidate; candidates grow "
        "as the items do); +decode = items(1M) x the per-item time"
    )
    print(
        f"  {'':12} {'items read':>19} {'MB read':>13} {'1 MB pages':>12} {'query RCU':>17} "
        f"{'find ms':>17} {'+decode ms':>15}"
    )
    for label, rows in _kind_rows(results):
        print(
            f"  {label:12} {_pair([r.items * scale for r in rows], ',.0f'):>19} "
            f"{_pair([r.bytes_read * scale / PAGE_BYTES for r in rows], ',.0f'):>13} "
            f"{_pair([r.pages_at_scale for r in rows], ',.0f'):>12} "
            f"{_pair([r.read_units_at_scale for r in rows], ',.0f'):>17} "
            f"{_pair([r.seconds * 1e3 * scale for r in rows], ',.0f'):>17} "
            f"{_pair([r.items * scale * decode_us / 1e3 for r in rows], ',.0f'):>15}"
        )


def print_moto(check: MotoCheck) -> None:
    print(
        "\nsanity check of the in-memory index: DynamoColorIndex on in-process moto at "
        f"{check.stills:,} stills ({check.items:,} items written, "
        f"{check.write_ms_per_item:.2f} ms each on moto)"
    )
    print(
        f"  {check.queries} queries (the cheapest of each kind on moto, each of one film): pages equal "
        f"{check.equal}/{check.queries}, "
        f"items read equal {check.items_equal}/{check.queries} ({check.items_read:,} items read, "
        f"{check.read_ms_per_item:.2f} ms each on moto beyond the in-memory run: its Query walks the "
        "whole partition)"
    )
    for difference in check.differences[:5]:
        print(f"    {difference}")


if __name__ == "__main__":
    sys.exit(main())
