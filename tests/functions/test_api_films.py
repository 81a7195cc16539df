"""The film routes on moto: the films listing, a film's document, its exports and its barcode."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from PIL import Image

from palette_service.data.films import DynamoFilmRepository
from palette_service.data.s3 import S3StillStore
from palette_service.domain.aggregation import AggregationServices, aggregate_film
from palette_service.domain.extraction import ExtractionServices, process_s3_event
from palette_service.settings import ServiceSettings
from palette_service.web import routes
from palette_service.web.models import FilmDocument
from palettes.barcode import MAX_HEIGHT, MAX_WIDTH
from palettes.exports import EXPORT_FORMATS
from tests.conftest import make_jpeg
from tests.functions.conftest import Uploader
from tests.functions.test_api import body_json, call, header


@pytest.fixture
def film_of(
    uploader: Uploader,
    settings: ServiceSettings,
    storage: S3StillStore,
    repository: Any,
    palettes_table: Any,
    fresh_handlers: None,
) -> Any:
    """Uploads ``count`` stills to a film, processes them and rebuilds the film."""
    extraction = ExtractionServices(settings=settings, storage=storage, repository=repository)
    aggregation = AggregationServices(
        settings=settings, films=DynamoFilmRepository(palettes_table), storage=storage
    )

    def make(film: str, count: int, *, broken: int = 0) -> None:
        for index in range(count):
            upload = uploader.put(
                f"stills/{film}/shot {index}.jpg", make_jpeg(seed=index), {"frame": str(index)}
            )
            process_s3_event(uploader.event(upload), extraction)
        for index in range(broken):
            upload = uploader.put(f"stills/{film}/broken {index}.jpg", b"not an image")
            process_s3_event(uploader.event(upload), extraction)
        aggregate_film(film, aggregation)

    return make


def test_the_films_listing_is_newest_change_first_and_paginated(film_of: Any, lambda_context: Any) -> None:
    film_of("first", 1)
    film_of("second", 2, broken=1)

    page = body_json(call(routes.FILMS, {"limit": "1"}, context=lambda_context))
    [item] = page["items"]
    assert item["film"] == "second"
    assert item["stills"] == {"done": 2, "failed": 1, "processing": 0}
    assert item["links"]["barcode"] == "/films/second/barcode"
    assert len(item["colors"]) >= 1
    rest = body_json(call(routes.FILMS, {"cursor": page["next_cursor"]}, context=lambda_context))
    assert [item["film"] for item in rest["items"]] == ["first"]
    assert rest["next_cursor"] is None


def test_a_film_document_is_its_palette_with_counts(film_of: Any, lambda_context: Any) -> None:
    film_of("my film", 2)

    response = call(routes.fill(routes.FILM, film="my film"), context=lambda_context)

    assert response["statusCode"] == 200
    document = FilmDocument.model_validate(body_json(response))
    assert document.film == "my film"
    assert document.stills.done == 2
    assert document.pixels == 2 * 160 * 90
    assert document.roles is not None


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_every_export_of_a_film_palette(film_of: Any, lambda_context: Any, fmt: str) -> None:
    film_of("f", 1)

    response = call(routes.fill(routes.FILM_PALETTE, film="f"), {"format": fmt}, context=lambda_context)

    assert response["statusCode"] == 200
    assert header(response, "Content-Disposition").startswith("attachment")


def test_the_default_barcode_and_a_rendered_one(film_of: Any, lambda_context: Any) -> None:
    film_of("f", 3)

    stored = call(routes.fill(routes.FILM_BARCODE, film="f"), context=lambda_context)
    drawn = call(
        routes.fill(routes.FILM_BARCODE, film="f"),
        {"style": "palette", "width": "30", "height": "20"},
        context=lambda_context,
    )

    for response in (stored, drawn):
        assert response["statusCode"] == 200
        assert header(response, "Content-Type") == "image/png"
    image = Image.open(io.BytesIO(base64.b64decode(drawn["body"])))
    assert image.size == (30, 20)


@pytest.mark.parametrize(
    "query",
    [
        {"style": "stripes"},
        {"width": "0"},
        {"width": str(MAX_WIDTH + 1)},
        {"height": str(MAX_HEIGHT + 1)},
        {"height": "tall"},
    ],
)
def test_bad_barcode_options_are_a_400_with_a_message(
    film_of: Any, lambda_context: Any, query: dict[str, str]
) -> None:
    film_of("f", 1)

    response = call(routes.fill(routes.FILM_BARCODE, film="f"), query, context=lambda_context)

    assert response["statusCode"] == 400
    assert body_json(response)["message"]


@pytest.mark.parametrize("route", [routes.FILM, routes.FILM_PALETTE, routes.FILM_BARCODE])
def test_a_film_with_no_done_still_is_a_404_with_a_message(
    film_of: Any, lambda_context: Any, route: str
) -> None:
    film_of("only broken", 0, broken=1)

    response = call(routes.fill(route, film="only broken"), context=lambda_context)

    assert response["statusCode"] == 404
    assert "no processed still" in body_json(response)["message"]


def test_a_cursor_from_a_still_listing_is_refused(film_of: Any, lambda_context: Any) -> None:
    film_of("a", 1)
    film_of("b", 1)
    still_cursor = body_json(call(routes.PALETTES, {"prefix": "a/", "limit": "1"}, context=lambda_context))
    forged = still_cursor["next_cursor"] or "eyJ2IjoxLCJwIjoiYS8ifQ"

    response = call(routes.FILMS, {"cursor": forged}, context=lambda_context)

    assert response["statusCode"] == 400
