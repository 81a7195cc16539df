"""S3 Batch Operations tasks (invocation schema 2.0) -> the extraction, and a result for each task.

A task names a key and a version but carries no S3 sequencer, so it is processed as a **replay of
the key's current version**, ordered against S3's events of the key as follows:

* the task's version must be the key's current one (``HeadObject`` without a version, after the
  item is read): a key removed since the manifest was written (a delete marker) or overwritten
  since (its newer version's own event does the work) gives nothing, ``Succeeded`` with the reason;
* its sequencer is the item's for that version when the item names it (recorded, or claimed as
  pending), so a task of a recorded version is skipped as a duplicate event is, and a task of a
  version given up on (FAILED ``retries_exhausted``) is processed again as its replay is;
* otherwise it is placed just after the recorded version (its sequencer with one more digit), or
  lowest of all when there is no item: it can replace what is recorded (an older version, or the
  tombstone of a removal before this upload), never the outcome of a version uploaded after it,
  whose S3 sequencer is larger than anything recorded before it (S3 sequencers of a key only grow);
  a later S3 event of the very same version redoes it under its own sequencer, to the same outcome.

Results: ``Succeeded`` for a still processed or skipped, ``PermanentFailure`` with the reason for a
bad still (recorded as FAILED, as for any upload; a job run again over a version already recorded as
FAILED answers so again, with the recorded reason, without a second try) or a task that names no still
(no still's outcome, so no still metric counts it), and ``TemporaryFailure`` for throttling, AWS 5xx
and network errors (``is_transient``), so that Batch Operations tries the task again. Any other error
propagates: the invocation fails, as a bug should.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aws_lambda_powertools.utilities.data_classes import S3BatchOperationEvent

from palette_service.domain.events import (
    ObjectEvent,
    event_of_version,
    normalize_sequencer,
    not_a_still_upload,
)
from palette_service.domain.extraction import ExtractionServices, process_object_event
from palette_service.domain.keys import InvalidKeyLayoutError, still_of
from palette_service.domain.outcomes import Outcome, StillOutcome
from palette_service.domain.records import StillKey, StillRecord, StillStatus, same_version
from palette_service.errors import InvalidBatchEventError
from palette_service.observability import logger

BATCH_SCHEMA_VERSION = "2.0"
# What the tasks' events are called in logs; any ObjectCreated name is processed as an upload.
BATCH_EVENT_NAME = "ObjectCreated:BatchOperations"
# Appended to a recorded sequencer: larger than it, smaller than any larger S3 sequencer of the key.
_JUST_AFTER = "1"


class ResultCode(StrEnum):
    SUCCEEDED = "Succeeded"
    TEMPORARY_FAILURE = "TemporaryFailure"
    PERMANENT_FAILURE = "PermanentFailure"


@dataclass(frozen=True)
class BatchTask:
    task_id: str
    bucket: str
    key: str
    version_id: str | None


@dataclass(frozen=True)
class TaskResult:
    task_id: str
    code: ResultCode
    message: str
    outcome: StillOutcome | None = None


@dataclass(frozen=True)
class Settled:
    """A task with nothing left to do: its result, and the still's outcome for metrics (none when the
    task names no still)."""

    code: ResultCode
    message: str
    outcome: StillOutcome | None


@dataclass(frozen=True)
class BatchAnswer:
    """The response Batch Operations reads, and the outcomes behind it (for metrics)."""

    response: dict[str, Any]
    outcomes: list[StillOutcome]


def is_batch_event(event: Mapping[str, Any]) -> bool:
    return "invocationSchemaVersion" in event


def parse_batch_event(event: Mapping[str, Any]) -> tuple[str, list[BatchTask]]:
    """The invocation id and the tasks (keys URL-decoded); :class:`InvalidBatchEventError` when the
    event is not schema 2.0 or lacks a field."""
    parsed = S3BatchOperationEvent(dict(event))
    if parsed.invocation_schema_version != BATCH_SCHEMA_VERSION:
        raise InvalidBatchEventError(
            f"invocation schema {parsed.invocation_schema_version!r} is not supported; "
            f"create the job with InvocationSchemaVersion {BATCH_SCHEMA_VERSION}"
        )
    try:
        tasks = [
            BatchTask(task.task_id, task.s3_bucket, task.s3_key, task.s3_version_id or None)
            for task in parsed.tasks
        ]
        return parsed.invocation_id, tasks
    except (KeyError, TypeError) as error:
        raise InvalidBatchEventError(f"not a Batch Operations event: missing {error}") from error


def answer_batch_event(
    event: Mapping[str, Any],
    services: ExtractionServices,
    *,
    is_transient: Callable[[BaseException], bool],
) -> BatchAnswer:
    """Process every task of the event and answer Batch Operations with a result for each."""
    invocation_id, tasks = parse_batch_event(event)
    results = [run_task(task, services, is_transient=is_transient) for task in tasks]
    response = {
        "invocationSchemaVersion": BATCH_SCHEMA_VERSION,
        "treatMissingKeysAs": ResultCode.PERMANENT_FAILURE.value,
        "invocationId": invocation_id,
        "results": [
            {"taskId": result.task_id, "resultCode": result.code.value, "resultString": result.message}
            for result in results
        ],
    }
    return BatchAnswer(response, [result.outcome for result in results if result.outcome is not None])


def run_task(
    task: BatchTask, services: ExtractionServices, *, is_transient: Callable[[BaseException], bool]
) -> TaskResult:
    """One task, as a replay of the key's current version (see the module docstring)."""
    logger.append_keys(key=task.key)
    try:
        replay = replay_event(task, services)
        if isinstance(replay, Settled):
            logger.info("batch task settled", extra={"code": replay.code.value, "detail": replay.message})
            return TaskResult(task.task_id, replay.code, replay.message, replay.outcome)
        outcome = process_object_event(replay, services)
        message = _failure_reason(task, outcome, services) if outcome.outcome is Outcome.FAILED else ""
    except Exception as error:
        if not is_transient(error):
            raise
        logger.warning("task failed for now", extra={"error": repr(error)})
        return TaskResult(task.task_id, ResultCode.TEMPORARY_FAILURE, f"{type(error).__name__}: {error}")
    finally:
        logger.remove_keys(["key"])
    logger.info(
        "batch task handled",
        extra={"key": task.key, "outcome": outcome.outcome.value, "detail": outcome.detail},
    )
    if outcome.outcome is Outcome.FAILED:
        return TaskResult(task.task_id, ResultCode.PERMANENT_FAILURE, message, outcome)
    summary = outcome.outcome.value + (f": {outcome.detail}" if outcome.detail else "")
    return TaskResult(task.task_id, ResultCode.SUCCEEDED, summary, outcome)


