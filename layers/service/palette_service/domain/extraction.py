"""An S3 upload event -> the still's palette JSON and swatch PNG in S3, then its item in DynamoDB.

Guarantees, given S3's at-least-once, unordered delivery:

* claim, outputs, item: the version claims the item (a conditional write naming it as pending)
  before writing its outputs, and records itself last. A DONE item names the exact object versions
  of its outputs (S3 version ids), so what the API serves always matches its document; a version
  whose event ends in the failure queue after its claim is named by the item as pending, with the
  time of its last attempt;
* an item only moves to a newer object version (S3 sequencer order, conditional writes): a late
  event for an older version changes nothing, and a re-delivered event is skipped before download;
* the current objects at the output keys end as the recorded version's even when two versions
  interleave (see :func:`_repair_outputs` and the contended claim in :func:`_publish`);
* a bad still (unreadable image, bad option, object too large, bad key layout) becomes a FAILED
  item with its reason and is not raised; anything else (throttling, 5xx, network) propagates so
  Lambda retries the event, and skipping makes the retry cheap for the records already done.

docs/reliability.md walks through the order of writes and the interleavings it covers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

import palettes
from palette_service.domain.events import ObjectEvent, not_a_still_change, parse_s3_event, record_of_event
from palette_service.domain.keys import InvalidKeyLayoutError, still_of
from palette_service.domain.outcomes import Outcome, StillOutcome
from palette_service.domain.outputs import SOURCE_ETAG, SOURCE_SEQUENCER
from palette_service.domain.ports import ObjectVersion, StillRepository, StillStore
from palette_service.domain.records import (
    PendingVersion,
    StillKey,
    StillRecord,
    StillStatus,
    format_timestamp,
    utc_now,
)
from palette_service.domain.removal import remove_outputs, remove_still, state_after_version_deleted
from palette_service.domain.timeline import FilmPosition, position_from_metadata
from palette_service.errors import (
    ObjectTooLargeError,
    PermanentStillError,
    StaleEventError,
)
from palette_service.observability import capture_method, logger
from palette_service.settings import ServiceSettings
from palettes import ExtractParams, PaletteError
from palettes.exports import MEDIA_TYPES, export_document

_OPTION_NAMES = frozenset(field.name for field in fields(ExtractParams))


@dataclass(frozen=True)
class ExtractionServices:
    """What the extraction needs, built once per cold start by the handler (or by a test)."""

    settings: ServiceSettings
    storage: StillStore
    repository: StillRepository
    clock: Callable[[], datetime] = utc_now


def process_s3_event(event: Mapping[str, Any], services: ExtractionServices) -> list[StillOutcome]:
    """Process every record of an S3 notification, in order; see the module docstring."""
    outcomes = []
    try:
        for object_event in parse_s3_event(event):
            logger.append_keys(key=object_event.key)
            logger.set_correlation_id(object_event.key)
            outcome = process_object_event(object_event, services)
            logger.info("still handled", extra={"outcome": outcome.outcome.value, "detail": outcome.detail})
            outcomes.append(outcome)
    finally:
        logger.remove_keys(["key"])
    return outcomes


def params_from_metadata(metadata: Mapping[str, str]) -> ExtractParams:
    """Extraction options from S3 user metadata (``k``, ``method``, ``min-brightness``, ...).

    Other metadata is the uploader's business and is ignored; a bad value of a known option raises
    :class:`palettes.InvalidParameterError`.
    """
    options = {
        name: value
        for name, value in metadata.items()
        if name.strip().lower().replace("-", "_") in _OPTION_NAMES
    }
    return ExtractParams.from_strings(options)


@capture_method
def process_object_event(object_event: ObjectEvent, services: ExtractionServices) -> StillOutcome:
    """Process one record; see the module docstring."""
    return _process(object_event, services, repair=False)


def _process(object_event: ObjectEvent, services: ExtractionServices, *, repair: bool) -> StillOutcome:
    """``repair`` redoes a recorded version (see :func:`_repair_outputs`): no skip, no further repair."""
    target = _still_to_process(object_event, services, repair=repair)
    if isinstance(target, StillOutcome):
        return target
    if not object_event.is_removal:
        return _process_upload(target, object_event, services, repair=repair)
    existing = services.repository.get(target)
    if object_event.removes_one_version:
        # What a permanent delete leaves is S3's current version, whatever the item records.
        current = services.storage.current(object_event.key)
        state = state_after_version_deleted(object_event, existing, current)
        if isinstance(state, StillOutcome):
            return state
        if state is not None:
            logger.info(
                "a version was deleted: processing the current one", extra={"version": state.version_id}
            )
            return _process_upload(target, state, services, repair=repair)
    return remove_still(
        target,
        object_event,
        repository=services.repository,
        storage=services.storage,
        output_keys=_output_keys(target, services.settings),
        updated_at=format_timestamp(services.clock()),
    )


def _process_upload(
    target: StillKey, object_event: ObjectEvent, services: ExtractionServices, *, repair: bool
) -> StillOutcome:
    """Extract the event's version, then claim, write the outputs and record it (or its failure)."""
    started = time.perf_counter()
    try:
        result = _extract(object_event, services)
    except StaleEventError as error:
        return StillOutcome(object_event.key, Outcome.SKIPPED, str(error))
    except _StillFailed as failure:
        return _record_failure(target, object_event, failure.error, services, params=failure.params)
    outcome = _publish(target, object_event, result, services, repair=repair)
    if outcome.outcome is Outcome.PROCESSED:
        return replace(outcome, duration_ms=(time.perf_counter() - started) * 1000)
    return outcome


