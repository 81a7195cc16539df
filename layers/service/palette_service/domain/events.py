"""S3 event notifications -> plain values: decoded keys, bare ETags, comparable sequencers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event

from palette_service.domain.keys import is_input_key
from palette_service.domain.ports import ObjectHead
from palette_service.domain.records import StillKey, StillRecord
from palette_service.settings import ServiceSettings

SEQUENCER_WIDTH = 32
_HEX_DIGITS = frozenset("0123456789ABCDEF")


def normalize_sequencer(raw: str | None) -> str:
    """An S3 event sequencer as a fixed-width, upper-case hex string.

    S3 sequencers of one key are ordered when the shorter is right-padded with zeros and the two are
    compared as strings; padding every one to the same width up front lets DynamoDB compare them
    with ``<`` in a condition expression. A missing or malformed sequencer sorts as the oldest.
    """
    text = (raw or "").strip().upper()
    if not text or not set(text) <= _HEX_DIGITS:
        text = ""
    return text.ljust(max(SEQUENCER_WIDTH, len(text)), "0")


def bare_etag(etag: str) -> str:
    """An ETag without the quotes HeadObject puts around it (events carry it bare)."""
    return etag.strip().strip('"')


@dataclass(frozen=True)
class ObjectEvent:
    """One record of an S3 event: which object version it is about, and where it sits in order."""

    bucket: str
    key: str
    event_name: str
    etag: str
    version_id: str | None
    sequencer: str
    size: int | None

    @property
    def is_creation(self) -> bool:
        return self.event_name.startswith("ObjectCreated:")

    @property
    def is_removal(self) -> bool:
        return self.event_name.startswith("ObjectRemoved:")

    @property
    def removes_one_version(self) -> bool:
        """A permanent delete of one version (``ObjectRemoved:Delete`` naming a version id), which may
        not be the current one; a delete marker (or a delete in an unversioned bucket) removes the key."""
        return self.event_name == "ObjectRemoved:Delete" and self.version_id is not None


def parse_s3_event(event: Mapping[str, Any]) -> list[ObjectEvent]:
    """Every record of an S3 notification, each key URL-decoded (S3 encodes keys as form values).

    An event without records (the ``s3:TestEvent`` S3 sends when a notification is configured)
    gives an empty list.
    """
    if not event.get("Records"):
        return []
    records = []
    for record in S3Event(dict(event)).records:
        s3_object = record.s3.get_object
        raw_size = s3_object.get("size")
        records.append(
            ObjectEvent(
                bucket=record.s3.bucket.name,
                key=unquote_plus(s3_object.key),
                event_name=record.event_name,
                etag=bare_etag(s3_object.etag),
                version_id=s3_object.version_id or None,
                sequencer=normalize_sequencer(s3_object.get("sequencer")),
                size=int(raw_size) if raw_size is not None else None,
            )
        )
    return records


def not_a_still_upload(object_event: ObjectEvent, settings: ServiceSettings) -> str:
    """Why the record is not an upload of a still (another bucket, not an upload, outside the input
    prefix), or ``""`` when it is."""
    if not object_event.is_creation:
        return f"{object_event.event_name} is not an upload"
    return not_a_still_change(object_event, settings)


def not_a_still_change(object_event: ObjectEvent, settings: ServiceSettings) -> str:
    """Why the record is none of the extraction's business (another bucket, neither an upload nor a
    removal, outside the input prefix), or ``""`` when it is."""
    if object_event.bucket != settings.stills_bucket:
        return f"bucket {object_event.bucket!r} is not the stills bucket"
    if not (object_event.is_creation or object_event.is_removal):
        return f"{object_event.event_name} neither uploads nor removes a still"
    if not is_input_key(object_event.key, settings.input_prefix):
        return f"outside {settings.input_prefix!r}"
    return ""


def record_of_event(
    still: StillKey, object_event: ObjectEvent, updated_at: str, **outcome: Any
) -> StillRecord:
    """The record of ``outcome`` (its status and fields) for the event's object version."""
    return StillRecord(
        still=still,
        key=object_event.key,
        etag=object_event.etag,
        sequencer=object_event.sequencer,
        updated_at=updated_at,
        version_id=object_event.version_id,
        **outcome,
    )


def event_of_version(
    bucket: str, key: str, head: ObjectHead, *, event_name: str, sequencer: str
) -> ObjectEvent:
    """An upload event of the object version ``head`` describes (pinned to its version id and ETag),
    placed at ``sequencer`` in the key's order: a version the service processes without its own event."""
    return ObjectEvent(
        bucket=bucket,
        key=key,
        event_name=event_name,
        etag=head.etag,
        version_id=head.version_id,
        sequencer=sequencer,
        size=head.size,
    )
