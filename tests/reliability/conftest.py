"""Fixtures of the reliability tests: the handler fixtures of tests/functions, and the on-failure queue."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from palettes_stack.async_invoke import AsyncInvokeConfig
from tests.conftest import EXTRACT_FUNCTION, REGION

# The moto-backed services, uploader and handler reset of the handler tests, reused as they are.
from tests.functions.conftest import (  # noqa: F401
    counting_s3,
    fresh_handlers,
    repository,
    settings,
    storage,
    uploader,
)
from tests.reliability.faults import SdkFaults
from tests.reliability.lambda_async import AsyncLambda

# The extract function's EventInvokeConfig in template.yaml: its retries and on-failure destination.
EXTRACT_ASYNC = AsyncInvokeConfig.of(EXTRACT_FUNCTION)


@pytest.fixture
def sqs_client(aws: None) -> Any:
    import boto3

    return boto3.client("sqs", region_name=REGION)


@pytest.fixture
def failures_queue(stack_queues: dict[str, str]) -> str:
    """The extract function's on-failure destination (ExtractFailuresQueue), on moto."""
    assert EXTRACT_ASYNC.on_failure_logical_id is not None
    return stack_queues[EXTRACT_ASYNC.on_failure_logical_id]


@pytest.fixture
def async_lambda_factory(sqs_client: Any, failures_queue: str) -> Any:
    """``async_lambda_factory(handler)``: Lambda's async invocation of ``handler`` as the template sets it."""

    def make(handler: Any, **options: Any) -> AsyncLambda:
        return AsyncLambda(
            handler, config=EXTRACT_ASYNC, sqs=sqs_client, on_failure_queue_url=failures_queue, **options
        )

    return make


@pytest.fixture
def sdk_faults(aws: None) -> Any:
    """Hooks on a fresh default boto3 session; the next test gets a clean one."""
    import boto3

    faults = SdkFaults()
    yield faults
    boto3.setup_default_session()


@pytest.fixture
def fresh_aggregate(service_env: dict[str, str]) -> Iterator[Any]:
    """The real aggregate handler, its settings and clients made inside this test's moto."""
    from aggregate import app

    app.services.cache_clear()
    yield app
    app.services.cache_clear()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The memory probe runs only in the fresh process the memory tests start (with its variable set);
    elsewhere it is deselected, not skipped, so that a run's skips mean something."""
    if os.environ.get("RELIABILITY_MEMORY_PROBE"):
        return
    probes = [item for item in items if item.get_closest_marker("memory_probe")]
    if probes:
        config.hook.pytest_deselected(items=probes)
        items[:] = [item for item in items if not item.get_closest_marker("memory_probe")]
