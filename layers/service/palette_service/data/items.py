"""The palettes table's layout and a still record's DynamoDB item form.

Table layout (one table, PAY_PER_REQUEST)::

    pk = FILM#<film>   sk = STILL#<name>       one item per still
    pk = FILM#<film>   sk = AGGREGATE          a film's palette, counts and outputs (data/films.py)
    pk = FILM#<film>   sk = INDEX#<name>       the still's colour index manifest (data/color_index.py)
    pk = COLOR#<cell>  sk = <film>/<name>/<i>  a palette colour in the colour index (data/color_index.py)
    GSI ByFilmNewest:  gsi1pk = FILM#<film>, gsi1sk = <updated_at>#<name>   (a film's stills, newest first)
                       gsi1pk = FILMS,       gsi1sk = <updated_at>#<film>   (films, newest change first)

ByFilmNewest projects the keys and :data:`LISTED_ATTRIBUTES` only (``INCLUDE`` in template.yaml): what
the two listings show. A DONE still's and a film's palette colours are copied into ``colors`` (hex
strings) for them, so the index holds no document and each index write is about one WRU.

The document is stored as a JSON string; ``pending_sequencer``, ``pending_etag``,
``pending_version_id`` and ``pending_since`` hold the claim, which alone writes them. An item that
has only a claim has no index key, so the newest-first index leaves it out; nor has a DELETED
tombstone, which DynamoDB's TTL removes at ``expires_at``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from palette_service.domain.keys import cut_to_key_limit
from palette_service.domain.records import PendingVersion, StillKey, StillRecord, StillStatus
from palette_service.domain.timeline import FilmPosition

FILM_PREFIX = "FILM#"
STILL_PREFIX = "STILL#"
NEWEST_INDEX = "ByFilmNewest"
INDEX_KEY_ATTRIBUTES = ("pk", "sk", "gsi1pk", "gsi1sk")
# The non-key attributes ByFilmNewest projects: a still's summary in GET /palettes (its processing
# version included) and a film's in GET /films. template.yaml lists the same (a test reads both).
LISTED_ATTRIBUTES = (
    "key",
    "film",
    "name",
    "status",
    "updated_at",
    "sequencer",
    "etag",
    "reason",
    "error",
    "colors",
    "pending_sequencer",
    "pending_etag",
    "pending_version_id",
    "pending_since",
    "built",
    "done",
    "failed",
    "processing",
)
# Longer than any S3 event can be late (Lambda gives up on an async event after an hour, and the
# failure queue keeps it 14 days for a replay), so no older version outlives its still's tombstone.
TOMBSTONE_LIFETIME = timedelta(days=30)


def film_pk(film: str) -> str:
    return f"{FILM_PREFIX}{film}"


def item_key(still: StillKey) -> dict[str, str]:
    """The table key of a still's item."""
    return {"pk": film_pk(still.film), "sk": f"{STILL_PREFIX}{still.name}"}


def newest_sort_key(record: StillRecord) -> str:
    # Newest first by time; the name only breaks ties, so a very long one may be cut.
    return cut_to_key_limit(f"{record.updated_at}#{record.still.name}")


def record_attributes(record: StillRecord) -> dict[str, Any]:
    """The item's attributes other than the table key, ready for the DynamoDB resource API.

    ``None`` values are left out (the writer removes them from an existing item); numbers in
    ``params`` become ``Decimal`` as the resource API requires; ``created_at`` is left to the
    writer, which keeps the first one, and ``pending`` to the claim, which alone writes it.
    """
    document = record.document
    listed = record.status is not StillStatus.DELETED
    return {
        "key": record.key,
        "film": record.still.film,
        "name": record.still.name,
        "status": record.status.value,
        "etag": record.etag,
        "sequencer": record.sequencer,
        "updated_at": record.updated_at,
        "gsi1pk": film_pk(record.still.film) if listed else None,
        "gsi1sk": newest_sort_key(record) if listed else None,
        "expires_at": None if listed else _expiry(record.updated_at),
        "version_id": record.version_id,
        "size": record.size,
        "document": None if document is None else json.dumps(document, separators=(",", ":")),
        "colors": record.hex_colors or None,
        "params": None if record.params is None else _to_dynamo(record.params),
        "palette_key": record.palette_key,
        "swatch_key": record.swatch_key,
        "palette_version_id": record.palette_version_id,
        "swatch_version_id": record.swatch_version_id,
        "reason": record.reason,
        "error": record.error,
        "summary": record.summary,
        "position": None if record.position is None else _to_dynamo(record.position.to_dict()),
    }


def record_from_item(item: dict[str, Any]) -> StillRecord:
    """The record an item holds (the inverse of :func:`record_attributes` plus the claim)."""
    document = item.get("document")
    params = item.get("params")
    size = item.get("size")
    return StillRecord(
        still=StillKey(film=str(item["film"]), name=str(item["name"])),
        key=str(item["key"]),
        status=StillStatus(str(item["status"])),
        etag=str(item.get("etag", "")),
        sequencer=str(item.get("sequencer", "")),
        updated_at=str(item["updated_at"]),
        version_id=_optional_str(item.get("version_id")),
        size=None if size is None else int(size),
        created_at=_optional_str(item.get("created_at")),
        document=json.loads(document) if isinstance(document, str) else _from_dynamo(document),
        params=None if params is None else _from_dynamo(params),
        palette_key=_optional_str(item.get("palette_key")),
        swatch_key=_optional_str(item.get("swatch_key")),
        palette_version_id=_optional_str(item.get("palette_version_id")),
        swatch_version_id=_optional_str(item.get("swatch_version_id")),
        reason=_optional_str(item.get("reason")),
        error=_optional_str(item.get("error")),
        summary=_optional_bytes(item.get("summary")),
        position=_position_from_item(item.get("position")),
        pending=_pending_from_item(item),
        listed_colors=() if document is not None else tuple(str(hex_) for hex_ in item.get("colors", [])),
    )


def _optional_bytes(value: Any) -> bytes | None:
    """A Binary attribute (boto3's resource API gives a ``Binary`` wrapper) as bytes."""
    return None if value is None else bytes(getattr(value, "value", value))


def _position_from_item(value: Any) -> FilmPosition | None:
    return None if value is None else FilmPosition.from_dict(_from_dynamo(value))


def _expiry(updated_at: str) -> int:
    """The epoch second at which DynamoDB's TTL may remove a tombstone written at ``updated_at``."""
    written = datetime.fromisoformat(updated_at.replace("Z", "+00:00"))
    return int((written + TOMBSTONE_LIFETIME).timestamp())


def _pending_from_item(item: dict[str, Any]) -> PendingVersion | None:
    if "pending_sequencer" not in item:
        return None
    return PendingVersion(
        sequencer=str(item["pending_sequencer"]),
        etag=str(item.get("pending_etag", "")),
        version_id=_optional_str(item.get("pending_version_id")),
        since=str(item.get("pending_since", "")),
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
