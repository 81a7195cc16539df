"""`palettes backfill --engine batch-operations`: one S3 Batch Operations job over the stills.

The current version of every object under the prefix goes in a CSV manifest written to the bucket
under ``batch-manifests/``, the films taken in turn (:func:`across_films`); after a confirmation
the job is created (``CreateJob``) to invoke the extract function with invocation schema 2.0 for
each, reporting every task under ``batch-reports/``, and its progress is followed with
``DescribeJob`` until it ends. The role the job runs as and both prefixes are the template's
(``BatchOperationsRole``).
"""

from __future__ import annotations

import itertools
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from palettes_cli.batch_jobs import BatchJobs, JobProgress, JobRequest, ManifestEntry, manifest_csv
from palettes_cli.errors import ClientError
from palettes_cli.progress import progress_bar

MANIFEST_PREFIX = "batch-manifests/"
REPORT_PREFIX = "batch-reports/"
POLL_SECONDS = 5.0


@dataclass(frozen=True)
class BatchBackfill:
    """One backfill: where the stills are, what the job invokes and as which role."""

    bucket: str
    prefix: str
    function: str
    role_arn: str
    account_id: str
    region: str


def current_versions(s3: Any, bucket: str, prefix: str) -> list[ManifestEntry]:
    """The current version of each object under ``prefix`` (removed keys, whose current version is a
    delete marker, and console "folders" left out)."""
    entries = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for version in page.get("Versions", []):
            if version.get("IsLatest") and not version["Key"].endswith("/"):
                version_id = version.get("VersionId")
                entries.append(
                    ManifestEntry(bucket, version["Key"], None if version_id == "null" else version_id)
                )
    return entries


def across_films(entries: list[ManifestEntry]) -> list[ManifestEntry]:
    """``entries`` taken from each film (key folder) in turn: a listing gives one film after another,
    and tasks run near each other in the manifest would all write one film's partition of the table
    (``FILM#<film>``); in turn, they spread over every film's."""
    films: dict[str, list[ManifestEntry]] = {}
    for entry in entries:
        films.setdefault(entry.key.rsplit("/", 1)[0], []).append(entry)
    rounds = itertools.zip_longest(*films.values())
    return [entry for round_ in rounds for entry in round_ if entry is not None]


def write_manifest(
    s3: Any, bucket: str, entries: list[ManifestEntry], *, now: datetime | None = None
) -> tuple[str, str]:
    """Put the manifest under ``MANIFEST_PREFIX``; its key and ETag (the job pins it)."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    key = f"{MANIFEST_PREFIX}{stamp}-{uuid.uuid4().hex[:8]}.csv"
    response = s3.put_object(
        Bucket=bucket, Key=key, Body=manifest_csv(entries).encode(), ContentType="text/csv"
    )
    return key, str(response["ETag"]).strip('"')


def function_arn(function: str, *, region: str, account_id: str) -> str:
    """The extract function's ARN (CreateJob wants one) from its name or ARN."""
    if function.startswith("arn:"):
        return function
    return f"arn:aws:lambda:{region}:{account_id}:function:{function}"


def start_job(
    backfill: BatchBackfill,
    s3: Any,
    jobs: BatchJobs,
    *,
    confirm: Callable[[str], bool],
) -> tuple[str, int] | None:
    """Write the manifest and, once confirmed, create the job: its id and task count (``None`` when
    declined or when there is nothing to backfill)."""
    entries = current_versions(s3, backfill.bucket, backfill.prefix)
    where = f"s3://{backfill.bucket}/{backfill.prefix}"
    if not entries:
        print(f"backfill: no objects under {where}", file=sys.stderr)
        return None
    manifest_key, etag = write_manifest(s3, backfill.bucket, across_films(entries))
    arn = function_arn(backfill.function, region=backfill.region, account_id=backfill.account_id)
    question = (
        f"Create an S3 Batch Operations job invoking {arn} for {len(entries)} stills under {where} "
        f"(manifest s3://{backfill.bucket}/{manifest_key}, report under {REPORT_PREFIX})?"
    )
    if not confirm(question):
        print("backfill: no job created", file=sys.stderr)
        return None
    request = JobRequest(
        account_id=backfill.account_id,
        function_arn=arn,
        role_arn=backfill.role_arn,
        manifest_bucket=backfill.bucket,
        manifest_key=manifest_key,
        manifest_etag=etag,
        report_bucket=backfill.bucket,
        report_prefix=REPORT_PREFIX,
        client_token=str(uuid.uuid4()),
        description=f"palettes backfill of {where}",
    )
    return jobs.create_job(request), len(entries)


def follow_job(
    jobs: BatchJobs,
    account_id: str,
    job_id: str,
    total: int,
    *,
    poll_seconds: float = POLL_SECONDS,
    progress: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> JobProgress:
    """Poll ``DescribeJob`` until the job ends, with a progress bar of finished tasks; the last answer."""
    with progress_bar(total, unit="still", desc="batch job", enabled=progress) as bar:
        while True:
            state = jobs.describe_job(account_id, job_id)
            bar.update(max(0, state.done - bar.n))
            bar.set_postfix_str(f"{state.status}, {state.failed} failed")
            if state.finished:
                return state
            sleep(poll_seconds)


def confirm_on_terminal(question: str) -> bool:
    """Ask ``question`` on the terminal; refuse to guess when there is none (pass --yes)."""
    if not sys.stdin.isatty():
        raise ClientError("confirmation needed and stdin is not a terminal: pass --yes to create the job")
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def report_outcome(state: JobProgress, job_id: str, bucket: str) -> int:
    """Print the job's end; the exit code (1 unless every task succeeded)."""
    print(
        f"backfill: job {job_id} {state.status}: {state.succeeded} succeeded, {state.failed} failed of "
        f"{state.total}; report under s3://{bucket}/{REPORT_PREFIX}job-{job_id}/",
        file=sys.stderr,
    )
    for reason in state.failure_reasons:
        print(f"  job failure: {reason}", file=sys.stderr)
    return 0 if state.status == "Complete" and state.failed == 0 else 1
