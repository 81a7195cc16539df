"""The extract function on moto: outputs and items, idempotency, ordering, failures, retries."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.data.s3 import S3StillStore
from palette_service.domain.extraction import ExtractionServices, process_s3_event
from palette_service.domain.outcomes import Outcome
from palette_service.domain.outputs import SOURCE_SEQUENCER
from palette_service.domain.records import StillKey, StillStatus
from palette_service.settings import ServiceSettings
from tests.conftest import make_jpeg
from tests.events import S3Object
from tests.functions.conftest import CountingClient, Uploader, next_sequencer
from tests.functions.test_service_parts import AWKWARD_KEYS

KEY = "stills/my-film/Opening shot é.jpg"
STILL = StillKey("my-film", "Opening shot é.jpg")


@pytest.fixture
def services(
    settings: ServiceSettings, storage: S3StillStore, repository: DynamoStillRepository
) -> ExtractionServices:
    return ExtractionServices(settings=settings, storage=storage, repository=repository)


def outcomes_of(event: dict[str, Any], services: ExtractionServices) -> list[tuple[Outcome, str]]:
    return [(outcome.outcome, outcome.detail) for outcome in process_s3_event(event, services)]


def test_an_upload_gives_the_document_the_swatch_and_the_item(
    uploader: Uploader, services: ExtractionServices, s3_client: Any, stills_bucket: str, sample_jpeg: bytes
) -> None:
    upload = uploader.put(KEY, sample_jpeg)

    assert outcomes_of(uploader.event(upload), services) == [(Outcome.PROCESSED, "")]

    palette_object = s3_client.get_object(
        Bucket=stills_bucket, Key="palettes/my-film/Opening shot é.jpg.json"
    )
    assert palette_object["ContentType"] == "application/json"
    assert palette_object["Metadata"][SOURCE_SEQUENCER] == upload.sequencer.ljust(32, "0")
    document = json.loads(palette_object["Body"].read())
    assert document["schema_version"] == 2
    assert document["source"]["key"] == KEY
    assert 1 <= len(document["colors"]) <= 6
    swatch = s3_client.get_object(Bucket=stills_bucket, Key="swatches/my-film/Opening shot é.jpg.png")
    assert swatch["ContentType"] == "image/png"
    assert swatch["Body"].read().startswith(b"\x89PNG\r\n\x1a\n")

    record = services.repository.get(STILL)
    assert record is not None
    assert record.status is StillStatus.DONE
    assert record.key == KEY
    assert record.document == document
    assert (record.etag, record.version_id, record.size) == (upload.etag, upload.version_id, len(sample_jpeg))
    assert record.palette_key == "palettes/my-film/Opening shot é.jpg.json"
    assert record.swatch_key == "swatches/my-film/Opening shot é.jpg.png"
    assert record.params is not None and record.params["k"] == 6
    # First seen when the version claimed the item (before its outputs), recorded after them.
    assert record.created_at is not None and record.created_at <= record.updated_at
    assert record.updated_at.endswith("Z")
    # The item names the output versions written for it, and no version is left in progress.
    assert record.palette_version_id == palette_object["VersionId"]
    assert record.swatch_version_id == swatch["VersionId"]
    assert record.pending is not None and record.processing is None


def test_the_item_has_the_attributes_the_table_design_names(
    uploader: Uploader, services: ExtractionServices, palettes_table: Any, sample_jpeg: bytes
) -> None:
    process_s3_event(uploader.event(uploader.put(KEY, sample_jpeg)), services)
    item = palettes_table.get_item(Key={"pk": "FILM#my-film", "sk": "STILL#Opening shot é.jpg"})["Item"]
    assert item["gsi1pk"] == "FILM#my-film"
    assert item["gsi1sk"] == f"{item['updated_at']}#Opening shot é.jpg"
    assert {"key", "film", "name", "status", "document", "params", "etag", "version_id", "sequencer"} <= set(
        item
    )
    assert isinstance(item["document"], str)


@pytest.mark.parametrize("key", AWKWARD_KEYS)
def test_awkward_keys_round_trip(
    key: str, uploader: Uploader, services: ExtractionServices, s3_client: Any, stills_bucket: str
) -> None:
    upload = uploader.put(key, make_jpeg(seed=3))
    assert outcomes_of(uploader.event(upload), services) == [(Outcome.PROCESSED, "")]
    film, name = key.removeprefix("stills/").split("/")
    record = services.repository.get(StillKey(film, name))
    assert record is not None and record.key == key and record.status is StillStatus.DONE
    s3_client.head_object(Bucket=stills_bucket, Key=f"palettes/{film}/{name}.json")
    s3_client.head_object(Bucket=stills_bucket, Key=f"swatches/{film}/{name}.png")


def test_every_record_of_an_event_is_processed(uploader: Uploader, services: ExtractionServices) -> None:
    first = uploader.put("stills/film/a b.jpg", make_jpeg(seed=1))
    second = uploader.put("stills/film/c+d.jpg", make_jpeg(seed=2))
    assert [outcome for outcome, _ in outcomes_of(uploader.event(first, second), services)] == [
        Outcome.PROCESSED,
        Outcome.PROCESSED,
    ]
    assert services.repository.get(StillKey("film", "a b.jpg")) is not None
    assert services.repository.get(StillKey("film", "c+d.jpg")) is not None


def test_a_repeated_event_is_done_once(
    uploader: Uploader, services: ExtractionServices, counting_s3: CountingClient, sample_jpeg: bytes
) -> None:
    event = uploader.event(uploader.put(KEY, sample_jpeg))
    assert outcomes_of(event, services) == [(Outcome.PROCESSED, "")]
    first = services.repository.get(STILL)

    for _ in range(2):
        ((outcome, detail),) = outcomes_of(event, services)
        assert outcome is Outcome.SKIPPED
        assert "already recorded" in detail

    # One GET of the upload, no HEAD: its size and options come from the GET's headers.
    assert (counting_s3.calls.get("get_object"), counting_s3.calls.get("head_object")) == (1, None)
    assert counting_s3.calls.get("put_object") == 2
    assert services.repository.get(STILL) == first


def test_an_older_event_arriving_late_leaves_the_newer_item(
    uploader: Uploader, services: ExtractionServices, counting_s3: CountingClient
) -> None:
    older = uploader.put(KEY, make_jpeg(seed=1))
    newer = uploader.put(KEY, make_jpeg(seed=9))

    assert outcomes_of(uploader.event(newer), services) == [(Outcome.PROCESSED, "")]
    ((outcome, detail),) = outcomes_of(uploader.event(older), services)

    assert outcome is Outcome.SKIPPED and "newer version" in detail
    assert counting_s3.calls.get("get_object") == 1
    record = services.repository.get(STILL)
    assert record is not None
    assert (record.etag, record.version_id) == (newer.etag, newer.version_id)


def test_events_in_order_move_the_item_to_the_newest_version(
    uploader: Uploader, services: ExtractionServices
) -> None:
    older = uploader.put(KEY, make_jpeg(seed=1))
    newer = uploader.put(KEY, make_jpeg(seed=9))
    process_s3_event(uploader.event(older), services)
    first = services.repository.get(STILL)

    assert outcomes_of(uploader.event(newer), services) == [(Outcome.PROCESSED, "")]

    record = services.repository.get(STILL)
    assert record is not None and first is not None
    assert record.etag == newer.etag
    assert record.created_at == first.created_at
    assert record.updated_at > first.updated_at


def test_an_older_version_losing_the_race_restores_the_newer_outputs(
    uploader: Uploader,
    services: ExtractionServices,
    settings: ServiceSettings,
    repository: DynamoStillRepository,
    s3_client: Any,
    stills_bucket: str,
) -> None:
    """Newer finishes first; older, not seeing it, overwrites the outputs and then loses the item."""
    older = uploader.put(KEY, make_jpeg(seed=1))
    newer = uploader.put(KEY, make_jpeg(seed=9))
    process_s3_event(uploader.event(newer), services)

    class BlindUntilWrite(DynamoStillRepository):
        """Sees no item until its own write: as if both versions were processed at once."""

        def __init__(self) -> None:
            super().__init__(repository._table)
            self.wrote = False

        def get(self, still: StillKey) -> Any:
            return super().get(still) if self.wrote else None

        def save(self, record: Any) -> bool:
            self.wrote = True
            return super().save(record)

    racing = ExtractionServices(settings=settings, storage=services.storage, repository=BlindUntilWrite())
    ((outcome, _),) = outcomes_of(uploader.event(older), racing)

    assert outcome is Outcome.SKIPPED
    record = repository.get(STILL)
    assert record is not None and record.etag == newer.etag
    for output_key in (record.palette_key, record.swatch_key):
        metadata = s3_client.head_object(Bucket=stills_bucket, Key=output_key)["Metadata"]
        assert metadata[SOURCE_SEQUENCER] == newer.sequencer.ljust(32, "0")


def test_outputs_never_trigger_work(
    uploader: Uploader, services: ExtractionServices, counting_s3: CountingClient, palettes_table: Any
) -> None:
    output = uploader.put("palettes/my-film/a.jpg.json", b"{}")
    swatch = uploader.put("swatches/my-film/a.jpg.png", b"png")
    outcomes = outcomes_of(uploader.event(output, swatch), services)
    assert [outcome for outcome, _ in outcomes] == [Outcome.SKIPPED, Outcome.SKIPPED]
    assert counting_s3.calls == {}
    assert palettes_table.scan()["Items"] == []


def test_the_sample_output_event_is_skipped(
    event_loader: Any, services: ExtractionServices, settings: ServiceSettings, counting_s3: CountingClient
) -> None:
    event = event_loader("s3-put-output-prefix")
    for record in event["Records"]:
        record["s3"]["bucket"]["name"] = settings.stills_bucket
    assert all(outcome is Outcome.SKIPPED for outcome, _ in outcomes_of(event, services))
    assert counting_s3.calls == {}


@pytest.mark.parametrize(
    ("body", "error"),
    [(b"this is not an image", "unsupported_format"), (make_jpeg()[:300], "corrupt_image")],
)
def test_a_bad_file_gives_a_failed_item_and_no_exception(
    body: bytes,
    error: str,
    uploader: Uploader,
    services: ExtractionServices,
    s3_client: Any,
    stills_bucket: str,
) -> None:
    ((outcome, detail),) = outcomes_of(uploader.event(uploader.put(KEY, body)), services)

    assert (outcome, detail) == (Outcome.FAILED, error)
    record = services.repository.get(STILL)
    assert record is not None
    assert record.status is StillStatus.FAILED
    assert record.error == error
    assert record.reason and "image" in record.reason
    assert record.document is None and record.palette_key is None
    listing = s3_client.list_objects_v2(Bucket=stills_bucket, Prefix="palettes/")
    assert listing["KeyCount"] == 0


def test_a_failure_after_a_success_clears_the_palette(
    uploader: Uploader, services: ExtractionServices
) -> None:
    process_s3_event(uploader.event(uploader.put(KEY, make_jpeg())), services)
    process_s3_event(uploader.event(uploader.put(KEY, b"garbage")), services)
    record = services.repository.get(STILL)
    assert record is not None
    assert record.status is StillStatus.FAILED
    assert (record.document, record.palette_key, record.swatch_key) == (None, None, None)


class _BodyReads:
    """Wraps an S3 client: records whether the body of any GetObject answer was read."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.read: list[str] = []
        self.closed = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def get_object(self, **kwargs: Any) -> Any:
        response = self._client.get_object(**kwargs)
        body, reads = response["Body"], self

        class Body:
            def read(self, *args: Any) -> bytes:
                reads.read.append(kwargs["Key"])
                return bytes(body.read(*args))

            def close(self) -> None:
                reads.closed += 1
                body.close()

            def __enter__(self) -> Body:
                return self

            def __exit__(self, *_: object) -> None:
                self.close()

        return {**response, "Body": Body()}


