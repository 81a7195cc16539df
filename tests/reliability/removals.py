"""Removals for the reliability tests: deletes on the moto bucket, the S3 events they send, their steps.

S3 sends a removal record with the key, the version id (of the delete marker, or of the version
deleted) and a sequencer larger than the key's earlier events, and no ``size`` or ``eTag``
(local/s3_events.py sends the same); :func:`removal_event` builds exactly that.
"""

from __future__ import annotations

from typing import Any

from tests.events import S3Object
from tests.functions.conftest import Uploader, next_sequencer
from tests.reliability.faults import Step

DELETE_MARKER_CREATED = "ObjectRemoved:DeleteMarkerCreated"
VERSION_DELETED = "ObjectRemoved:Delete"

# The calls of one removal of a DONE still, in order (see palette_service.domain.removal).
REMOVAL_STEPS = (
    Step("read the item", "dynamodb", "get_item", 1),
    Step("read the item again", "dynamodb", "get_item", 2),
    Step("write the tombstone", "dynamodb", "update_item", 1),
    Step("head the palette JSON", "s3", "head_object", 1),
    Step("delete the palette JSON", "s3", "delete_object", 1),
    Step("head the swatch", "s3", "head_object", 2),
    Step("delete the swatch", "s3", "delete_object", 2),
)
REMOVAL_STEPS_BY_NAME = {step.name: step for step in REMOVAL_STEPS}


def delete_still(uploader: Uploader, key: str, *, version_ids: bool = True) -> S3Object:
    """Delete ``key`` (a delete marker in the versioned bucket): the removal its event names."""
    response = uploader.s3.delete_object(Bucket=uploader.bucket, Key=key)
    return S3Object(
        key=key,
        etag="",
        size=0,
        sequencer=next_sequencer(),
        version_id=response.get("VersionId") if version_ids else None,
        event_name=DELETE_MARKER_CREATED,
    )


def delete_version(uploader: Uploader, upload: S3Object) -> S3Object:
    """Permanently delete the version ``upload`` made: the removal its event names."""
    assert upload.version_id is not None
    uploader.s3.delete_object(Bucket=uploader.bucket, Key=upload.key, VersionId=upload.version_id)
    return S3Object(
        key=upload.key,
        etag="",
        size=0,
        sequencer=next_sequencer(),
        version_id=upload.version_id,
        event_name=VERSION_DELETED,
    )


def is_removal(change: S3Object) -> bool:
    return change.event_name.startswith("ObjectRemoved:")


def change_event(uploader: Uploader, *changes: S3Object) -> dict[str, Any]:
    """The S3 notification of ``changes`` (uploads or removals), each record as S3 writes it."""
    event = uploader.event(*changes)
    for record, change in zip(event["Records"], changes, strict=True):
        if is_removal(change):
            record["s3"]["object"].pop("size", None)
            record["s3"]["object"].pop("eTag", None)
    return event


def removal_event(uploader: Uploader, *removals: S3Object) -> dict[str, Any]:
    assert all(is_removal(removal) for removal in removals)
    return change_event(uploader, *removals)
