"""The cost model's arithmetic (``bench/cost.py``) and the meter's item sizes (``local.metering``)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from bench import cost, prices
from local.metering import IndexShape, attribute_size, index_write_units, item_size, read_units, write_units
from palettes_stack.template import StackTemplate


def test_attribute_sizes_are_dynamodbs() -> None:
    assert attribute_size({"S": "héllo"}) == 6  # UTF-8 bytes
    assert attribute_size({"N": "123"}) == 3  # two digits a byte, plus one
    assert attribute_size({"N": "-0.001"}) == 2
    assert attribute_size({"B": base64.b64encode(b"\x00" * 10).decode()}) == 10
    assert attribute_size({"B": b"\x00" * 10}) == 10
    assert attribute_size({"BOOL": True}) == attribute_size({"NULL": True}) == 1
    assert attribute_size({"L": [{"S": "ab"}, {"N": "1"}]}) == 3 + (2 + 1) + (2 + 1)
    assert attribute_size({"M": {"k": {"S": "ab"}}}) == 3 + 1 + 2 + 1
    assert attribute_size({"SS": ["a", "bc"]}) == 3
    assert item_size({"pk": {"S": "FILM#f"}, "n": {"N": "7"}}) == 2 + 6 + 1 + 2
    assert item_size(None) == 0


def test_capacity_units() -> None:
    kilobyte = {"x": {"S": "y" * 1023}}  # exactly 1024 bytes
    bigger = {"x": {"S": "y" * 1024}}
    assert write_units(None, kilobyte) == 1
    assert write_units(kilobyte, bigger) == 2
    assert write_units(None, None) == 1  # a write of nothing is still a unit
    assert read_units([bigger] * 4, consistent=True) == 2  # 4100 bytes: two started 4 KB
    assert read_units([bigger] * 4, consistent=False) == 1
    assert read_units([], consistent=False) == 0.5
    index = [IndexShape(("gsi1pk", "gsi1sk"))]
    listed = {**bigger, "gsi1pk": {"S": "F"}, "gsi1sk": {"S": "1"}}
    assert index_write_units(None, bigger, index) == (0, 0)
    assert index_write_units(bigger, listed, index) == (2, 1)
    assert index_write_units(listed, {**listed, "gsi1sk": {"S": "2"}}, index) == (4, 2)
    # An index that projects the keys and a few attributes writes only those.
    small = [IndexShape(("gsi1pk", "gsi1sk"), frozenset({"gsi1pk", "gsi1sk", "name"}))]
    assert index_write_units(bigger, {**listed, "name": {"S": "n"}}, small) == (1, 1)
    assert index_write_units(listed, {**listed, "gsi1sk": {"S": "2"}}, small) == (2, 2)


def _usage(**fields: object) -> cost.FunctionCounts:
    return cost.FunctionCounts.of(fields)


CONFIG = cost.FunctionConfig(memory_mb=1024, architecture="arm64", tracing=False, snap_start=False)


def _counts(extract: cost.FunctionCounts, *, stills: int = 1000, done: int = 1000) -> cost.Counts:
    return cost.Counts(
        stills=stills,
        reads=100,
        functions={"ExtractFunction": extract, cost.API_FUNCTION: _usage(invocations=100, billed_ms=5000)},
        storage={"s3_bytes": {"palettes/": prices.GB * stills // 1_000_000}, "dynamodb_bytes": {}},
        api_response_bytes=0,
        api_access_log_bytes=0,
        run={"stills": stills, "done": done},
    )


def test_lambda_is_billed_at_cpu_time_plus_request_latency() -> None:
    usage = _usage(
        invocations=1000,
        billed_ms=900_000,
        cpu_ms=150_000,
        requests={"s3:GetObject": 1000, "dynamodb:GetItem": 1000},
    )
    waits = prices.REQUEST_LATENCY_MS["s3"] + prices.REQUEST_LATENCY_MS["dynamodb"]
    big = cost.FunctionConfig(memory_mb=2048, architecture="arm64", tracing=False, snap_start=False)
    requests, compute = cost.lambda_lines("F", usage, big, per=1000)
    assert requests.per_million == pytest.approx(0.20)
    assert compute.count == pytest.approx((150 + waits) / 1000 * 2)  # GB-s per still at 2 GB
    assert compute.per_million == pytest.approx(compute.count * 13.3334)
    # Below a full vCPU the CPU-bound part stretches; the waits do not.
    small = cost.lambda_lines("F", usage, CONFIG, per=1000)[1]
    assert small.count == pytest.approx((150 * prices.FULL_VCPU_MB / 1024 + waits) / 1000)
    # The wall clock, when asked for; x86 at its own price.
    x86 = cost.FunctionConfig(2048, "x86_64", False, False)
    wall = cost.lambda_lines("F", usage, x86, per=1000, wall_clock=True)[1]
    assert wall.per_million == pytest.approx(0.9 * 2 * 16.6667)


def test_a_wait_spent_inside_another_is_billed_once() -> None:
    """Requests measured as overlapped (made while another was in flight) add no latency of their own."""
    alone = _usage(invocations=1000, cpu_ms=100_000, requests={"s3:PutObject": 2000})
    together = _usage(
        invocations=1000, cpu_ms=100_000, requests={"s3:PutObject": 2000}, overlapped={"s3:PutObject": 1000}
    )
    put_ms = prices.REQUEST_LATENCY_MS["s3"]
    assert alone.billed_ms_at(prices.FULL_VCPU_MB) == pytest.approx(100_000 + 2000 * put_ms)
    assert together.billed_ms_at(prices.FULL_VCPU_MB) == pytest.approx(100_000 + 1000 * put_ms)
    # The requests are billed all the same.
    (puts, *_) = cost.request_lines([together], per=1000)
    assert puts.count == 2


def test_one_put_fewer_leaves_the_other_waiting_alone() -> None:
    """Of two PUTs measured overlapping, dropping one leaves the other's wait billed."""
    extract = _usage(
        invocations=1000, cpu_ms=100_000, requests={"s3:PutObject": 2000}, overlapped={"s3:PutObject": 1000}
    )
    configs = {"ExtractFunction": CONFIG, cost.API_FUNCTION: CONFIG}
    changed, _ = cost._one_put_fewer(_counts(extract), configs)
    fewer = changed.functions["ExtractFunction"]
    assert (fewer.requests["s3:PutObject"], fewer.overlapped["s3:PutObject"]) == (1000, 0)
    assert fewer.billed_ms_at(prices.FULL_VCPU_MB) == extract.billed_ms_at(prices.FULL_VCPU_MB)


