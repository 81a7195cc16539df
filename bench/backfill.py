"""A large backfill through the local stack: S3 Batch Operations beside one invoke per still.

Puts ``--stills`` small generated JPEGs under ``stills/bf-NN/`` (``--films`` films) and
``--baseline`` more under ``stills/inv-NN/`` while the bucket notifies nothing (stills that predate
the stack), then backfills:

* the first set with ``--engine batch-operations``'s path: the CLI's manifest and job
  (``palettes_cli.batch_backfill``) run by the local emulation (``local.batch_jobs``): every task
  through the real extract handler, ``--environments`` execution environments at once;
* the second with ``--engine invoke``'s path: one asynchronous invoke per still from this machine,
  through the stack's dispatcher, as today.

Prints, for each, stills per second (from the first request to the last outcome) and per-still
milliseconds of wall time per environment, and checks that nothing was lost: DONE items equal the
manifest's rows, the completion report has a row for each, all succeeded. Then what a still writes
to DynamoDB (items and write units, from the items' sizes) and how the writes spread over partition
keys, for the 1,000,000-still figures in the README. The aggregate function rebuilds the films from
the table's stream meanwhile, as deployed; both paths share the machine with it.

    python -m bench.backfill [--stills 10000] [--films 20] [--baseline 500] [--environments 2]

A benchmark: it prints figures beside the baseline of the same run and asserts nothing.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.film_rebuild import item_bytes
from scripts.load_test import all_pages, scan_items, still_jpeg

WRITE_UNIT_BYTES = 1024
BATCH_FILMS = "bf-"
INVOKE_FILMS = "inv-"


@dataclass(frozen=True)
class PathFigures:
    name: str
    stills: int
    seconds: float
    done: int
    failed: int
    lost: int
    environments: int

    def line(self) -> str:
        rate = self.stills / self.seconds if self.seconds else 0.0
        per_still = self.seconds * self.environments / self.stills * 1000 if self.stills else 0.0
        return (
            f"{self.name:<28} {self.stills:>7} stills {self.seconds:>8.1f} s {rate:>8.1f} stills/s "
            f"{per_still:>7.0f} ms/still/env   DONE {self.done}, FAILED {self.failed}, lost {self.lost}"
        )


def put_stills(stack: Any, prefix: str, count: int, films: int, uploaders: int) -> list[str]:
    """Put ``count`` generated stills under ``stills/<prefix>NN/`` with ``uploaders`` threads."""
    local = threading.local()

    def put(index: int) -> str:
        if not hasattr(local, "s3"):
            local.s3 = stack.client("s3")
        key = f"{stack.input_prefix}{prefix}{index % films:02d}/still-{index:06d}.jpg"
        local.s3.put_object(Bucket=stack.bucket, Key=key, Body=still_jpeg(index), ContentType="image/jpeg")
        return key

    with ThreadPoolExecutor(max_workers=uploaders) as pool:
        return list(pool.map(put, range(count)))


@dataclass(frozen=True)
class FilmSet:
    """The films one path backfills, named as :func:`put_stills` names them: ``<prefix>00`` and on."""

    prefix: str
    films: int

    def names(self) -> list[str]:
        return [f"{self.prefix}{index:02d}" for index in range(self.films)]


def still_items(table: Any, films: FilmSet) -> list[dict[str, Any]]:
    """Every still item of ``films``: a query of each film's partition, as the service reads them (a scan
    of the whole table, colour index included, grows slower with every still the bench adds)."""
    from boto3.dynamodb.conditions import Key

    return [
        item
        for film in films.names()
        for item in all_pages(
            table.query, KeyConditionExpression=Key("pk").eq(f"FILM#{film}") & Key("sk").begins_with("STILL#")
        )
    ]


def wait_recorded(table: Any, films: FilmSet, expected: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (
            sum(1 for item in still_items(table, films) if item.get("status") in ("DONE", "FAILED"))
            >= expected
        ):
            return
        time.sleep(2)


def outcome_counts(table: Any, films: FilmSet, expected: int) -> tuple[int, int, int]:
    statuses = Counter(str(item.get("status")) for item in still_items(table, films))
    return statuses["DONE"], statuses["FAILED"], expected - statuses["DONE"] - statuses["FAILED"]


def run_batch_path(stack: Any, table: Any, count: int, films: FilmSet) -> tuple[PathFigures, list[str]]:
    from local.batch_jobs import LocalBatchJobs
    from palettes_cli import batch_backfill
    from palettes_stack.batch_operations import read_report

    s3 = stack.client("s3")
    jobs = LocalBatchJobs(stack)
    backfill = batch_backfill.BatchBackfill(
        bucket=stack.bucket,
        prefix=f"{stack.input_prefix}{films.prefix}",
        function=stack.extract_function.name,
        role_arn="arn:aws:iam::123456789012:role/local",
        account_id=stack.client("sts").get_caller_identity()["Account"],
        region=stack.settings.region,
    )
    started = time.monotonic()
    created = batch_backfill.start_job(backfill, s3, jobs, confirm=lambda _question: True)
    assert created is not None
    job_id, total = created
    state = batch_backfill.follow_job(jobs, backfill.account_id, job_id, total, poll_seconds=1.0)
    seconds = time.monotonic() - started
    report = read_report(
        lambda key: bytes(s3.get_object(Bucket=stack.bucket, Key=key)["Body"].read()),
        job_id,
        batch_backfill.REPORT_PREFIX,
    )
    retried = sum(1 for task in jobs.task_reports(job_id) if task.attempts > 1)
    done, failed, lost = outcome_counts(table, films, count)
    notes = [
        f"job {state.status}: {state.succeeded} succeeded, {state.failed} failed of {state.total} tasks "
        f"(manifest rows {total}); report rows {len(report)}, "
        f"{sum(1 for row in report if row['TaskStatus'] == 'succeeded')} succeeded; {retried} tasks retried",
    ]
    figures = PathFigures(
        "batch-operations (local)", count, seconds, done, failed, lost, stack.settings.extract_concurrency
    )
    return figures, notes


def run_invoke_path(stack: Any, table: Any, count: int, films: FilmSet, timeout: float) -> PathFigures:
    from palettes_cli.commands.backfill import LambdaInvoker, backfill, list_objects

    s3 = stack.client("s3")
    lambda_client = stack.client("lambda")
    objects = list_objects(s3, stack.bucket, f"{stack.input_prefix}{films.prefix}")
    started = time.monotonic()
    invoker = LambdaInvoker(lambda_client, stack.extract_function.name)
    backfill(objects, stack.bucket, invoker, region=stack.settings.region)
    wait_recorded(table, films, count, timeout)
    seconds = time.monotonic() - started
    done, failed, lost = outcome_counts(table, films, count)
    return PathFigures(
        "invoke (baseline)", count, seconds, done, failed, lost, stack.settings.extract_concurrency
    )


def write_figures(table: Any) -> list[str]:
    """What a still costs in DynamoDB writes, and how every item spreads over partition keys."""
    items = scan_items(table)
    stills = [item for item in items if str(item["sk"]).startswith("STILL#") and item.get("status") == "DONE"]
    units = [math.ceil(item_bytes(item) / WRITE_UNIT_BYTES) for item in stills]
    per_kind = Counter(str(item["pk"]).split("#", 1)[0] for item in items)
    by_key = Counter(str(item["pk"]) for item in items)
    colour_keys = Counter({key: count for key, count in by_key.items() if key.startswith("COLOR#")})
    top_colour, top_count = colour_keys.most_common(1)[0] if colour_keys else ("-", 0)
    film_keys = {key: count for key, count in by_key.items() if key.startswith("FILM#")}
    lines = [
        f"DONE still items {len(stills)}: {sum(units) / max(1, len(units)):.1f} write units each on average "
        f"(max {max(units, default=0)}), from their sizes (1 KB a unit); the claim before it is 1 unit",
        f"items by partition key kind: {dict(per_kind)}; "
        f"items per still {len(items) / max(1, len(stills)):.1f}",
        f"the largest film partition holds {max(film_keys.values(), default=0)} items; "
        f"colour index partitions {len(colour_keys)}, the largest {top_colour} holds {top_count} "
        f"({top_count / max(1, sum(colour_keys.values())):.1%} of colour entries)",
    ]
    return lines


def run(options: argparse.Namespace) -> None:
    from local.stack import LocalStack, LocalStackSettings

    settings = LocalStackSettings(
        stack_name=f"palettes-backfill-bench-{os.getpid()}",
        extract_concurrency=options.environments,
        log_dir=Path(tempfile.mkdtemp(prefix="backfill-bench-logs-")),
    )
    print(
        f"backfill bench: {options.stills} stills (batch) and {options.baseline} (invoke baseline), "
        f"{options.films} films each, {options.environments} execution environments, {os.cpu_count()} cores"
    )
    with LocalStack(settings) as stack:
        table = stack.resource("dynamodb").Table(stack.table_name)
        timed(
            "put the stills (no notification)",
            lambda: _put_both(stack, options),
        )
        batch, notes = run_batch_path(stack, table, options.stills, FilmSet(BATCH_FILMS, options.films))
        baseline = run_invoke_path(
            stack, table, options.baseline, FilmSet(INVOKE_FILMS, options.films), options.timeout
        )
        stack.wait_idle(timeout=options.timeout)
        figures = write_figures(table)
    print()
    print(batch.line())
    print(baseline.line())
    for line in [*notes, *figures]:
        print(f"  {line}")
    speedup = (batch.stills / batch.seconds) / (baseline.stills / baseline.seconds) if baseline.seconds else 0
    print(f"  batch-operations / invoke throughput: {speedup:.2f}x on this machine")


def _put_both(stack: Any, options: argparse.Namespace) -> None:
    with stack.notifications_paused():
        put_stills(stack, BATCH_FILMS, options.stills, options.films, options.uploaders)
        put_stills(stack, INVOKE_FILMS, options.baseline, options.films, options.uploaders)


def timed(what: str, action: Callable[[], Any]) -> None:
    started = time.monotonic()
    action()
    print(f"{what}: {time.monotonic() - started:.1f} s", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stills", type=int, default=10_000)
    parser.add_argument("--films", type=int, default=20)
    parser.add_argument("--baseline", type=int, default=500)
    parser.add_argument("--environments", type=int, default=2)
    parser.add_argument("--uploaders", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=3600)
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