def test_a_large_object_fails_without_its_body_being_read(
    uploader: Uploader,
    repository: DynamoStillRepository,
    settings: ServiceSettings,
    s3_client: Any,
    stills_bucket: str,
) -> None:
    small_limit = settings.model_copy(update={"max_object_bytes": 1000})
    reads = _BodyReads(s3_client)
    storage = S3StillStore(reads, stills_bucket)  # type: ignore[arg-type]
    services = ExtractionServices(settings=small_limit, storage=storage, repository=repository)

    ((outcome, detail),) = outcomes_of(uploader.event(uploader.put(KEY, make_jpeg(640, 360))), services)

    assert (outcome, detail) == (Outcome.FAILED, "object_too_large")
    # One GET, for its headers; its body closed unread.
    assert (reads.read, reads.closed) == ([], 1)
    record = repository.get(STILL)
    assert record is not None and record.error == "object_too_large"
    assert record.reason is not None and "1000 bytes" in record.reason


def test_options_come_from_object_metadata(uploader: Uploader, services: ExtractionServices) -> None:
    metadata = {
        "k": "3",
        "method": "kmeans",
        "accents": "false",
        "min-brightness": "0.05",
        "uploaded-by": "ana",
    }
    process_s3_event(uploader.event(uploader.put(KEY, make_jpeg(), metadata)), services)
    record = services.repository.get(STILL)
    assert record is not None and record.document is not None
    assert record.document["params"]["k"] == 3
    assert record.document["params"]["accents"] is False
    assert record.document["params"]["min_brightness"] == pytest.approx(0.05)
    assert len(record.document["colors"]) <= 3


