"""`palettes backfill --engine batch-operations` on moto: the manifest, the CreateJob request (checked
against S3 Control's API model, which moto does not serve), the confirmation and the progress."""

from __future__ import annotations

import io
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from palettes_cli import batch_backfill
from palettes_cli.batch_jobs import (
    JobProgress,
    JobRequest,
    ManifestEntry,
    S3ControlJobs,
    create_job_arguments,
    parse_manifest,
)
from palettes_cli.main import main
from tests.conftest import REGION

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/palettes-BatchOperationsRole"


class RecordingJobs:
    """A :class:`BatchJobs` that records what it is asked and answers ``states`` in turn."""

    def __init__(self, states: list[JobProgress]) -> None:
        self.created: list[JobRequest] = []
        self.described: list[tuple[str, str]] = []
        self._states = states

    def create_job(self, request: JobRequest) -> str:
        self.created.append(request)
        return "job-1"

    def describe_job(self, account_id: str, job_id: str) -> JobProgress:
        self.described.append((account_id, job_id))
        return self._states[min(len(self.described), len(self._states)) - 1]


def backfill_of(bucket: str) -> batch_backfill.BatchBackfill:
    return batch_backfill.BatchBackfill(
        bucket=bucket,
        prefix="stills/film/",
        function="palettes-Extract",
        role_arn=ROLE,
        account_id=ACCOUNT,
        region=REGION,
    )


def test_the_manifest_names_the_current_version_of_each_still_under_the_prefix(
    s3_client: Any, stills_bucket: str
) -> None:
    put = s3_client.put_object
    put(Bucket=stills_bucket, Key="stills/film/a.jpg", Body=b"old")
    current = put(Bucket=stills_bucket, Key="stills/film/a.jpg", Body=b"new")["VersionId"]
    odd = put(Bucket=stills_bucket, Key="stills/film/b c+é,1.jpg", Body=b"b")["VersionId"]
    put(Bucket=stills_bucket, Key="stills/film/removed.jpg", Body=b"gone")
    s3_client.delete_object(Bucket=stills_bucket, Key="stills/film/removed.jpg")
    put(Bucket=stills_bucket, Key="stills/film/", Body=b"")
    put(Bucket=stills_bucket, Key="stills/other/x.jpg", Body=b"x")
    jobs = RecordingJobs([])

    started = batch_backfill.start_job(backfill_of(stills_bucket), s3_client, jobs, confirm=lambda _: True)

    assert started == ("job-1", 2)
    (request,) = jobs.created
    manifest = s3_client.get_object(Bucket=stills_bucket, Key=request.manifest_key)
    assert request.manifest_key.startswith(batch_backfill.MANIFEST_PREFIX)
    assert manifest["ETag"].strip('"') == request.manifest_etag
    text = manifest["Body"].read().decode()
    assert "b+c%2B%C3%A9%2C1.jpg" in text  # URL-encoded, as Batch Operations reads keys
    assert sorted(parse_manifest(text), key=lambda entry: entry.key) == [
        ManifestEntry(stills_bucket, "stills/film/a.jpg", current),
        ManifestEntry(stills_bucket, "stills/film/b c+é,1.jpg", odd),
    ]
    assert request.function_arn == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:palettes-Extract"
    assert (request.report_bucket, request.report_prefix) == (stills_bucket, batch_backfill.REPORT_PREFIX)
    assert (request.role_arn, request.account_id) == (ROLE, ACCOUNT)


def test_the_manifest_takes_the_films_in_turn() -> None:
    entries = [
        ManifestEntry("b", f"stills/{film}/{n}.jpg", None) for film in ("a", "b", "c") for n in range(3)
    ]
    entries += [ManifestEntry("b", "stills/d/0.jpg", None)]

    ordered = batch_backfill.across_films(entries)

    assert sorted(ordered, key=lambda entry: entry.key) == entries
    assert [entry.key.split("/")[1] for entry in ordered] == [*"abcd", *"abc", *"abc"]


