"""An S3 Batch Operations job that invokes a function, run as Batch Operations runs it: the one emulation.

Each manifest entry is one task, invoked synchronously with its schema 2.0 event
(``palettes_cli.batch_jobs.task_event``), ``concurrency`` tasks at a time (in AWS, the function's
concurrency). A ``TemporaryFailure`` is tried again, up to ``max_attempts`` in all (AWS documents
no count; its retries are what matters to the function); ``PermanentFailure``, a function error, or
a response without the task's result (``treatMissingKeysAs``) fail the task. At the end, the
completion report S3 writes: one CSV of succeeded and one of failed tasks (``REPORT_SCHEMA``
columns) under ``<prefix>/job-<id>/results/``, and ``<prefix>/job-<id>/manifest.json`` naming them.
The local stack (``local.batch_jobs``) and the tests run jobs with this.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from palettes_cli.batch_jobs import REPORT_FORMAT, REPORT_SCHEMA, ManifestEntry, encode_key, task_event

MAX_TASK_ATTEMPTS = 5
RETRY_DELAY_SECONDS = 0.2


@dataclass(frozen=True)
class Invocation:
    """What a synchronous invoke answered: the handler's result, or its error (``ok`` false)."""

    ok: bool
    payload: Any


Invoke = Callable[[dict[str, Any]], Invocation]


@dataclass(frozen=True)
class TaskReport:
    """One row of the completion report, and how many attempts the task took."""

    entry: ManifestEntry
    succeeded: bool
    error_code: str
    message: str
    attempts: int

    def row(self) -> list[str]:
        status = "succeeded" if self.succeeded else "failed"
        entry = self.entry
        return [
            entry.bucket,
            encode_key(entry.key),
            entry.version_id or "",
            status,
            self.error_code,
            "200",
            self.message,
        ]


class JobCounters:
    """Tasks finished so far, for DescribeJob's progress while the job runs (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.succeeded = 0
        self.failed = 0

    def count(self, report: TaskReport) -> None:
        with self._lock:
            if report.succeeded:
                self.succeeded += 1
            else:
                self.failed += 1


def run_tasks(
    job_id: str,
    entries: Sequence[ManifestEntry],
    invoke: Invoke,
    *,
    concurrency: int,
    max_attempts: int = MAX_TASK_ATTEMPTS,
    counters: JobCounters | None = None,
) -> list[TaskReport]:
    """Every entry through ``invoke``, ``concurrency`` at a time; the reports in manifest order."""

    def run(numbered: tuple[int, ManifestEntry]) -> TaskReport:
        report = run_task(job_id, f"{job_id}-{numbered[0]}", numbered[1], invoke, max_attempts=max_attempts)
        if counters is not None:
            counters.count(report)
        return report

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        return list(pool.map(run, enumerate(entries)))


def run_task(
    job_id: str, task_id: str, entry: ManifestEntry, invoke: Invoke, *, max_attempts: int
) -> TaskReport:
    """One task: invoked until it succeeds, fails for good, or its attempts run out."""
    attempt = 0
    while True:
        attempt += 1
        invocation = invoke(task_event(uuid.uuid4().hex, job_id, task_id, entry))
        code, message = _result(invocation, task_id)
        if code != "TemporaryFailure" or attempt >= max_attempts:
            break
        time.sleep(RETRY_DELAY_SECONDS * attempt)
    succeeded = code == "Succeeded"
    return TaskReport(entry, succeeded, "" if succeeded else code, message, attempt)


def _result(invocation: Invocation, task_id: str) -> tuple[str, str]:
    """The task's result code and string from the function's answer."""
    if not invocation.ok:
        return "PermanentFailure", f"Lambda returned function error: {json.dumps(invocation.payload)}"
    answer = invocation.payload if isinstance(invocation.payload, dict) else {}
    for result in answer.get("results") or []:
        if isinstance(result, dict) and result.get("taskId") == task_id:
            return str(result.get("resultCode", "")), str(result.get("resultString") or "")
    missing = str(answer.get("treatMissingKeysAs") or "PermanentFailure")
    return missing, "the function's response has no result for this task"


def report_objects(
    job_id: str, reports: Iterable[TaskReport], *, bucket: str, prefix: str, created: datetime | None = None
) -> dict[str, bytes]:
    """The completion report's objects, by key: the results CSVs and ``manifest.json``."""
    base = f"{prefix.rstrip('/')}/job-{job_id}"
    by_status: dict[str, list[TaskReport]] = {"succeeded": [], "failed": []}
    for report in reports:
        by_status["succeeded" if report.succeeded else "failed"].append(report)
    objects: dict[str, bytes] = {}
    results = []
    for status, rows in by_status.items():
        if not rows:
            continue
        body = _csv([report.row() for report in rows])
        name = hashlib.sha1(f"{job_id}/{status}".encode(), usedforsecurity=False).hexdigest()
        key = f"{base}/results/{name}.csv"
        objects[key] = body
        checksum = hashlib.md5(body, usedforsecurity=False).hexdigest()
        results.append({"TaskExecutionStatus": status, "Bucket": bucket, "MD5Checksum": checksum, "Key": key})
    manifest = {
        "Format": REPORT_FORMAT,
        "ReportCreationDate": (created or datetime.now(UTC)).isoformat(timespec="milliseconds"),
        "Results": results,
        "ReportSchema": ", ".join(REPORT_SCHEMA),
    }
    objects[f"{base}/manifest.json"] = json.dumps(manifest, indent=2).encode()
    return objects


def read_report(read: Callable[[str], bytes], job_id: str, prefix: str) -> list[dict[str, str]]:
    """Every row of a completion report (``read`` gets an object's bytes by key), by column name."""
    manifest = json.loads(read(f"{prefix.rstrip('/')}/job-{job_id}/manifest.json"))
    rows = []
    for result in manifest["Results"]:
        for row in csv.reader(io.StringIO(read(result["Key"]).decode())):
            rows.append(dict(zip(REPORT_SCHEMA, row, strict=True)))
    return rows


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()
