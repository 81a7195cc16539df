"""What the read API serves for one still: its record, its document, an export, its swatch.

Pure Python on purpose (``palettes.exports`` needs no numpy): the API function imports this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from palette_service.errors import StillFailedError, StillNotFoundError, SwatchNotFoundError
from palette_service.keys import StillKey
from palette_service.records import StillRecord, StillStatus
from palette_service.repository import PaletteRepository
from palette_service.storage import StillStorage
from palettes.exports import FILE_EXTENSIONS, MEDIA_TYPES, export_document


class ExportFormat(StrEnum):
    """The formats of :data:`palettes.exports.EXPORT_FORMATS` (a test keeps the two equal)."""

    JSON = "json"
    CSS = "css"
    GPL = "gpl"
    ASE = "ase"
    TEXT = "text"


_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._ -]")


@dataclass(frozen=True)
class ExportFile:
    body: bytes
    media_type: str
    filename: str
    is_text: bool

    @property
    def content_disposition(self) -> str:
        """An attachment header that survives any file name (RFC 6266 with an RFC 5987 UTF-8 form)."""
        fallback = _UNSAFE_FILENAME.sub("_", self.filename)
        return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(self.filename, safe='')}"


def is_text_media_type(media_type: str) -> bool:
    """Whether a body of this type is served as text; any other is binary (base64 through API Gateway)."""
    base = media_type.split(";", 1)[0].strip()
    return base.startswith("text/") or base == "application/json"


def get_record(repository: PaletteRepository, film: str, name: str) -> StillRecord:
    record = repository.get(StillKey(film=film, name=name)) if film and name else None
    if record is None:
        raise StillNotFoundError(f"no palette for still {name!r} of film {film!r}")
    return record


def require_done(record: StillRecord) -> StillRecord:
    """``record`` when it has a palette; :class:`StillFailedError` (with the reason) when it failed, and
    :class:`StillNotFoundError` when its first version is still being processed."""
    if record.status is StillStatus.PROCESSING:
        since = record.pending.since if record.pending is not None else record.updated_at
        raise StillNotFoundError(f"no palette yet for {record.key!r}: it is being processed (since {since})")
    if record.status is StillStatus.FAILED:
        raise StillFailedError(
            key=record.key,
            reason=record.reason or "the still could not be processed",
            error=record.error or "failed",
        )
    return record


def palette_document(record: StillRecord) -> dict[str, Any]:
    document = require_done(record).document
    if document is None:
        raise StillNotFoundError(f"the palette of {record.key!r} has no document")
    return document


def export_palette(record: StillRecord, fmt: str) -> ExportFile:
    """The still's palette in an export format of :mod:`palettes.exports`."""
    body = export_document(palette_document(record), fmt)
    stem = record.still.name.rsplit(".", 1)[0] or record.still.name
    return ExportFile(
        body=body,
        media_type=MEDIA_TYPES[fmt],
        filename=f"{stem}.{FILE_EXTENSIONS.get(fmt, fmt)}",
        is_text=is_text_media_type(MEDIA_TYPES[fmt]),
    )


def read_swatch(storage: StillStorage, record: StillRecord) -> bytes:
    """The PNG swatch of a DONE still: the object version its item names (a FAILED still has none)."""
    swatch_key = require_done(record).swatch_key
    swatch = storage.read(swatch_key, record.swatch_version_id) if swatch_key else None
    if swatch is None:
        raise SwatchNotFoundError(f"no swatch for {record.key!r}")
    return swatch