def test_a_bad_option_gives_a_failed_item(uploader: Uploader, services: ExtractionServices) -> None:
    ((outcome, detail),) = outcomes_of(uploader.event(uploader.put(KEY, make_jpeg(), {"k": "99"})), services)
    assert (outcome, detail) == (Outcome.FAILED, "invalid_parameter")
    record = services.repository.get(STILL)
    assert record is not None and record.reason is not None and "k must be" in record.reason


def test_a_nested_key_is_recorded_as_failed_with_the_layout(
    uploader: Uploader, services: ExtractionServices, counting_s3: CountingClient
) -> None:
    ((outcome, detail),) = outcomes_of(
        uploader.event(uploader.put("stills/film/extra/a.jpg", b"x")), services
    )
    assert (outcome, detail) == (Outcome.FAILED, "invalid_key")
    assert counting_s3.calls == {}
    record = services.repository.get(StillKey("film", "extra/a.jpg"))
    assert record is not None and record.reason is not None
    assert "stills/<film>/<name>" in record.reason


def test_a_key_without_a_film_is_skipped(
    uploader: Uploader, services: ExtractionServices, palettes_table: Any
) -> None:
    ((outcome, detail),) = outcomes_of(uploader.event(uploader.put("stills/loose.jpg", b"x")), services)
    assert (outcome, detail) == (Outcome.SKIPPED, "invalid_key")
    assert palettes_table.scan()["Items"] == []


