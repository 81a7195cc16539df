"""The domain's :class:`~palette_service.domain.ports.StillRepository` on DynamoDB (conditional writes)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Attr, ConditionBase, Key
from botocore.exceptions import ClientError

from palette_service.data.items import (
    INDEX_KEY_ATTRIBUTES,
    NEWEST_INDEX,
    STILL_PREFIX,
    film_pk,
    item_key,
    record_attributes,
    record_from_item,
)
from palette_service.domain.ports import Claim, IndexPage
from palette_service.domain.records import PendingVersion, StillKey, StillRecord, StillStatus
from palette_service.errors import InvalidCursorError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

# A conditional write lost: the item already holds a newer version (see DynamoStillRepository.save).
CONDITION_FAILED = "ConditionalCheckFailedException"
# BatchGetItem's most keys a request.
BATCH_GET_KEYS = 100


class DynamoStillRepository:
    """Reads and conditional writes of still items.

    Every write is ordered by the S3 sequencer: an item only ever moves to a newer object version
    (or is written again for the very same version), so late or repeated events cannot roll it back.
    """

    def __init__(self, table: Table) -> None:
        self._table = table

    def get(self, still: StillKey) -> StillRecord | None:
        response = self._table.get_item(Key=item_key(still), ConsistentRead=True)
        item = response.get("Item")
        return None if item is None else record_from_item(item)

    def get_many(self, stills: Collection[StillKey]) -> dict[StillKey, StillRecord]:
        """Strongly consistent BatchGetItem, ``BATCH_GET_KEYS`` keys a request. Keys DynamoDB leaves
        unprocessed (when throttled, or past 16 MB a response) are read again one GetItem each, which
        the SDK retries with backoff, rather than in a loop of batches of our own."""
        keys = [item_key(still) for still in dict.fromkeys(stills)]
        client = self._table.meta.client  # the resource's: it takes and gives plain values
        items: list[dict[str, Any]] = []
        for start in range(0, len(keys), BATCH_GET_KEYS):
            request: Any = {"Keys": keys[start : start + BATCH_GET_KEYS], "ConsistentRead": True}
            response: Any = client.batch_get_item(RequestItems={self._table.name: request})
            items.extend(response.get("Responses", {}).get(self._table.name, []))
            for key in response.get("UnprocessedKeys", {}).get(self._table.name, {}).get("Keys", []):
                item = self._table.get_item(Key=key, ConsistentRead=True).get("Item")
                items.extend([item] if item is not None else [])
        records = (record_from_item(item) for item in items)
        return {record.still: record for record in records}

    def save(self, record: StillRecord) -> bool:
        """Write ``record`` unless the item already holds a newer version; ``False`` when it does.

        The write succeeds when there is no item, when the item's sequencer is older, or when it is
        the same version (same sequencer and ETag: a re-delivery). ``created_at`` keeps its first
        value; attributes the record leaves empty are removed (a FAILED item has no document).
        """
        names = {"#sequencer": "sequencer", "#etag": "etag"}
        values = {":sequencer": record.sequencer, ":etag": record.etag}
        return self._write(record, _holds_no_newer("#sequencer", "#etag"), names, values)

    def save_given_up(self, record: StillRecord) -> bool:
        """Write ``record`` (a version whose processing was given up on) only while no outcome of it or
        of a newer version is recorded and no newer version is claimed; ``False`` otherwise.

        So a given-up version never overwrites the outcome of a retry that succeeded in the end, nor
        of a newer upload, and never hides a newer upload being processed.
        """
        condition = (
            "(attribute_not_exists(#sequencer) OR #sequencer < :sequencer)"
            " AND (attribute_not_exists(#pending) OR #pending <= :sequencer)"
        )
        names = {"#sequencer": "sequencer", "#pending": "pending_sequencer"}
        return self._write(record, condition, names, {":sequencer": record.sequencer})

    def _write(
        self, record: StillRecord, condition: str, names: dict[str, str], values: dict[str, Any]
    ) -> bool:
        """Set the item to ``record`` if ``condition`` (over ``names``, ``values``) holds; whether it did."""
        # Placeholders are spelled out (not boto3's condition builder, whose #n0/:v0 could collide).
        names = {"#created": "created_at", **names}
        values = {":now": record.updated_at, **values}
        assignments: list[str] = ["#created = if_not_exists(#created, :now)"]
        removals: list[str] = []
        for index, (attribute, value) in enumerate(record_attributes(record).items()):
            names[f"#u{index}"] = attribute
            if value is None:
                removals.append(f"#u{index}")
            else:
                values[f":u{index}"] = value
                assignments.append(f"#u{index} = :u{index}")
        expression = "SET " + ", ".join(assignments)
        if removals:
            expression += " REMOVE " + ", ".join(removals)
        return self._update_if(record.still, expression, condition, names, values) is not None

    def claim(self, still: StillKey, key: str, version: PendingVersion) -> Claim | None:
        """Mark ``version`` as the one being processed, unless a newer one is recorded or claimed.

        ``None`` when it is (the caller's version is stale). The same version may claim again (a
        retry). A still with no item gets one with status PROCESSING, which the newest-first index
        leaves out (it has no index key) until an outcome is recorded.
        """
        names = {
            "#sequencer": "sequencer",
            "#etag": "etag",
            "#pending": "pending_sequencer",
            "#pending_etag": "pending_etag",
            "#pending_version": "pending_version_id",
            "#since": "pending_since",
            "#status": "status",
            "#key": "key",
            "#film": "film",
            "#name": "name",
            "#updated": "updated_at",
            "#created": "created_at",
        }
        values: dict[str, Any] = {
            ":sequencer": version.sequencer,
            ":etag": version.etag,
            ":since": version.since,
            ":processing": StillStatus.PROCESSING.value,
            ":key": key,
            ":film": still.film,
            ":name": still.name,
        }
        expression = (
            "SET #pending = :sequencer, #pending_etag = :etag, #since = :since,"
            " #status = if_not_exists(#status, :processing), #key = if_not_exists(#key, :key),"
            " #film = if_not_exists(#film, :film), #name = if_not_exists(#name, :name),"
            " #updated = if_not_exists(#updated, :since), #created = if_not_exists(#created, :since)"
        )
        if version.version_id is None:
            expression += " REMOVE #pending_version"
        else:
            values[":version"] = version.version_id
            expression += ", #pending_version = :version"
        condition = (
            f"{_holds_no_newer('#sequencer', '#etag')} AND {_holds_no_newer('#pending', '#pending_etag')}"
        )
        old = self._update_if(still, expression, condition, names, values)
        if old is None:
            return None
        previous = old.get("pending_sequencer")
        unfinished = previous not in (None, version.sequencer, old.get("sequencer"))
        return Claim(contended=unfinished)

    def _update_if(
        self, still: StillKey, expression: str, condition: str, names: dict[str, str], values: dict[str, Any]
    ) -> dict[str, Any] | None:
        return update_if(
            self._table,
            item_key(still),
            expression=expression,
            condition=condition,
            names=names,
            values=values,
        )

    def query_newest(
        self,
        film: str,
        *,
        page_size: int,
        name_prefix: str = "",
        start_key: dict[str, str] | None = None,
    ) -> IndexPage:
        """One page of a film's stills, newest first, optionally only names starting with ``name_prefix``.

        ``page_size`` bounds the items DynamoDB reads, before the name filter: a page may hold fewer
        matches than that and still not be the last one (``last_evaluated_key`` is then set).
        """
        name_filter: ConditionBase = Attr("sk").begins_with(STILL_PREFIX)
        if name_prefix:
            name_filter = name_filter & Attr("name").begins_with(name_prefix)
        arguments: dict[str, Any] = {
            "IndexName": NEWEST_INDEX,
            "KeyConditionExpression": Key("gsi1pk").eq(film_pk(film)),
            "FilterExpression": name_filter,
            "ScanIndexForward": False,
            "Limit": page_size,
        }
        if start_key is not None:
            arguments["ExclusiveStartKey"] = _start_key_of(film, start_key)
        response = self._table.query(**arguments)
        entries = [
            (record_from_item(item), {name: str(item[name]) for name in INDEX_KEY_ATTRIBUTES})
            for item in response.get("Items", [])
        ]
        last = response.get("LastEvaluatedKey")
        return IndexPage(
            entries=entries,
            last_evaluated_key=None if last is None else {name: str(value) for name, value in last.items()},
        )


def update_if(
    table: Table,
    key: dict[str, str],
    *,
    expression: str,
    condition: str,
    names: dict[str, str],
    values: dict[str, Any],
) -> dict[str, Any] | None:
    """Apply ``expression`` to the item at ``key`` if ``condition`` holds: the item's attributes before
    the update (empty when there was no item), or ``None`` when the condition did not hold."""
    try:
        response = table.update_item(
            Key=key,
            UpdateExpression=expression,
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_OLD",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == CONDITION_FAILED:
            return None
        raise
    return dict(response.get("Attributes", {}))


def _holds_no_newer(sequencer: str, etag: str) -> str:
    """A condition: the item holds no version in the ``sequencer`` attribute, an older one than
    ``:sequencer``, or this very version (same sequencer and ``:etag`` in the ``etag`` attribute)."""
    return (
        f"(attribute_not_exists({sequencer}) OR {sequencer} < :sequencer"
        f" OR ({sequencer} = :sequencer AND {etag} = :etag))"
    )


def _start_key_of(film: str, start_key: dict[str, str]) -> dict[str, str]:
    """``start_key`` when it is an index key of ``film``'s stills (it came back in a cursor)."""
    film_key = film_pk(film)
    if (
        set(start_key) != set(INDEX_KEY_ATTRIBUTES)
        or start_key["pk"] != film_key
        or start_key["gsi1pk"] != film_key
        or not start_key["sk"].startswith(STILL_PREFIX)
    ):
        raise InvalidCursorError
    return start_key
