"""The still item of the palettes table and its DynamoDB form.

Table layout (one table, PAY_PER_REQUEST)::

    pk = FILM#<film>   sk = STILL#<name>       one item per still (this module)
    pk = FILM#<film>   sk = AGGREGATE          reserved: a film's aggregate palette
    pk = COLOR#...     sk = ...                reserved: a colour index
    GSI ByFilmNewest:  gsi1pk = FILM#<film>, gsi1sk = <updated_at>#<name>   (newest first)

A still item records the outcome of the newest object version seen for its key: ``status`` DONE
with the palette ``document`` (a JSON string) and the output keys with the S3 version ids of the
objects written for this version (readers fetch those, so outputs that a later, unfinished version
wrote over at the same keys are never paired with this document), or FAILED with ``reason`` (for
a person) and ``error`` (a stable code). ``sequencer`` (normalised, see
:func:`palette_service.events.normalize_sequencer`) and ``etag`` say which version that was.

``pending_sequencer``, ``pending_etag``, ``pending_version_id`` and ``pending_since`` name the newest
version whose extraction claimed the item (see :class:`PendingVersion`); an item that has only a
claim has status PROCESSING and no index key, so listings leave it out until its outcome is recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from palette_service.keys import StillKey, cut_to_key_limit


class StillStatus(StrEnum):
    DONE = "DONE"
    FAILED = "FAILED"
    # A first version is being processed (see PaletteRepository.claim); nothing is recorded yet.
    PROCESSING = "PROCESSING"


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a fixed width (microseconds, ``Z``), so strings sort as times do."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class PendingVersion:
    """The newest object version whose extraction claimed the item, before writing its outputs.

    Once that version's outcome is recorded its ``sequencer`` is the item's; while it is newer, the
    version is being processed, or its processing was cut short (its event is then in the failure
    queue): either way the item says which version that is and since when.
    """

    sequencer: str
    etag: str
    version_id: str | None
    since: str


@dataclass(frozen=True)
class StillRecord:
    """One still's item. ``document`` is set when DONE; ``reason`` and ``error`` when FAILED."""

    still: StillKey
    key: str
    status: StillStatus
    etag: str
    sequencer: str
    updated_at: str
    version_id: str | None = None
    size: int | None = None
    created_at: str | None = None
    document: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    palette_key: str | None = None
    swatch_key: str | None = None
    palette_version_id: str | None = None
    swatch_version_id: str | None = None
    reason: str | None = None
    error: str | None = None
    pending: PendingVersion | None = None

    @property
    def processing(self) -> PendingVersion | None:
        """The version claimed after the recorded one, if any (see :class:`PendingVersion`)."""
        if self.pending is None or self.pending.sequencer <= self.sequencer:
            return None
        return self.pending

    @property
    def gsi1sk(self) -> str:
        # Newest first by time; the name only breaks ties, so a very long one may be cut.
        return cut_to_key_limit(f"{self.updated_at}#{self.still.name}")

    @property
    def hex_colors(self) -> list[str]:
        if self.document is None:
            return []
        return [str(color["hex"]) for color in self.document.get("colors", [])]

    def attributes(self) -> dict[str, Any]:
        """The item's attributes other than the table key, ready for the DynamoDB resource API.

        ``None`` values are left out (the writer removes them from an existing item); numbers in
        ``params`` become ``Decimal`` as the resource API requires; ``created_at`` is left to the
        writer, which keeps the first one, and ``pending`` to the claim, which alone writes it.
        """
        values: dict[str, Any] = {
            "key": self.key,
            "film": self.still.film,
            "name": self.still.name,
            "status": self.status.value,
            "etag": self.etag,
            "sequencer": self.sequencer,
            "updated_at": self.updated_at,
            "gsi1pk": self.still.pk,
            "gsi1sk": self.gsi1sk,
            "version_id": self.version_id,
            "size": self.size,
            "document": None if self.document is None else json.dumps(self.document, separators=(",", ":")),
            "params": None if self.params is None else _to_dynamo(self.params),
            "palette_key": self.palette_key,
            "swatch_key": self.swatch_key,
            "palette_version_id": self.palette_version_id,
            "swatch_version_id": self.swatch_version_id,
            "reason": self.reason,
            "error": self.error,
        }
        return values

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> StillRecord:
        document = item.get("document")
        if isinstance(document, str):
            document = json.loads(document)
        elif document is not None:
            document = _from_dynamo(document)
        params = item.get("params")
        size = item.get("size")
        return cls(
            still=StillKey(film=str(item["film"]), name=str(item["name"])),
            key=str(item["key"]),
            status=StillStatus(str(item["status"])),
            etag=str(item.get("etag", "")),
            sequencer=str(item.get("sequencer", "")),
            updated_at=str(item["updated_at"]),
            version_id=_optional_str(item.get("version_id")),
            size=None if size is None else int(size),
            created_at=_optional_str(item.get("created_at")),
            document=document,
            params=None if params is None else _from_dynamo(params),
            palette_key=_optional_str(item.get("palette_key")),
            swatch_key=_optional_str(item.get("swatch_key")),
            palette_version_id=_optional_str(item.get("palette_version_id")),
            swatch_version_id=_optional_str(item.get("swatch_version_id")),
            reason=_optional_str(item.get("reason")),
            error=_optional_str(item.get("error")),
            pending=None
            if "pending_sequencer" not in item
            else PendingVersion(
                sequencer=str(item["pending_sequencer"]),
                etag=str(item.get("pending_etag", "")),
                version_id=_optional_str(item.get("pending_version_id")),
                since=str(item.get("pending_since", "")),
            ),
        )


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _to_dynamo(value: Any) -> Any:
    """Floats -> Decimal (exactly as JSON writes them), recursively."""
    return json.loads(json.dumps(value), parse_float=Decimal)


def _from_dynamo(value: Any) -> Any:
    """Decimal -> int or float, recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _from_dynamo(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(item) for item in value]
    return value