def test_an_overwritten_object_is_left_to_its_own_event(
    uploader: Uploader, services: ExtractionServices, s3_client: Any, stills_bucket: str
) -> None:
    """Without a version id (an unversioned bucket), the read is pinned to the event's ETag."""
    upload = uploader.put(KEY, make_jpeg(seed=1))
    uploader.put(KEY, make_jpeg(seed=2))
    unversioned = S3Object(key=upload.key, etag=upload.etag, size=upload.size, sequencer=upload.sequencer)
    ((outcome, detail),) = outcomes_of(uploader.event(unversioned), services)
    assert outcome is Outcome.SKIPPED and "changed" in detail
    assert services.repository.get(STILL) is None


def test_a_deleted_version_is_skipped(
    uploader: Uploader, services: ExtractionServices, s3_client: Any, stills_bucket: str
) -> None:
    upload = uploader.put(KEY, make_jpeg())
    s3_client.delete_object(Bucket=stills_bucket, Key=KEY, VersionId=upload.version_id)
    ((outcome, _),) = outcomes_of(uploader.event(upload), services)
    assert outcome is Outcome.SKIPPED


def test_other_buckets_and_other_events_are_skipped(uploader: Uploader, services: ExtractionServices) -> None:
    upload = uploader.put(KEY, make_jpeg())
    elsewhere = dict(uploader.event(upload))
    elsewhere["Records"][0]["s3"]["bucket"]["name"] = "someone-elses-bucket"
    restored = S3Object(
        key=KEY, etag="", size=0, sequencer=next_sequencer(), event_name="ObjectRestore:Completed"
    )
    assert [outcome for outcome, _ in outcomes_of(elsewhere, services)] == [Outcome.SKIPPED]
    assert [outcome for outcome, _ in outcomes_of(uploader.event(restored), services)] == [Outcome.SKIPPED]


