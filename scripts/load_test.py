"""Load through the local stack: many uploads by concurrent uploaders, then proof that nothing was lost.

    python -m scripts.load_test                                   # 1000 stills, 10 films, 8 uploaders
    python -m scripts.load_test --stills 100 --films 4 --uploaders 4 --json out/load.json

From the repository root, as a module, so that `local` (the stack, not an installed package) imports.

The stack is the one `make demo` runs (local/): moto in server mode with template.yaml's bucket,
table and queues, S3 notifications into the extract function's async queue, a dispatcher feeding
the real handler in ``--environments`` execution environments (processes). Uploaders (threads) put
small generated JPEGs of varied colours under ``stills/film-NN/``; every ``--bad-every``-th upload
is not an image, so FAILED items are part of the count.

Then: one item per upload, none missing and none extra, DONE or FAILED as the upload deserves,
each for the uploaded version (ETag); every DONE item's palette JSON and swatch present and made
from that version; nothing in the failure queue; each still handled exactly once (the handler's
own StillsProcessed / StillsFailed / StillsSkipped metrics). Figures: throughput (stills per second
per core, from the first upload to the last item), handler duration p50 / p95 / max (the REPORT
lines of the function's log, as CloudWatch would show them). Exit status 1 when a check fails.

With ``--counts FILE`` the stack is metered (``local.metering``): every function's AWS requests,
DynamoDB request units, durations and log bytes, then ``--api-reads`` reads through the local API
and the bytes stored, are written to FILE for the cost model (``scripts/load_counts.py``, ``make cost``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"  # palette_service.domain.records.format_timestamp
EMF_COUNT = re.compile(r'"(StillsProcessed|StillsFailed|StillsSkipped)":\[([0-9.,\s]*)\]')
REPORT_LINE = re.compile(r"^REPORT RequestId: \S+\s+Duration: ([0-9.]+) ms", re.MULTILINE)
NOT_AN_IMAGE = b"%PDF-1.7 this upload is not a still\n"


@dataclass(frozen=True)
class Upload:
    key: str
    etag: str
    good: bool


@dataclass
class LoadReport:
    stills: int
    films: int
    uploaders: int
    environments: int
    cores: int
    upload_seconds: float = 0.0
    total_seconds: float = 0.0
    stills_per_second: float = 0.0
    stills_per_second_per_core: float = 0.0
    handler_ms_p50: float = 0.0
    handler_ms_p95: float = 0.0
    handler_ms_max: float = 0.0
    invocations: int = 0
    done: int = 0
    failed: int = 0
    metrics: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        return [
            f"stills {self.stills} ({self.films} films, {self.uploaders} uploaders, "
            f"{self.environments} execution environments, {self.cores} cores)",
            f"items: {self.done} DONE + {self.failed} FAILED = {self.done + self.failed}; "
            f"invocations {self.invocations}; metrics {self.metrics}",
            f"uploads took {self.upload_seconds:.1f} s; the last item was written "
            f"{self.total_seconds:.1f} s after the first upload began",
            f"throughput {self.stills_per_second:.2f} stills/s = "
            f"{self.stills_per_second_per_core:.2f} stills/s per core",
            f"handler duration p50 {self.handler_ms_p50:.0f} ms, p95 {self.handler_ms_p95:.0f} ms, "
            f"max {self.handler_ms_max:.0f} ms",
            "checks: " + ("all passed" if self.ok else f"{len(self.problems)} FAILED"),
            *(f"  - {problem}" for problem in self.problems[:20]),
        ]


def still_jpeg(index: int) -> bytes:
    """A 160x90 JPEG of four bands of colours drawn from ``index``, with grain: each still differs."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(index)
    colours = rng.integers(0, 256, (4, 3))
    bands = np.repeat(colours, 40, axis=0)  # 160 columns
    pixels = np.broadcast_to(bands, (90, 160, 3)).astype(np.int16)
    pixels = np.clip(pixels + rng.normal(0, 6, pixels.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def upload_all(stack: Any, options: argparse.Namespace) -> list[Upload]:
    """Upload ``options.stills`` objects with ``options.uploaders`` threads, each with its own client."""
    local = threading.local()

    def upload(index: int) -> Upload:
        if not hasattr(local, "s3"):
            local.s3 = stack.client("s3")
        good = not (options.bad_every and (index + 1) % options.bad_every == 0)
        key = f"{stack.input_prefix}film-{index % options.films:02d}/still-{index:05d}.jpg"
        body = still_jpeg(index) if good else NOT_AN_IMAGE
        response = local.s3.put_object(Bucket=stack.bucket, Key=key, Body=body, ContentType="image/jpeg")
        return Upload(key=key, etag=response["ETag"].strip('"'), good=good)

    with ThreadPoolExecutor(max_workers=options.uploaders, thread_name_prefix="uploader") as pool:
        return list(pool.map(upload, range(options.stills)))


def scan_items(table: Any, **arguments: Any) -> list[dict[str, Any]]:
    """Every item of ``table`` (the test's own view; the service never scans), page by page."""
    return all_pages(table.scan, **arguments)


def all_pages(read: Callable[..., Any], **arguments: Any) -> list[dict[str, Any]]:
    """The items of every page of a DynamoDB ``scan`` or ``query`` (``read``) with these arguments."""
    items: list[dict[str, Any]] = []
    while True:
        page = read(**arguments)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def wait_for_items(stack: Any, expected: int, timeout: float) -> None:
    """Until the table records ``expected`` outcomes, or nothing is left to process (events that failed are
    in the failure queue then, and the checks say which), or the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.count_recorded() >= expected or stack.wait_idle(timeout=1):
            return
        time.sleep(1)


def check(stack: Any, uploads: list[Upload], report: LoadReport) -> list[dict[str, Any]]:
    """One item per upload, for its version, with both outputs when DONE; nothing in the failure queue."""
    table = stack.resource("dynamodb").Table(stack.table_name)
    items = [item for item in scan_items(table) if str(item["sk"]).startswith("STILL#")]
    by_key: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_key.setdefault(str(item["key"]), []).append(item)
    uploaded = {upload.key: upload for upload in uploads}
    for problem, keys in (
        ("uploads have no item", sorted(set(uploaded) - set(by_key))),
        ("items are not for an upload", sorted(set(by_key) - set(uploaded))),
        ("uploads have several items", sorted(key for key, found in by_key.items() if len(found) > 1)),
    ):
        if keys:
            report.problems.append(f"{len(keys)} {problem}, e.g. {keys[:3]}")
    s3 = stack.client("s3")
    for key, found in sorted(by_key.items()):
        if key in uploaded:
            check_item(s3, stack.bucket, found[0], uploaded[key], report)
    # The failure queue is drained into FAILED items; every given-up event ends in the replay queue.
    queued = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.queue_urls["ExtractReplayQueue"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    if int(queued):
        report.problems.append(f"{queued} events were given up (in the replay queue)")
    return items


def check_item(s3: Any, bucket: str, item: dict[str, Any], upload: Upload, report: LoadReport) -> None:
    problems, key, status = report.problems, upload.key, item["status"]
    report.done += status == "DONE"
    report.failed += status == "FAILED"
    if item.get("etag") != upload.etag:
        problems.append(f"{key}: item for ETag {item.get('etag')}, uploaded {upload.etag}")
    if upload.good and status != "DONE":
        problems.append(f"{key}: a good still is {status} ({item.get('error')}: {item.get('reason')})")
    if not upload.good and (status != "FAILED" or item.get("error") != "unsupported_format"):
        problems.append(f"{key}: a non-image is {status} ({item.get('error')})")
    if status != "DONE":
        return
    for output in ("palette", "swatch"):
        output_key, version_id = item.get(f"{output}_key"), item.get(f"{output}_version_id")
        # The version the item names (what the API serves), then the current object at the key.
        if not version_id:
            problems.append(f"{key}: the item names no version of {output_key} (the bucket is versioned)")
        for pinned in [{"VersionId": version_id}] * bool(version_id) + [{}]:
            try:
                metadata = s3.head_object(Bucket=bucket, Key=output_key, **pinned)["Metadata"]
            except s3.exceptions.ClientError as error:
                problems.append(f"{key}: output {output_key} {pinned} is missing ({error})")
                continue
            if metadata.get("source-etag") != upload.etag:
                problems.append(f"{key}: output {output_key} {pinned} was made from another version")


def handler_figures(log_group: Path, report: LoadReport) -> None:
    """Durations from the REPORT lines, and the handler's own still counts from its EMF metrics, in the
    log files of the function's execution environments (one each, as CloudWatch's log streams)."""
    text = "".join(
        stream.read_text(encoding="utf-8", errors="replace") for stream in sorted(log_group.glob("*.log"))
    )
    durations = sorted(float(value) for value in REPORT_LINE.findall(text))
    report.invocations = len(durations)
    if durations:
        report.handler_ms_p50 = statistics.median(durations)
        report.handler_ms_p95 = durations[min(len(durations) - 1, round(0.95 * (len(durations) - 1)))]
        report.handler_ms_max = durations[-1]
    # The values of the handler's EMF metrics (one JSON line per invocation).
    counts: dict[str, int] = {"StillsProcessed": 0, "StillsFailed": 0, "StillsSkipped": 0}
    for name, values in EMF_COUNT.findall(text):
        counts[name] += round(sum(float(value) for value in values.split(",") if value.strip()))
    report.metrics = counts
    handled = counts["StillsProcessed"] + counts["StillsFailed"]
    if handled != report.stills or counts["StillsSkipped"]:
        report.problems.append(
            f"the handler processed {counts['StillsProcessed']}, failed {counts['StillsFailed']} and "
            f"skipped {counts['StillsSkipped']} stills for {report.stills} uploads"
        )
    if report.invocations != report.stills:
        report.problems.append(f"{report.invocations} invocations for {report.stills} uploads")


def measure_for_costs(stack: Any, items: list[dict[str, Any]], options: argparse.Namespace) -> dict[str, Any]:
    """API reads, then what is stored, while the stack runs; and the functions whose records to sum."""
    from scripts.load_counts import measure_storage, read_api

    api = read_api(stack, items, options.api_reads)
    access_log = stack.log_dir / "PalettesApi-access.log"
    api["access_log_bytes"] = access_log.stat().st_size if access_log.exists() else 0
    if api["failed"]:
        raise RuntimeError(f"{api['failed']} of {api['reads']} API reads failed")
    return {"api": api, "storage": measure_storage(stack), "functions": sorted(stack.functions)}


def write_counts_file(
    options: argparse.Namespace, report: LoadReport, log_dir: Path, measured: dict[str, Any]
) -> None:
    from scripts.load_counts import write_counts

    run = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "command": "python -m scripts.load_test " + " ".join(sys.argv[1:]),
        "stills": report.stills,
        "done": report.done,
        "failed": report.failed,
        "checks_passed": report.ok,
    }
    write_counts(
        options.counts,
        run=run,
        log_dir=log_dir,
        functions=measured["functions"],
        storage=measured["storage"],
        api=measured["api"],
    )


def run(options: argparse.Namespace) -> LoadReport:
    from local.stack import LocalStack, LocalStackSettings

    cores = os.cpu_count() or 1
    report = LoadReport(
        stills=options.stills,
        films=options.films,
        uploaders=options.uploaders,
        environments=options.environments,
        cores=cores,
    )
    log_dir = Path(options.log_dir or tempfile.mkdtemp(prefix="load-test-logs-"))
    settings = LocalStackSettings(
        stack_name=f"palettes-load-{os.getpid()}",
        extract_concurrency=options.environments,
        log_dir=log_dir,
        meter_requests=options.counts is not None,
    )
    with LocalStack(settings) as stack:
        started, started_at = time.monotonic(), datetime.now(UTC)
        uploads = upload_all(stack, options)
        report.upload_seconds = time.monotonic() - started
        wait_for_items(stack, options.stills, options.timeout)
        if not stack.wait_idle(timeout=options.timeout):
            report.problems.append("the extract function's queue was not drained in time")
        items = check(stack, uploads, report)
        extract_logs = log_dir / stack.extract_function.logical_id
        if options.counts is not None:
            measured = measure_for_costs(stack, items, options)
    # From the first upload to the last item written (the items' own timestamps: no polling delay).
    if items:
        last = max(
            datetime.strptime(str(item["updated_at"]), TIMESTAMP).replace(tzinfo=UTC) for item in items
        )
        report.total_seconds = (last - started_at).total_seconds()
    handler_figures(extract_logs, report)
    if options.counts is not None:
        write_counts_file(options, report, log_dir, measured)
    report.stills_per_second = options.stills / report.total_seconds if report.total_seconds else 0.0
    report.stills_per_second_per_core = report.stills_per_second / cores
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stills", type=int, default=1000, help="uploads (default 1000)")
    parser.add_argument(
        "--films", type=int, default=10, help="film folders they are spread over (default 10)"
    )
    parser.add_argument("--uploaders", type=int, default=8, help="concurrent uploader threads (default 8)")
    parser.add_argument(
        "--environments",
        type=int,
        default=os.cpu_count() or 1,
        help="extract execution environments (default: cores)",
    )
    parser.add_argument(
        "--bad-every", type=int, default=50, help="every n-th upload is not an image (0: none)"
    )
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait for the items")
    parser.add_argument(
        "--log-dir", type=Path, help="where the functions' logs go (default: a temporary folder)"
    )
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument(
        "--counts", type=Path, help="meter the stack and write the cost model's counts here (make cost)"
    )
    parser.add_argument(
        "--api-reads", type=int, default=400, help="API reads made for the counts (default 400)"
    )
    options = parser.parse_args(argv)

    report = run(options)
    for line in report.lines():
        print(line)
    if options.json:
        options.json.parent.mkdir(parents=True, exist_ok=True)
        options.json.write_text(json.dumps(asdict(report), indent=2))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
