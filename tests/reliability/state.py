"""What a still's state is (its item, its output objects) and the checks that it is complete and consistent
(or, once removed, that nothing of it is left but its tombstone); and that a film is as built from scratch.

"Complete and consistent" for a still whose newest upload is ``upload``: exactly one item, for that
version (ETag, sequencer, version id), and, when it is DONE, the palette JSON and swatch PNG it names
(key and S3 version id) both exist and both carry that version in their
``source-sequencer``/``source-etag`` metadata, the JSON being the item's document; and the current
objects at those keys are those same versions' bytes, for readers of the bucket itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from palette_service.data.items import record_from_item
from palette_service.domain.aggregation import AggregationServices, build_film, read_stills
from palette_service.domain.events import normalize_sequencer
from palette_service.domain.films import FilmRecord
from palette_service.domain.outputs import SOURCE_ETAG, SOURCE_SEQUENCER
from palette_service.domain.records import PendingVersion, StillKey, StillRecord, StillStatus
from palette_service.settings import ServiceSettings
from tests.events import S3Object

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class OutputObject:
    key: str
    sequencer: str
    etag: str
    body: bytes


@dataclass(frozen=True)
class StillState:
    """A still's items and outputs: ``palette``/``swatch`` are the object versions its item names (the
    current objects when it names none), ``current`` the current objects at the output keys."""

    records: list[StillRecord]
    palette: OutputObject | None
    swatch: OutputObject | None
    current: tuple[OutputObject | None, OutputObject | None]

    @property
    def record(self) -> StillRecord | None:
        assert len(self.records) <= 1, f"{len(self.records)} items for one still"
        return self.records[0] if self.records else None

    @property
    def outputs(self) -> list[OutputObject]:
        return [output for output in (self.palette, self.swatch) if output is not None]


def read_output(s3: Any, bucket: str, key: str, version_id: str | None = None) -> OutputObject | None:
    try:
        response = s3.get_object(Bucket=bucket, Key=key, **({"VersionId": version_id} if version_id else {}))
    except ClientError as error:
        if error.response["Error"]["Code"] in ("NoSuchKey", "NoSuchVersion"):
            return None
        raise
    metadata = response.get("Metadata", {})
    return OutputObject(
        key=key,
        sequencer=metadata.get(SOURCE_SEQUENCER, ""),
        etag=metadata.get(SOURCE_ETAG, ""),
        body=response["Body"].read(),
    )


def all_records(table: Any) -> list[StillRecord]:
    items: list[dict[str, Any]] = []
    arguments: dict[str, Any] = {"ConsistentRead": True}
    while True:
        page = table.scan(**arguments)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            break
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    return [record_from_item(item) for item in items]


def read_state(s3: Any, table: Any, settings: ServiceSettings, still: StillKey) -> StillState:
    records = [record for record in all_records(table) if record.still == still]
    bucket = settings.stills_bucket
    palette_key = still.palette_key(settings.palette_prefix)
    swatch_key = still.swatch_key(settings.swatch_prefix)
    current = (read_output(s3, bucket, palette_key), read_output(s3, bucket, swatch_key))
    named = records[0] if len(records) == 1 else None
    if named is None:
        return StillState(records=records, palette=current[0], swatch=current[1], current=current)
    return StillState(
        records=records,
        palette=read_output(s3, bucket, palette_key, named.palette_version_id),
        swatch=read_output(s3, bucket, swatch_key, named.swatch_version_id),
        current=current,
    )


def _version_of(upload: S3Object) -> tuple[str, str, str | None]:
    return upload.etag, normalize_sequencer(upload.sequencer), upload.version_id


def describes(record: StillRecord, upload: S3Object) -> bool:
    return (record.etag, record.sequencer, record.version_id) == _version_of(upload)


def describes_pending(pending: PendingVersion, upload: S3Object) -> bool:
    return (pending.etag, pending.sequencer, pending.version_id) == _version_of(upload)


def assert_outputs_match_record(state: StillState) -> None:
    """The objects a DONE item names exist and were made from the item's version."""
    record = state.record
    assert record is not None and record.status is StillStatus.DONE
    assert state.palette is not None and state.palette.key == record.palette_key, "palette JSON missing"
    assert state.swatch is not None and state.swatch.key == record.swatch_key, "swatch missing"
    for output in state.outputs:
        assert (output.sequencer, output.etag) == (record.sequencer, record.etag), (
            f"{output.key} was made from version {output.sequencer}/{output.etag}, "
            f"the item is version {record.sequencer}/{record.etag}"
        )
    assert json.loads(state.palette.body) == record.document
    assert state.swatch.body.startswith(PNG_SIGNATURE)


def assert_current_outputs_are_the_named_ones(state: StillState) -> None:
    """Reading the output keys without a version gives what the item names (same source, same bytes)."""
    for named, current in zip((state.palette, state.swatch), state.current, strict=True):
        assert named is not None and current is not None
        assert (current.sequencer, current.etag, current.body) == (named.sequencer, named.etag, named.body), (
            f"the current {current.key} was made from {current.sequencer}/{current.etag}, "
            f"the item's from {named.sequencer}/{named.etag}"
        )


def assert_complete_and_consistent(state: StillState, newest: S3Object, *, done: bool = True) -> None:
    """One item, for the newest upload; DONE with its own outputs (or FAILED when ``done`` is false)."""
    record = state.record
    assert record is not None, "no item"
    assert describes(record, newest), f"the item is {record.etag}/{record.sequencer}, not the newest upload"
    if done:
        assert record.status is StillStatus.DONE, f"{record.status}: {record.reason}"
        assert_outputs_match_record(state)
        assert_current_outputs_are_the_named_ones(state)
    else:
        assert record.status is StillStatus.FAILED
        assert record.reason and record.error


def assert_removed(state: StillState, removal: S3Object) -> None:
    """One item, the removal's DELETED tombstone (its sequencer, no document, no outputs named), and
    nothing left at the output keys: a removed still leaves no palette JSON and no swatch behind."""
    record = state.record
    assert record is not None, "no tombstone"
    assert record.status is StillStatus.DELETED, (
        f"{record.status} {record.etag}/{record.sequencer}: not removed"
    )
    assert record.sequencer == normalize_sequencer(removal.sequencer), (
        f"the tombstone is {record.sequencer}, not the removal {normalize_sequencer(removal.sequencer)}"
    )
    assert record.document is None and record.palette_key is None and record.swatch_key is None
    left = [output for output in state.current if output is not None]
    assert left == [], "left behind: " + ", ".join(
        f"{output.key} made from {output.sequencer}/{output.etag}" for output in left
    )


def assert_newest(state: StillState, newest: S3Object, *, done: bool = True) -> None:
    """The end state the newest change of a still calls for: removed, or complete and consistent."""
    if newest.event_name.startswith("ObjectRemoved:"):
        assert_removed(state, newest)
    else:
        assert_complete_and_consistent(state, newest, done=done)


def assert_film_built_from_scratch(film: str, services: AggregationServices) -> FilmRecord:
    """The film's stored aggregate is the one built from scratch from its stills as they are now
    (counts, palette document, ``updated_at``); the stored aggregate."""
    stored = services.films.get_film(film)
    expected, _ = build_film(film, 0, read_stills(film, services))
    assert stored is not None, f"no aggregate of {film!r}"
    assert (stored.counts, stored.document, stored.updated_at) == (
        expected.counts,
        expected.document,
        expected.updated_at,
    )
    return stored
