"""What a function's AWS calls are billed for, counted as they happen: the cost model's measured input.

:class:`RequestMeter` is a botocore event hook (``before-call`` / ``after-call``) on the session the
handler's clients are made from; it counts each request by service and operation and, for
DynamoDB, the request units AWS bills for (the local endpoint, moto, reports none that are real):

* a write is billed 1 WRU per started KB of the larger of the item before and after it, at least
  1, also when its condition fails; each global secondary index the item is in (before or after)
  adds a write of the projected item (its keys and the index's ``INCLUDE`` attributes, or all of
  it), a delete and a put when the index key changes;
* a read is billed 1 RRU per started 4 KB, of the item (GetItem, and each key of a BatchGetItem,
  which reads each as a GetItem: a missing item costs a unit too) or of all the items a page
  returns (Query, Scan), half of that when eventually consistent; a read with a projection is
  counted at the size returned, a little under what DynamoDB bills (the whole items);
* item size is DynamoDB's: attribute names plus values (strings in UTF-8, numbers about one byte
  per two digits plus one, 3 bytes plus 1 per element for lists and maps);
* a request that starts while another of the same environment is in flight (the extract function's
  two PUTs, made at once) is also counted as ``overlapped``: its wait is spent inside the other's, so
  the cost model bills the latency of the requests that were not.

The sizes before a write come from :class:`ItemLookup`, a plain client on the same endpoint that
the meter does not count. :class:`EnvironmentMeter` is what ``local.runtime`` uses when the local
stack is asked to meter (``LocalStackSettings.meter_requests``): one JSON line per invocation with
its requests, units, duration, log bytes and the number of records in its event.
"""

from __future__ import annotations

import base64
import json
import math
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem"})
_READS = frozenset({"Query", "Scan"})


