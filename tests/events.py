"""Test events for the handlers, made the way the real senders make them.

API Gateway events take their envelope from the samples in events/ (the files `sam local invoke -e`
takes) and their paths from the API's routes, percent-encoded as a client sends them. S3
notifications come from the one S3 event builder (``palettes_cli.s3_events``, which ``palettes
backfill`` sends), with the region, sender and time of events/s3-put.json: keys encoded as S3
encodes them, ETags, versions and sequencers as each test says.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from palette_service.web.routes import still_path
from palettes_cli.s3_events import S3Object
from palettes_cli.s3_events import s3_event as build_s3_event

__all__ = ["EVENTS", "S3Object", "api_event", "load_event", "palette_path", "s3_event"]

EVENTS = Path(__file__).resolve().parents[1] / "events"


@cache
def _read(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return event


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of ``events/<name>.json``."""
    return copy.deepcopy(_read(name))


def s3_event(bucket: str, *objects: S3Object) -> dict[str, Any]:
    """An S3 notification with one record per object, keys encoded as S3 encodes them.

    Built by the one builder the backfill uses too; the sample gives the region, sender and time.
    """
    sample = _read("s3-put")["Records"][0]
    return build_s3_event(
        bucket,
        objects,
        region=sample["awsRegion"],
        requester=sample["userIdentity"]["principalId"],
        event_time=datetime.fromisoformat(sample["eventTime"]),
        source_ip=sample["requestParameters"]["sourceIPAddress"],
    )


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
    return still_path(film, name) + suffix