def test_a_declined_confirmation_creates_no_job(s3_client: Any, stills_bucket: str) -> None:
    s3_client.put_object(Bucket=stills_bucket, Key="stills/film/a.jpg", Body=b"a")
    jobs = RecordingJobs([])
    asked: list[str] = []

    def decline(question: str) -> bool:
        asked.append(question)
        return False

    assert batch_backfill.start_job(backfill_of(stills_bucket), s3_client, jobs, confirm=decline) is None
    assert jobs.created == []
    assert "for 1 stills under s3://" in asked[0]


def test_progress_is_followed_until_the_job_ends() -> None:
    states = [
        JobProgress("Preparing", 0, 0, 0),
        JobProgress("Active", 10, 4, 1),
        JobProgress("Complete", 10, 8, 2),
    ]
    jobs = RecordingJobs(states)
    waits: list[float] = []

    final = batch_backfill.follow_job(
        jobs, ACCOUNT, "job-1", 10, poll_seconds=3, progress=False, sleep=waits.append
    )

    assert final == states[-1]
    assert jobs.described == [(ACCOUNT, "job-1")] * 3
    assert waits == [3, 3]
    assert batch_backfill.report_outcome(final, "job-1", "bucket") == 1  # some tasks failed


def test_create_job_and_describe_job_requests_fit_s3_controls_api() -> None:
    client = boto3.client("s3control", region_name=REGION)
    request = JobRequest(
        account_id=ACCOUNT,
        function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:palettes-Extract",
        role_arn=ROLE,
        manifest_bucket="stills",
        manifest_key="batch-manifests/x.csv",
        manifest_etag="abc",
        report_bucket="stills",
        report_prefix="batch-reports/",
        client_token="token-1",
    )
    with Stubber(client) as stubber:
        stubber.add_response("create_job", {"JobId": "job-1"}, create_job_arguments(request))
        stubber.add_response(
            "describe_job",
            {
                "Job": {
                    "Status": "Active",
                    "ProgressSummary": {
                        "TotalNumberOfTasks": 7,
                        "NumberOfTasksSucceeded": 3,
                        "NumberOfTasksFailed": 1,
                    },
                }
            },
            {"AccountId": ACCOUNT, "JobId": "job-1"},
        )
        jobs = S3ControlJobs(client)
        assert jobs.create_job(request) == "job-1"
        assert jobs.describe_job(ACCOUNT, "job-1") == JobProgress("Active", 7, 3, 1)
        stubber.assert_no_pending_responses()
    arguments = create_job_arguments(request)
    assert arguments["Operation"]["LambdaInvoke"]["InvocationSchemaVersion"] == "2.0"
    assert arguments["Report"] == {
        "Bucket": "arn:aws:s3:::stills",
        "Prefix": "batch-reports",
        "Format": "Report_CSV_20180820",
        "Enabled": True,
        "ReportScope": "AllTasks",
    }


@pytest.mark.parametrize(
    ("extra", "message"),
    [([], "pass --yes"), (["--role-arn", ""], "no Batch Operations role")],
    ids=["no-terminal-no-yes", "no-role"],
)
def test_the_command_needs_a_confirmation_and_a_role(
    extra: list[str],
    message: str,
    s3_client: Any,
    stills_bucket: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    s3_client.put_object(Bucket=stills_bucket, Key="stills/film/a.jpg", Body=b"a")
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.delenv("PALETTES_BATCH_ROLE_ARN", raising=False)
    arguments = [
        "backfill",
        "--engine",
        "batch-operations",
        "--bucket",
        stills_bucket,
        "--prefix",
        "stills/film/",
    ]
    arguments += ["--function", "palettes-Extract", "--region", REGION]
    arguments += extra if extra else ["--role-arn", ROLE]

    assert main(arguments) == 1
    assert message in capsys.readouterr().err
