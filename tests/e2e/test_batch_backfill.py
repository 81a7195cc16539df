"""`palettes backfill --engine batch-operations` on the local stack, end to end.

Stills put while the bucket notified nothing (as stills uploaded before the stack) are backfilled by
one Batch Operations job: the CLI writes the manifest and creates the job, the local emulation runs
every task through the real extract handler at the function's concurrency and writes S3's completion
report. A corrupt still is a PermanentFailure and a FAILED item; a throttled task is a
TemporaryFailure, tried again and Succeeded.
"""

from __future__ import annotations

from typing import Any

import pytest

from local.batch_jobs import LocalBatchJobs
from local.stack import LocalStack
from palette_service.data.clients import CLIENT_CONFIG
from palettes_cli import batch_backfill
from palettes_stack.batch_operations import read_report
from tests.conftest import make_jpeg

pytestmark = pytest.mark.e2e

FILM = "batch-backfill"
GOOD = [f"frame-{number:02d}.jpg" for number in range(6)]
CORRUPT = "corrupt.jpg"
THROTTLED = GOOD[2]
# The extract function's clients retry (palette_service.data.clients); botocore's max_attempts counts
# the retries, so a request is sent once more. That many throttled reads make one invocation fail with
# throttling; the next one passes.
SDK_ATTEMPTS = int(getattr(CLIENT_CONFIG, "retries")["max_attempts"]) + 1  # untyped in botocore


@pytest.fixture(scope="module")
def backfilled(stack: LocalStack) -> dict[str, Any]:
    s3 = stack.client("s3")
    with stack.notifications_paused():
        for name in GOOD:
            s3.put_object(Bucket=stack.bucket, Key=f"stills/{FILM}/{name}", Body=make_jpeg(seed=len(name)))
        s3.put_object(Bucket=stack.bucket, Key=f"stills/{FILM}/{CORRUPT}", Body=b"\xff\xd8\xff truncated")
    jobs = LocalBatchJobs(stack)
    backfill = batch_backfill.BatchBackfill(
        bucket=stack.bucket,
        prefix=f"stills/{FILM}/",
        function=stack.extract_function.name,
        role_arn="arn:aws:iam::123456789012:role/local-batch-operations",
        account_id=stack.client("sts").get_caller_identity()["Account"],
        region=stack.settings.region,
    )
    questions: list[str] = []

    def confirm(question: str) -> bool:
        questions.append(question)
        return True

    with stack.s3_reads_throttled(f"stills/{FILM}/{THROTTLED}", SDK_ATTEMPTS):
        started = batch_backfill.start_job(backfill, s3, jobs, confirm=confirm)
        assert started is not None
        job_id, total = started
        state = batch_backfill.follow_job(
            jobs, backfill.account_id, job_id, total, poll_seconds=0.2, progress=False
        )

    def read(key: str) -> bytes:
        body: bytes = s3.get_object(Bucket=stack.bucket, Key=key)["Body"].read()
        return body

    return {
        "state": state,
        "questions": questions,
        "report": read_report(read, job_id, batch_backfill.REPORT_PREFIX),
        "tasks": {report.entry.key: report for report in jobs.task_reports(job_id)},
        "table": stack.resource("dynamodb").Table(stack.table_name),
    }


def item(backfilled: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = backfilled["table"].get_item(
        Key={"pk": f"FILM#{FILM}", "sk": f"STILL#{name}"}, ConsistentRead=True
    )["Item"]
    return found


def test_the_job_was_confirmed_and_ran_every_still(backfilled: dict[str, Any]) -> None:
    (question,) = backfilled["questions"]
    assert f"for {len(GOOD) + 1} stills under s3://" in question
    state = backfilled["state"]
    assert (state.status, state.total, state.succeeded, state.failed) == ("Complete", 7, 6, 1)


def test_every_good_still_is_done_and_the_corrupt_one_failed(backfilled: dict[str, Any]) -> None:
    for name in GOOD:
        assert item(backfilled, name)["status"] == "DONE", name
    failed = item(backfilled, CORRUPT)
    assert failed["status"] == "FAILED" and failed["reason"]


def test_the_completion_report_has_a_row_for_every_task(backfilled: dict[str, Any]) -> None:
    rows = {row["Key"].rsplit("/", 1)[-1]: row for row in backfilled["report"]}
    assert sorted(rows) == sorted([*GOOD, CORRUPT])
    for name in GOOD:
        assert (rows[name]["TaskStatus"], rows[name]["ErrorCode"], rows[name]["ResultMessage"]) == (
            "succeeded",
            "",
            "processed",
        )
        assert rows[name]["VersionId"]
    corrupt = rows[CORRUPT]
    failed = item(backfilled, CORRUPT)
    assert (corrupt["TaskStatus"], corrupt["ErrorCode"]) == ("failed", "PermanentFailure")
    assert corrupt["ResultMessage"] == f"{failed['error']}: {failed['reason']}"


def test_the_throttled_task_failed_for_now_and_succeeded_when_tried_again(backfilled: dict[str, Any]) -> None:
    tasks = backfilled["tasks"]
    assert tasks[f"stills/{FILM}/{THROTTLED}"].attempts == 2
    assert tasks[f"stills/{FILM}/{THROTTLED}"].succeeded
    assert all(task.attempts == 1 for key, task in tasks.items() if not key.endswith(THROTTLED))
    assert item(backfilled, THROTTLED)["status"] == "DONE"
