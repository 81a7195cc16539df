"""The extract function answering S3 Batch Operations (invocation schema 2.0) on moto: a result for each
task, failures told apart, and a task ordered as a replay of the key's current version."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.data.s3 import S3StillStore
from palette_service.data.transient import is_transient
from palette_service.domain.batch import answer_batch_event, replay_sequencer
from palette_service.domain.events import normalize_sequencer, parse_s3_event, record_of_event
from palette_service.domain.extraction import ExtractionServices, process_s3_event
from palette_service.domain.records import RETRIES_EXHAUSTED, StillKey, StillRecord, StillStatus
from palette_service.errors import InvalidBatchEventError
from palette_service.settings import ServiceSettings
from palettes_cli.batch_jobs import ManifestEntry, task_event
from tests.conftest import make_jpeg
from tests.functions.conftest import Uploader

KEY = "stills/my-film/Opening shot é+1.jpg"
STILL = StillKey("my-film", "Opening shot é+1.jpg")


@pytest.fixture
def services(
    settings: ServiceSettings, storage: S3StillStore, repository: DynamoStillRepository
) -> ExtractionServices:
    return ExtractionServices(settings=settings, storage=storage, repository=repository)


def batch_event(bucket: str, key: str, version_id: str | None, task_id: str = "task-1") -> dict[str, Any]:
    return task_event("invocation-1", "job-1", task_id, ManifestEntry(bucket, key, version_id))


def run_task(services: ExtractionServices, bucket: str, key: str, version_id: str | None) -> tuple[str, str]:
    answer = answer_batch_event(batch_event(bucket, key, version_id), services, is_transient=is_transient)
    (result,) = answer.response["results"]
    return result["resultCode"], result["resultString"]


def record(services: ExtractionServices) -> StillRecord:
    found = services.repository.get(STILL)
    assert found is not None
    return found


def test_the_handler_answers_each_task_in_the_2_0_response(
    fresh_handlers: None, uploader: Uploader, stills_bucket: str, lambda_context: Any, repository: Any
) -> None:
    from extract import app

    upload = uploader.put(KEY, make_jpeg())

    response = app.lambda_handler(batch_event(stills_bucket, KEY, upload.version_id), lambda_context)

    assert response == {
        "invocationSchemaVersion": "2.0",
        "treatMissingKeysAs": "PermanentFailure",
        "invocationId": "invocation-1",
        "results": [{"taskId": "task-1", "resultCode": "Succeeded", "resultString": "processed"}],
    }
    item = repository.get(STILL)
    assert item.status is StillStatus.DONE and item.version_id == upload.version_id


def test_a_bad_still_is_a_permanent_failure_with_its_reason_and_a_failed_item(
    uploader: Uploader, services: ExtractionServices, stills_bucket: str
) -> None:
    upload = uploader.put(KEY, b"%PDF-1.7 not a still")

    code, message = run_task(services, stills_bucket, KEY, upload.version_id)

    item = record(services)
    assert item.status is StillStatus.FAILED and item.version_id == upload.version_id
    assert code == "PermanentFailure"
    assert item.error is not None and item.reason is not None
    assert message == f"{item.error}: {item.reason}"


def test_a_job_run_again_over_a_bad_still_answers_its_recorded_failure_without_a_second_try(
    uploader: Uploader, services: ExtractionServices, stills_bucket: str
) -> None:
    upload = uploader.put(KEY, b"%PDF-1.7 not a still")
    run_task(services, stills_bucket, KEY, upload.version_id)
    first = record(services)

    answer = answer_batch_event(
        batch_event(stills_bucket, KEY, upload.version_id), services, is_transient=is_transient
    )

    (result,) = answer.response["results"]
    assert result["resultCode"] == "PermanentFailure"
    assert result["resultString"] == f"recorded as FAILED before: {first.error}: {first.reason}"
    assert [outcome.outcome.value for outcome in answer.outcomes] == ["skipped"]  # not a second failure
    assert record(services) == first


@pytest.mark.parametrize(
    ("service", "code", "status"),
    [
        ("s3", "SlowDown", 503),
        ("s3", "InternalError", 500),
        ("dynamodb", "ProvisionedThroughputExceededException", 400),
        ("dynamodb", "ThrottlingException", 400),
    ],
)
def test_throttling_and_5xx_are_temporary_failures(
    service: str,
    code: str,
    status: int,
    uploader: Uploader,
    settings: ServiceSettings,
    s3_client: Any,
    palettes_table: Any,
    stills_bucket: str,
) -> None:
    upload = uploader.put(KEY, make_jpeg())
    response: Any = {
        "Error": {"Code": code, "Message": "injected"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    error = ClientError(response, "Injected")
    s3: Any = Failing(s3_client, "head_object", error) if service == "s3" else s3_client
    table: Any = Failing(palettes_table, "get_item", error) if service == "dynamodb" else palettes_table
    failing = ExtractionServices(
        settings=settings,
        storage=S3StillStore(s3, stills_bucket),
        repository=DynamoStillRepository(table),
    )

    result, message = run_task(failing, stills_bucket, KEY, upload.version_id)

    assert (result, message.split(":")[0]) == ("TemporaryFailure", "ClientError")
    assert code in message
    # Tried again (Batch Operations retries a temporary failure), it succeeds.
    healthy = ExtractionServices(
        settings=settings,
        storage=S3StillStore(s3_client, stills_bucket),
        repository=DynamoStillRepository(palettes_table),
    )
    assert run_task(healthy, stills_bucket, KEY, upload.version_id) == ("Succeeded", "processed")


def test_an_error_that_is_not_transient_fails_the_invocation(
    uploader: Uploader, settings: ServiceSettings, s3_client: Any, palettes_table: Any, stills_bucket: str
) -> None:
    upload = uploader.put(KEY, make_jpeg())
    response: Any = {
        "Error": {"Code": "AccessDenied", "Message": "no"},
        "ResponseMetadata": {"HTTPStatusCode": 403},
    }
    denied = ClientError(response, "HeadObject")
    failing = ExtractionServices(
        settings=settings,
        storage=S3StillStore(Failing(s3_client, "head_object", denied), stills_bucket),  # type: ignore[arg-type]
        repository=DynamoStillRepository(palettes_table),
    )
    with pytest.raises(ClientError):
        run_task(failing, stills_bucket, KEY, upload.version_id)


def test_a_task_of_a_recorded_version_is_skipped_as_a_duplicate_event_is(
    uploader: Uploader, services: ExtractionServices, stills_bucket: str
) -> None:
    upload = uploader.put(KEY, make_jpeg())
    process_s3_event(uploader.event(upload), services)

    assert run_task(services, stills_bucket, KEY, upload.version_id) == (
        "Succeeded",
        "skipped: this version is already recorded as DONE",
    )


def test_a_task_of_a_version_given_up_on_is_processed_as_its_replay_is(
    uploader: Uploader, services: ExtractionServices, stills_bucket: str
) -> None:
    upload = uploader.put(KEY, make_jpeg())
    (object_event,) = parse_s3_event(uploader.event(upload))
    # What RecordFailuresFunction records when Lambda gave the version's event up.
    given_up = record_of_event(
        STILL,
        object_event,
        "2026-01-01T00:00:00Z",
        status=StillStatus.FAILED,
        reason="processing failed on 3 attempts",
        error=RETRIES_EXHAUSTED,
    )
    assert services.repository.save_given_up(given_up)

    assert run_task(services, stills_bucket, KEY, upload.version_id) == ("Succeeded", "processed")
    item = record(services)
    assert item.status is StillStatus.DONE
    assert item.sequencer == normalize_sequencer(upload.sequencer)  # the version's own place


def test_a_task_of_a_version_overwritten_or_removed_since_does_nothing(
    uploader: Uploader, services: ExtractionServices, stills_bucket: str, s3_client: Any
) -> None:
    old = uploader.put(KEY, make_jpeg(seed=1))
    uploader.put(KEY, make_jpeg(seed=2))

    assert run_task(services, stills_bucket, KEY, old.version_id) == (
        "Succeeded",
        f"skipped: version {old.version_id} is no longer the current one",
    )
    s3_client.delete_object(Bucket=stills_bucket, Key=KEY)  # a delete marker
    assert run_task(services, stills_bucket, KEY, None) == (
        "Succeeded",
        "skipped: the still was removed since the manifest was made",
    )
    assert services.repository.get(STILL) is None


def test_a_task_of_the_current_version_replaces_an_older_recorded_one_and_loses_to_newer_events(
    uploader: Uploader, services: ExtractionServices, stills_bucket: str
) -> None:
    """v1's event was processed; v2 came while notifications were off: the task records v2 just after
    v1. v1's late event is then skipped; v3's event, later, wins."""
    v1 = uploader.put(KEY, make_jpeg(seed=1))
    process_s3_event(uploader.event(v1), services)
    v2 = uploader.put(KEY, make_jpeg(seed=2))

    assert run_task(services, stills_bucket, KEY, v2.version_id) == ("Succeeded", "processed")
    item = record(services)
    assert (item.status, item.version_id) == (StillStatus.DONE, v2.version_id)
    assert normalize_sequencer(v1.sequencer) < item.sequencer

    (late,) = process_s3_event(uploader.event(v1), services)
    assert late.outcome.value == "skipped"
    assert record(services).version_id == v2.version_id

    v3 = uploader.put(KEY, make_jpeg(seed=3))
    process_s3_event(uploader.event(v3), services)
    assert record(services).version_id == v3.version_id
    assert run_task(services, stills_bucket, KEY, v2.version_id)[1].startswith("skipped: version")


@pytest.mark.parametrize("key", ["palettes/my-film/x.json", "stills/no-film.jpg"])
def test_a_task_that_names_no_still_is_a_permanent_failure(
    key: str, uploader: Uploader, services: ExtractionServices, stills_bucket: str
) -> None:
    upload = uploader.put(key, b"{}")
    answer = answer_batch_event(
        batch_event(stills_bucket, key, upload.version_id), services, is_transient=is_transient
    )
    (result,) = answer.response["results"]
    assert result["resultCode"] == "PermanentFailure" and result["resultString"].startswith("names no still")
    assert answer.outcomes == []  # no still, so no still metric counts it


def test_another_invocation_schema_is_refused(services: ExtractionServices, stills_bucket: str) -> None:
    event = batch_event(stills_bucket, KEY, None)
    event["invocationSchemaVersion"] = "1.0"
    with pytest.raises(InvalidBatchEventError, match=r"2\.0"):
        answer_batch_event(event, services, is_transient=is_transient)


@pytest.mark.parametrize("recorded", ["0067455D2B7A3C1F00", "FFFFFFFFFFFFFFFFFF", ""])
def test_just_after_a_recorded_version_is_before_every_newer_s3_sequencer(recorded: str) -> None:
    existing = StillRecord(
        still=STILL,
        key=KEY,
        etag="old",
        sequencer=normalize_sequencer(recorded),
        updated_at="2026-01-01T00:00:00Z",
        version_id="v1",
        status=StillStatus.DONE,
    )
    placed = replay_sequencer(existing, "v2", "new")
    assert existing.sequencer < placed
    newer = [normalize_sequencer(f"{int(recorded or '0', 16) + step:018X}") for step in (1, 2, 1 << 40)]
    assert all(placed < sequencer for sequencer in newer if sequencer > existing.sequencer)
    assert replay_sequencer(existing, "v1", "old") == existing.sequencer
    assert replay_sequencer(None, "v2", "new") == normalize_sequencer(None)


class Failing:
    """A boto3 client or table whose ``operation`` raises ``error``; everything else passes through."""

    def __init__(self, wrapped: Any, operation: str, error: Exception) -> None:
        self._wrapped = wrapped
        self._operation = operation
        self._error = error

    def __getattr__(self, name: str) -> Any:
        if name == self._operation:

            def fail(*_: Any, **__: Any) -> Any:
                raise self._error

            return fail
        return getattr(self._wrapped, name)
