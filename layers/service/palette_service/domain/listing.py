"""A film's stills, newest first, a page at a time, with an opaque cursor.

The cursor is base64url (unpadded) JSON: ``{"v": 1, "p": <prefix>, ...}``, the prefix it was issued
for and the index key of the last record returned (where the next page resumes; opaque here, the
repository checks that it belongs to the film). A cursor from another query, or not from this API,
is refused with :class:`InvalidCursorError`.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from palette_service.domain.ports import StillRepository
from palette_service.domain.records import StillRecord
from palette_service.errors import InvalidCursorError, InvalidQueryError

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
CURSOR_VERSION = 1
MAX_CURSOR_LENGTH = 4096
# A name prefix is applied after DynamoDB reads a page: read generously, and bound the reads per
# request so a rare prefix in a large film costs a few calls, not a scan (the cursor resumes it).
FILTERED_PAGE_SIZE = 200
MAX_QUERIES_PER_PAGE = 10
# The listing prefix: a film folder ending in '/', then optionally the start of a still name.
PREFIX_PATTERN = r"^[^/]+/"
PREFIX_HELP = (
    "prefix is required and must start with a film folder, e.g. my-film/ "
    "(optionally followed by the start of a still name)"
)


@dataclass(frozen=True)
class ListingQuery:
    """``prefix`` = ``<film>/<name prefix>``: the film folder, then optionally the start of a name."""

    prefix: str
    film: str
    name_prefix: str

    @classmethod
    def parse(cls, prefix: str | None) -> ListingQuery:
        if not prefix:
            raise InvalidQueryError(PREFIX_HELP)
        film, slash, name_prefix = prefix.partition("/")
        if not film or not slash:
            raise InvalidQueryError(
                f"prefix must start with a film folder ending in '/', e.g. my-film/; got {prefix!r}"
            )
        return cls(prefix=prefix, film=film, name_prefix=name_prefix)


def page_limit(limit: int, maximum: int = MAX_LIMIT) -> int:
    """``limit`` when it is a page size from 1 to ``maximum``; :class:`InvalidQueryError` otherwise."""
    if not 1 <= limit <= maximum:
        raise InvalidQueryError(f"limit must be from 1 to {maximum}, got {limit}")
    return limit


@dataclass(frozen=True)
class StillListing:
    records: list[StillRecord]
    next_cursor: str | None


def list_stills(
    repository: StillRepository,
    prefix: str | None,
    *,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> StillListing:
    """Up to ``limit`` stills under ``prefix``, newest first, and the cursor of the next page.

    Without a name prefix, ``next_cursor`` is ``None`` exactly at the end (one item more is read to
    know). With one, the filter runs after DynamoDB reads, so a page may hold fewer than ``limit``
    items (the read bound :data:`MAX_QUERIES_PER_PAGE` was reached) and the last page may be empty.
    """
    limit = page_limit(limit)
    query = ListingQuery.parse(prefix)
    start_key = decode_cursor(cursor, query.prefix) if cursor else None
    matches: list[tuple[StillRecord, dict[str, str]]] = []
    for _ in range(MAX_QUERIES_PER_PAGE):
        # One item more than asked tells whether there is a next page without an extra call.
        page_size = FILTERED_PAGE_SIZE if query.name_prefix else limit + 1 - len(matches)
        page = repository.query_newest(
            query.film, page_size=page_size, name_prefix=query.name_prefix, start_key=start_key
        )
        matches.extend(page.entries)
        start_key = page.last_evaluated_key
        if len(matches) > limit or start_key is None:
            break
    if len(matches) > limit:
        matches = matches[:limit]
        start_key = matches[-1][1]
    next_cursor = None if start_key is None else encode_cursor(start_key, query.prefix)
    return StillListing(records=[record for record, _ in matches], next_cursor=next_cursor)


def encode_cursor(index_key: dict[str, str], scope: str) -> str:
    """A cursor resuming after ``index_key``, good only for the listing ``scope`` names (its prefix)."""
    payload = {
        "v": CURSOR_VERSION,
        "p": scope,
        **index_key,
    }
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, scope: str) -> dict[str, str]:
    """The index key a cursor resumes from; :class:`InvalidCursorError` unless it was issued for ``scope``."""
    invalid = InvalidCursorError()
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError):
        raise invalid from None
    if not isinstance(payload, dict) or payload.get("v") != CURSOR_VERSION or payload.get("p") != scope:
        raise invalid
    index_key = {name: value for name, value in payload.items() if name not in ("v", "p")}
    if not index_key or not all(isinstance(value, str) and value for value in index_key.values()):
        raise invalid
    return index_key
