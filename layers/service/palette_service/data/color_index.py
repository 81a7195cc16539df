"""The domain's :class:`~palette_service.domain.ports.ColorIndex` on DynamoDB: colours filed by cell.

Layout (the same table as the stills, see :mod:`palette_service.data.items`)::

    pk = COLOR#<partition>   sk = <film>/<name>/<slot>   one item per indexed palette colour
    pk = FILM#<film>         sk = INDEX#<name>            the still's manifest: the keys it has now

A partition is a colour-space cell (``L5C3H07``) or a basic colour term's key (``class:teal``): a
colour is filed under both, so a query reads only the partitions that can hold a match, never a Scan. A
film filter is a ``begins_with`` on the sort key (film names hold no ``/``). Each item carries the
still's ``sequencer``: readers keep a hit only while the still's item is DONE with that sequencer,
so an index that lags behind a change never shows what the change replaced.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from palette_service.data.items import film_pk
from palette_service.domain.ports import IndexedColor
from palette_service.domain.records import StillKey

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

COLOR_PREFIX = "COLOR#"
MANIFEST_PREFIX = "INDEX#"


class DynamoColorIndex:
    def __init__(self, table: Table) -> None:
        self._table = table
        self.items_read = 0
        self.pages_read = 0
        self._lock = threading.Lock()

    def replace(self, still: StillKey, colors: list[IndexedColor]) -> int:
        """File ``colors`` as the still's whole index (others of it removed); the items written and
        deleted, manifests included.

        The manifest names every entry that may exist at any point, so a reindex cut off part-way
        (a timeout while the SDK retries a batch) leaves no entry that the next one cannot find and
        delete: before new entries are written it names the old and the new; once the old ones are
        deleted, the new alone.
        """
        manifest_key = _manifest_key(still)
        old = self._table.get_item(Key=manifest_key, ConsistentRead=True).get("Item") or {}
        old_keys = {tuple(key) for key in json.loads(str(old.get("keys", "[]")))}
        items = [_item(color) for color in colors]
        new_keys = {(item["pk"], item["sk"]) for item in items}
        gone, added = old_keys - new_keys, new_keys - old_keys
        if added:
            self._table.put_item(Item={**manifest_key, "keys": json.dumps(sorted(old_keys | new_keys))})
        with self._table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
            for pk, sk in gone:
                batch.delete_item(Key={"pk": pk, "sk": sk})
            for item in items:
                batch.put_item(Item=item)
        if gone and items:
            self._table.put_item(Item={**manifest_key, "keys": json.dumps(sorted(new_keys))})
        elif old and not items:
            self._table.delete_item(Key=manifest_key)
        return len(gone) + len(items) + (1 if added else 0) + (1 if gone or (old and not items) else 0)

    def colors_in(self, partition: str, film: str | None = None) -> Iterator[IndexedColor]:
        """Safe to call from several threads at once: it uses the table's client (which, as the resource's,
        takes and gives plain values), not the resource, which is not thread-safe."""
        arguments: dict[str, Any] = {
            "TableName": self._table.name,
            "KeyConditionExpression": "pk = :pk" + (" AND begins_with(sk, :film)" if film else ""),
            "ExpressionAttributeValues": {":pk": COLOR_PREFIX + partition}
            | ({":film": f"{film}/"} if film else {}),
        }
        client = self._table.meta.client
        while True:
            response = client.query(**arguments)
            items = response.get("Items", [])
            with self._lock:
                self.pages_read += 1
                self.items_read += len(items)
            for item in items:
                yield _color_of(item)
            last = response.get("LastEvaluatedKey")
            if last is None:
                return
            arguments["ExclusiveStartKey"] = last

    def film_partitions(self, film: str) -> dict[str, frozenset[str]]:
        """Each indexed still of ``film`` and the partitions it is filed under, from its manifest."""
        arguments: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :manifest)",
            "ExpressionAttributeValues": {":pk": film_pk(film), ":manifest": MANIFEST_PREFIX},
            "ProjectionExpression": "sk, #keys",
            "ExpressionAttributeNames": {"#keys": "keys"},
        }
        stills: dict[str, frozenset[str]] = {}
        while True:
            response = self._table.query(**arguments)
            with self._lock:
                self.pages_read += 1
                self.items_read += len(response.get("Items", []))
            for item in response.get("Items", []):
                keys = json.loads(str(item["keys"]))
                partitions = frozenset(str(pk)[len(COLOR_PREFIX) :] for pk, _ in keys)
                stills[str(item["sk"])[len(MANIFEST_PREFIX) :]] = partitions
            if "LastEvaluatedKey" not in response:
                return stills
            arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def _manifest_key(still: StillKey) -> dict[str, str]:
    return {"pk": film_pk(still.film), "sk": f"{MANIFEST_PREFIX}{still.name}"}


def _item(color: IndexedColor) -> dict[str, Any]:
    return {
        "pk": COLOR_PREFIX + color.partition,
        "sk": f"{color.film}/{color.name}/{color.slot}",
        "film": color.film,
        "name": color.name,
        "slot": color.slot,
        "sequencer": color.sequencer,
        # A string, not a list of maps: a few hundred bytes, read whole by ranking.
        "palette": json.dumps(color.palette, separators=(",", ":")),
    }


def _color_of(item: dict[str, Any]) -> IndexedColor:
    return IndexedColor(
        partition=str(item["pk"])[len(COLOR_PREFIX) :],
        film=str(item["film"]),
        name=str(item["name"]),
        slot=int(item["slot"]),
        sequencer=str(item["sequencer"]),
        palette=tuple(json.loads(str(item["palette"]))),
    )
