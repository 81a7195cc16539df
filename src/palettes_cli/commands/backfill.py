"""`palettes backfill`: send stills already in the bucket through the extract function.

``--engine invoke`` (the default, for a film or a few): each object under the prefix becomes the S3
event its upload would have sent, invoked asynchronously from this machine (Lambda queues it and
retries it as it does S3's own events). ``--engine batch-operations`` (for many): one S3 Batch
Operations job over a manifest of the objects' current versions (``palettes_cli.batch_backfill``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from palettes_cli import batch_backfill
from palettes_cli.api_client import ApiClient
from palettes_cli.batch_jobs import S3ControlJobs
from palettes_cli.commands import Subparsers, add_service_parser
from palettes_cli.errors import ClientError, reports_errors
from palettes_cli.progress import progress_bar
from palettes_cli.s3_events import S3Object, s3_event
from palettes_cli.settings import BATCH_ROLE, BUCKET, EXTRACT_FUNCTION, Settings
from palettes_cli.stills import add_wait_arguments, print_records, wait_for_palettes

# The lowest sequencer: a backfill event never overrides a record made from a real upload's event,
# and backfilling twice records nothing new (see `backfill_event`).
BACKFILL_SEQUENCER = "0" * 16
BACKFILL_PRINCIPAL = "palettes-backfill"
INVOKE_WORKERS = 4
ENGINES = ("invoke", "batch-operations")


def add_parser(subparsers: Subparsers) -> None:
    parser = add_service_parser(
        subparsers,
        "backfill",
        help="send stills already in the bucket through the pipeline (needs --function)",
        description="List the objects under PREFIX and invoke the extract function (--function, needed "
        "unless --dry-run) asynchronously with an S3 event for each, the path of a fresh upload. Stills "
        "that already have a record are skipped by the function, so running it twice is harmless. "
        "--engine batch-operations creates one S3 Batch Operations job instead (for large sets).",
    )
    BUCKET.add_to(parser)
    parser.add_argument("--prefix", required=True, help="e.g. stills/my-film/")
    EXTRACT_FUNCTION.add_to(parser, needed="; needed unless --dry-run")
    parser.add_argument("--dry-run", action="store_true", help="list what would be sent, send nothing")
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="invoke",
        help="invoke: one asynchronous invoke per still from here (default); batch-operations: one "
        "S3 Batch Operations job, followed until it ends",
    )
    BATCH_ROLE.add_to(parser, needed="; needed by --engine batch-operations")
    parser.add_argument("--yes", action="store_true", help="create the batch job without asking")
    add_wait_arguments(parser, timeout=600)
    parser.set_defaults(run=run)


@reports_errors
def run(args: argparse.Namespace) -> int:
    settings = Settings.from_args(args)
    bucket = BUCKET.required(settings.bucket)
    where = f"s3://{bucket}/{args.prefix}"
    objects = list_objects(settings.aws_client("s3"), bucket, args.prefix)
    if args.dry_run:
        for stored in objects:
            print(stored.key)
        print(f"{len(objects)} objects under {where} (dry run: nothing sent)", file=sys.stderr)
        return 0
    function = EXTRACT_FUNCTION.required(settings.extract_function)
    if args.engine == "batch-operations":
        return run_batch_operations(args, settings, bucket, function)
    lambda_client = settings.aws_client("lambda")
    invoker = LambdaInvoker(lambda_client, function)
    summary = backfill(objects, bucket, invoker, region=lambda_client.meta.region_name)
    _report(summary, where, function)
    if args.wait and summary.sent:
        not_sent = {key for key, _ in summary.failed}
        sent_keys = [stored.key for stored in objects if stored.key not in not_sent]
        api = ApiClient.from_settings(settings)
        print_records(wait_for_palettes(api, sent_keys, timeout=args.timeout).values())
    return 1 if summary.failed else 0


def run_batch_operations(args: argparse.Namespace, settings: Settings, bucket: str, function: str) -> int:
    """One S3 Batch Operations job over the prefix, confirmed unless ``--yes``, followed to its end."""
    s3 = settings.aws_client("s3")
    sts = settings.aws_client("sts")
    backfill = batch_backfill.BatchBackfill(
        bucket=bucket,
        prefix=args.prefix,
        function=function,
        role_arn=BATCH_ROLE.required(settings.batch_role_arn),
        account_id=str(sts.get_caller_identity()["Account"]),
        region=str(s3.meta.region_name),
    )
    jobs = S3ControlJobs(settings.aws_client("s3control"))
    confirm = (lambda _question: True) if args.yes else batch_backfill.confirm_on_terminal
    started = batch_backfill.start_job(backfill, s3, jobs, confirm=confirm)
    if started is None:
        return 0
    job_id, total = started
    print(f"backfill: created job {job_id} ({total} tasks)", file=sys.stderr)
    state = batch_backfill.follow_job(jobs, backfill.account_id, job_id, total)
    return batch_backfill.report_outcome(state, job_id, bucket)


class Invoker(Protocol):
    """Where a backfill sends each event: the extract function's asynchronous invocation."""

    def invoke_async(self, event: Mapping[str, Any]) -> None: ...


