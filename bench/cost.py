"""The cost of processing a million stills and of serving a million API reads, from measured counts.

    python -m bench.cost                                  # from bench/cost_counts.json (committed)
    python -m bench.cost --counts out/load-counts.json    # from another load test's counts
    make cost                                             # the first; make cost MEASURE=1 re-measures

The counts come from the load test run metered (``scripts/load_test.py --counts``): every
function's requests, DynamoDB request units, billed milliseconds and log bytes, the API reads and
what the stack stores. Memory, architecture, tracing and SnapStart come from template.yaml
(``palettes_stack``), prices from ``bench/prices.py``. Each line is a count per still (or per read)
times a unit price; what-if rows recompute the same counts with one design change. Figures only,
no assertion.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench import prices
from bench.prices import Price
from palettes_stack.template import TEMPLATE_PATH, StackTemplate

COUNTS_PATH = Path(__file__).with_name("cost_counts.json")
API_FUNCTION = "ApiFunction"
MB_PER_GB = 1024
# S3 request classes: these are billed as PUT; deletes are free; every other request as GET.
S3_PUT_CLASS = frozenset(
    {
        "PutObject",
        "CopyObject",
        "PostObject",
        "ListObjects",
        "ListObjectsV2",
        "ListObjectVersions",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
    }
)
S3_FREE = frozenset({"DeleteObject", "DeleteObjects"})
# Requests to a directory bucket (S3 Express One Zone) are counted under this service name.
S3_EXPRESS = "s3express"
GOAL_DOLLARS_PER_MILLION_STILLS = 12.0


@dataclass(frozen=True)
class FunctionCounts:
    """One function's measured totals over the load test (``scripts/load_counts.function_usage``)."""

    invocations: int
    billed_ms: int
    cpu_ms: int
    log_bytes: int
    info_log_bytes: int
    event_records: int
    requests: Mapping[str, float]
    write_units: Mapping[str, float]
    index_write_units: Mapping[str, float]
    index_writes: Mapping[str, float]
    read_units: Mapping[str, float]
    # Requests measured starting while another was in flight: their waits overlap, billed once.
    overlapped: Mapping[str, float]

    def billed_ms_at(self, memory_mb: int, *, wall_clock: bool = False) -> float:
        """The invocations' billed milliseconds: measured CPU time (stretched below a full vCPU) plus
        the assumed latency of each request that waited alone (not ``overlapped``); or, with
        ``wall_clock``, the durations as measured."""
        if wall_clock:
            return float(self.billed_ms)
        waits = sum(
            (count - self.overlapped.get(key, 0)) * prices.REQUEST_LATENCY_MS.get(key.split(":")[0], 0.0)
            for key, count in self.requests.items()
        )
        return self.cpu_ms * max(1.0, prices.FULL_VCPU_MB / memory_mb) + waits

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> FunctionCounts:
        return cls(**{name: data.get(name, {} if name in _MAPS else 0) for name in cls.__dataclass_fields__})


_MAPS = ("requests", "write_units", "index_write_units", "index_writes", "read_units", "overlapped")


@dataclass(frozen=True)
class FunctionConfig:
    """What template.yaml says of a function that the bill depends on."""

    memory_mb: int
    architecture: str
    tracing: bool
    snap_start: bool


@dataclass(frozen=True)
class Counts:
    stills: int
    reads: int
    functions: Mapping[str, FunctionCounts]
    storage: Mapping[str, Any]
    api_response_bytes: int
    api_access_log_bytes: int
    run: Mapping[str, Any]
    # Bill Lambda at the durations measured (wall clock), not at CPU time plus request latency.
    wall_clock: bool = False

    @classmethod
    def load(cls, path: Path) -> Counts:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            stills=int(data["run"]["stills"]),
            reads=int(data["api"]["reads"]),
            functions={name: FunctionCounts.of(usage) for name, usage in data["functions"].items()},
            storage=data["storage"],
            api_response_bytes=int(data["api"]["response_bytes"]),
            api_access_log_bytes=int(data["api"].get("access_log_bytes", 0)),
            run=data["run"],
        )


