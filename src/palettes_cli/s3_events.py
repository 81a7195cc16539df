"""S3 event notifications as S3 sends them, one record per object version. Standard library only.

The one builder of these events: ``palettes backfill`` sends them to the extract function, and the
tests (tests/events.py) feed them to the handlers. Keys are encoded as S3 encodes them, as form
values: ``+`` for a space, ``/`` kept, everything else percent-encoded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote_plus


@dataclass(frozen=True)
class S3Object:
    """What an S3 notification says about one object version."""

    key: str
    etag: str
    size: int
    sequencer: str
    version_id: str | None = None
    event_name: str = "ObjectCreated:Put"


def s3_event(
    bucket: str,
    objects: Iterable[S3Object],
    *,
    region: str,
    requester: str,
    event_time: datetime | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """A notification with one record per object; ``requester`` names who sent it (ids included)."""
    moment = (event_time or datetime.now(UTC)).astimezone(UTC)
    stamp = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {
        "Records": [
            _record(bucket, s3_object, region=region, requester=requester, stamp=stamp, source_ip=source_ip)
            for s3_object in objects
        ]
    }


def _record(
    bucket: str, s3_object: S3Object, *, region: str, requester: str, stamp: str, source_ip: str
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "key": quote_plus(s3_object.key, safe="/"),
        "size": s3_object.size,
        "eTag": s3_object.etag,
        "sequencer": s3_object.sequencer,
    }
    if s3_object.version_id is not None:
        entry["versionId"] = s3_object.version_id
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": region,
        "eventTime": stamp,
        "eventName": s3_object.event_name,
        "userIdentity": {"principalId": requester},
        "requestParameters": {"sourceIPAddress": source_ip},
        "responseElements": {"x-amz-request-id": requester, "x-amz-id-2": requester},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": requester,
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": requester},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": entry,
        },
    }