class LambdaInvoker:
    """``lambda:InvokeFunction`` with ``InvocationType=Event``: Lambda queues the event and retries it
    as it does S3's own, with the function's on-failure destination. The local stack's endpoint
    answers the same call (see local/lambda_endpoint.py)."""

    def __init__(self, lambda_client: Any, function_name: str) -> None:
        self._client = lambda_client
        self.function_name = function_name

    def invoke_async(self, event: Mapping[str, Any]) -> None:
        response = self._client.invoke(
            FunctionName=self.function_name, InvocationType="Event", Payload=json.dumps(event).encode()
        )
        if response.get("StatusCode") != 202:
            raise ClientError(f"Lambda did not queue the event (status {response.get('StatusCode')})")


@dataclass(frozen=True)
class StoredObject:
    key: str
    etag: str
    size: int


def list_objects(s3: Any, bucket: str, prefix: str) -> list[StoredObject]:
    objects = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if item["Key"].endswith("/"):
                continue  # a console "folder", not a still
            objects.append(StoredObject(item["Key"], str(item["ETag"]).strip('"'), int(item["Size"])))
    return objects


def backfill_event(
    bucket: str, stored: StoredObject, *, region: str, now: datetime | None = None
) -> dict[str, Any]:
    """The S3 notification an upload of ``stored`` would have sent, for the function to process as such.

    The object is identified by its ETag (the function reads it only if it still has that ETag);
    the sequencer is the lowest there is, so the event never replaces a record made from a real
    event of the key.
    """
    s3_object = S3Object(stored.key, stored.etag, stored.size, sequencer=BACKFILL_SEQUENCER)
    return s3_event(bucket, [s3_object], region=region, requester=BACKFILL_PRINCIPAL, event_time=now)


@dataclass(frozen=True)
class BackfillSummary:
    listed: int
    sent: int
    failed: list[tuple[str, str]]


def backfill(
    objects: Sequence[StoredObject], bucket: str, invoker: Invoker, *, region: str, progress: bool = True
) -> BackfillSummary:
    """Send one event per object through ``invoker``, in parallel, with a progress bar."""
    failed: list[tuple[str, str]] = []

    def send(stored: StoredObject) -> None:
        invoker.invoke_async(backfill_event(bucket, stored, region=region))

    with (
        progress_bar(len(objects), unit="still", desc="backfill", enabled=progress) as bar,
        ThreadPoolExecutor(max_workers=INVOKE_WORKERS) as pool,
    ):
        futures = {pool.submit(send, stored): stored for stored in objects}
        for future in as_completed(futures):
            if (error := future.exception()) is not None:
                failed.append((futures[future].key, str(error)))
            bar.update(1)
    return BackfillSummary(listed=len(objects), sent=len(objects) - len(failed), failed=sorted(failed))


def _report(summary: BackfillSummary, where: str, function: str) -> None:
    not_sent = f"; {len(summary.failed)} not sent" if summary.failed else ""
    print(
        f"backfill: {summary.sent} of {summary.listed} objects under {where} sent to {function}{not_sent}",
        file=sys.stderr,
    )
    for key, reason in summary.failed:
        print(f"  not sent: {key}: {reason}", file=sys.stderr)
