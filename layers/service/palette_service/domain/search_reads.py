"""Colour search over the index: read the partitions a query names, rank exactly, check each hit.

1. The query names its partitions (:func:`search.candidate_cells`): the cells that can hold a colour
   within its radius, or its basic term's key. Each is one Query of the index (with the film as a
   key prefix when given), never a Scan.
2. The stills found are ranked exactly (:func:`search.rank_candidates`) from the palettes their
   index entries carry.
3. Each hit, best first, is checked against its still's item (strongly consistent): it counts only
   while the still is DONE with the version the entry was made from. So a FAILED, PROCESSING or
   removed still, or the colours an overwrite replaced, never appear, even before the index catches
   up with the change (the aggregate function reindexes from the stream).

Pages resume after the last hit's place in the ranking's total order; the cursor also names the
query it came from, so a cursor of another query is refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace

from palette_service.domain import search
from palette_service.domain.listing import decode_cursor, encode_cursor
from palette_service.domain.ports import ColorIndex, StillRepository
from palette_service.domain.records import StillKey, StillStatus
from palette_service.domain.search import Candidate, Hit, SearchQuery
from palette_service.errors import InvalidCursorError

# Hits are checked best first; a page ranks this many more than it needs, for those that fail.
SPARE_HITS = 10
MAX_RANKINGS_PER_PAGE = 5
PARALLEL_READS = 16
# What a search may read before it stops widening: a few seconds of an API request at most.
WIDENING_PARTITIONS = 300
WIDENING_ITEMS = 50_000


@dataclass(frozen=True)
class SearchPage:
    """A page of hits; ``searched`` is the query as last searched (a mix's widened radius), and
    ``exact`` whether the page is proved to be the true ranking's (see :func:`find`)."""

    hits: list[Hit]
    next_cursor: str | None
    candidates: int
    partitions: int
    searched: SearchQuery
    exact: bool


def find(
    query: SearchQuery,
    index: ColorIndex,
    repository: StillRepository,
    *,
    cursor: str | None = None,
) -> SearchPage:
    """A page of ``query``'s hits, best first, each checked against its still's item.

    A mix or "more like this" page that its cells cannot prove exact is searched again over wider
    cells (:func:`search.widened`), reading only the cells not read yet; its cursor still names the
    query asked. With a film filter, the film's manifests (read once, at the first widening) name the
    cells its stills are filed under, so only those are read, and the search stops once every still
    of the film has been ranked. A widening that would read more than ``WIDENING_PARTITIONS``
    partitions in all, or follow reads of more than ``WIDENING_ITEMS`` entries, is not made: the page
    is then the best of what was read, and says it is not proved exact."""
    scope = query_scope(query)
    after = _position(decode_cursor(cursor, scope)) if cursor else None
    found = _Found()
    checked: dict[tuple[str, str], bool] = {}
    film: dict[str, frozenset[str]] | None = None
    cells = search.candidate_cells(query)
    while True:
        found.read(index, cells, query.film)
        hits, more = _checked_page(query, found, _Checks(repository, found.sequencers, checked), after)
        wider = search.widened(query)
        exact = search.exact_page(query, hits)
        if exact or wider is None:
            break
        if query.film is not None and film is None:
            film = index.film_partitions(query.film)
        if film is not None and set(film) <= {name for _, name in found.candidates}:
            exact = True  # every still of the film has been ranked: nothing is left outside the cells
            break
        cells = _cells(wider, film)
        if not found.affords(cells):
            break
        query = wider
    next_cursor = encode_cursor(_key_of(hits[-1]), scope) if hits and more else None
    return SearchPage(
        hits=hits,
        next_cursor=next_cursor,
        candidates=len(found.candidates),
        partitions=len(found.partitions),
        searched=query,
        exact=exact,
    )


def query_scope(query: SearchQuery) -> str:
    """A fingerprint of the query (but its page size): a cursor is good only for the query it came from."""
    fields = {name: value for name, value in asdict(query).items() if name != "limit"}
    text = json.dumps({"kind": type(query).__name__, **fields}, sort_keys=True, default=str)
    return "search:" + hashlib.sha256(text.encode()).hexdigest()[:32]


def _cells(query: SearchQuery, film: dict[str, frozenset[str]] | None) -> list[str]:
    """The query's cells; once a film's stills are known, only those of its cells they are filed under."""
    cells = search.candidate_cells(query)
    if film is None:
        return cells
    filed = frozenset().union(*film.values())
    return [cell for cell in cells if cell in filed]


@dataclass
class _Found:
    """The stills read from the index so far, and the version each one's entries came from."""

    candidates: dict[tuple[str, str], Candidate] = field(default_factory=dict)
    sequencers: dict[tuple[str, str], str] = field(default_factory=dict)
    partitions: set[str] = field(default_factory=set)
    items: int = 0

    def affords(self, cells: list[str]) -> bool:
        """Whether reading ``cells`` too keeps the search within its widening budget."""
        return len(self.partitions.union(cells)) <= WIDENING_PARTITIONS and self.items <= WIDENING_ITEMS

    def read(self, index: ColorIndex, partitions: list[str], film: str | None) -> None:
        """Read the partitions not read yet: one Query each, several at a time (a wide query reads
        hundreds)."""
        unread = [partition for partition in partitions if partition not in self.partitions]
        with ThreadPoolExecutor(max_workers=PARALLEL_READS) as pool:
            found = pool.map(lambda partition: list(index.colors_in(partition, film)), unread)
        for color in (color for colors in found for color in colors):
            self.items += 1
            key = (color.film, color.name)
            if key not in self.candidates:
                self.candidates[key] = Candidate(film=color.film, name=color.name, colors=color.palette)
                self.sequencers[key] = color.sequencer
        self.partitions.update(unread)


@dataclass(frozen=True)
class _Checks:
    """Whether a hit's still is DONE with the version its index entries came from; each still is
    read once per search (``checked`` keeps the answers across a widening), a ranking's unread stills
    together."""

    repository: StillRepository
    sequencers: Mapping[tuple[str, str], str]
    checked: dict[tuple[str, str], bool]

    def current(self, hits: list[Hit]) -> list[Hit]:
        """Those of ``hits`` whose still is current, in their order."""
        unread = [
            StillKey(film=hit.film, name=hit.name) for hit in hits if (hit.film, hit.name) not in self.checked
        ]
        records = self.repository.get_many(unread) if unread else {}
        for still in unread:
            record = records.get(still)
            self.checked[(still.film, still.name)] = (
                record is not None
                and record.status is StillStatus.DONE
                and record.sequencer == self.sequencers[(still.film, still.name)]
            )
        return [hit for hit in hits if self.checked[(hit.film, hit.name)]]


def _checked_page(
    query: SearchQuery, found: _Found, checks: _Checks, after: tuple[float, str, str] | None
) -> tuple[list[Hit], bool]:
    """Up to ``query.limit`` checked hits from just after ``after``, and whether more may follow."""
    hits: list[Hit] = []
    exhausted = False
    for _ in range(MAX_RANKINGS_PER_PAGE):
        wanted = query.limit + SPARE_HITS
        ranked = search.rank_candidates(_with_limit(query, wanted), found.candidates.values(), after=after)
        hits.extend(checks.current(ranked))
        exhausted = len(ranked) < wanted
        if len(hits) >= query.limit or exhausted:
            break
        after = ranked[-1].sort_key
    return hits[: query.limit], len(hits) > query.limit or not exhausted


def _with_limit(query: SearchQuery, limit: int) -> SearchQuery:
    return replace(query, limit=limit)


def _key_of(hit: Hit) -> dict[str, str]:
    value, film, name = hit.sort_key
    return {"value": repr(value), "film": film, "name": name}


def _position(index_key: dict[str, str]) -> tuple[float, str, str]:
    try:
        return (float(index_key["value"]), index_key["film"], index_key["name"])
    except (KeyError, ValueError):
        raise InvalidCursorError from None