@dataclass(frozen=True)
class Line:
    """A line item: ``count`` of ``unit`` per still (or read), at ``price``."""

    item: str
    count: float
    price: Price

    @property
    def per_million(self) -> float:
        return self.count * self.price.dollars * 1e6


def function_configs(template: StackTemplate) -> dict[str, FunctionConfig]:
    configs = {}
    for logical_id in template.logical_ids("AWS::Serverless::Function"):
        spec = template.function(logical_id)
        configs[logical_id] = FunctionConfig(spec.memory_mb, spec.architecture, spec.tracing, spec.snap_start)
    return configs


def lambda_lines(
    name: str, usage: FunctionCounts, config: FunctionConfig, per: int, *, wall_clock: bool = False
) -> list[Line]:
    """Requests, GB-seconds at the template's memory, and SnapStart's restores and cache if it is on."""
    gigabytes = config.memory_mb / MB_PER_GB
    billed_ms = usage.billed_ms_at(config.memory_mb, wall_clock=wall_clock)
    mean_ms = billed_ms / usage.invocations if usage.invocations else 0.0
    lines = [
        Line(f"{name} requests", usage.invocations / per, prices.LAMBDA_REQUEST),
        Line(
            f"{name} GB-s ({config.memory_mb} MB {config.architecture}, mean {mean_ms:.0f} ms)",
            billed_ms / 1000 * gigabytes / per,
            prices.LAMBDA_GB_SECOND[config.architecture],
        ),
    ]
    if config.snap_start:
        restores = usage.invocations / per / prices.SNAPSTART_INVOCATIONS_PER_RESTORE
        cached = max(gigabytes, 0.5) * prices.SECONDS_PER_MONTH / prices.STILLS_PER_MONTH
        lines += [
            Line(
                f"{name} SnapStart restores (1 per {prices.SNAPSTART_INVOCATIONS_PER_RESTORE} invocations)",
                restores * gigabytes,
                prices.SNAPSTART_RESTORE_GB,
            ),
            Line(
                f"{name} SnapStart cache (a month over {prices.STILLS_PER_MONTH:,} stills)",
                cached,
                prices.SNAPSTART_CACHE_GB_SECOND,
            ),
        ]
    return lines


def request_lines(usages: list[FunctionCounts], per: int) -> list[Line]:
    """S3 by request class, DynamoDB units (table, indexes, reads), SQS requests."""

    def total(field: str, match: Callable[[str], bool] = lambda _: True) -> float:
        return float(
            sum(value for usage in usages for key, value in getattr(usage, field).items() if match(key))
        )

    s3_put = total("requests", lambda key: key.startswith("s3:") and key[3:] in S3_PUT_CLASS)
    s3_get = total("requests", lambda key: key.startswith("s3:") and key[3:] not in S3_PUT_CLASS | S3_FREE)
    express_put = total("requests", lambda key: key == f"{S3_EXPRESS}:PutObject")
    express = [Line("S3 Express One Zone PUT requests", express_put / per, prices.S3_EXPRESS_PUT_REQUEST)]
    return [
        Line("S3 PUT-class requests", s3_put / per, prices.S3_PUT_REQUEST),
        *(express if express_put else []),
        Line("S3 GET and HEAD requests", s3_get / per, prices.S3_GET_REQUEST),
        Line("DynamoDB WRUs, table", total("write_units") / per, prices.DYNAMODB_WRITE_UNIT),
        Line(
            "DynamoDB WRUs, ByFilmNewest index", total("index_write_units") / per, prices.DYNAMODB_WRITE_UNIT
        ),
        Line("DynamoDB RRUs", total("read_units") / per, prices.DYNAMODB_READ_UNIT),
        Line("SQS requests", total("requests", lambda key: key.startswith("sqs:")) / per, prices.SQS_REQUEST),
    ]


