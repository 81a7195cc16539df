"""Events the extract function gave up on -> FAILED records, so that no still stays PROCESSING.

Lambda sends an event whose every attempt failed (or that grew too old) to the on-failure
destination as an invocation record: the event in ``requestPayload``, the last error in
``responsePayload``. Each upload it names is recorded as FAILED with error ``retries_exhausted`` and
the last error as the reason, under the same version ordering as the extraction: only while neither
that version's outcome nor a newer version's is recorded or claimed, so a retry that succeeded in
the end, or a newer upload, is never overwritten. The record is then kept for replay.

A removal uploads nothing and is only kept, except a permanent delete of one version that claimed the
key's current version to process it (see :mod:`palette_service.domain.removal`): that version, named
by the item's claim under the removal's sequencer, is recorded as FAILED like an upload's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from palette_service.domain.events import (
    ObjectEvent,
    not_a_still_change,
    not_a_still_upload,
    parse_s3_event,
    record_of_event,
)
from palette_service.domain.keys import InvalidKeyLayoutError, still_of
from palette_service.domain.outcomes import Outcome, StillOutcome
from palette_service.domain.ports import ReplayQueue, StillRepository
from palette_service.domain.records import (
    RETRIES_EXHAUSTED,
    StillRecord,
    StillStatus,
    format_timestamp,
    utc_now,
)
from palette_service.observability import logger
from palette_service.settings import ServiceSettings

# The reason is for a person; a stack of nested error messages need not be kept whole.
MAX_ERROR_CHARS = 1000


@dataclass(frozen=True)
class FailureServices:
    """What recording given-up events needs, built once per cold start by the handler (or a test)."""

    settings: ServiceSettings
    repository: StillRepository
    replay_queue: ReplayQueue
    clock: Callable[[], datetime] = utc_now


@dataclass(frozen=True)
class GivenUpEvent:
    """An invocation record of Lambda's on-failure destination: the event, and why it was given up."""

    event: dict[str, Any]
    reason: str

    @classmethod
    def parse(cls, body: str) -> GivenUpEvent:
        """The record in an SQS message body; ``ValueError`` when it is not one."""
        record = json.loads(body)
        if not isinstance(record, dict) or not isinstance(record.get("requestPayload"), dict):
            raise ValueError("not a Lambda invocation record: no requestPayload")
        return cls(event=record["requestPayload"], reason=_reason(record))


def _reason(record: dict[str, Any]) -> str:
    context = record.get("requestContext") or {}
    attempts = context.get("approximateInvokeCount", "every")
    condition = context.get("condition", "RetriesExhausted")
    error = record.get("responsePayload") or {}
    last = f"{error.get('errorType', 'Error')}: {error.get('errorMessage', '')}" if error else condition
    if condition == "EventAgeExceeded":
        return f"processing was given up: the event grew too old after {attempts} attempts"
    return f"processing failed on {attempts} attempts; last error: {last[:MAX_ERROR_CHARS]}"


def record_given_up(message_body: str, services: FailureServices) -> list[StillOutcome]:
    """Record every upload of one given-up event as FAILED, then keep the message for replay.

    A message that is not an invocation record is kept as it is. Errors of the table or the queue
    propagate, so the message is delivered again (the writes are idempotent).
    """
    try:
        given_up = GivenUpEvent.parse(message_body)
    except ValueError as error:
        logger.error("failure queue message is not an invocation record; kept", extra={"error": str(error)})
        services.replay_queue.keep(message_body)
        return []
    outcomes = [
        _record(object_event, given_up.reason, services) for object_event in parse_s3_event(given_up.event)
    ]
    services.replay_queue.keep(message_body)
    return outcomes


def _record(object_event: ObjectEvent, reason: str, services: FailureServices) -> StillOutcome:
    key = object_event.key
    is_upload = not object_event.removes_one_version
    if skip := (not_a_still_upload if is_upload else not_a_still_change)(object_event, services.settings):
        return StillOutcome(key, Outcome.SKIPPED, skip)
    try:
        still = still_of(key, services.settings)
    except InvalidKeyLayoutError as error:
        if error.still is None:
            return StillOutcome(key, Outcome.SKIPPED, error.code)
        still = error.still
    if not is_upload:
        claimed = claimed_by_removal(object_event, services.repository.get(still))
        if claimed is None:
            return StillOutcome(key, Outcome.SKIPPED, "the removal claimed no version")
        object_event = claimed
    if not services.repository.save_given_up(
        record_of_event(
            still,
            object_event,
            format_timestamp(services.clock()),
            status=StillStatus.FAILED,
            size=object_event.size,
            reason=reason,
            error=RETRIES_EXHAUSTED,
        )
    ):
        return StillOutcome(
            key, Outcome.SKIPPED, "an outcome of this or a newer version is recorded or claimed"
        )
    logger.warning("still given up", extra={"key": key, "reason": reason})
    return StillOutcome(key, Outcome.FAILED, RETRIES_EXHAUSTED)


def claimed_by_removal(removal: ObjectEvent, existing: StillRecord | None) -> ObjectEvent | None:
    """The removal's event naming the version it claimed to process (the key's current one) instead of
    the deleted one, under the removal's sequencer; ``None`` when the item names no claim of it."""
    pending = None if existing is None else existing.processing
    if pending is None or pending.sequencer != removal.sequencer:
        return None
    return replace(removal, etag=pending.etag, version_id=pending.version_id, size=None)
