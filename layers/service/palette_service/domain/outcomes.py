"""What became of one S3 event record: processed, failed (recorded as FAILED), removed (the still was
deleted) or skipped, and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    PROCESSED = "processed"
    FAILED = "failed"
    SKIPPED = "skipped"
    REMOVED = "removed"


@dataclass(frozen=True)
class StillOutcome:
    """What became of one event record; ``detail`` says why for a skip or a failure."""

    key: str
    outcome: Outcome
    detail: str = ""
    duration_ms: float | None = None