def processing_lines(counts: Counts, configs: Mapping[str, FunctionConfig]) -> list[Line]:
    """Per still: every function but the API's (extract, aggregate, failure recording)."""
    names = [name for name in counts.functions if name != API_FUNCTION]
    usages = [counts.functions[name] for name in names]
    lines = [
        line
        for name in names
        if counts.functions[name].invocations
        for line in lambda_lines(
            name, counts.functions[name], configs[name], counts.stills, wall_clock=counts.wall_clock
        )
    ]
    lines += request_lines(usages, counts.stills)
    records = sum(
        usage.event_records for name, usage in zip(names, usages, strict=True) if "Aggregate" in name
    )
    traced = sum(
        usage.invocations for name, usage in zip(names, usages, strict=True) if configs[name].tracing
    )
    return [
        *lines,
        Line(
            "DynamoDB stream records read by the Lambda trigger",
            records / counts.stills,
            prices.DYNAMODB_STREAM_READ_BY_LAMBDA,
        ),
        Line(
            "CloudWatch Logs GB ingested",
            sum(usage.log_bytes for usage in usages) / prices.GB / counts.stills,
            prices.LOGS_INGESTED_GB,
        ),
        Line(
            f"X-Ray traces ({prices.XRAY_SAMPLED_SHARE:.0%} sampled)",
            traced * prices.XRAY_SAMPLED_SHARE / counts.stills,
            prices.XRAY_TRACE_RECORDED,
        ),
    ]


def serving_lines(counts: Counts, configs: Mapping[str, FunctionConfig]) -> list[Line]:
    """Per API read: API Gateway, the API function, its reads, its logs and the API's access log."""
    usage, config = counts.functions[API_FUNCTION], configs[API_FUNCTION]
    per = counts.reads
    return [
        Line("API Gateway REST requests", 1.0, prices.API_GATEWAY_REST_REQUEST),
        *lambda_lines(API_FUNCTION, usage, config, per, wall_clock=counts.wall_clock),
        *[line for line in request_lines([usage], per) if line.count],
        Line(
            "CloudWatch Logs GB ingested (function and access log)",
            (usage.log_bytes + counts.api_access_log_bytes) / prices.GB / per,
            prices.LOGS_INGESTED_GB,
        ),
        Line(
            f"X-Ray traces ({prices.XRAY_SAMPLED_SHARE:.0%} sampled)",
            prices.XRAY_SAMPLED_SHARE if config.tracing else 0.0,
            prices.XRAY_TRACE_RECORDED,
        ),
        Line(
            "data transfer out GB", counts.api_response_bytes / prices.GB / per, prices.DATA_TRANSFER_OUT_GB
        ),
    ]


def storage_lines(counts: Counts) -> list[Line]:
    """Per still and month kept: the outputs in S3 (every version) and the table's items."""
    s3 = [
        Line(f"S3 GB-month, {folder}", size / prices.GB / counts.stills, prices.S3_STORAGE_GB_MONTH)
        for folder, size in counts.storage["s3_bytes"].items()
    ]
    table = [
        Line(f"DynamoDB GB-month, {kind}", size / prices.GB / counts.stills, prices.DYNAMODB_STORAGE_GB_MONTH)
        for kind, size in counts.storage["dynamodb_bytes"].items()
    ]
    return s3 + table


def total(lines: list[Line]) -> float:
    return sum(line.per_million for line in lines)


@dataclass(frozen=True)
class WhatIf:
    """A design change, applied to the measured counts and the template's settings."""

    change: str
    keeps_guarantees: bool
    note: str
    apply: Callable[[Counts, dict[str, FunctionConfig]], tuple[Counts, dict[str, FunctionConfig]]]


def _each_function(counts: Counts, change: Callable[[str, FunctionCounts], FunctionCounts]) -> Counts:
    return replace(counts, functions={name: change(name, usage) for name, usage in counts.functions.items()})


def _less(mapping: Mapping[str, float], key: str, amount: float) -> dict[str, float]:
    return {**mapping, key: max(0.0, mapping.get(key, 0) - amount)}


def _done(counts: Counts) -> int:
    return int(counts.run.get("done", counts.stills))


