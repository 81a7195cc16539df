"""The measured counts of a load test, for the cost model (``bench/cost.py``, ``make cost``).

``python -m scripts.load_test --counts out/load-counts.json`` runs the local stack metered
(``local.metering``): every invocation of every function records its AWS requests, DynamoDB request
units, duration, log bytes and event records. After the stills are checked, :func:`read_api` makes
API reads through the local API Gateway, and :func:`measure_storage` weighs what the stack keeps per
still. :func:`function_usage` then sums each function's records. The counts are totals; the cost
model divides them by the stills (processing) or the reads (serving).
"""

from __future__ import annotations

import json
import math
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import quote

from local.metering import USAGE_FIELDS, EndpointLookup, item_size

# DynamoDB adds 100 bytes of overhead to each item it stores, and to each copy in an index.
ITEM_OVERHEAD_BYTES = 100
# The API reads made per cycle: what a viewer of a film does (documents, swatches, the listing, the film).
API_READ_CYCLE = ("document", "swatch", "document", "listing", "document", "swatch", "document", "film")


def read_api(stack: Any, items: list[dict[str, Any]], reads: int) -> dict[str, Any]:
    """``reads`` GETs through the local API, cycling :data:`API_READ_CYCLE` over the DONE stills."""
    done = [item for item in items if item.get("status") == "DONE"]
    routes: Counter[str] = Counter()
    response_bytes = failures = 0
    for index in range(reads if done else 0):
        route = API_READ_CYCLE[index % len(API_READ_CYCLE)]
        item = done[index % len(done)]
        film, name = quote(str(item["film"]), safe=""), quote(str(item["name"]), safe="")
        path = {
            "document": f"/palettes/{film}/{name}",
            "swatch": f"/palettes/{film}/{name}/swatch",
            "listing": f"/palettes?prefix={film}/&limit=20",
            "film": f"/films/{film}",
        }[route]
        request = urllib.request.Request(  # noqa: S310 - the local API's http URL
            stack.api_url + path, headers={"x-api-key": stack.api_key, "Accept": "*/*"}
        )
        body = _read_once_more_on_a_network_error(request)
        if body is None:
            failures += 1
        else:
            response_bytes += len(body)
        routes[route] += 1
    return {
        "reads": sum(routes.values()),
        "failed": failures,
        "routes": dict(routes),
        "response_bytes": response_bytes,
    }


def _read_once_more_on_a_network_error(request: urllib.request.Request) -> bytes | None:
    """The body of a GET through the local API, tried twice: on a shared machine a read can time out
    or lose its connection (should the first try have reached the function, its requests are counted
    twice: one read in hundreds). ``None`` when both tries fail."""
    for _ in range(2):
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the local API
                return bytes(response.read())
        except OSError:
            continue
    return None


def measure_storage(stack: Any) -> dict[str, dict[str, int]]:
    """Bytes the stack keeps: every object version outside the input prefix, by top folder, and every
    table item (with DynamoDB's overhead) by kind, plus the copies in the newest-first index."""
    s3 = stack.client("s3")
    objects: Counter[str] = Counter()
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=stack.bucket):
        for version in page.get("Versions", []):
            if not str(version["Key"]).startswith(stack.input_prefix):
                objects[str(version["Key"]).split("/", 1)[0] + "/"] += int(version["Size"])
    table_bytes: Counter[str] = Counter()
    documents = Counter[str]()
    dynamodb = stack.client("dynamodb")
    (newest,) = EndpointLookup(dynamodb).indexes(stack.table_name)
    for page in dynamodb.get_paginator("scan").paginate(TableName=stack.table_name):
        for item in page.get("Items", []):
            size = item_size(item) + ITEM_OVERHEAD_BYTES
            table_bytes[_item_kind(item)] += size
            if all(name in item for name in newest.keys):
                # What the index projects of the item (INCLUDE: the listings' fields).
                table_bytes["ByFilmNewest index copies"] += (
                    item_size(newest.project(item)) + ITEM_OVERHEAD_BYTES
                )
            if _item_kind(item) == "still items" and "document" in item:
                documents["items"] += 1
                documents["bytes"] += item_size({"document": item["document"]})
    return {
        "s3_bytes": dict(sorted(objects.items())),
        "dynamodb_bytes": dict(sorted(table_bytes.items())),
        "still_item_documents": dict(documents),
    }


def _item_kind(item: dict[str, Any]) -> str:
    pk, sk = item["pk"]["S"], item["sk"]["S"]
    if pk.startswith("COLOR#"):
        return "colour index entries"
    if sk.startswith("STILL#"):
        return "still items"
    if sk.startswith("INDEX#"):
        return "colour index manifests"
    return "film items"


def function_usage(log_group: Path) -> dict[str, Any]:
    """The sum of a function's invocation records (``environment-N.usage.jsonl``); duration is billed
    in whole milliseconds, rounded up. ``info_log_bytes``: the part of the log that INFO lines are."""
    totals: dict[str, Any] = {
        "invocations": 0,
        "billed_ms": 0,
        "cpu_ms": 0,
        "log_bytes": 0,
        "event_records": 0,
    }
    counters: dict[str, Counter[str]] = {name: Counter() for name in USAGE_FIELDS}
    for path in sorted(log_group.glob("*.usage.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            totals["invocations"] += 1
            totals["billed_ms"] += math.ceil(record["duration_ms"])
            totals["cpu_ms"] += math.ceil(record["cpu_ms"])
            totals["log_bytes"] += record["log_bytes"]
            totals["event_records"] += record["event_records"]
            for name in USAGE_FIELDS:
                counters[name].update(record[name])
    totals["info_log_bytes"] = sum(
        len(line) + 1
        for path in log_group.glob("*.log")
        for line in path.read_bytes().splitlines()
        if b'"level":"INFO"' in line
    )
    return totals | {name: dict(sorted(counter.items())) for name, counter in counters.items()}


def write_counts(
    path: Path,
    *,
    run: dict[str, Any],
    log_dir: Path,
    functions: list[str],
    storage: dict[str, Any],
    api: dict[str, Any],
) -> None:
    counts = {
        "run": run,
        "functions": {name: function_usage(log_dir / name) for name in functions},
        "storage": storage,
        "api": api,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
