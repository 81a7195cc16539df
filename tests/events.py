"""Test events built from the sample events in events/ (the files `sam local invoke -e` takes).

The samples give the envelope; the builders fill in what a test is about (object keys encoded the
way S3 encodes them, ETags, versions and sequencers; API paths encoded the way a client sends them).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

EVENTS = Path(__file__).resolve().parents[1] / "events"


@cache
def _read(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of ``events/<name>.json``."""
    return copy.deepcopy(_read(name))


@dataclass(frozen=True)
class S3Object:
    """What an S3 notification says about one object version."""

    key: str
    etag: str
    size: int
    sequencer: str
    version_id: str | None = None
    event_name: str = "ObjectCreated:Put"


def s3_event(bucket: str, *objects: S3Object) -> dict[str, Any]:
    """An S3 notification with one record per object, keys encoded as S3 encodes them."""
    template = load_event("s3-put")["Records"][0]
    records = []
    for s3_object in objects:
        record = copy.deepcopy(template)
        record["eventName"] = s3_object.event_name
        record["s3"]["bucket"]["name"] = bucket
        record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
        entry = {
            "key": quote_plus(s3_object.key, safe="/"),
            "size": s3_object.size,
            "eTag": s3_object.etag,
            "sequencer": s3_object.sequencer,
        }
        if s3_object.version_id is not None:
            entry["versionId"] = s3_object.version_id
        record["s3"]["object"] = entry
        records.append(record)
    return {"Records": records}


def api_event(
    path: str,
    query: dict[str, str] | None = None,
    *,
    resource: str | None = None,
    sample: str = "api-get-palette",
) -> dict[str, Any]:
    """A REST API (v1 payload) GET event for ``path`` (already percent-encoded, as API Gateway passes it)."""
    event = load_event(sample)
    event["path"] = path
    event["httpMethod"] = "GET"
    event["resource"] = resource or path
    event["queryStringParameters"] = dict(query) if query else None
    event["multiValueQueryStringParameters"] = (
        {name: [value] for name, value in query.items()} if query else None
    )
    event["pathParameters"] = None
    event["requestContext"]["path"] = f"/{event['requestContext'].get('stage', 'v1')}{path}"
    event["requestContext"]["resourcePath"] = event["resource"]
    event["requestContext"]["httpMethod"] = "GET"
    return event


def palette_path(film: str, name: str, suffix: str = "") -> str:
    """The API path of a still, each segment percent-encoded like a browser or curl sends it."""
    return f"/palettes/{quote(film, safe='')}/{quote(name, safe='')}{suffix}"