def _warning_logs(
    counts: Counts, configs: dict[str, FunctionConfig]
) -> tuple[Counts, dict[str, FunctionConfig]]:
    return _each_function(
        counts, lambda _, usage: replace(usage, log_bytes=usage.log_bytes - usage.info_log_bytes)
    ), configs


def _no_tracing(
    counts: Counts, configs: dict[str, FunctionConfig]
) -> tuple[Counts, dict[str, FunctionConfig]]:
    return counts, {name: replace(config, tracing=False) for name, config in configs.items()}


def _one_put_fewer(
    counts: Counts, configs: dict[str, FunctionConfig]
) -> tuple[Counts, dict[str, FunctionConfig]]:
    """One S3 PUT fewer per DONE still in the extract function: the other no longer overlaps it."""
    return _extract_requests_fewer(counts, "s3:PutObject", _done(counts)), configs


def _extract_requests_fewer(counts: Counts, request: str, fewer: int) -> Counts:
    def change(name: str, usage: FunctionCounts) -> FunctionCounts:
        if name != "ExtractFunction":
            return usage
        return replace(
            usage,
            requests=_less(usage.requests, request, fewer),
            overlapped=_less(usage.overlapped, request, fewer),
        )

    return _each_function(counts, change)


def _outputs_in_express_one_zone(
    counts: Counts, configs: dict[str, FunctionConfig]
) -> tuple[Counts, dict[str, FunctionConfig]]:
    """The extract function's PUTs (the palette JSON and the swatch) to a directory bucket: its price
    and its latency, overlapped as measured."""

    def to_express(mapping: Mapping[str, float]) -> dict[str, float]:
        moved = {key: value for key, value in mapping.items() if key != "s3:PutObject"}
        return {**moved, f"{S3_EXPRESS}:PutObject": mapping.get("s3:PutObject", 0)}

    def change(name: str, usage: FunctionCounts) -> FunctionCounts:
        if name != "ExtractFunction":
            return usage
        return replace(usage, requests=to_express(usage.requests), overlapped=to_express(usage.overlapped))

    return _each_function(counts, change), configs


def _document_out_of_item(
    counts: Counts, configs: dict[str, FunctionConfig]
) -> tuple[Counts, dict[str, FunctionConfig]]:
    """The outcome write of each DONE still without the document's bytes (the index holds none)."""
    documents = counts.storage.get("still_item_documents") or {}
    items = documents.get("items", 0)
    if not items:
        return counts, configs
    item_bytes = counts.storage["dynamodb_bytes"]["still items"] / items - 100
    document_bytes = documents["bytes"] / items
    saved = (_kb(item_bytes) - _kb(item_bytes - document_bytes)) * _done(counts)

    def change(name: str, usage: FunctionCounts) -> FunctionCounts:
        if name != "ExtractFunction":
            return usage
        return replace(usage, write_units=_less(usage.write_units, "UpdateItem", saved))

    return _each_function(counts, change), configs


def _small_index_projection(
    counts: Counts, configs: dict[str, FunctionConfig]
) -> tuple[Counts, dict[str, FunctionConfig]]:
    """Every index write 1 WRU: the index holds keys and the listing's fields (an item under 1 KB)."""
    return _each_function(
        counts, lambda _, usage: replace(usage, index_write_units=dict(usage.index_writes))
    ), configs


def _colour_index_cells_only(
    counts: Counts, configs: dict[str, FunctionConfig]
) -> tuple[Counts, dict[str, FunctionConfig]]:
    """Half the colour index's writes (every colour is filed under its cell and under its class)."""

    def change(name: str, usage: FunctionCounts) -> FunctionCounts:
        if name != "AggregateFunction":
            return usage
        batch = usage.write_units.get("BatchWriteItem", 0)
        return replace(usage, write_units={**usage.write_units, "BatchWriteItem": batch / 2})

    return _each_function(counts, change), configs