def _still_to_process(
    object_event: ObjectEvent, services: ExtractionServices, *, repair: bool
) -> StillKey | StillOutcome:
    """The still this record is about, or its outcome already when there is no work to do.

    A key with a bad layout is recorded as FAILED when it names an item, skipped otherwise.
    """
    key = object_event.key
    if reason := not_a_still_change(object_event, services.settings):
        return StillOutcome(key, Outcome.SKIPPED, reason)
    layout_error: InvalidKeyLayoutError | None = None
    try:
        still = still_of(key, services.settings)
    except InvalidKeyLayoutError as error:
        if error.still is None:
            logger.warning("object key cannot name a still; not recorded", extra={"reason": str(error)})
            return StillOutcome(key, Outcome.SKIPPED, error.code)
        layout_error, still = error, error.still
    existing = services.repository.get(still)
    if not repair and (stale := _already_recorded(existing, object_event)):
        if existing is not None and existing.sequencer > object_event.sequencer:
            # This may be the retry of an event that lost to a newer version after overwriting its
            # outputs, and whose repair was cut short: finish the repair (two HEADs) before skipping.
            _repair_outputs(still, object_event, services)
        return StillOutcome(key, Outcome.SKIPPED, stale)
    if layout_error is not None:
        if object_event.is_removal:
            return StillOutcome(key, Outcome.SKIPPED, layout_error.code)
        return _record_failure(still, object_event, layout_error, services, params=None)
    return still


@dataclass(frozen=True)
class _Extraction:
    document: dict[str, Any]
    swatch: bytes
    params: ExtractParams
    size: int
    summary: bytes | None
    position: FilmPosition | None


class _StillFailed(Exception):
    """A permanent failure, with the options in force when it happened (if they were read)."""

    def __init__(self, error: PermanentStillError | PaletteError, params: ExtractParams | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.params = params


def _extract(object_event: ObjectEvent, services: ExtractionServices) -> _Extraction:
    """Read the event's object version in one GET (its body unread when too large) and make its palette."""
    version = ObjectVersion(key=object_event.key, etag=object_event.etag, version_id=object_event.version_id)
    limit = services.settings.max_object_bytes
    params: ExtractParams | None = None
    try:
        still = services.storage.fetch(version, max_bytes=limit)
        head = still.head
        if still.body is None:
            raise ObjectTooLargeError(f"the object is {head.size} bytes; the limit is {limit} bytes")
        params = params_from_metadata(head.metadata)
        position = position_from_metadata(head.metadata)
        palette = palettes.extract(still.body, **params.as_kwargs(), source_key=object_event.key)
        document = palette.to_dict()
        document["source"]["version_id"] = object_event.version_id  # which upload the palette is of
        return _Extraction(
            document=document,
            # The ETag of a PUT is the MD5 of its bytes: the version id in the document and the sequencer
            # in the swatch make each upload's outputs unique, so a removal's conditional delete (by
            # ETag) never matches a newer upload's.
            swatch=palettes.render_swatch(palette, text={SOURCE_SEQUENCER: object_event.sequencer}),
            params=params,
            size=head.size,
            summary=None if palette.summary is None else palette.summary.to_bytes(),
            position=position,
        )
    except (PermanentStillError, PaletteError) as error:
        raise _StillFailed(error, params) from error


def _publish(
    still: StillKey,
    object_event: ObjectEvent,
    result: _Extraction,
    services: ExtractionServices,
    *,
    repair: bool,
) -> StillOutcome:
    """Claim the item, write the outputs, record the item; unless a newer version is recorded or claimed."""
    key = object_event.key
    # Extraction takes the longest: a newer version may have been recorded or claimed meanwhile.
    pending = PendingVersion(
        sequencer=object_event.sequencer,
        etag=object_event.etag,
        version_id=object_event.version_id,
        since=format_timestamp(services.clock()),
    )
    claim = services.repository.claim(still, key, pending)
    if claim is None:
        return StillOutcome(key, Outcome.SKIPPED, "a newer version is recorded or being processed")
    record = record_of_event(
        still,
        object_event,
        format_timestamp(services.clock()),
        status=StillStatus.DONE,
        size=result.size,
        document=result.document,
        params=result.params.as_kwargs(),
        summary=result.summary,
        position=result.position,
    )
    record = _write_outputs(record, result, services)
    if not services.repository.save(record):
        if not repair:
            _repair_outputs(still, object_event, services)
        return StillOutcome(key, Outcome.SKIPPED, "a newer version was recorded meanwhile")
    if claim.contended and _output_sources(still, services) != {object_event.sequencer}:
        # An older version that had claimed the item before us wrote its outputs after ours (and
        # recorded itself before us, or it would have lost its write and repaired them): put ours back.
        # Should a newer version be recorded meanwhile, this save loses and the outputs are its job.
        logger.warning("outputs of an older version overwrote ours; writing ours again")
        services.repository.save(_write_outputs(record, result, services))
    return StillOutcome(key, Outcome.PROCESSED)


def _write_outputs(record: StillRecord, result: _Extraction, services: ExtractionServices) -> StillRecord:
    """Put the palette JSON and the swatch at once; ``record`` naming their keys and the versions just
    written.

    Both PUTs have answered (or raised) when this returns, so the item write that follows still comes
    after both outputs. The swatch goes on a thread of its own, made for this call: the function waits
    on S3 once instead of twice (boto3's clients are thread-safe), and no pool outlives a snapshot.
    """
    palette_key, swatch_key = _output_keys(record.still, services.settings)
    metadata = {SOURCE_SEQUENCER: record.sequencer, SOURCE_ETAG: record.etag}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="swatch-put") as executor:
        swatch_put = executor.submit(
            services.storage.put, swatch_key, result.swatch, content_type="image/png", metadata=metadata
        )
        # Should this PUT raise, leaving the block waits for the swatch's, whose answer is then moot.
        palette_version_id = services.storage.put(
            palette_key,
            export_document(result.document, "json"),
            content_type=MEDIA_TYPES["json"],
            metadata=metadata,
        )
        swatch_version_id = swatch_put.result()
    return replace(
        record,
        palette_key=palette_key,
        swatch_key=swatch_key,
        palette_version_id=palette_version_id,
        swatch_version_id=swatch_version_id,
    )