@dataclass(frozen=True)
class IndexShape:
    """A global secondary index: its key attribute names and what it projects of an item (``None``:
    ALL; else the names kept, the table's and the index's keys among them)."""

    keys: tuple[str, ...]
    projected: frozenset[str] | None = None

    def project(self, item: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        if item is None or self.projected is None:
            return item
        return {name: value for name, value in item.items() if name in self.projected}


class ItemLookup(Protocol):
    """The current item at a key (wire format, ``{"S": ...}`` values; ``key`` may be a whole item), and
    the shape of each of a table's global secondary indexes."""

    def item(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None: ...

    def indexes(self, table: str) -> list[IndexShape]: ...


_FIXED_SIZES = {"BOOL": 1, "NULL": 1}


def attribute_size(value: Mapping[str, Any]) -> int:
    """The bytes DynamoDB counts for one attribute value in wire format."""
    (kind, content), *_ = value.items()
    if kind in _FIXED_SIZES:
        return _FIXED_SIZES[kind]
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_size({kind[0]: element}) for element in content)
    if kind == "L":
        return 3 + sum(attribute_size(element) + 1 for element in content)
    if kind == "M":
        return 3 + sum(len(name.encode()) + attribute_size(element) + 1 for name, element in content.items())
    return _scalar_size(kind, content)


def _scalar_size(kind: str, content: Any) -> int:
    if kind == "S":
        return len(str(content).encode())
    if kind == "N":
        digits = str(content).lstrip("-").replace(".", "").lstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":  # base64 on the wire; bytes once a client has parsed it
        return len(content) if isinstance(content, bytes) else len(base64.b64decode(content))
    raise ValueError(f"not a DynamoDB attribute value: {kind}")


def item_size(item: Mapping[str, Any] | None) -> int:
    """The bytes of an item in wire format (0 for no item)."""
    return sum(len(name.encode()) + attribute_size(value) for name, value in (item or {}).items())


def write_units(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> int:
    return max(1, math.ceil(max(item_size(before), item_size(after)) / WRITE_UNIT_BYTES))


def index_write_units(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, indexes: Sequence[IndexShape]
) -> tuple[int, int]:
    """The WRUs and the number of the index writes of one item write, each of the projected item."""
    units = writes = 0
    for index in indexes:
        old = _index_key(before, index.keys)
        new = _index_key(after, index.keys)
        if old is not None and (new is None or new != old):
            # Out of the index, or moved.
            units, writes = units + write_units(index.project(before), None), writes + 1
        if new is not None:
            units, writes = units + write_units(None, index.project(after)), writes + 1
    return units, writes


def _index_key(item: Mapping[str, Any] | None, names: tuple[str, ...]) -> tuple[str, ...] | None:
    if item is None or any(name not in item for name in names):
        return None
    return tuple(json.dumps(item[name], sort_keys=True) for name in names)


def read_units(items: list[Mapping[str, Any]], *, consistent: bool) -> float:
    units = max(1, math.ceil(sum(item_size(item) for item in items) / READ_UNIT_BYTES))
    return float(units) if consistent else units / 2


@dataclass
class Usage:
    """What calls were billed for: requests by ``service:Operation``; DynamoDB units by operation (the
    table's writes, its indexes' writes and how many index writes they were, reads)."""

    requests: Counter[str] = field(default_factory=Counter)
    write_units: Counter[str] = field(default_factory=Counter)
    index_write_units: Counter[str] = field(default_factory=Counter)
    index_writes: Counter[str] = field(default_factory=Counter)
    read_units: dict[str, float] = field(default_factory=dict)
    overlapped: Counter[str] = field(default_factory=Counter)
    # Time (and CPU time) spent looking items up for the count, which the invocation's must not include.
    lookup_ms: float = 0.0
    lookup_cpu_ms: float = 0.0

    def as_dict(self) -> dict[str, dict[str, float]]:
        return {name: dict(sorted(getattr(self, name).items())) for name in USAGE_FIELDS}


USAGE_FIELDS = ("requests", "write_units", "index_write_units", "index_writes", "read_units", "overlapped")


class RequestMeter:
    """Counts the calls of every client made from an event emitter it is attached to."""

    def __init__(self, lookup: ItemLookup) -> None:
        self._lookup = lookup
        self._usage = Usage()
        self._lock = threading.Lock()
        self._in_flight = 0

    def attach(self, events: Any) -> None:
        """Register on a botocore event emitter (a session's: the clients made from it after this)."""
        events.register("before-call", self._before_call)
        events.register("after-call", self._after_call)
        # After _before_call: the meter's own lookups take no part in a request's wait.
        events.register("before-call", self._leaves)
        events.register("after-call-error", self._landed)

    def take(self) -> Usage:
        """What was counted since the last call, and start again."""
        with self._lock:
            usage, self._usage = self._usage, Usage()
        return usage

    def _leaves(self, model: Any, **_: Any) -> None:
        """A call starts waiting (until its after-call or after-call-error, once whatever its retries)."""
        with self._lock:
            if self._in_flight:
                self._usage.overlapped[f"{model.service_model.service_name}:{model.name}"] += 1
            self._in_flight += 1

    def _landed(self, **_: Any) -> None:
        with self._lock:
            self._in_flight = max(0, self._in_flight - 1)

    def _before_call(self, model: Any, params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        operation = model.name
        if model.service_model.service_name != "dynamodb":
            return
        request = json.loads(params.get("body") or b"{}")
        context["metered_request"] = request
        if operation in (*_WRITES, "BatchWriteItem"):
            context["metered_writes"] = [
                (table, key, new, self._look_up(table, key))
                for table, key, new in _writes_of(operation, request)
            ]

    def _look_up(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            return self._lookup.item(table, key)
        finally:
            with self._lock:
                self._usage.lookup_ms += (time.perf_counter() - started) * 1000
                self._usage.lookup_cpu_ms += (time.process_time() - cpu_started) * 1000

    def _after_call(self, model: Any, http_response: Any, context: Mapping[str, Any], **_: Any) -> None:
        service, operation = model.service_model.service_name, model.name
        with self._lock:
            self._usage.requests[f"{service}:{operation}"] += 1
            self._in_flight = max(0, self._in_flight - 1)
        if service != "dynamodb":
            return
        succeeded = http_response.status_code < 300
        answer = json.loads(http_response.content or b"{}")
        if operation in (*_WRITES, "BatchWriteItem"):
            self._count_writes(operation, context.get("metered_writes", []), succeeded=succeeded)
        elif succeeded and operation in ("GetItem", *_READS):
            self._count_read(operation, context.get("metered_request", {}), answer)
        elif succeeded and operation == "BatchGetItem":
            self._count_batch_read(context.get("metered_request", {}), answer)

    def _count_writes(
        self, operation: str, writes: list[tuple[str, Any, Any, Any]], *, succeeded: bool
    ) -> None:
        units = index_units = index_writes = 0
        for table, key, new, old in writes:
            after = (self._look_up(table, key) if new is _LOOK_UP else new) if succeeded else old
            units += write_units(old, after)
            if succeeded:
                item_units, item_writes = index_write_units(old, after, self._lookup.indexes(table))
                index_units, index_writes = index_units + item_units, index_writes + item_writes
        with self._lock:
            self._usage.write_units[operation] += units
            self._usage.index_write_units[operation] += index_units
            self._usage.index_writes[operation] += index_writes

    def _count_read(self, operation: str, request: Mapping[str, Any], answer: Mapping[str, Any]) -> None:
        items = [answer["Item"]] if "Item" in answer else list(answer.get("Items", []))
        consistent = bool(request.get("ConsistentRead")) and "IndexName" not in request
        units = read_units(items, consistent=consistent)
        with self._lock:
            self._usage.read_units[operation] = self._usage.read_units.get(operation, 0.0) + units

    def _count_batch_read(self, request: Mapping[str, Any], answer: Mapping[str, Any]) -> None:
        units = 0.0
        for table, asked in request.get("RequestItems", {}).items():
            consistent = bool(asked.get("ConsistentRead"))
            items = answer.get("Responses", {}).get(table, [])
            left = answer.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
            missing = len(asked.get("Keys", [])) - len(left) - len(items)
            units += sum(read_units([item], consistent=consistent) for item in items)
            units += missing * read_units([], consistent=consistent)
        with self._lock:
            self._usage.read_units["BatchGetItem"] = self._usage.read_units.get("BatchGetItem", 0.0) + units


# The item after an UpdateItem is known only once it is applied: looked up then.
_LOOK_UP = object()


def _writes_of(operation: str, request: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(table, key, item after or _LOOK_UP or None) of each item a write request touches."""
    table = request.get("TableName", "")
    if operation == "PutItem":
        return [(table, request["Item"], request["Item"])]
    if operation == "UpdateItem":
        return [(table, request["Key"], _LOOK_UP)]
    if operation == "DeleteItem":
        return [(table, request["Key"], None)]
    writes: list[tuple[str, Any, Any]] = []
    for name, requests in request.get("RequestItems", {}).items():
        for entry in requests:
            if "PutRequest" in entry:
                item = entry["PutRequest"]["Item"]
                writes.append((name, item, item))
            else:
                writes.append((name, entry["DeleteRequest"]["Key"], None))
    return writes


class EndpointLookup:
    """:class:`ItemLookup` with a client of its own (a low-level one: wire format), which nothing counts."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._schemas: dict[str, tuple[tuple[str, ...], list[IndexShape]]] = {}

    def item(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        names, _ = self._schema(table)
        answer = self._client.get_item(
            TableName=table, Key={name: key[name] for name in names}, ConsistentRead=True
        )
        item: dict[str, Any] | None = answer.get("Item")
        return item

    def indexes(self, table: str) -> list[IndexShape]:
        return self._schema(table)[1]

    def _schema(self, table: str) -> tuple[tuple[str, ...], list[IndexShape]]:
        if table not in self._schemas:
            description = self._client.describe_table(TableName=table)["Table"]
            keys = _key_names(description["KeySchema"])
            self._schemas[table] = (
                keys,
                [_index_shape(index, keys) for index in description.get("GlobalSecondaryIndexes", [])],
            )
        return self._schemas[table]


def _index_shape(index: Mapping[str, Any], table_keys: tuple[str, ...]) -> IndexShape:
    keys = _key_names(index["KeySchema"])
    projection = index.get("Projection", {})
    if projection.get("ProjectionType", "ALL") == "ALL":
        return IndexShape(keys)
    return IndexShape(keys, frozenset((*table_keys, *keys, *projection.get("NonKeyAttributes", []))))


def _key_names(schema: list[Mapping[str, str]]) -> tuple[str, ...]:
    return tuple(element["AttributeName"] for element in schema)


class EnvironmentMeter:
    """One execution environment's record: a JSON line per invocation, appended to ``path``."""

    def __init__(self, path: Path, meter: RequestMeter) -> None:
        self._path = path
        self._meter = meter
        self._log_offset = 0
        self._cpu_started = 0.0

    @classmethod
    def install(cls, path: Path, events: Any) -> EnvironmentMeter:
        """A meter on ``events`` (the emitter of the session the handler's clients come from), looking
        items up on the endpoint of the environment (``AWS_ENDPOINT_URL``) with a session of its own."""
        import botocore.session

        lookup = EndpointLookup(botocore.session.get_session().create_client("dynamodb"))
        meter = RequestMeter(lookup)
        meter.attach(events)
        return cls(path, meter)

    def begin(self) -> None:
        self._meter.take()  # what init did is not an invocation's
        self._log_offset = _log_bytes()
        self._cpu_started = time.process_time()

    def end(self, event: Any, duration_ms: float) -> None:
        """Record the invocation; its duration and CPU time without the meter's own lookups (on a
        shared machine the duration also holds waits for a core, which the CPU time does not)."""
        cpu_ms = (time.process_time() - self._cpu_started) * 1000
        records = event.get("Records", []) if isinstance(event, Mapping) else []
        usage = self._meter.take()
        line = {
            "duration_ms": round(max(0.0, duration_ms - usage.lookup_ms), 3),
            "cpu_ms": round(max(0.0, cpu_ms - usage.lookup_cpu_ms), 3),
            "lookup_ms": round(usage.lookup_ms, 3),
            "log_bytes": _log_bytes() - self._log_offset,
            "event_records": len(records) if isinstance(records, list) else 0,
            **usage.as_dict(),
        }
        with self._path.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(line) + "\n")


def _log_bytes() -> int:
    """The size of the log stream so far (stdout and stderr go to one file per environment)."""
    sys.stdout.flush()
    sys.stderr.flush()
    return os.fstat(sys.stdout.fileno()).st_size
