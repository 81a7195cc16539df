"""RecordFailuresFunction on moto: given-up events become FAILED items, under the version ordering,
and every message is kept in the replay queue."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.data.sqs import SqsReplayQueue
from palette_service.domain.events import normalize_sequencer
from palette_service.domain.failures import FailureServices, record_given_up
from palette_service.domain.outcomes import Outcome
from palette_service.domain.records import RETRIES_EXHAUSTED, PendingVersion, StillKey, StillStatus
from palette_service.settings import ServiceSettings
from tests.conftest import REGION
from tests.functions.conftest import Uploader, next_sequencer

STILL = StillKey(film="my-film", name="shot 1.jpg")


def invocation_record(event: dict[str, Any], *, error: str = "S3 SlowDown", attempts: int = 3) -> str:
    """What Lambda's on-failure destination sends for an event whose every attempt raised."""
    return json.dumps(
        {
            "version": "1.0",
            "requestContext": {"condition": "RetriesExhausted", "approximateInvokeCount": attempts},
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
            "responsePayload": {"errorMessage": error, "errorType": "ClientError", "stackTrace": []},
        }
    )


@pytest.fixture
def replay_queue_url(aws: None) -> str:
    import boto3

    return str(boto3.client("sqs", region_name=REGION).create_queue(QueueName="replay")["QueueUrl"])


@pytest.fixture
def services(
    settings: ServiceSettings, repository: DynamoStillRepository, replay_queue_url: str
) -> FailureServices:
    import boto3

    queue = SqsReplayQueue(boto3.client("sqs", region_name=REGION), replay_queue_url)
    return FailureServices(settings=settings, repository=repository, replay_queue=queue)


def kept_messages(queue_url: str) -> list[str]:
    import boto3

    sqs = boto3.client("sqs", region_name=REGION)
    return [
        m["Body"] for m in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    ]


def test_a_claimed_still_given_up_becomes_failed_with_the_last_error(
    uploader: Uploader, repository: DynamoStillRepository, services: FailureServices, replay_queue_url: str
) -> None:
    upload = uploader.put(STILL.object_key("stills/"), b"any bytes")
    pending = PendingVersion(
        normalize_sequencer(upload.sequencer), upload.etag, upload.version_id, "2024-11-26T06:30:00.000000Z"
    )
    assert repository.claim(STILL, upload.key, pending) is not None  # it was PROCESSING when it gave up
    body = invocation_record(uploader.event(upload), error="Please reduce your request rate.")

    [outcome] = record_given_up(body, services)

    assert outcome.outcome is Outcome.FAILED
    record = repository.get(STILL)
    assert record is not None and record.status is StillStatus.FAILED
    assert record.error == RETRIES_EXHAUSTED
    assert "3 attempts" in (record.reason or "") and "Please reduce your request rate." in (
        record.reason or ""
    )
    assert kept_messages(replay_queue_url) == [body]


def test_a_still_never_claimed_is_recorded_too(
    uploader: Uploader, repository: DynamoStillRepository, services: FailureServices
) -> None:
    upload = uploader.put(STILL.object_key("stills/"), b"any bytes")
    record_given_up(invocation_record(uploader.event(upload)), services)
    record = repository.get(STILL)
    assert record is not None and (record.status, record.error) == (StillStatus.FAILED, RETRIES_EXHAUSTED)


@pytest.mark.parametrize("newer", ["recorded", "claimed"])
def test_a_given_up_version_never_hides_a_newer_one(
    newer: str,
    uploader: Uploader,
    repository: DynamoStillRepository,
    services: FailureServices,
    replay_queue_url: str,
) -> None:
    old = uploader.put(STILL.object_key("stills/"), b"old")
    new = uploader.put(STILL.object_key("stills/"), b"new")
    pending = PendingVersion(
        normalize_sequencer(new.sequencer), new.etag, new.version_id, "2024-11-26T06:30:00.000000Z"
    )
    repository.claim(STILL, new.key, pending)
    if newer == "recorded":
        repository.save(failed_like(repository, new.sequencer, new.etag))
    before = repository.get(STILL)

    [outcome] = record_given_up(invocation_record(uploader.event(old)), services)

    assert outcome.outcome is Outcome.SKIPPED
    assert repository.get(STILL) == before
    assert len(kept_messages(replay_queue_url)) == 1  # kept all the same


