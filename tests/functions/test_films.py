"""Films on moto: the extract function's summaries and positions, removals, the film rebuild and its
ordering, the aggregate handler's stream batches."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PIL import Image

from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.data.films import DynamoFilmRepository
from palette_service.data.s3 import S3StillStore
from palette_service.domain.aggregation import AggregationServices, aggregate_film, build_film
from palette_service.domain.extraction import ExtractionServices, process_s3_event
from palette_service.domain.films import FilmRecord, film_output_keys, output_generation
from palette_service.domain.outcomes import Outcome
from palette_service.domain.records import StillKey, StillStatus
from palette_service.domain.timeline import FilmPosition
from palette_service.settings import ServiceSettings
from palettes.colorspace import srgb_to_lab
from tests.conftest import make_jpeg
from tests.events import S3Object
from tests.functions.conftest import Uploader, next_sequencer

FILM = "my-film"


@pytest.fixture
def services(
    settings: ServiceSettings, storage: S3StillStore, repository: DynamoStillRepository
) -> ExtractionServices:
    return ExtractionServices(settings=settings, storage=storage, repository=repository)


@pytest.fixture
def films(palettes_table: Any) -> DynamoFilmRepository:
    return DynamoFilmRepository(palettes_table)


@pytest.fixture
def aggregation(
    settings: ServiceSettings, storage: S3StillStore, films: DynamoFilmRepository
) -> AggregationServices:
    return AggregationServices(settings=settings, films=films, storage=storage)


def upload(
    uploader: Uploader, services: ExtractionServices, name: str, body: bytes, **metadata: str
) -> S3Object:
    upload = uploader.put(f"stills/{FILM}/{name}", body, metadata)
    [outcome] = process_s3_event(uploader.event(upload), services)
    assert outcome.outcome in (Outcome.PROCESSED, Outcome.FAILED), outcome
    return upload


def remove(
    uploader: Uploader, services: ExtractionServices, name: str, *, sequencer: str | None = None
) -> Outcome:
    key = f"stills/{FILM}/{name}"
    response = uploader.s3.delete_object(Bucket=uploader.bucket, Key=key)
    removal = S3Object(
        key=key,
        etag="",
        size=0,
        sequencer=sequencer or next_sequencer(),
        version_id=response.get("VersionId"),
        event_name="ObjectRemoved:DeleteMarkerCreated",
    )
    [outcome] = process_s3_event(uploader.event(removal), services)
    return outcome.outcome


def test_a_still_item_keeps_its_colour_summary_and_position(
    uploader: Uploader, services: ExtractionServices
) -> None:
    upload(uploader, services, "a.jpg", make_jpeg(seed=1), frame="120")
    upload(uploader, services, "b.jpg", make_jpeg(seed=2), timecode="00:01:02:12")

    a = services.repository.get(StillKey(FILM, "a.jpg"))
    b = services.repository.get(StillKey(FILM, "b.jpg"))
    assert a is not None and b is not None
    assert a.summary is not None and 0 < len(a.summary) <= 1024
    assert a.position == FilmPosition("frame", 120.0)
    assert b.position == FilmPosition("time", 62.012)


def test_a_bad_frame_is_a_failed_still_with_its_reason(
    uploader: Uploader, services: ExtractionServices
) -> None:
    upload(uploader, services, "a.jpg", make_jpeg(), frame="twelve")

    record = services.repository.get(StillKey(FILM, "a.jpg"))
    assert record is not None and record.status is StillStatus.FAILED
    assert record.error == "invalid_position"
    assert "frame" in (record.reason or "")


def test_the_film_palette_counts_and_barcode_follow_the_stills(
    uploader: Uploader,
    services: ExtractionServices,
    aggregation: AggregationServices,
    s3_client: Any,
    stills_bucket: str,
) -> None:
    for index in range(3):
        upload(uploader, services, f"shot {index}.jpg", make_jpeg(seed=index), frame=str(10 - index))
    upload(uploader, services, "broken.jpg", b"not an image")

    film = aggregate_film(FILM, aggregation)

    assert film is not None and film.document is not None
    assert film.counts.to_dict() == {"done": 3, "failed": 1, "processing": 0}
    assert film.document["stills"] == {"done": 3, "failed": 1, "processing": 0}
    assert film.document["pixels"] == 3 * 160 * 90
    assert abs(sum(color["proportion"] for color in film.document["colors"]) - 1) < 1e-6
    assert film.document["roles"]["dominant"]["hex"] == film.document["colors"][0]["hex"]
    timeline = json.loads(s3_client.get_object(Bucket=stills_bucket, Key=film.timeline_key)["Body"].read())
    # Film order: by frame, and frames run backwards here.
    assert [still["name"] for still in timeline["stills"]] == ["shot 2.jpg", "shot 1.jpg", "shot 0.jpg"]
    barcode = Image.open(s3_client.get_object(Bucket=stills_bucket, Key=film.barcode_key)["Body"]).convert(
        "RGB"
    )
    assert _stripe_colours(barcode, 3) == [_dominant(services, f"shot {index}.jpg") for index in (2, 1, 0)]


def _stripe_colours(barcode: Image.Image, stripes: int) -> list[str]:
    width = barcode.width
    colours = []
    for index in range(stripes):
        pixel = barcode.getpixel((int((index + 0.5) * width / stripes), 0))
        assert isinstance(pixel, tuple)
        colours.append("#{:02x}{:02x}{:02x}".format(*pixel))
    return colours


def _dominant(services: ExtractionServices, name: str) -> str:
    record = services.repository.get(StillKey(FILM, name))
    assert record is not None
    return record.hex_colors[0]


def test_stripe_colours_are_the_stills_colours_within_delta_e_1(
    uploader: Uploader,
    services: ExtractionServices,
    aggregation: AggregationServices,
    s3_client: Any,
    stills_bucket: str,
) -> None:
    for index in range(4):
        upload(uploader, services, f"{index}.jpg", make_jpeg(seed=index))
    film = aggregate_film(FILM, aggregation)
    assert film is not None and film.barcode_key is not None
    barcode = Image.open(s3_client.get_object(Bucket=stills_bucket, Key=film.barcode_key)["Body"]).convert(
        "RGB"
    )
    import numpy as np

    from palettes.colorspace import ciede2000

    for index, stripe in enumerate(_stripe_colours(barcode, 4)):
        expected = _dominant(services, f"{index}.jpg")
        lab = srgb_to_lab(
            np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in (stripe, expected)], dtype=np.uint8)
        )
        assert float(ciede2000(lab[:1], lab[1:])[0]) <= 1.0


def test_an_older_rebuild_never_replaces_a_newer_one(films: DynamoFilmRepository) -> None:
    older = films.next_generation(FILM)
    newer = films.next_generation(FILM)
    assert newer > older
    record = FilmRecord(
        film=FILM,
        generation=newer,
        updated_at="2026-01-01T00:00:00.000000Z",
        counts=build_film(FILM, newer, [])[0].counts,
    )

    assert films.save_film(record) == ()
    assert (
        films.save_film(FilmRecord(film=FILM, generation=older, updated_at="2027", counts=record.counts))
        is None
    )
    stored = films.get_film(FILM)
    assert stored is not None and stored.generation == newer


def test_an_output_key_names_its_generation_and_no_other_key_does() -> None:
    keys = film_output_keys("films/", "a", 42)
    assert [output_generation("films/", "a", key) for key in keys] == [42, 42]
    # Another film's outputs, keys this service never writes, and look-alikes are nobody's to delete.
    for key in (
        film_output_keys("films/", "ab", 42)[0],
        "films/a/000000000042-notes.txt",
        "films/a/42-barcode.png",
        "films/a/sub/000000000042-barcode.png",
        "films/a/\N{SUPERSCRIPT TWO}-barcode.png",
        "films/a/",
    ):
        assert output_generation("films/", "a", key) is None, key


def test_a_removed_still_leaves_the_film_and_its_outputs_go(
    uploader: Uploader,
    services: ExtractionServices,
    aggregation: AggregationServices,
    s3_client: Any,
    stills_bucket: str,
) -> None:
    upload(uploader, services, "a.jpg", make_jpeg(seed=1))
    upload(uploader, services, "b.jpg", make_jpeg(seed=2))
    first = aggregate_film(FILM, aggregation)
    assert first is not None and first.counts.done == 2

    assert remove(uploader, services, "a.jpg") is Outcome.REMOVED

    record = services.repository.get(StillKey(FILM, "a.jpg"))
    assert record is not None and record.status is StillStatus.DELETED and record.document is None
    for key in ("palettes/my-film/a.jpg.json", "swatches/my-film/a.jpg.png"):
        assert services.storage.metadata(key) is None
    second = aggregate_film(FILM, aggregation)
    assert second is not None and second.counts.done == 1
    # The replaced generation's outputs are gone.
    assert all(services.storage.metadata(key) is None for key in first.output_keys)
    timeline = json.loads(s3_client.get_object(Bucket=stills_bucket, Key=second.timeline_key)["Body"].read())
    assert [still["name"] for still in timeline["stills"]] == ["b.jpg"]


def test_the_last_still_removed_takes_the_film_off_the_listing(
    uploader: Uploader,
    services: ExtractionServices,
    aggregation: AggregationServices,
    films: DynamoFilmRepository,
) -> None:
    upload(uploader, services, "a.jpg", make_jpeg())
    aggregate_film(FILM, aggregation)
    assert [record.film for record, _ in films.query_films(page_size=10).entries] == [FILM]

    remove(uploader, services, "a.jpg")
    aggregate_film(FILM, aggregation)

    assert films.query_films(page_size=10).entries == []
    stored = films.get_film(FILM)
    assert stored is not None and stored.document is None and stored.counts.total == 0


def test_a_late_upload_event_of_an_older_version_does_not_bring_a_removed_still_back(
    uploader: Uploader, services: ExtractionServices
) -> None:
    old = uploader.put(f"stills/{FILM}/a.jpg", make_jpeg())
    remove(uploader, services, "a.jpg")

    [outcome] = process_s3_event(uploader.event(old), services)

    assert outcome.outcome is Outcome.SKIPPED
    record = services.repository.get(StillKey(FILM, "a.jpg"))
    assert record is not None and record.status is StillStatus.DELETED


def test_a_new_upload_after_a_removal_is_processed(uploader: Uploader, services: ExtractionServices) -> None:
    upload(uploader, services, "a.jpg", make_jpeg(seed=1))
    remove(uploader, services, "a.jpg")

    upload(uploader, services, "a.jpg", make_jpeg(seed=2))

    record = services.repository.get(StillKey(FILM, "a.jpg"))
    assert record is not None and record.status is StillStatus.DONE


def test_deleting_an_older_version_keeps_the_still(uploader: Uploader, services: ExtractionServices) -> None:
    """The still stays the current version: recorded again under the delete's sequencer (so that no event
    between the two can move it), same version, same palette."""
    first = upload(uploader, services, "a.jpg", make_jpeg(seed=1))
    second = upload(uploader, services, "a.jpg", make_jpeg(seed=2))
    before = services.repository.get(StillKey(FILM, "a.jpg"))
    uploader.s3.delete_object(Bucket=uploader.bucket, Key=first.key, VersionId=first.version_id)
    removal = S3Object(
        key=first.key,
        etag="",
        size=0,
        sequencer=next_sequencer(),
        version_id=first.version_id,
        event_name="ObjectRemoved:Delete",
    )

    [outcome] = process_s3_event(uploader.event(removal), services)
    [again] = process_s3_event(uploader.event(removal), services)

    assert (outcome.outcome, again.outcome) == (Outcome.PROCESSED, Outcome.SKIPPED)
    record = services.repository.get(StillKey(FILM, "a.jpg"))
    assert record is not None and before is not None and record.status is StillStatus.DONE
    assert record.version_id == second.version_id and record.document == before.document


def test_the_aggregate_handler_rebuilds_each_film_of_a_batch_once(
    uploader: Uploader,
    services: ExtractionServices,
    fresh_aggregate: Any,
    lambda_context: Any,
    films: DynamoFilmRepository,
) -> None:
    upload(uploader, services, "a.jpg", make_jpeg(seed=1))
    upload(uploader, services, "b.jpg", make_jpeg(seed=2))
    records = [
        _stream_record(FILM, name, str(sequence))
        for sequence, name in enumerate(["a.jpg", "b.jpg", "a.jpg"], 100)
    ]

    response = fresh_aggregate.lambda_handler({"Records": records}, lambda_context)

    assert response == {"batchItemFailures": []}
    stored = films.get_film(FILM)
    assert stored is not None and stored.counts.done == 2
    assert stored.generation == 1  # one rebuild for three records


def test_a_failed_film_is_retried_from_its_first_record(
    fresh_aggregate: Any, lambda_context: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from palette_service.domain import aggregation, indexing

    def fail_for_b(film: str, services: AggregationServices) -> None:
        if film == "b":
            raise RuntimeError("throttled")

    monkeypatch.setattr(aggregation, "aggregate_film", fail_for_b)
    monkeypatch.setattr(indexing, "reindex_still", lambda still, services: 0)
    records = [
        _stream_record("a", "x", "100"),
        _stream_record("b", "x", "200"),
        _stream_record("b", "y", "300"),
    ]

    response = fresh_aggregate.lambda_handler({"Records": records}, lambda_context)

    assert response == {"batchItemFailures": [{"itemIdentifier": "200"}]}


@pytest.fixture
def fresh_aggregate(service_env: dict[str, str]) -> Any:
    from aggregate import app

    app.services.cache_clear()
    yield app
    app.services.cache_clear()


def _stream_record(film: str, name: str, sequence_number: str) -> dict[str, Any]:
    return {
        "eventID": sequence_number,
        "eventName": "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-1",
        "dynamodb": {
            "Keys": {"pk": {"S": f"FILM#{film}"}, "sk": {"S": f"STILL#{name}"}},
            "SequenceNumber": sequence_number,
            "SizeBytes": 64,
            "StreamViewType": "KEYS_ONLY",
        },
        "eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/2026",
    }
