"""Fixtures of the handler tests: services on moto clients, uploads that yield their S3 events."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.data.s3 import S3StillStore
from palette_service.settings import ServiceSettings
from tests.conftest import REGION
from tests.events import S3Object, s3_event

# S3 sequencers grow with each event of a key; any increasing hex strings of one length do here.
_SEQUENCERS = itertools.count(0x0067455D2B7A3C1F00)


def next_sequencer() -> str:
    return f"{next(_SEQUENCERS):018X}"


class CountingClient:
    """Wraps a boto3 client, counting calls per operation (to prove what was not called)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute) or name.startswith("_"):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            return attribute(*args, **kwargs)

        return counted


@dataclass
class Uploader:
    """Uploads stills to the moto bucket and builds the S3 event each upload would send."""

    s3: Any
    bucket: str
    uploads: list[S3Object] = field(default_factory=list)

    def put(self, key: str, body: bytes, metadata: dict[str, str] | None = None) -> S3Object:
        response = self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, Metadata=metadata or {})
        upload = S3Object(
            key=key,
            etag=response["ETag"].strip('"'),
            size=len(body),
            sequencer=next_sequencer(),
            version_id=response.get("VersionId"),
        )
        self.uploads.append(upload)
        return upload

    def event(self, *objects: S3Object) -> dict[str, Any]:
        return s3_event(self.bucket, *objects)


@pytest.fixture
def settings(service_env: dict[str, str]) -> ServiceSettings:
    return ServiceSettings.from_env()


@pytest.fixture
def counting_s3(s3_client: Any) -> CountingClient:
    return CountingClient(s3_client)


@pytest.fixture
def storage(settings: ServiceSettings, counting_s3: CountingClient) -> S3StillStore:
    return S3StillStore(counting_s3, settings.stills_bucket)  # type: ignore[arg-type]


@pytest.fixture
def repository(palettes_table: Any) -> DynamoStillRepository:
    return DynamoStillRepository(palettes_table)


@pytest.fixture
def uploader(s3_client: Any, stills_bucket: str) -> Uploader:
    return Uploader(s3_client, stills_bucket)


@pytest.fixture
def fresh_handlers(service_env: dict[str, str]) -> Iterator[None]:
    """Handlers build their settings and clients once per process; rebuild them inside this test's moto."""
    from api import app as api_app
    from extract import app as extract_app

    cached = (api_app.services, extract_app.services)
    for function in cached:
        function.cache_clear()
    yield
    for function in cached:
        function.cache_clear()


def dynamodb_table(name: str) -> Any:
    return boto3.resource("dynamodb", region_name=REGION).Table(name)