def _no_claim_write(
    counts: Counts, configs: dict[str, FunctionConfig]
) -> tuple[Counts, dict[str, FunctionConfig]]:
    """The claim (1 WRU: the item before it holds no document) folded into the outcome write."""

    def change(name: str, usage: FunctionCounts) -> FunctionCounts:
        if name != "ExtractFunction":
            return usage
        return replace(
            usage,
            write_units=_less(usage.write_units, "UpdateItem", counts.stills),
            requests=_less(usage.requests, "dynamodb:UpdateItem", counts.stills),
        )

    return _each_function(counts, change), configs


def _memory(
    logical_id: str, memory_mb: int
) -> Callable[[Counts, dict[str, FunctionConfig]], tuple[Counts, dict[str, FunctionConfig]]]:
    def change(
        counts: Counts, configs: dict[str, FunctionConfig]
    ) -> tuple[Counts, dict[str, FunctionConfig]]:
        return counts, {**configs, logical_id: replace(configs[logical_id], memory_mb=memory_mb)}

    return change


def _extract_without_snapstart(
    counts: Counts, configs: dict[str, FunctionConfig]
) -> tuple[Counts, dict[str, FunctionConfig]]:
    """SnapStart off on the extract function: no restores and no cache; a cold start then runs the
    init (about 0.4 s of CPU, `make bench-cold`), a few cents per million stills at one in 1,000."""
    return counts, {**configs, "ExtractFunction": replace(configs["ExtractFunction"], snap_start=False)}


