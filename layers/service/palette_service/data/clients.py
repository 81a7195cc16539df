"""The AWS clients of a function, made once per execution environment from its settings.

Every client made here is remembered until :func:`close_clients`, which SnapStart's before-snapshot
hook calls so that no client carries an open connection into a snapshot (``palette_service.snapstart``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from palette_service.data.color_index import DynamoColorIndex
from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.data.films import DynamoFilmRepository
from palette_service.data.s3 import S3StillStore
from palette_service.data.sqs import SqsReplayQueue
from palette_service.errors import SettingsError
from palette_service.settings import ServiceSettings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

    from palette_service.data.uploads import S3UploadSigner

# Standard retry mode: backs off on throttling and 5xx before an error reaches the handler.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})
# The clients made in this execution environment and not closed yet (see close_clients).
_open_clients: list[Any] = []


def _client(service: str) -> Any:
    client = boto3.client(service, config=CLIENT_CONFIG)  # type: ignore[call-overload]
    _open_clients.append(client)
    return client


def close_clients() -> int:
    """Close every client made here (their connection pools) and forget them; how many there were.

    A closed client must not be used again: the functions rebuild theirs (their ``services()``) after.
    """
    closed = len(_open_clients)
    while _open_clients:
        _open_clients.pop().close()
    return closed


def make_repository(settings: ServiceSettings) -> DynamoStillRepository:
    return DynamoStillRepository(_table(settings))


def make_adapters(settings: ServiceSettings) -> tuple[DynamoStillRepository, S3StillStore]:
    """The table and bucket access of the service, on boto3 clients with standard retries."""
    store = S3StillStore(_client("s3"), settings.stills_bucket)
    return make_repository(settings), store


def make_film_repository(settings: ServiceSettings) -> DynamoFilmRepository:
    return DynamoFilmRepository(_table(settings))


def make_color_index(settings: ServiceSettings) -> DynamoColorIndex:
    return DynamoColorIndex(_table(settings))


def _table(settings: ServiceSettings) -> Table:
    resource = boto3.resource("dynamodb", config=CLIENT_CONFIG)
    _open_clients.append(resource.meta.client)
    return resource.Table(settings.palettes_table)


def make_film_adapters(settings: ServiceSettings) -> tuple[DynamoFilmRepository, S3StillStore]:
    """The films' aggregates and the bucket, for the aggregate function."""
    return make_film_repository(settings), S3StillStore(_client("s3"), settings.stills_bucket)


def make_replay_queue(settings: ServiceSettings) -> SqsReplayQueue:
    if settings.replay_queue_url is None:
        raise SettingsError("bad service configuration: REPLAY_QUEUE_URL is not set")
    return SqsReplayQueue(_client("sqs"), settings.replay_queue_url)


def make_streams_client() -> Any:
    """A DynamoDB Streams client, to read a given-up batch of the table's stream again."""
    return _client("dynamodbstreams")


def make_upload_signer(settings: ServiceSettings) -> S3UploadSigner:
    """Presigned grants on the stills bucket, signed with Signature Version 4 (what S3 requires in every
    region), on the bucket's regional virtual-host endpoint (``<bucket>.s3.<region>.amazonaws.com``):
    the global one may redirect a new bucket's requests, which a browser's CORS upload cannot follow.
    A local endpoint (an IP address) gets path-style URLs."""
    from palette_service.data.uploads import S3UploadSigner

    config = CLIENT_CONFIG.merge(Config(signature_version="s3v4", s3={"addressing_style": "virtual"}))
    client = boto3.client("s3", config=config)
    _open_clients.append(client)
    return S3UploadSigner(client, settings.stills_bucket)
