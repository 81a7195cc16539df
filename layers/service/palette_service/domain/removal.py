"""A still removed from the bucket -> a DELETED tombstone, and its palette JSON and swatch removed.

The tombstone keeps the removal's sequencer, so removals are ordered with uploads like everything
else: a late event of an older version finds a newer version recorded and changes nothing, while a
new upload (a newer sequencer) replaces the tombstone. The film's palette and timeline drop the still
when the table's stream tells the aggregate function of the change.

A permanent delete of one version removes the still only when that is the version recorded: deleting
an old version of a still leaves the still as it is. (Deleting the recorded version makes the one
before it current again in S3; the still is removed all the same, and an upload brings it back.)
"""

from __future__ import annotations

from palette_service.domain.events import ObjectEvent, record_of_event
from palette_service.domain.outcomes import Outcome, StillOutcome
from palette_service.domain.outputs import SOURCE_SEQUENCER
from palette_service.domain.ports import StillRepository, StillStore
from palette_service.domain.records import StillKey, StillRecord, StillStatus
from palette_service.observability import logger


def remove_still(
    still: StillKey,
    object_event: ObjectEvent,
    existing: StillRecord | None,
    *,
    repository: StillRepository,
    storage: StillStore,
    output_keys: tuple[str, ...],
    updated_at: str,
) -> StillOutcome:
    """Record the removal (unless a newer version is recorded), then remove the still's outputs."""
    key = object_event.key
    if _removes_another_version(object_event, existing):
        return StillOutcome(key, Outcome.SKIPPED, "a version other than the recorded one was deleted")
    tombstone = record_of_event(still, object_event, updated_at, status=StillStatus.DELETED)
    if not repository.save(tombstone):
        return StillOutcome(key, Outcome.SKIPPED, "a newer version was recorded meanwhile")
    remove_outputs(storage, output_keys, object_event.sequencer)
    logger.info("still removed", extra={"key": key})
    return StillOutcome(key, Outcome.REMOVED)


def _removes_another_version(object_event: ObjectEvent, existing: StillRecord | None) -> bool:
    """Whether the event permanently deletes one version, and not the recorded one."""
    if not object_event.removes_one_version or existing is None or existing.version_id is None:
        return False
    return object_event.version_id != existing.version_id


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
