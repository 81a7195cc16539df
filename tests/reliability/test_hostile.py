"""Hostile and odd uploads through the real extract handler on moto: each ends DONE with a sane palette
or FAILED with a clear reason, without a retry; bombs are refused in bounded memory (in a fresh process).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import BmpImagePlugin

from palette_service.domain.keys import InvalidKeyLayoutError, parse_still_key
from palette_service.domain.records import StillKey, StillRecord, StillStatus
from palette_service.settings import MIB, ServiceSettings
from tests.conftest import make_jpeg
from tests.functions.conftest import Uploader
from tests.reliability.corpus import (
    BOMBS,
    CORPUS,
    CPU_BOMBS,
    ODD_KEYS,
    OVERLONG_KEYS,
    PIXEL_FLOODS,
    HostileCase,
)
from tests.reliability.faults import SdkFaults
from tests.reliability.lambda_async import AsyncLambda, Invocation, failure_records
from tests.reliability.state import StillState, assert_outputs_match_record, read_state

# The real handler publishes no metric when it raises; Powertools warns about that.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

ROOT = Path(__file__).resolve().parents[2]
# The template's limit is 50 MiB; a smaller one keeps the oversized upload small (same comparison).
MAX_OBJECT_BYTES = 4 * MIB
# Peak RSS of a fresh process running one case through the handler on moto.
BOMB_PEAK_MB = 300
# A still within the pixel limit is decoded in full; the extract function has 1769 MB (template.yaml).
FLOOD_PEAK_MB = 1024
PROBE_ENV = "RELIABILITY_MEMORY_PROBE"
OUTPUT_PREFIXES = ("stills/", "palettes/", "swatches/")


@pytest.fixture
def extract_lambda(
    service_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    sdk_faults: SdkFaults,
    fresh_handlers: None,
    async_lambda_factory: Any,
    lambda_context: Any,
) -> AsyncLambda:
    """The real extract handler (its own clients, built on first call), invoked as Lambda does."""
    monkeypatch.setenv("MAX_OBJECT_BYTES", str(MAX_OBJECT_BYTES))
    sdk_faults.enforce_s3_key_limit()
    sdk_faults.enforce_dynamodb_index_key_limit()
    from extract import app

    lambda_function: AsyncLambda = async_lambda_factory(
        lambda event: app.lambda_handler(event, lambda_context)
    )
    return lambda_function


def still_of(key: str) -> StillKey:
    try:
        return parse_still_key(key, "stills/")
    except InvalidKeyLayoutError as error:
        assert error.still is not None
        return error.still


def assert_sane_palette(record: StillRecord) -> None:
    document = record.document
    assert document is not None
    colors = document["colors"]
    assert 1 <= len(colors) <= document["params"]["k"]
    assert abs(sum(color["proportion"] for color in colors) - 1) < 1e-3
    for color in colors:
        red, green, blue = color["rgb"]
        assert all(0 <= channel <= 255 for channel in color["rgb"])
        assert color["hex"] == f"#{red:02x}{green:02x}{blue:02x}"


def assert_clear_reason(record: StillRecord, codes: frozenset[str]) -> None:
    assert record.error in codes, f"{record.error}: {record.reason}"
    assert record.reason and 10 < len(record.reason) < 600
    assert "Traceback" not in record.reason and "\n" not in record.reason
    assert (record.document, record.palette_key, record.swatch_key) == (None, None, None)


def check_outcome(case: HostileCase, state: StillState) -> None:
    record = state.record
    assert record is not None, "no item"
    if record.status is StillStatus.DONE:
        assert "DONE" in case.expect, f"expected FAILED {set(case.expect)}, got DONE"
        assert_sane_palette(record)
        assert_outputs_match_record(state)
    else:
        assert_clear_reason(record, case.expect)


RunCase = Callable[[HostileCase], tuple[Invocation, StillState]]


@pytest.fixture
def run_case(
    extract_lambda: AsyncLambda,
    uploader: Uploader,
    s3_client: Any,
    palettes_table: Any,
    settings: ServiceSettings,
) -> RunCase:
    """Upload the case, invoke the real handler as Lambda does; what became of it and the still's state."""

    def run(case: HostileCase) -> tuple[Invocation, StillState]:
        upload = uploader.put(case.object_key, case.make(), case.metadata)
        invocation = extract_lambda.invoke(uploader.event(upload))
        return invocation, read_state(s3_client, palettes_table, settings, still_of(case.object_key))

    return run


@pytest.mark.parametrize("case", [*CORPUS, *ODD_KEYS], ids=lambda case: case.name)
def test_a_hostile_upload_ends_done_or_failed_without_a_retry(
    case: HostileCase,
    run_case: RunCase,
    s3_client: Any,
    settings: ServiceSettings,
    sqs_client: Any,
    failures_queue: str,
) -> None:
    invocation, state = run_case(case)

    assert invocation.errors == [], "the handler raised, so Lambda would retry a permanent failure"
    check_outcome(case, state)
    assert failure_records(sqs_client, failures_queue) == []
    keys = [entry["Key"] for entry in s3_client.list_objects_v2(Bucket=settings.stills_bucket)["Contents"]]
    assert all(key.startswith(OUTPUT_PREFIXES) for key in keys), keys