def _output_sources(still: StillKey, services: ExtractionServices) -> set[str | None]:
    """The ``source-sequencer`` of the current palette JSON and swatch (``None`` for a missing one)."""
    return {
        (services.storage.metadata(key) or {}).get(SOURCE_SEQUENCER)
        for key in _output_keys(still, services.settings)
    }


def _output_keys(still: StillKey, settings: ServiceSettings) -> tuple[str, str]:
    """The still's palette JSON and swatch keys."""
    return still.palette_key(settings.palette_prefix), still.swatch_key(settings.swatch_prefix)


def _already_recorded(existing: StillRecord | None, object_event: ObjectEvent) -> str:
    """Why this event needs no work given the item, or ``""`` when it does."""
    if existing is None:
        return ""
    if existing.sequencer > object_event.sequencer:
        return f"a newer version is recorded (sequencer {existing.sequencer})"
    if existing.pending is not None and existing.pending.sequencer > object_event.sequencer:
        return f"a newer version is being processed (sequencer {existing.pending.sequencer})"
    same_version = existing.sequencer == object_event.sequencer and existing.etag == object_event.etag
    # A version given up on is processed when replayed; a removal is finished again when retried
    # (its tombstone may have been written before a fault stopped it removing the outputs).
    redo = existing.given_up or (object_event.is_removal and existing.status is StillStatus.DELETED)
    if same_version and not redo:
        return f"this version is already recorded as {existing.status.value}"
    return ""


def _record_failure(
    still: StillKey,
    object_event: ObjectEvent,
    error: PermanentStillError | PaletteError,
    services: ExtractionServices,
    *,
    params: ExtractParams | None,
) -> StillOutcome:
    code = str(getattr(error, "code", "invalid_still"))
    logger.warning("still failed", extra={"error": code, "reason": str(error)})
    record = record_of_event(
        still,
        object_event,
        format_timestamp(services.clock()),
        status=StillStatus.FAILED,
        size=object_event.size,
        params=None if params is None else params.as_kwargs(),
        reason=str(error),
        error=code,
    )
    if not services.repository.save(record):
        return StillOutcome(object_event.key, Outcome.SKIPPED, "a newer version was recorded meanwhile")
    return StillOutcome(object_event.key, Outcome.FAILED, code)


def _repair_outputs(still: StillKey, object_event: ObjectEvent, services: ExtractionServices) -> None:
    """After losing the item write to a newer version, make sure our outputs did not overwrite its.

    Two versions processed at once can interleave as: newer writes outputs, older writes outputs,
    newer writes its item, older's item write fails. The outputs are then the older version's. If
    ours are the last ones written and the winner is DONE, redo the winner's version (same bytes,
    same options: the same outputs), once.
    """
    winner = services.repository.get(still)
    if winner is not None and winner.status is StillStatus.DELETED:
        # The still was removed while this version was processed: remove what this version wrote.
        remove_outputs(services.storage, _output_keys(still, services.settings), winner.sequencer)
        return
    if winner is None or winner.status is not StillStatus.DONE:
        return
    if object_event.sequencer not in _output_sources(still, services):
        return
    logger.warning("outputs of an older version overwrote the newest ones; redoing the newest version")
    winner_event = ObjectEvent(
        bucket=object_event.bucket,
        key=winner.key,
        event_name="ObjectCreated:Put",
        etag=winner.etag,
        version_id=winner.version_id,
        sequencer=winner.sequencer,
        size=winner.size,
    )
    _process(winner_event, services, repair=True)
