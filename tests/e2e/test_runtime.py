"""Execution environments behave like Lambda's: errors reported, timeouts enforced, broken inits retried."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from local.runtime import EnvironmentPool, ExecutionEnvironment, function_environment
from local.stack import LocalStack
from palettes_stack.template import FunctionSpec

pytestmark = pytest.mark.e2e

HANDLER = """
import os, time

STARTS = []
STARTS.append(os.getpid())


def handler(event, context):
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("fail"):
        raise ValueError(event["fail"])
    return {
        "starts": len(STARTS),
        "function": context.function_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "endpoint": os.environ.get("AWS_ENDPOINT_URL"),
        "profile": os.environ.get("AWS_PROFILE"),
        "cwd": os.getcwd(),
    }
"""


@pytest.fixture
def function(tmp_path: Path) -> FunctionSpec:
    code = tmp_path / "code"
    code.mkdir()
    (code / "probe.py").write_text(HANDLER)
    return FunctionSpec(
        logical_id="Probe",
        name="local-probe",
        arn="arn:aws:lambda:us-east-1:123456789012:function:local-probe",
        code_dir=code,
        handler="probe.handler",
        runtime="python3.13",
        timeout_seconds=2,
        memory_mb=128,
        environment={"GREETING": "hello"},
        layer_dirs=(),
        max_retry_attempts=2,
        max_event_age_seconds=60,
        on_failure_logical_id=None,
        s3_triggers=(),
        api_routes=(),
    )


def environment_for(
    function: FunctionSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> ExecutionEnvironment:
    monkeypatch.setenv("AWS_PROFILE", "someone-real")
    variables = function_environment(function, endpoint_url="http://127.0.0.1:1", region="us-east-1")
    return ExecutionEnvironment(function, variables, tmp_path / "probe.log")


def test_state_survives_between_invocations_and_the_environment_is_the_functions(
    function: FunctionSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = environment_for(function, tmp_path, monkeypatch)
    try:
        first = environment.invoke({})
        second = environment.invoke({})
    finally:
        environment.close()
    assert first.ok and second.ok
    assert first.result["starts"] == second.result["starts"] == 1  # one cold start, module state kept
    assert first.result["function"] == "local-probe"
    assert 0 < first.result["remaining_ms"] <= 2000
    assert first.result["endpoint"] == "http://127.0.0.1:1"
    assert first.result["profile"] is None  # the caller's AWS profile does not leak in
    assert first.result["cwd"] == str(function.code_dir)
    assert "START RequestId" in (tmp_path / "probe.log").read_text()


def test_each_environment_of_a_pool_logs_to_its_own_stream(
    function: FunctionSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As CloudWatch's log streams: concurrent environments never cut each other's lines."""
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    variables = function_environment(function, endpoint_url="http://127.0.0.1:1", region="us-east-1")
    pool = EnvironmentPool(function, variables, tmp_path / "Probe", size=2)
    try:
        pool.start()
        with ThreadPoolExecutor(max_workers=2) as threads:
            invocations = list(threads.map(lambda _: pool.invoke({"sleep": 0.5}), range(2)))
    finally:
        pool.close()
    assert all(invocation.ok for invocation in invocations)
    streams = sorted(path.name for path in (tmp_path / "Probe").iterdir())
    assert streams == ["environment-1.log", "environment-2.log"]
    for stream in streams:
        assert (tmp_path / "Probe" / stream).read_text().count("START RequestId") == 1


def test_a_handler_error_is_reported_like_lambda(
    function: FunctionSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = environment_for(function, tmp_path, monkeypatch)
    try:
        invocation = environment.invoke({"fail": "no good"})
    finally:
        environment.close()
    assert invocation.error is not None
    assert invocation.error["errorType"] == "ValueError"
    assert invocation.error["errorMessage"] == "no good"
    assert invocation.error["stackTrace"]
    assert "ValueError: no good" in (tmp_path / "probe.log").read_text()


def test_a_timeout_kills_the_environment_and_the_next_invocation_starts_a_new_one(
    function: FunctionSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environment = environment_for(function, tmp_path, monkeypatch)
    try:
        timed_out = environment.invoke({"sleep": 10})
        after = environment.invoke({})
    finally:
        environment.close()
    assert timed_out.error is not None
    assert timed_out.error["errorType"] == "Sandbox.Timedout"
    assert after.ok
    assert environment.cold_starts == 2


def test_an_init_error_is_the_invocations_error(
    function: FunctionSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = replace(function, handler="missing_module.handler")
    environment = environment_for(broken, tmp_path, monkeypatch)
    try:
        invocation = environment.invoke({})
    finally:
        environment.close()
    assert invocation.error is not None
    assert invocation.error["errorType"] == "Runtime.ImportModuleError"
    assert "missing_module" in invocation.error["errorMessage"]


def test_the_functions_of_the_stack_come_from_the_template(stack: LocalStack) -> None:
    extract = stack.extract_function
    assert extract.code_dir.name == "extract"
    assert [path.name for path in extract.layer_dirs] == ["palettes", "service"]
    assert extract.environment["STILLS_BUCKET"] == stack.bucket
    assert extract.environment["PALETTES_TABLE"] == stack.table_name
    assert extract.max_retry_attempts == 2
    assert {route.path for route in stack.api_function.api_routes} >= {"/gallery", "/gallery/{film}"}