def _kb(size: float) -> int:
    return max(1, -(-int(size) // 1024))


# Changes that were what-ifs here and are now in the service, so in the counts measured since.
IMPLEMENTED = (
    "one GET instead of HEAD + GET of the upload (size and options from the GET's headers)",
    "the palette JSON and swatch PUTs at once (measured as overlapped: their waits billed once)",
    "ByFilmNewest projects the listings' fields (INCLUDE), not the document",
)

WHAT_IFS = (
    WhatIf(
        "log level WARNING (no INFO lines; EMF metrics stay)",
        True,
        "POWERTOOLS_LOG_LEVEL in template.yaml",
        _warning_logs,
    ),
    WhatIf(
        "X-Ray tracing off (Tracing: PassThrough)",
        True,
        "loses traces, keeps every write and check",
        _no_tracing,
    ),
    WhatIf(
        "swatch PNG drawn on read, not stored",
        True,
        "1 PUT fewer; the API draws it from the item's document (Pillow, as barcodes)",
        _one_put_fewer,
    ),
    WhatIf(
        "palette JSON served from the item, no S3 copy",
        True,
        "1 PUT fewer; palettes/ in the bucket goes",
        _one_put_fewer,
    ),
    WhatIf(
        "outputs in S3 Express One Zone",
        True,
        "a directory bucket for palettes/, swatches/ (recomputable from the stills); storage $0.11/GB-month",
        _outputs_in_express_one_zone,
    ),
    WhatIf(
        "document out of the item (S3 only)",
        True,
        "smaller outcome write; document reads cost an S3 GET",
        _document_out_of_item,
    ),
    WhatIf(
        "colour index under cells only (no class copy)",
        True,
        "class search reads the class's cells instead",
        _colour_index_cells_only,
    ),
    WhatIf(
        "ExtractFunction at 1024 MB",
        True,
        "not taken: the pixel floods' 677 MB is 66% of it (the sweep keeps 40% spare); fuzzing saw 1169 MB",
        _memory("ExtractFunction", 1024),
    ),
    WhatIf(
        "SnapStart off on the extract function",
        True,
        "its events are asynchronous: a cold start delays a palette by its init (~0.4 s), not a reader",
        _extract_without_snapstart,
    ),
    WhatIf(
        "claim shares the outcome write",
        False,
        "the claim is what names an unfinished upload while it is retried",
        _no_claim_write,
    ),
)
# The changes that together come nearest the goal, keeping every guarantee (the swatch drawn on read
# and Express One Zone both take the swatch PUT's cost: only the first is in; 1024 MB is not taken).
COMBINED = (0, 2, 3, 6, 8)


def what_if_rows(counts: Counts, configs: dict[str, FunctionConfig]) -> list[tuple[str, float, str]]:
    """(change, $ per million stills processed, note) for each change alone and the combination; then
    the measured cost with Lambda billed at the load test's wall-clock durations."""
    base = total(processing_lines(counts, configs))
    rows = [("  as measured", base, "Lambda at CPU time plus request latency")]
    for index, what_if in enumerate(WHAT_IFS):
        changed = what_if.apply(counts, dict(configs))
        mark = "* " if index in COMBINED else "  "
        note = what_if.note if what_if.keeps_guarantees else f"breaks a guarantee: {what_if.note}"
        rows.append((mark + what_if.change, total(processing_lines(*changed)), note))
    combined_counts, combined_configs = counts, dict(configs)
    for index in COMBINED:
        combined_counts, combined_configs = WHAT_IFS[index].apply(combined_counts, combined_configs)
    rows.append(
        (
            "  all the changes marked * together",
            total(processing_lines(combined_counts, combined_configs)),
            "",
        )
    )
    wall = replace(counts, wall_clock=True)
    rows.append(
        (
            "  as measured, Lambda at the wall-clock durations",
            total(processing_lines(wall, configs)),
            "the local endpoint's waits on a shared machine, not AWS's",
        )
    )
    return rows


def format_table(title: str, lines: list[Line], per: str) -> list[str]:
    width = max(len(line.item) for line in lines)
    out = [
        title,
        f"{'line item':<{width}}  {f'count per {per}':>16}  {'unit price':>22}  {'$ per million':>13}",
    ]
    for line in lines:
        out.append(
            f"{line.item:<{width}}  {line.count:>16.6g}  {_price(line.price):>22}  {line.per_million:>13.4f}"
        )
    out.append(f"{'total':<{width}}  {'':>16}  {'':>22}  {total(lines):>13.2f}")
    return out


def _price(price: Price) -> str:
    if price.dollars and price.dollars < 0.001:
        return f"${price.dollars * 1e6:.6g} per M {price.per}"
    return f"${price.dollars:.6g} per {price.per}"


def report(counts: Counts, configs: dict[str, FunctionConfig]) -> list[str]:
    run = counts.run
    processing = processing_lines(counts, configs)
    out = [
        f"cost model: prices of {prices.PRICES_READ_ON}, {prices.REGION} (bench/prices.py); "
        f"counts of {run.get('date')} ({run['stills']} stills, {run.get('done')} DONE, "
        f"{counts.reads} API reads), from: {run.get('command')}",
        "",
        *format_table("processing one million stills", processing, "still"),
        "",
        *format_table("serving one million API reads", serving_lines(counts, configs), "read"),
        "",
        *format_table("storing one million stills, per month", storage_lines(counts), "still"),
        "",
        "what moves the processing cost "
        f"(goal: at most ${GOAL_DOLLARS_PER_MILLION_STILLS:.0f} per million stills)",
    ]
    rows = what_if_rows(counts, configs)
    width = max(len(change) for change, _, _ in rows)
    for change, dollars, note in rows:
        met = "goal met" if dollars <= GOAL_DOLLARS_PER_MILLION_STILLS else ""
        out.append(f"  {change:<{width}}  ${dollars:>7.2f}  {met:<8}  {note}")
    out += ["", "implemented since the first counts (in the counts above when measured after them):"]
    out += [f"  - {change}" for change in IMPLEMENTED]
    out += ["", "sources: " + ", ".join(sorted({line.price.source.split(" ")[0] for line in processing}))]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--counts", type=Path, default=COUNTS_PATH, help="a load test's counts (default: %(default)s)"
    )
    parser.add_argument(
        "--template", type=Path, default=TEMPLATE_PATH, help="the template (memory, architecture)"
    )
    options = parser.parse_args(argv)
    template = StackTemplate.read(options.template, stack_name="palettes", region=prices.REGION)
    for line in report(Counts.load(options.counts), function_configs(template)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