@pytest.mark.parametrize("claimed", [True, False], ids=["claimed", "not-claimed"])
def test_a_permanent_delete_given_up_after_claiming_the_current_version_records_it_failed(
    claimed: bool,
    uploader: Uploader,
    repository: DynamoStillRepository,
    services: FailureServices,
    replay_queue_url: str,
) -> None:
    """A permanent delete of the newest version processes the version current again, under its own
    sequencer; given up after its claim, that version is recorded FAILED (the still is not left
    PROCESSING). A removal that claimed nothing is only kept."""
    first = uploader.put(STILL.object_key("stills/"), b"first")
    second = uploader.put(STILL.object_key("stills/"), b"second")
    uploader.s3.delete_object(Bucket=uploader.bucket, Key=second.key, VersionId=second.version_id)
    removal = replace(second, etag="", size=0, sequencer=next_sequencer(), event_name="ObjectRemoved:Delete")
    if claimed:
        pending = PendingVersion(
            normalize_sequencer(removal.sequencer),
            first.etag,
            first.version_id,
            "2024-11-26T06:30:00.000000Z",
        )
        assert repository.claim(STILL, first.key, pending) is not None
    event = uploader.event(removal)
    for record in event["Records"]:
        record["s3"]["object"].pop("size", None)
        record["s3"]["object"].pop("eTag", None)
    body = invocation_record(event)

    [outcome] = record_given_up(body, services)

    record = repository.get(STILL)
    if claimed:
        assert outcome.outcome is Outcome.FAILED
        assert record is not None and (record.status, record.error) == (StillStatus.FAILED, RETRIES_EXHAUSTED)
        assert (record.version_id, record.etag) == (first.version_id, first.etag)
        assert record.sequencer == normalize_sequencer(removal.sequencer) and record.processing is None
    else:
        assert outcome.outcome is Outcome.SKIPPED and record is None
    assert kept_messages(replay_queue_url) == [body]


def test_an_outcome_of_the_same_version_is_kept(
    uploader: Uploader, repository: DynamoStillRepository, services: FailureServices
) -> None:
    # A duplicate delivery of the event succeeded while this one was being retried: DONE stays.
    upload = uploader.put(STILL.object_key("stills/"), b"bytes")
    done = failed_like(repository, upload.sequencer, upload.etag, status=StillStatus.DONE)
    repository.save(done)
    [outcome] = record_given_up(invocation_record(uploader.event(upload)), services)
    assert outcome.outcome is Outcome.SKIPPED
    record = repository.get(STILL)
    assert record is not None and record.status is StillStatus.DONE


def test_a_message_that_is_not_an_invocation_record_is_kept_unrecorded(
    services: FailureServices, replay_queue_url: str
) -> None:
    assert record_given_up("not json at all", services) == []
    assert record_given_up(json.dumps({"Records": []}), services) == []
    assert kept_messages(replay_queue_url) == ["not json at all", json.dumps({"Records": []})]


def test_the_handler_answers_each_message_and_reports_failures_alone(
    uploader: Uploader,
    service_env: dict[str, str],
    replay_queue_url: str,
    monkeypatch: pytest.MonkeyPatch,
    repository: DynamoStillRepository,
    lambda_context: Any,
) -> None:
    from failures import app

    monkeypatch.setenv("REPLAY_QUEUE_URL", replay_queue_url)
    app.services.cache_clear()
    upload = uploader.put(STILL.object_key("stills/"), b"bytes")
    messages = [invocation_record(uploader.event(upload)), "not a record"]
    event = {"Records": [sqs_record(str(index), body) for index, body in enumerate(messages)]}
    try:
        assert app.lambda_handler(event, lambda_context) == {"batchItemFailures": []}
    finally:
        app.services.cache_clear()
    record = repository.get(STILL)
    assert record is not None and record.error == RETRIES_EXHAUSTED
    assert sorted(kept_messages(replay_queue_url)) == sorted(messages)


def sqs_record(message_id: str, body: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:failures",
        "awsRegion": REGION,
    }


def failed_like(
    repository: DynamoStillRepository, sequencer: str, etag: str, *, status: StillStatus = StillStatus.FAILED
) -> Any:
    from palette_service.domain.records import StillRecord

    return StillRecord(
        still=STILL,
        key=STILL.object_key("stills/"),
        status=status,
        etag=etag,
        sequencer=normalize_sequencer(sequencer),
        updated_at="2024-11-26T06:31:00.000000Z",
        document={"colors": []} if status is StillStatus.DONE else None,
        reason=None if status is StillStatus.DONE else "bad",
        error=None if status is StillStatus.DONE else "corrupt_image",
    )