def test_snapstart_adds_restores_and_the_cache() -> None:
    usage = _usage(invocations=1000, billed_ms=1000, cpu_ms=1000)
    lines = cost.lambda_lines("F", usage, cost.FunctionConfig(1024, "arm64", False, True), per=1000)
    restore, cache = lines[2], lines[3]
    assert restore.count == pytest.approx(
        1 / prices.SNAPSTART_INVOCATIONS_PER_RESTORE
    )  # GB restored per still
    assert cache.count == pytest.approx(prices.SECONDS_PER_MONTH / prices.STILLS_PER_MONTH)
    assert restore.per_million == pytest.approx(1e6 / prices.SNAPSTART_INVOCATIONS_PER_RESTORE * 0.0001397998)


def test_s3_requests_by_class_and_deletes_free() -> None:
    usage = _usage(
        requests={"s3:PutObject": 2000, "s3:GetObject": 1000, "s3:HeadObject": 1000, "s3:DeleteObject": 500}
    )
    lines = {line.item: line for line in cost.request_lines([usage], per=1000)}
    assert lines["S3 PUT-class requests"].per_million == pytest.approx(10.0)  # 2 PUTs at $5 per million
    assert lines["S3 GET and HEAD requests"].per_million == pytest.approx(0.8)


def test_processing_total_is_the_sum_of_its_lines() -> None:
    extract = _usage(
        invocations=1000,
        billed_ms=500_000,
        cpu_ms=100_000,
        log_bytes=prices.GB // 1000,
        info_log_bytes=prices.GB // 2000,
        requests={"s3:PutObject": 2000},
        write_units={"UpdateItem": 6000},
        index_write_units={"UpdateItem": 4000},
        index_writes={"UpdateItem": 1000},
        read_units={"GetItem": 1000},
    )
    counts = _counts(extract)
    configs = {"ExtractFunction": CONFIG, cost.API_FUNCTION: CONFIG}
    put_s = prices.REQUEST_LATENCY_MS["s3"] / 1000
    compute = (0.1 * prices.FULL_VCPU_MB / 1024 + 2 * put_s) * 13.3334  # 1 GB
    expected = 0.2 + compute + 10 + 10 * 0.625 + 0.125 + 0.5  # requests, GB-s, PUTs, WRUs, RRU, logs
    assert cost.total(cost.processing_lines(counts, configs)) == pytest.approx(expected)
    rows = {change.lstrip("* "): dollars for change, dollars, _ in cost.what_if_rows(counts, configs)}
    assert rows["as measured"] == pytest.approx(expected)
    assert rows["log level WARNING (no INFO lines; EMF metrics stay)"] == pytest.approx(expected - 0.25)
    assert rows["swatch PNG drawn on read, not stored"] == pytest.approx(expected - 5 - put_s * 13.3334)
    # A directory bucket: its PUT price, and its latency for each wait.
    express_s = prices.REQUEST_LATENCY_MS["s3express"] / 1000
    assert rows["outputs in S3 Express One Zone"] == pytest.approx(
        expected - 10 + 2 * 1.13 - 2 * (put_s - express_s) * 13.3334
    )
    wall_compute = 0.5 * 13.3334
    assert rows["as measured, Lambda at the wall-clock durations"] == pytest.approx(
        expected - compute + wall_compute
    )
    assert all(cost.WHAT_IFS[index].keeps_guarantees for index in cost.COMBINED)


