"""A film's whole rebuild through the service: the aggregate function's work for a film of N stills.

Seeds N still items (the generated film's documents and summaries, over and over under new names)
into an in-process moto table, then runs ``aggregate_film`` as the function does: take the
generation, Query the film's items (strongly consistent, paginated), cluster the film palette,
write the timeline JSON and the barcode PNG, store the aggregate. Prints, for each N, the time and
the peak memory of the rebuild (a fresh process each run), and what it reads and writes:

* DynamoDB requests and items read, and the read units DynamoDB would bill, computed from the item
  sizes (moto reports 1 unit per request whatever it reads): a strongly consistent Query costs one
  unit per 4 KB read;
* S3 reads (none: a rebuild reads no object) and writes.

    python -m bench.film_rebuild [--stills 10000 100000] [--runs 3]

A benchmark: it prints figures beside their targets (10 s and 512 MB at 10,000 stills) and asserts
nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

TARGET_SECONDS = 10.0
TARGET_MB = 512.0
FILM = "big-film"
READ_UNIT_BYTES = 4096


def item_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB bills it: names plus values (UTF-8, binary raw, numbers ~ digits/2+1)."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: Any) -> int:
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, int | float | Decimal):
        return len(str(value).lstrip("-").replace(".", "")) // 2 + 1
    if isinstance(value, dict):
        return 3 + sum(len(k.encode()) + _value_bytes(v) for k, v in value.items())
    if isinstance(value, list):
        return 3 + sum(_value_bytes(v) for v in value)
    return len(bytes(getattr(value, "value", b"")))


def worker(count: int) -> dict[str, Any]:
    """In a fresh process: seed ``count`` stills on moto, rebuild the film once, measure it."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="eu-west-1"
    )
    import boto3
    from moto import mock_aws

    from bench.film import _peak_rss_mb, generated_film
    from palette_service.data.films import DynamoFilmRepository
    from palette_service.data.items import item_key, record_attributes
    from palette_service.data.s3 import S3StillStore
    from palette_service.domain.aggregation import AggregationServices, aggregate_film
    from palette_service.domain.records import StillKey, StillRecord, StillStatus
    from palette_service.domain.timeline import FilmPosition
    from palette_service.settings import ServiceSettings
    from palettes_stack.resources import create_bucket, create_table
    from palettes_stack.template import StackTemplate

    stills = generated_film(200)
    with mock_aws():
        stack = StackTemplate.read(stack_name="bench", region="eu-west-1")
        table = boto3.resource("dynamodb").Table(
            create_table(stack, "PalettesTable", boto3.client("dynamodb"))
        )
        bucket = create_bucket(stack, "StillsBucket", boto3.client("s3"))
        seeded_bytes = 0
        with table.batch_writer() as batch:
            for index in range(count):
                still = stills[index % len(stills)]
                record = StillRecord(
                    still=StillKey(FILM, f"shot {index}.jpg"),
                    key=f"stills/{FILM}/shot {index}.jpg",
                    status=StillStatus.DONE,
                    etag=f"{index:032x}",
                    sequencer=f"{index:032X}",
                    updated_at=f"2026-12-01T00:00:00.{index % 1_000_000:06d}Z",
                    document=still.palette.to_dict(),
                    summary=still.summary,
                    position=FilmPosition("frame", float(index)),
                )
                item = {
                    **item_key(record.still),
                    **{k: v for k, v in record_attributes(record).items() if v is not None},
                }
                seeded_bytes += item_bytes(item)
                batch.put_item(Item=item)
        s3 = boto3.client("s3")
        calls: dict[str, int] = {}
        s3.meta.events.register(
            "before-call.s3.*", lambda model, **_: calls.update({model.name: calls.get(model.name, 0) + 1})
        )
        in_aws = _time_calls(table.meta.client, s3)
        films = DynamoFilmRepository(table)
        settings = ServiceSettings.from_env({"STILLS_BUCKET": bucket, "PALETTES_TABLE": table.name})
        services = AggregationServices(settings=settings, films=films, storage=S3StillStore(s3, bucket))
        before_mb = _peak_rss_mb()
        started = time.perf_counter()
        film = aggregate_film(FILM, services)
        seconds = time.perf_counter() - started
        assert film is not None and film.counts.done == count
        return {
            "stills": count,
            "seconds": seconds,
            "aws_seconds": in_aws[0],
            "peak_mb": _peak_rss_mb(),
            "before_mb": before_mb,
            "queries": films.stats.requests,
            "items": films.stats.items,
            "read_units": math.ceil(seeded_bytes / READ_UNIT_BYTES),
            "mean_item_bytes": seeded_bytes / count,
            "s3_calls": calls,
        }


def _time_calls(*clients: Any) -> list[float]:
    """A one-element list that sums the seconds spent inside the clients' calls (moto's work here)."""
    spent = [0.0]
    started: list[float] = []
    for client in clients:
        client.meta.events.register("before-call.*.*", lambda **_: started.append(time.perf_counter()))
        client.meta.events.register(
            "after-call.*.*", lambda **_: spent.__setitem__(0, spent[0] + time.perf_counter() - started.pop())
        )
    return spent


def run(count: int, runs: int) -> list[dict[str, Any]]:
    results = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-m", "bench.film_rebuild", "--worker", str(count)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return results


def report(results: Sequence[dict[str, Any]]) -> None:
    first = results[0]
    count = first["stills"]
    seconds = statistics.median(r["seconds"] for r in results)
    peak = statistics.median(r["peak_mb"] for r in results)
    before = statistics.median(r["before_mb"] for r in results)
    own = statistics.median(r["seconds"] - r["aws_seconds"] for r in results)
    verdict = own <= TARGET_SECONDS and peak <= TARGET_MB
    print(f"\n{count:,}-still film, one rebuild, median of {len(results)} fresh processes (moto in-process)")
    aws = statistics.median(r["aws_seconds"] for r in results)
    print(
        f"  rebuild          {seconds:8.2f} s   in all, of which {aws:.2f} s inside moto's DynamoDB, S3 calls"
    )
    print(
        f"  the function's   {own:8.2f} s   own work (target at 10,000: <= {TARGET_SECONDS:.0f} s"
        " with DynamoDB's own time on top: a few tens of ms per 1 MB page)"
    )
    print(
        f"  peak RSS         {peak:8.0f} MB  ({before:.0f} MB before the rebuild, moto's table included; "
        f"target at 10,000: <= {TARGET_MB:.0f} MB)"
    )
    pages = first["queries"]
    print(f"  DynamoDB         {pages} Query pages + 2 UpdateItem (generation, aggregate)")
    print(f"                   {first['items']:,} items read, {first['mean_item_bytes']:.0f} B each")
    print(f"                   {first['read_units']:,} read units (strongly consistent, 4 KB each)")
    print(f"  S3               {first['s3_calls']} (no reads)")
    if count == 10_000:
        print(f"  targets {'met' if verdict else 'NOT met'}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--stills", type=int, nargs="+", default=[10_000])
    parser.add_argument("--runs", type=int, default=1, help="fresh processes per size (seeding moto is slow)")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return 0
    print(f"film rebuilds through the service; python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for count in args.stills:
        report(run(count, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
