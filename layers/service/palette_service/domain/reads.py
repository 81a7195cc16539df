"""What readers get for one still: its record, its palette document, an export, its swatch.

Pure Python on purpose (``palettes.exports`` needs no numpy): the API function imports this.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from palette_service.domain.ports import StillRepository, StillStore
from palette_service.domain.records import StillKey, StillRecord, StillStatus
from palette_service.errors import StillFailedError, StillNotFoundError, SwatchNotFoundError
from palettes.exports import EXPORT_FORMATS, FILE_EXTENSIONS, MEDIA_TYPES, export_document

# The library's export formats as an enum (what a query parameter validates against).
ExportFormat = StrEnum("ExportFormat", [(fmt.upper(), fmt) for fmt in EXPORT_FORMATS])  # type: ignore[misc]


@dataclass(frozen=True)
class ExportFile:
    body: bytes
    media_type: str
    filename: str


def get_record(repository: StillRepository, film: str, name: str) -> StillRecord:
    """The still's record; :class:`StillNotFoundError` when there is none or it is a removal's
    tombstone, which readers never see (not its palette, nor its image's old version)."""
    record = repository.get(StillKey(film=film, name=name)) if film and name else None
    if record is None:
        raise StillNotFoundError(f"no palette for still {name!r} of film {film!r}")
    if record.status is StillStatus.DELETED:
        raise StillNotFoundError(f"no palette for {record.key!r}: the still was removed from the bucket")
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
    """The still's palette in an export format of :mod:`palettes.exports`, with a file name for it."""
    body = export_document(palette_document(record), fmt)
    stem = record.still.name.rsplit(".", 1)[0] or record.still.name
    return ExportFile(body=body, media_type=MEDIA_TYPES[fmt], filename=f"{stem}.{FILE_EXTENSIONS[fmt]}")


def read_swatch(storage: StillStore, record: StillRecord) -> bytes:
    """The PNG swatch of a DONE still: the object version its record names (a FAILED still has none)."""
    swatch_key = require_done(record).swatch_key
    swatch = storage.read(swatch_key, record.swatch_version_id) if swatch_key else None
    if swatch is None:
        raise SwatchNotFoundError(f"no swatch for {record.key!r}")
    return swatch