def replay_event(task: BatchTask, services: ExtractionServices) -> ObjectEvent | Settled:
    """The event of the task's version with its place in the key's order, or the task's result when
    there is nothing to do: it names no still, its version is not current, or that version is
    already recorded as FAILED for a bad still."""
    named = ObjectEvent(task.bucket, task.key, BATCH_EVENT_NAME, "", task.version_id, "", None)
    if reason := not_a_still_upload(named, services.settings):
        return Settled(ResultCode.PERMANENT_FAILURE, f"names no still: {reason}", None)
    try:
        still = still_of(task.key, services.settings)
    except InvalidKeyLayoutError as error:
        if error.still is None:
            return Settled(ResultCode.PERMANENT_FAILURE, f"names no still: {error}", None)
        still = error.still  # processed, so that the still is recorded as FAILED invalid_key
    existing = services.repository.get(still)
    current = services.storage.current(task.key)
    if current is None:
        return _skipped(task, "the still was removed since the manifest was made")
    if task.version_id is not None and current.version_id != task.version_id:
        return _skipped(task, f"version {task.version_id} is no longer the current one")
    if existing is not None and _failed_before(existing, current.version_id, current.etag):
        outcome = StillOutcome(task.key, Outcome.SKIPPED, "recorded as FAILED before")
        return Settled(
            ResultCode.PERMANENT_FAILURE,
            f"recorded as FAILED before: {existing.error}: {existing.reason}",
            outcome,
        )
    return event_of_version(
        task.bucket,
        task.key,
        current,
        event_name=BATCH_EVENT_NAME,
        sequencer=replay_sequencer(existing, current.version_id, current.etag),
    )


def _skipped(task: BatchTask, reason: str) -> Settled:
    outcome = StillOutcome(task.key, Outcome.SKIPPED, reason)
    return Settled(ResultCode.SUCCEEDED, f"{Outcome.SKIPPED.value}: {reason}", outcome)


def _failed_before(existing: StillRecord, version_id: str | None, etag: str) -> bool:
    """Whether this version is recorded as FAILED for a bad still (one given up on is tried again)."""
    if existing.status is not StillStatus.FAILED or existing.given_up:
        return False
    return same_version(existing.version_id, existing.etag, version_id, etag)


def replay_sequencer(existing: StillRecord | None, version_id: str | None, etag: str) -> str:
    """The sequencer of the current version (``version_id``, ``etag``) given what the item records."""
    if existing is None:
        return normalize_sequencer(None)
    if same_version(existing.version_id, existing.etag, version_id, etag):
        return existing.sequencer
    pending = existing.pending
    if pending is not None and same_version(pending.version_id, pending.etag, version_id, etag):
        return pending.sequencer
    return existing.sequencer + _JUST_AFTER


def _failure_reason(task: BatchTask, outcome: StillOutcome, services: ExtractionServices) -> str:
    """The error code and the reason the FAILED item records, for the completion report."""
    try:
        still: StillKey | None = still_of(task.key, services.settings)
    except InvalidKeyLayoutError as error:
        still = error.still
    record = services.repository.get(still) if still is not None else None
    if record is None or record.reason is None:
        return outcome.detail
    return f"{outcome.detail}: {record.reason}"
