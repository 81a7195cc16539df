"""A still removed from the bucket -> a DELETED tombstone, and its palette JSON and swatch removed.

The tombstone keeps the removal's sequencer, so removals are ordered with uploads like everything
else: a late event of an older version finds a newer version recorded and changes nothing, while a
new upload (a newer sequencer) replaces the tombstone. The film's palette and timeline drop the still
when the table's stream tells the aggregate function of the change.

A permanent delete of one version (``ObjectRemoved:Delete`` naming a version id) is decided from S3's
state, not from the item: the key's current version is read (:func:`state_after_version_deleted`).
When none is current (a delete marker, or no version left), the still is removed as above. When one
is, the still is that version: it is processed as an upload pinned to it, under the removal's
sequencer, so that it orders after every event older than the delete (the deleted version's, a delete
marker's that was itself deleted) while a newer change's event still wins; a duplicate of the removal
finds that version recorded under its sequencer and skips. Whatever the order in which the events of
the uploads and of the delete arrive, the still ends as S3's current object. A delete of an old version
leaves the still describing the same current version (processed again under the delete's sequencer).
"""

from __future__ import annotations

from palette_service.domain.events import ObjectEvent, event_of_version, record_of_event
from palette_service.domain.outcomes import Outcome, StillOutcome
from palette_service.domain.outputs import SOURCE_SEQUENCER
from palette_service.domain.ports import ObjectHead, StillRepository, StillStore
from palette_service.domain.records import StillKey, StillRecord, StillStatus, same_version
from palette_service.observability import logger

# What the event of a version that is current again after a permanent delete is called in logs.
CURRENT_AFTER_DELETE = "ObjectCreated:CurrentAfterVersionDeleted"


def remove_still(
    still: StillKey,
    object_event: ObjectEvent,
    *,
    repository: StillRepository,
    storage: StillStore,
    output_keys: tuple[str, ...],
    updated_at: str,
) -> StillOutcome:
    """Record the removal (unless a newer version is recorded), then remove the still's outputs."""
    key = object_event.key
    tombstone = record_of_event(still, object_event, updated_at, status=StillStatus.DELETED)
    if not repository.save(tombstone):
        return StillOutcome(key, Outcome.SKIPPED, "a newer version was recorded meanwhile")
    remove_outputs(storage, output_keys, object_event.sequencer)
    logger.info("still removed", extra={"key": key})
    return StillOutcome(key, Outcome.REMOVED)


def state_after_version_deleted(
    removal: ObjectEvent, existing: StillRecord | None, current: ObjectHead | None
) -> ObjectEvent | StillOutcome | None:
    """What a permanent delete of one version leaves the still as, given the key's ``current`` version.

    ``None``: no version is current, the still is removed (a tombstone). An upload event of the current
    version (pinned to its version id and ETag) under the removal's sequencer: the still is that version,
    to process whatever the item records. SKIPPED when the item records that version's outcome under this
    removal's sequencer or a newer one already (a duplicate or a retry of this event).

    An item that records the current version under an older sequencer is processed again all the same:
    an event between the two (of the deleted version, or of a delete marker that was itself deleted) may
    still arrive, or be in flight, and must find a newer version recorded.
    """
    if current is None:
        return None
    if (
        existing is not None
        and existing.sequencer >= removal.sequencer
        and _records_outcome_of(existing, current)
    ):
        return StillOutcome(
            removal.key,
            Outcome.SKIPPED,
            f"the current version is already recorded as {existing.status.value}",
        )
    return event_of_version(
        removal.bucket, removal.key, current, event_name=CURRENT_AFTER_DELETE, sequencer=removal.sequencer
    )


def _records_outcome_of(existing: StillRecord, current: ObjectHead) -> bool:
    """Whether the item records the outcome of the ``current`` version, with no other version claimed
    after it (one given up on has no outcome: it is processed again, as its replay would be)."""
    if existing.status not in (StillStatus.DONE, StillStatus.FAILED) or existing.given_up:
        return False
    if existing.processing is not None:
        return False
    return same_version(existing.version_id, existing.etag, current.version_id, current.etag)


def remove_outputs(storage: StillStore, output_keys: tuple[str, ...], sequencer: str) -> None:
    """Delete each output unless a version newer than the removal at ``sequencer`` wrote it.

    The delete holds only while the output checked is still the current one (its ETag): a newer
    upload that writes the key between the check and the delete keeps its output. Deleting the
    version checked (by its version id) instead would make the version before it current again.
    """
    for output_key in output_keys:
        head = storage.current(output_key)
        if head is None or head.metadata.get(SOURCE_SEQUENCER, "") > sequencer:
            continue
        if not storage.delete(output_key, if_match=head.etag):
            logger.info("output replaced since its check: left as it is", extra={"key": output_key})
