"""What readers get for a film: the films listing, its palette document, an export, its barcode.

Pure Python with Pillow at most (the API function imports this and never numpy): a barcode other than
the stored default is drawn from the film's timeline JSON by :mod:`palettes.barcode`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from palette_service.domain.films import DEFAULT_BARCODE_STYLE, FilmRecord, stripes_of
from palette_service.domain.listing import DEFAULT_LIMIT, decode_cursor, encode_cursor, page_limit
from palette_service.domain.ports import FilmRepository, StillStore
from palette_service.domain.reads import ExportFile
from palette_service.errors import FilmNotFoundError, InvalidQueryError
from palettes import InvalidParameterError
from palettes.barcode import render_barcode, validate_barcode_options
from palettes.exports import FILE_EXTENSIONS, MEDIA_TYPES, export_document

# The cursor scope of the films listing (a still listing's scope is its prefix, which has a '/').
FILMS_SCOPE = "films"


@dataclass(frozen=True)
class FilmListing:
    films: list[FilmRecord]
    next_cursor: str | None


def list_films(
    films: FilmRepository, *, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> FilmListing:
    """Up to ``limit`` films that have stills, newest change first, and the cursor of the next page."""
    limit = page_limit(limit)
    start_key = decode_cursor(cursor, FILMS_SCOPE) if cursor else None
    # One film more than asked tells whether there is a next page without an extra call.
    page = films.query_films(page_size=limit + 1, start_key=start_key)
    entries = page.entries
    next_key = page.last_evaluated_key
    if len(entries) > limit:
        entries = entries[:limit]
        next_key = entries[-1][1]
    next_cursor = None if next_key is None else encode_cursor(next_key, FILMS_SCOPE)
    return FilmListing(films=[record for record, _ in entries], next_cursor=next_cursor)


def get_film(films: FilmRepository, film: str) -> FilmRecord:
    """The film's aggregate when one of its stills is DONE; :class:`FilmNotFoundError` otherwise."""
    record = films.get_film(film) if film else None
    if record is None or record.document is None:
        raise FilmNotFoundError(f"film {film!r} has no processed still, so no palette yet")
    return record


def film_document(record: FilmRecord) -> dict[str, Any]:
    if record.document is None:
        raise FilmNotFoundError(f"film {record.film!r} has no palette")
    return record.document


def export_film_palette(record: FilmRecord, fmt: str) -> ExportFile:
    body = export_document(film_document(record), fmt)
    return ExportFile(
        body=body, media_type=MEDIA_TYPES[fmt], filename=f"{record.film}.{FILE_EXTENSIONS[fmt]}"
    )


def check_barcode_options(style: str, width: int | None, height: int | None) -> None:
    """:class:`InvalidQueryError` (before any read) unless the barcode options are within bounds."""
    try:
        validate_barcode_options(style, width, height)
    except InvalidParameterError as error:
        raise InvalidQueryError(str(error)) from None


def read_barcode(
    storage: StillStore, record: FilmRecord, *, style: str, width: int | None, height: int | None
) -> bytes:
    """The film's barcode PNG: the stored one for the default options, else drawn from its timeline."""
    check_barcode_options(style, width, height)
    if style == DEFAULT_BARCODE_STYLE and width is None and height is None and record.barcode_key:
        stored = storage.read(record.barcode_key)
        if stored is not None:
            return stored
    return render_barcode(stripes_of(read_timeline(storage, record)), style=style, width=width, height=height)


def read_timeline(storage: StillStore, record: FilmRecord) -> dict[str, Any]:
    """The film's timeline document: its DONE stills in film order, each with its colours."""
    timeline = storage.read(record.timeline_key) if record.timeline_key else None
    if timeline is None:
        raise FilmNotFoundError(f"film {record.film!r} has no timeline yet")
    document: dict[str, Any] = json.loads(timeline)
    return document