class ThrottledTable:
    """A DynamoDB table whose writes are throttled (reads work)."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    def update_item(self, **_: Any) -> Any:
        raise ClientError(
            {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
            "UpdateItem",
        )


def test_a_transient_error_propagates_so_lambda_retries(
    uploader: Uploader, settings: ServiceSettings, storage: S3StillStore, palettes_table: Any
) -> None:
    throttled = DynamoStillRepository(ThrottledTable(palettes_table))  # type: ignore[arg-type]
    services = ExtractionServices(settings=settings, storage=storage, repository=throttled)
    event = uploader.event(uploader.put(KEY, make_jpeg()))

    with pytest.raises(ClientError) as raised:
        process_s3_event(event, services)
    assert raised.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"

    # The retry, with DynamoDB back, finishes the job (the outputs are simply written again).
    healthy = ExtractionServices(
        settings=settings, storage=storage, repository=DynamoStillRepository(palettes_table)
    )
    assert outcomes_of(event, healthy) == [(Outcome.PROCESSED, "")]


def test_the_handler_summarises_and_emits_metrics(
    fresh_handlers: None,
    uploader: Uploader,
    lambda_context: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from extract import app

    good = uploader.put(KEY, make_jpeg())
    bad = uploader.put("stills/my-film/broken.jpg", b"nope")
    output = uploader.put("palettes/my-film/x.json", b"{}")

    summary = app.lambda_handler(uploader.event(good, bad, output), lambda_context)

    assert summary == {"processed": 1, "failed": 1, "skipped": 1, "removed": 0}
    emitted = capsys.readouterr().out
    for metric in ("StillsProcessed", "StillsFailed", "StillsSkipped", "ProcessingDuration"):
        assert metric in emitted


@pytest.mark.filterwarnings("ignore:No application metrics to publish")
def test_the_handler_raises_on_a_transient_error(
    fresh_handlers: None, uploader: Uploader, lambda_context: Any, palettes_table: Any
) -> None:
    from extract import app

    event = uploader.event(uploader.put(KEY, make_jpeg()))
    palettes_table.delete()  # every DynamoDB call now fails: not the still's fault

    with pytest.raises(ClientError):
        app.lambda_handler(event, lambda_context)


def test_the_sample_event_runs_through_the_handler(
    fresh_handlers: None,
    event_loader: Any,
    s3_client: Any,
    stills_bucket: str,
    lambda_context: Any,
    sample_jpeg: bytes,
) -> None:
    event = event_loader("s3-put")
    record = event["Records"][0]
    response = s3_client.put_object(Bucket=stills_bucket, Key=KEY, Body=sample_jpeg)
    record["s3"]["bucket"]["name"] = stills_bucket
    record["s3"]["object"].update(
        {"eTag": response["ETag"].strip('"'), "versionId": response["VersionId"], "size": len(sample_jpeg)}
    )
    from extract import app

    assert app.lambda_handler(event, lambda_context) == {
        "processed": 1,
        "failed": 0,
        "skipped": 0,
        "removed": 0,
    }
