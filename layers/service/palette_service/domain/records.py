"""What the service knows of a still: its identity, its status and the outcome recorded for it.

A still's record holds the outcome of the newest object version seen for its key: ``status`` DONE
with the palette ``document`` and the output keys with the S3 version ids of the objects written
for this version (readers fetch those, so outputs that a later, unfinished version wrote over at
the same keys are never paired with this document), or FAILED with ``reason`` (for a person) and
``error`` (a stable code). ``sequencer`` (normalised, see
:func:`palette_service.domain.events.normalize_sequencer`) and ``etag`` say which version that was.

``pending`` names the newest version whose extraction claimed the record (see
:class:`PendingVersion`); a record that has only a claim has status PROCESSING, and listings leave
it out until its outcome is recorded. :mod:`palette_service.data.items` holds the DynamoDB form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from palette_service.domain.timeline import FilmPosition


@dataclass(frozen=True)
class StillKey:
    """A still's identity: its film folder and its file name (which normally has no ``/``).

    Its outputs are ``<palette prefix><film>/<name>.json`` and ``<swatch prefix><film>/<name>.png``:
    one pair per still, so a retry or a newer version overwrites them rather than adding more.
    """

    film: str
    name: str

    def object_key(self, input_prefix: str) -> str:
        return f"{input_prefix}{self.film}/{self.name}"

    def palette_key(self, palette_prefix: str) -> str:
        return f"{palette_prefix}{self.film}/{self.name}.json"

    def swatch_key(self, swatch_prefix: str) -> str:
        return f"{swatch_prefix}{self.film}/{self.name}.png"


# The error code of a FAILED record whose version was given up on after every retry (see
# domain.failures): the still itself may be fine, so a replay of that version is processed again.
RETRIES_EXHAUSTED = "retries_exhausted"


class StillStatus(StrEnum):
    DONE = "DONE"
    FAILED = "FAILED"
    # A first version is being processed (see StillRepository.claim); nothing is recorded yet.
    PROCESSING = "PROCESSING"
    # The still was removed from the bucket: a tombstone that keeps the removal's sequencer (so a late
    # event of an older version cannot bring it back) until it expires; readers see no still.
    DELETED = "DELETED"


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a fixed width (microseconds, ``Z``), so strings sort as times do."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class PendingVersion:
    """The newest object version whose extraction claimed the item, before writing its outputs.

    Once that version's outcome is recorded its ``sequencer`` is the item's; while it is newer, the
    version is being processed, or its processing was cut short (its event is then in the failure
    queue): either way the item says which version that is and since when.
    """

    sequencer: str
    etag: str
    version_id: str | None
    since: str


@dataclass(frozen=True)
class StillRecord:
    """One still's item. ``document`` is set when DONE; ``reason`` and ``error`` when FAILED.

    ``summary`` (DONE) is the library's compact colour summary of the still, which its film's palette
    is clustered from; ``position`` its place in the film (see :mod:`palette_service.domain.timeline`).
    """

    still: StillKey
    key: str
    status: StillStatus
    etag: str
    sequencer: str
    updated_at: str
    version_id: str | None = None
    size: int | None = None
    created_at: str | None = None
    document: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    palette_key: str | None = None
    swatch_key: str | None = None
    palette_version_id: str | None = None
    swatch_version_id: str | None = None
    reason: str | None = None
    error: str | None = None
    summary: bytes | None = None
    position: FilmPosition | None = None
    pending: PendingVersion | None = None
    # The palette's hex colours when the record was read from the listing index, which carries these
    # and not the document (``document`` is then ``None``, even when DONE).
    listed_colors: tuple[str, ...] = ()

    @property
    def processing(self) -> PendingVersion | None:
        """The version claimed after the recorded one, if any (see :class:`PendingVersion`)."""
        if self.pending is None or self.pending.sequencer <= self.sequencer:
            return None
        return self.pending

    @property
    def given_up(self) -> bool:
        """Whether the recorded version failed for want of retries rather than for a bad still."""
        return self.status is StillStatus.FAILED and self.error == RETRIES_EXHAUSTED

    @property
    def hex_colors(self) -> list[str]:
        if self.document is None:
            return list(self.listed_colors)
        return [str(color["hex"]) for color in self.document.get("colors", [])]


def same_version(recorded_id: str | None, recorded_etag: str, version_id: str | None, etag: str) -> bool:
    """Whether a recorded version (its S3 version id, its ETag) is the object version named.

    An item made by an ETag-pinned event (no version id) is the same version when the bytes are.
    """
    if recorded_id is not None and version_id is not None:
        return recorded_id == version_id
    return recorded_etag == etag
