"""The domain's :class:`~palette_service.domain.ports.FilmRepository` on DynamoDB.

A film's aggregate is the item ``pk = FILM#<film>, sk = AGGREGATE`` (see :mod:`palette_service.data.items`):

* ``generation`` is a counter: each rebuild takes the next value (an atomic ``ADD``) *before* it reads
  the film's stills, so a rebuild with a larger generation read a state at least as new;
* ``built`` is the generation of the stored aggregate; a rebuild stores only over an older one;
* while the film has stills the item carries ``gsi1pk = FILMS``, which lists it on ``ByFilmNewest``
  newest change first; the last still removed, the key goes and the film leaves the listing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Key

from palette_service.data.dynamodb import update_if
from palette_service.data.items import (
    INDEX_KEY_ATTRIBUTES,
    NEWEST_INDEX,
    STILL_PREFIX,
    film_pk,
    record_from_item,
)
from palette_service.domain.films import FilmPage, FilmRecord, FilmStill, StillCounts
from palette_service.domain.keys import cut_to_key_limit
from palette_service.errors import InvalidCursorError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

AGGREGATE_SK = "AGGREGATE"
FILMS_PK = "FILMS"
# What a rebuild reads of each still: enough for a StillRecord with its document and summary.
_STILL_ATTRIBUTES = (
    "film",
    "#name",
    "#key",
    "#status",
    "updated_at",
    "sequencer",
    "document",
    "summary",
    "#position",
)
_STILL_NAMES = {"#name": "name", "#key": "key", "#status": "status", "#position": "position"}


@dataclass
class ReadStats:
    """What the film reads cost: requests, items, and the read units DynamoDB reported."""

    requests: int = 0
    items: int = 0
    read_units: float = 0.0


class DynamoFilmRepository:
    def __init__(self, table: Table) -> None:
        self._table = table
        self.stats = ReadStats()

    def next_generation(self, film: str) -> int:
        response = self._table.update_item(
            Key=_aggregate_key(film),
            UpdateExpression="ADD #generation :one SET #film = :film",
            ExpressionAttributeNames={"#generation": "generation", "#film": "film"},
            ExpressionAttributeValues={":one": 1, ":film": film},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["generation"])  # type: ignore[arg-type]

    def film_stills(self, film: str) -> Iterator[FilmStill]:
        arguments: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(film_pk(film)) & Key("sk").begins_with(STILL_PREFIX),
            "ProjectionExpression": ", ".join(_STILL_ATTRIBUTES),
            "ExpressionAttributeNames": _STILL_NAMES,
            "ConsistentRead": True,
            "ReturnConsumedCapacity": "TOTAL",
        }
        while True:
            response = self._table.query(**arguments)
            self._count(response)
            for item in response.get("Items", []):
                # Only what the rebuild needs is kept of each item (its document goes at once).
                yield FilmStill.of(record_from_item(item))
            last = response.get("LastEvaluatedKey")
            if last is None:
                return
            arguments["ExclusiveStartKey"] = last

    def save_film(self, record: FilmRecord) -> tuple[str, ...] | None:
        names = {f"#{name}": name for name in _film_attributes(record)}
        values = {f":{name}": value for name, value in _film_attributes(record).items() if value is not None}
        assignments = [
            f"#{name} = :{name}" for name, value in _film_attributes(record).items() if value is not None
        ]
        removals = [f"#{name}" for name, value in _film_attributes(record).items() if value is None]
        expression = "SET " + ", ".join(assignments) + (" REMOVE " + ", ".join(removals) if removals else "")
        condition = "attribute_not_exists(#built) OR #built < :built"
        old = update_if(
            self._table,
            _aggregate_key(record.film),
            expression=expression,
            condition=condition,
            names=names,
            values=values,
        )
        if old is None:
            return None
        return tuple(str(old[name]) for name in ("barcode_key", "timeline_key") if old.get(name))

    def get_film(self, film: str) -> FilmRecord | None:
        item = self._table.get_item(Key=_aggregate_key(film), ConsistentRead=True).get("Item")
        if item is None or "built" not in item:
            return None
        return film_from_item(item)

    def query_films(self, *, page_size: int, start_key: dict[str, str] | None = None) -> FilmPage:
        arguments: dict[str, Any] = {
            "IndexName": NEWEST_INDEX,
            "KeyConditionExpression": Key("gsi1pk").eq(FILMS_PK),
            "ScanIndexForward": False,
            "Limit": page_size,
        }
        if start_key is not None:
            arguments["ExclusiveStartKey"] = _films_start_key(start_key)
        response = self._table.query(**arguments)
        last = response.get("LastEvaluatedKey")
        return FilmPage(
            entries=[
                (film_from_item(item), {name: str(item[name]) for name in INDEX_KEY_ATTRIBUTES})
                for item in response.get("Items", [])
            ],
            last_evaluated_key=None if last is None else {name: str(value) for name, value in last.items()},
        )

    def _count(self, response: Any) -> None:
        self.stats.requests += 1
        self.stats.items += len(response.get("Items", []))
        self.stats.read_units += float(response.get("ConsumedCapacity", {}).get("CapacityUnits", 0.0))


def _aggregate_key(film: str) -> dict[str, str]:
    return {"pk": film_pk(film), "sk": AGGREGATE_SK}


def _film_attributes(record: FilmRecord) -> dict[str, Any]:
    """The aggregate's attributes (``None`` ones are removed); ``built`` is what the condition compares."""
    document = record.document
    return {
        "built": record.generation,
        "updated_at": record.updated_at,
        "done": record.counts.done,
        "failed": record.counts.failed,
        "processing": record.counts.processing,
        "document": None if document is None else json.dumps(document, separators=(",", ":")),
        "colors": record.hex_colors,  # for the listing index, which has no document (data/items.py)
        "barcode_key": record.barcode_key,
        "timeline_key": record.timeline_key,
        "gsi1pk": FILMS_PK if record.listed else None,
        "gsi1sk": cut_to_key_limit(f"{record.updated_at}#{record.film}") if record.listed else None,
    }


def film_from_item(item: dict[str, Any]) -> FilmRecord:
    document = item.get("document")
    return FilmRecord(
        film=str(item["film"]),
        generation=int(item["built"]),
        updated_at=str(item.get("updated_at", "")),
        counts=StillCounts(
            done=int(item.get("done", 0)),
            failed=int(item.get("failed", 0)),
            processing=int(item.get("processing", 0)),
        ),
        document=json.loads(document) if isinstance(document, str) else None,
        barcode_key=_optional(item.get("barcode_key")),
        timeline_key=_optional(item.get("timeline_key")),
        listed_colors=(
            None
            if document is not None or "colors" not in item
            else tuple(str(hex_) for hex_ in item["colors"])
        ),
    )


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)


def _films_start_key(start_key: dict[str, str]) -> dict[str, str]:
    """``start_key`` when it is an index key of the films listing (it came back in a cursor)."""
    if (
        set(start_key) != set(INDEX_KEY_ATTRIBUTES)
        or start_key["gsi1pk"] != FILMS_PK
        or start_key["sk"] != AGGREGATE_SK
    ):
        raise InvalidCursorError
    return start_key
