"""S3 Batch Operations jobs that invoke the extract function: the manifest, the task events, the job.

One source for what both sides of a job agree on: the CSV manifest (``Bucket,Key,VersionId``, keys
URL-encoded), the invocation schema 2.0 event of a task, the completion report's format, and the
:class:`BatchJobs` a backfill talks to: :class:`S3ControlJobs` (``s3control`` CreateJob and
DescribeJob) in AWS, ``local.batch_jobs.LocalBatchJobs`` on the local stack.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote_plus, unquote_plus

SCHEMA_VERSION = "2.0"
MANIFEST_FORMAT = "S3BatchOperations_CSV_20180820"
MANIFEST_FIELDS = ("Bucket", "Key", "VersionId")
REPORT_FORMAT = "Report_CSV_20180820"
REPORT_SCHEMA = ("Bucket", "Key", "VersionId", "TaskStatus", "ErrorCode", "HTTPStatusCode", "ResultMessage")
# Where a job ends: DescribeJob's Status.
FINAL_STATUSES = frozenset({"Complete", "Failed", "Cancelled"})


@dataclass(frozen=True)
class ManifestEntry:
    bucket: str
    key: str
    version_id: str | None


def encode_key(key: str) -> str:
    """A key as manifests and task events carry it (URL-encoded; ``/`` kept)."""
    return quote_plus(key, safe="/")


def manifest_csv(entries: Iterable[ManifestEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for entry in entries:
        writer.writerow([entry.bucket, encode_key(entry.key), entry.version_id or ""])
    return out.getvalue()


def parse_manifest(text: str) -> list[ManifestEntry]:
    """The entries of a CSV manifest; a row without a bucket and a key raises ``ValueError``."""
    entries = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row:
            continue
        if len(row) < 2 or not row[0] or not row[1]:
            raise ValueError(f"manifest row {number} has no bucket and key: {row!r}")
        version = row[2] if len(row) > 2 and row[2] else None
        entries.append(ManifestEntry(row[0], unquote_plus(row[1]), version))
    return entries


def task_event(invocation_id: str, job_id: str, task_id: str, entry: ManifestEntry) -> dict[str, Any]:
    """The event Batch Operations sends the function for one task (invocation schema 2.0)."""
    return {
        "invocationSchemaVersion": SCHEMA_VERSION,
        "invocationId": invocation_id,
        "job": {"id": job_id, "userArguments": {}},
        "tasks": [
            {
                "taskId": task_id,
                "s3Bucket": entry.bucket,
                "s3Key": encode_key(entry.key),
                "s3VersionId": entry.version_id,
            }
        ],
    }


@dataclass(frozen=True)
class JobRequest:
    """What a backfill job is: the manifest it reads, the function it invokes, where it reports."""

    account_id: str
    function_arn: str
    role_arn: str
    manifest_bucket: str
    manifest_key: str
    manifest_etag: str
    report_bucket: str
    report_prefix: str
    client_token: str
    description: str = "palettes backfill"
    priority: int = 10


@dataclass(frozen=True)
class JobProgress:
    status: str
    total: int
    succeeded: int
    failed: int
    failure_reasons: tuple[str, ...] = ()

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def done(self) -> int:
        return self.succeeded + self.failed


class BatchJobs(Protocol):
    """Where jobs are created and followed: S3 Batch Operations, or its local emulation."""

    def create_job(self, request: JobRequest) -> str:
        """Create the job (ready to run, no confirmation in the console); its id."""
        ...

    def describe_job(self, account_id: str, job_id: str) -> JobProgress: ...


class S3ControlJobs:
    """:class:`BatchJobs` on S3 Control's ``CreateJob`` and ``DescribeJob``."""

    def __init__(self, s3control: Any) -> None:
        self._client = s3control

    def create_job(self, request: JobRequest) -> str:
        response = self._client.create_job(**create_job_arguments(request))
        return str(response["JobId"])

    def describe_job(self, account_id: str, job_id: str) -> JobProgress:
        return job_progress(self._client.describe_job(AccountId=account_id, JobId=job_id)["Job"])


def create_job_arguments(request: JobRequest) -> dict[str, Any]:
    """``CreateJob``'s arguments for ``request``: a Lambda invoke job over the CSV manifest, reporting
    every task under the report prefix."""
    return {
        "AccountId": request.account_id,
        "ConfirmationRequired": False,
        "Operation": {
            "LambdaInvoke": {"FunctionArn": request.function_arn, "InvocationSchemaVersion": SCHEMA_VERSION}
        },
        "Manifest": {
            "Spec": {"Format": MANIFEST_FORMAT, "Fields": list(MANIFEST_FIELDS)},
            "Location": {
                "ObjectArn": f"arn:aws:s3:::{request.manifest_bucket}/{request.manifest_key}",
                "ETag": request.manifest_etag,
            },
        },
        "Report": {
            "Bucket": f"arn:aws:s3:::{request.report_bucket}",
            "Prefix": request.report_prefix.rstrip("/"),
            "Format": REPORT_FORMAT,
            "Enabled": True,
            "ReportScope": "AllTasks",
        },
        "ClientRequestToken": request.client_token,
        "Description": request.description,
        "Priority": request.priority,
        "RoleArn": request.role_arn,
    }


def job_progress(job: Mapping[str, Any]) -> JobProgress:
    """A ``DescribeJob`` answer's ``Job`` as progress."""
    summary = job.get("ProgressSummary") or {}
    reasons = tuple(
        f"{reason.get('FailureCode', '')}: {reason.get('FailureReason', '')}"
        for reason in job.get("FailureReasons") or []
    )
    return JobProgress(
        status=str(job.get("Status", "")),
        total=int(summary.get("TotalNumberOfTasks", 0)),
        succeeded=int(summary.get("NumberOfTasksSucceeded", 0)),
        failed=int(summary.get("NumberOfTasksFailed", 0)),
        failure_reasons=reasons,
    )
