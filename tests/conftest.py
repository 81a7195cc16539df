"""Shared fixtures: the stack's bucket, table and queues on moto (made from template.yaml), sample
stills, events."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from hypothesis import settings
from moto import mock_aws
from pytest_socket import disable_socket, enable_socket

from palettes_stack.resources import create_bucket, create_queues, create_table
from palettes_stack.template import StackTemplate
from tests.events import load_event

# Powertools reads these when the shared Logger/Tracer/Metrics are made, which happens when a test
# module imports a handler: before any fixture runs. Tracing needs X-Ray, absent in tests.
os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Palettes")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "palettes")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

# CI draws the same Hypothesis examples on every run, so that main stays green or red for a reason in
# the code; a run on a developer's machine draws new examples and keeps exploring.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

UNIT_TIER = os.path.join(os.path.dirname(__file__), "unit") + os.sep


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """The unit tier runs with network sockets blocked, so that no unit test reaches the network (or
    AWS) by accident; Unix sockets stay open for subprocesses and pipes."""
    if str(item.path).startswith(UNIT_TIER):
        disable_socket(allow_unix_socket=True)


def pytest_runtest_teardown(item: pytest.Item) -> None:
    enable_socket()


REGION = "eu-west-1"
# The stack the handler tests run: template.yaml's resources, names and environment for this stack.
TEST_STACK = StackTemplate.read(stack_name="palettes-test", region=REGION)
EXTRACT_FUNCTION = TEST_STACK.function("ExtractFunction")
STILLS_BUCKET = TEST_STACK.physical_name("StillsBucket")
PALETTES_TABLE = TEST_STACK.physical_name("PalettesTable")


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, and nothing that could point boto3 at a real account."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_DYNAMODB"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)


@pytest.fixture
def aws(aws_credentials: None) -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def s3_client(aws: None) -> Any:
    return boto3.client("s3", region_name=REGION)


@pytest.fixture
def stills_bucket(s3_client: Any) -> str:
    """The template's stills bucket (versioned: events then carry a versionId)."""
    return create_bucket(TEST_STACK, "StillsBucket", s3_client)


@pytest.fixture
def palettes_table(aws: None) -> Any:
    """The template's palettes table, with its ByFilmNewest index."""
    name = create_table(TEST_STACK, "PalettesTable", boto3.client("dynamodb", region_name=REGION))
    return boto3.resource("dynamodb", region_name=REGION).Table(name)


@pytest.fixture
def stack_queues(aws: None) -> dict[str, str]:
    """Every queue of the template (the failure queue redriving to the replay queue), URLs by logical id."""
    return create_queues(TEST_STACK, boto3.client("sqs", region_name=REGION))


@pytest.fixture
def service_env(monkeypatch: pytest.MonkeyPatch, stills_bucket: str, palettes_table: Any) -> dict[str, str]:
    """The extract function's environment as template.yaml sets it for this stack (Powertools' settings
    aside: they are read at import), naming the moto bucket and table."""
    env = {
        name: value
        for name, value in EXTRACT_FUNCTION.environment.items()
        if not name.startswith("POWERTOOLS_")
    }
    assert (env["STILLS_BUCKET"], env["PALETTES_TABLE"]) == (stills_bucket, palettes_table.name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def make_jpeg(width: int = 160, height: int = 90, *, seed: int = 0) -> bytes:
    """A small film-like still: four colour bands and a bright accent square (Pillow only)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (20, 40, 60))
    draw = ImageDraw.Draw(image)
    bands = [(20, 40, 60), (180, 120, 70), (40, 90, 80), (220, 200, 170)]
    band = width // len(bands)
    for index, colour in enumerate(bands):
        shade = tuple(min(255, channel + seed * 7) for channel in colour)
        draw.rectangle([index * band, 0, (index + 1) * band, height], fill=shade)
    draw.rectangle([width // 2 - 8, height // 2 - 8, width // 2 + 8, height // 2 + 8], fill=(230, 20, 40))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def make_png(width: int = 24, height: int = 8) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def sample_jpeg() -> bytes:
    return make_jpeg()


@pytest.fixture
def event_loader() -> Callable[[str], dict[str, Any]]:
    """``event_loader("s3-put")`` -> a fresh copy of ``events/s3-put.json``."""
    return load_event


@dataclass
class FakeLambdaContext:
    function_name: str = "palettes-test"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:palettes-test"
    aws_request_id: str = "00000000-0000-4000-8000-000000000000"
    log_group_name: str = "/aws/lambda/palettes-test"
    log_stream_name: str = "2024/11/26/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()
