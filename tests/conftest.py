"""Shared fixtures: moto-backed bucket and table (as template.yaml defines them), sample stills, events."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.events import load_event

# Powertools reads these when the shared Logger/Tracer/Metrics are made, which happens when a test
# module imports a handler: before any fixture runs. Tracing needs X-Ray, absent in tests.
os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Palettes")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "palettes")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

REGION = "eu-west-1"
STILLS_BUCKET = "palettes-stills-test"
PALETTES_TABLE = "palettes-test"


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
    """The stills bucket, versioned like the template's (events then carry a versionId)."""
    s3_client.create_bucket(Bucket=STILLS_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3_client.put_bucket_versioning(Bucket=STILLS_BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return STILLS_BUCKET


@pytest.fixture
def palettes_table(aws: None) -> Any:
    """The palettes table with its ByFilmNewest index, as template.yaml defines them."""
    dynamodb = boto3.resource("dynamodb", region_name=REGION)
    table = dynamodb.create_table(
        TableName=PALETTES_TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"} for name in ("pk", "sk", "gsi1pk", "gsi1sk")
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByFilmNewest",
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    table.wait_until_exists()
    return table


@pytest.fixture
def service_env(monkeypatch: pytest.MonkeyPatch, stills_bucket: str, palettes_table: Any) -> dict[str, str]:
    """The functions' environment (what template.yaml sets), pointing at the moto resources."""
    env = {
        "STILLS_BUCKET": stills_bucket,
        "PALETTES_TABLE": palettes_table.name,
        "INPUT_PREFIX": "stills/",
        "PALETTE_PREFIX": "palettes/",
        "SWATCH_PREFIX": "swatches/",
        "MAX_OBJECT_BYTES": str(50 * 1024 * 1024),
    }
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