@pytest.mark.parametrize("key", ["stills/../escape.jpg", "stills/./escape.jpg", "stills/hostile/.."])
def test_a_film_or_still_named_as_a_dot_segment_gets_no_item_no_outputs_and_no_retry(
    key: str,
    extract_lambda: AsyncLambda,
    uploader: Uploader,
    s3_client: Any,
    palettes_table: Any,
    settings: ServiceSettings,
    sqs_client: Any,
    failures_queue: str,
) -> None:
    """No URL can carry a film or still called "." or "..": its still would be DONE and unreachable, and
    its film would break the films page. Such a key names no still: it is logged, not recorded."""
    upload = uploader.put(key, make_jpeg())

    invocation = extract_lambda.invoke(uploader.event(upload))

    assert invocation.errors == []
    assert palettes_table.scan()["Items"] == []  # the test's view; the service never scans
    assert failure_records(sqs_client, failures_queue) == []
    keys = [entry["Key"] for entry in s3_client.list_objects_v2(Bucket=settings.stills_bucket)["Contents"]]
    assert keys == [key]


@pytest.mark.parametrize("case", OVERLONG_KEYS, ids=lambda case: case.name)
def test_a_key_too_long_for_the_outputs_or_the_index_fails_without_a_retry(
    case: HostileCase, run_case: RunCase
) -> None:
    """S3 keys may be 1024 bytes, but the outputs add 6-7 bytes and the index sort key adds 28: such a key
    is a permanent failure (FAILED ``invalid_key``) or fits (DONE), never an error retried three times."""
    invocation, state = run_case(case)

    assert [str(error) for error in invocation.errors] == []
    check_outcome(case, state)


@pytest.mark.parametrize("case", CPU_BOMBS, ids=lambda case: case.name)
def test_a_small_upload_that_would_cost_seconds_of_cpu_is_refused_before_decoding(
    case: HostileCase, run_case: RunCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kilobyte must not buy seconds of the function's time: Pillow's pure-Python RLE decoder took 7.5 s on
    this one. Checked by what runs, not by a clock (this machine is shared): the decoder is never called."""
    decoded: list[int] = []
    original = BmpImagePlugin.BmpRleDecoder.decode

    def counted(self: Any, buffer: Any) -> Any:
        decoded.append(len(buffer))
        return original(self, buffer)

    monkeypatch.setattr(BmpImagePlugin.BmpRleDecoder, "decode", counted)
    started = time.perf_counter()
    invocation, state = run_case(case)

    assert invocation.errors == []
    check_outcome(case, state)
    assert decoded == [], (
        f"the RLE decoder ran ({time.perf_counter() - started:.1f} s for {len(case.make())} bytes)"
    )


def test_an_object_over_the_size_limit_fails_unread(run_case: RunCase) -> None:
    case = HostileCase("oversized", lambda: os.urandom(MAX_OBJECT_BYTES + 1), frozenset({"object_too_large"}))
    invocation, state = run_case(case)
    assert invocation.errors == []
    check_outcome(case, state)
    assert (
        state.record is not None
        and state.record.reason
        and f"{MAX_OBJECT_BYTES} bytes" in state.record.reason
    )


# Memory: every bomb and pixel flood runs in a child forked from one fresh pytest process, so that each
# child's peak RSS (ru_maxrss) is that case's alone on top of the same baseline.


def current_rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / MIB


def measure_in_child(
    case: HostileCase, extract_lambda: AsyncLambda, uploader: Uploader, repository: Any
) -> dict[str, Any]:
    upload = uploader.put(case.object_key, case.make(), case.metadata)
    event = uploader.event(upload)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run the case, report, leave without running pytest's teardown
        os.close(read_end)
        try:
            baseline = current_rss_mb()
            invocation = extract_lambda.invoke(event)
            record = repository.get(still_of(case.object_key))
            report: dict[str, Any] = {
                "baseline_mb": round(baseline, 1),
                "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "errors": [repr(error) for error in invocation.errors],
                "status": None if record is None else record.status.value,
                "error": None if record is None else record.error,
            }
        except BaseException as error:  # noqa: BLE001 - reported to the parent, which fails the test
            report = {"crash": repr(error)}
        os.write(write_end, json.dumps(report).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        return {"crash": f"child ended with status {status} and no report (killed?)"}
    answer: dict[str, Any] = json.loads(data)
    return answer


@pytest.mark.memory_probe
def test_memory_probe(extract_lambda: AsyncLambda, uploader: Uploader, repository: Any) -> None:
    figures = {
        case.name: measure_in_child(case, extract_lambda, uploader, repository)
        for case in [*BOMBS, *PIXEL_FLOODS]
    }
    Path(os.environ[PROBE_ENV]).write_text(json.dumps(figures, indent=2))


@pytest.fixture(scope="module")
def memory_figures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    output = tmp_path_factory.mktemp("memory") / "figures.json"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        f"{__file__}::test_memory_probe",
    ]
    completed = subprocess.run(
        command,
        check=False,
        env={**os.environ, PROBE_ENV: str(output)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    figures: dict[str, dict[str, Any]] = json.loads(output.read_text())
    print(json.dumps(figures, indent=2))  # the figures docs/reliability.md quotes
    return figures


@pytest.mark.parametrize("case", BOMBS, ids=lambda case: case.name)
def test_a_bomb_is_refused_in_bounded_memory(
    case: HostileCase, memory_figures: dict[str, dict[str, Any]]
) -> None:
    figure = memory_figures[case.name]
    assert "crash" not in figure, figure
    assert figure["errors"] == [] and figure["status"] == "FAILED" and figure["error"] in case.expect, figure
    assert figure["peak_mb"] < BOMB_PEAK_MB, figure


@pytest.mark.parametrize("case", PIXEL_FLOODS, ids=lambda case: case.name)
def test_a_still_at_the_pixel_limit_decodes_within_the_function_memory(
    case: HostileCase, memory_figures: dict[str, dict[str, Any]]
) -> None:
    figure = memory_figures[case.name]
    assert "crash" not in figure, figure
    assert figure["errors"] == [] and figure["status"] == "DONE", figure
    assert figure["peak_mb"] < FLOOD_PEAK_MB, figure
