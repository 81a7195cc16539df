"""S3 Batch Operations on the local stack: the :class:`~palettes_cli.batch_jobs.BatchJobs` a backfill
talks to, running each job in a thread through the extract function's execution environments.

``create_job`` reads the manifest from the bucket (at the ETag the request names, as S3 does), runs
its tasks with ``palettes_stack.batch_operations`` at the function's concurrency (its number of
execution environments), then writes the completion report under the report prefix; ``describe_job``
answers the job's status and counts while it runs.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError
from botocore.exceptions import ClientError as AwsClientError

from palettes_cli.batch_jobs import JobProgress, JobRequest, ManifestEntry, parse_manifest
from palettes_stack.batch_operations import (
    MAX_TASK_ATTEMPTS,
    Invocation,
    JobCounters,
    TaskReport,
    report_objects,
    run_tasks,
)

if TYPE_CHECKING:
    from local.stack import LocalStack


@dataclass
class _Job:
    request: JobRequest
    total: int = 0
    status: str = "Preparing"
    counters: JobCounters = field(default_factory=JobCounters)
    failure_reasons: tuple[str, ...] = ()
    reports: list[TaskReport] = field(default_factory=list)
    finished: threading.Event = field(default_factory=threading.Event)


class LocalBatchJobs:
    """Jobs on ``stack``, each in its own thread; tasks ``stack``'s extract concurrency at a time."""

    def __init__(self, stack: LocalStack, *, max_attempts: int = MAX_TASK_ATTEMPTS) -> None:
        self._stack = stack
        self._max_attempts = max_attempts
        self._jobs: dict[str, _Job] = {}
        self._lock = threading.Lock()

    def create_job(self, request: JobRequest) -> str:
        job_id = str(uuid.uuid4())
        job = _Job(request)
        with self._lock:
            self._jobs[job_id] = job
        threading.Thread(target=self._run, args=(job_id, job), name=f"batch-{job_id}", daemon=True).start()
        return job_id

    def describe_job(self, account_id: str, job_id: str) -> JobProgress:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise KeyError(f"no job {job_id}")
        counters = job.counters
        return JobProgress(job.status, job.total, counters.succeeded, counters.failed, job.failure_reasons)

    def task_reports(self, job_id: str) -> list[TaskReport]:
        """The finished job's tasks, with the attempts each took (which the report does not say)."""
        return list(self._jobs[job_id].reports)

    def wait(self, job_id: str, timeout: float) -> bool:
        """Whether the job finished within ``timeout`` seconds."""
        return self._jobs[job_id].finished.wait(timeout)

    def _run(self, job_id: str, job: _Job) -> None:
        try:
            entries = self._read_manifest(job.request)
            job.total, job.status = len(entries), "Active"
            reports = run_tasks(
                job_id,
                entries,
                self._invoke,
                concurrency=self._stack.settings.extract_concurrency,
                counters=job.counters,
                max_attempts=self._max_attempts,
            )
            job.reports = reports
            s3 = self._stack.client("s3")
            request = job.request
            for key, body in report_objects(
                job_id, reports, bucket=request.report_bucket, prefix=request.report_prefix
            ).items():
                s3.put_object(Bucket=request.report_bucket, Key=key, Body=body)
            job.status = "Complete"
        except (
            BotoCoreError,
            AwsClientError,
            ValueError,
        ) as error:  # the job fails, with its reason, as in S3
            job.failure_reasons = (f"{type(error).__name__}: {error}",)
            job.status = "Failed"
        finally:
            job.finished.set()

    def _read_manifest(self, request: JobRequest) -> list[ManifestEntry]:
        response = self._stack.client("s3").get_object(
            Bucket=request.manifest_bucket, Key=request.manifest_key, IfMatch=f'"{request.manifest_etag}"'
        )
        return parse_manifest(response["Body"].read().decode())

    def _invoke(self, event: dict[str, Any]) -> Invocation:
        invocation = self._stack.invoke_extract(event)
        return Invocation(ok=invocation.ok, payload=invocation.result if invocation.ok else invocation.error)