def test_storage_per_month() -> None:
    counts = _counts(_usage(invocations=1))
    (line,) = cost.storage_lines(counts)
    assert line.per_million == pytest.approx(0.023, rel=1e-3)  # a GB over 1000 stills: 1 GB a million


def test_configs_come_from_the_template() -> None:
    template = StackTemplate.read(stack_name="palettes", region=prices.REGION)
    configs = cost.function_configs(template)
    extract = template.function("ExtractFunction")
    assert configs["ExtractFunction"].memory_mb == extract.memory_mb
    assert configs["ExtractFunction"].architecture == extract.architecture == "arm64"
    assert all(config.architecture in prices.LAMBDA_GB_SECOND for config in configs.values())


def test_make_cost_prints_the_committed_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert cost.main([]) == 0
    printed = capsys.readouterr().out
    for title in ("processing one million stills", "serving one million API reads", "what moves"):
        assert title in printed
    counts = json.loads(Path(cost.COUNTS_PATH).read_text())
    assert counts["run"]["checks_passed"] is True


def _block(lines: list[str], title: str) -> list[str]:
    start = next(index for index, line in enumerate(lines) if line.startswith(title))
    end = lines.index("", start)
    return [line.rstrip() for line in lines[start:end]]


def test_the_readme_quotes_make_cost() -> None:
    """The README's table is what ``make cost`` prints from the committed counts (update both together)."""
    template = StackTemplate.read(stack_name="palettes", region=prices.REGION)
    printed = cost.report(cost.Counts.load(cost.COUNTS_PATH), cost.function_configs(template))
    quoted = [*_block(printed, "processing one million stills"), "", *_block(printed, "what moves")]
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "\n".join(quoted) in readme
