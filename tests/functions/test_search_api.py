"""Colour search on moto: the index follows each still, and /search and /similar find and rank from it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from palette_service.data.color_index import DynamoColorIndex
from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.domain.extraction import ExtractionServices, process_s3_event
from palette_service.domain.indexing import IndexingServices, reindex_still
from palette_service.domain.records import StillKey
from palette_service.settings import ServiceSettings
from palette_service.web import routes
from tests.events import S3Object
from tests.functions.conftest import Uploader, next_sequencer
from tests.functions.test_api import body_json, call

TEAL, ORANGE, GREY, RED = (26, 188, 156), (230, 126, 34), (90, 90, 90), (192, 57, 43)


def still_of(*blocks: tuple[tuple[int, int, int], float]) -> bytes:
    """A PNG of vertical colour bands, each covering its share of the frame."""
    image = Image.new("RGB", (200, 100), GREY)
    left = 0
    for colour, share in blocks:
        width = round(200 * share)
        image.paste(colour, (left, 0, left + width, 100))
        left += width
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


class Library:
    """Uploads stills, processes them and reindexes them as the aggregate function does."""

    def __init__(
        self, uploader: Uploader, extraction: ExtractionServices, indexing: IndexingServices
    ) -> None:
        self.uploader, self.extraction, self.indexing = uploader, extraction, indexing

    def put(self, film: str, name: str, body: bytes, *, reindex: bool = True) -> S3Object:
        upload = self.uploader.put(f"stills/{film}/{name}", body)
        process_s3_event(self.uploader.event(upload), self.extraction)
        if reindex:
            reindex_still(StillKey(film, name), self.indexing)
        return upload

    def remove(self, film: str, name: str, *, reindex: bool = True) -> None:
        key = f"stills/{film}/{name}"
        response = self.uploader.s3.delete_object(Bucket=self.uploader.bucket, Key=key)
        removal = S3Object(
            key=key,
            etag="",
            size=0,
            sequencer=next_sequencer(),
            version_id=response.get("VersionId"),
            event_name="ObjectRemoved:DeleteMarkerCreated",
        )
        process_s3_event(self.uploader.event(removal), self.extraction)
        if reindex:
            reindex_still(StillKey(film, name), self.indexing)


@pytest.fixture
def library(
    uploader: Uploader,
    settings: ServiceSettings,
    storage: Any,
    repository: DynamoStillRepository,
    palettes_table: Any,
    fresh_handlers: None,
) -> Library:
    extraction = ExtractionServices(settings=settings, storage=storage, repository=repository)
    return Library(uploader, extraction, IndexingServices(repository, DynamoColorIndex(palettes_table)))


def search(query: dict[str, str], context: Any) -> Any:
    return call(routes.SEARCH, query, context=context)


def names(response: dict[str, Any]) -> list[str]:
    assert response["statusCode"] == 200, response["body"]
    return [hit["name"] for hit in body_json(response)["items"]]


def test_a_planted_colour_is_found_first_with_the_colour_that_matched(
    library: Library, lambda_context: Any
) -> None:
    library.put("f", "teal big.png", still_of((TEAL, 0.4)))
    library.put("f", "teal small.png", still_of((TEAL, 0.05)))
    library.put("f", "orange.png", still_of((ORANGE, 0.4)))

    response = search({"color": "1abc9c"}, lambda_context)

    assert names(response) == ["teal big.png", "teal small.png"]
    [match] = body_json(response)["items"][0]["matches"]
    assert match["delta_e"] < 1 and 0.35 < match["proportion"] < 0.45


def test_min_share_and_film_filter(library: Library, lambda_context: Any) -> None:
    library.put("f", "teal big.png", still_of((TEAL, 0.4)))
    library.put("f", "teal small.png", still_of((TEAL, 0.05)))
    library.put("g", "teal other film.png", still_of((TEAL, 0.4)))

    assert names(search({"color": "#1abc9c", "min_share": "0.1", "film": "f"}, lambda_context)) == [
        "teal big.png"
    ]


def test_a_mix_ranks_by_its_shares(library: Library, lambda_context: Any) -> None:
    library.put("f", "both.png", still_of((TEAL, 0.3), (ORANGE, 0.1)))
    library.put("f", "teal only.png", still_of((TEAL, 0.4)))
    library.put("f", "red.png", still_of((RED, 0.5)))

    found = names(search({"colors": "1abc9c:30,e67e22:10"}, lambda_context))

    assert found[:2] == ["both.png", "teal only.png"]


def test_a_class_finds_its_term(library: Library, lambda_context: Any) -> None:
    library.put("f", "orange.png", still_of((ORANGE, 0.4)))
    library.put("f", "teal.png", still_of((TEAL, 0.4)))

    assert names(search({"class": "orange"}, lambda_context)) == ["orange.png"]


def test_more_like_this_leaves_the_still_itself_out(library: Library, lambda_context: Any) -> None:
    library.put("f", "a.png", still_of((TEAL, 0.3), (ORANGE, 0.1)))
    library.put("f", "b.png", still_of((TEAL, 0.28), (ORANGE, 0.12)))
    library.put("f", "c.png", still_of((RED, 0.5)))

    response = call(routes.fill(routes.SIMILAR, film="f", still="a.png"), context=lambda_context)

    assert names(response)[0] == "b.png"
    assert "a.png" not in names(response)


def test_pages_follow_the_ranking_and_a_cursor_of_another_query_is_refused(
    library: Library, lambda_context: Any
) -> None:
    for index in range(5):
        library.put("f", f"teal {index}.png", still_of((TEAL, 0.1 + index * 0.05)))
    first = body_json(search({"color": "1abc9c", "limit": "2"}, lambda_context))
    second = body_json(
        search({"color": "1abc9c", "limit": "2", "cursor": first["next_cursor"]}, lambda_context)
    )
    everything = names(search({"color": "1abc9c"}, lambda_context))

    assert [hit["name"] for hit in first["items"] + second["items"]] == everything[:4]
    refused = search({"color": "e67e22", "cursor": first["next_cursor"]}, lambda_context)
    assert refused["statusCode"] == 400


def test_an_overwrite_stops_the_old_colours_matching_even_before_the_reindex(
    library: Library, lambda_context: Any
) -> None:
    library.put("f", "a.png", still_of((TEAL, 0.4)))
    library.put("f", "a.png", still_of((ORANGE, 0.4)), reindex=False)

    assert names(search({"color": "1abc9c"}, lambda_context)) == []
    reindex_still(StillKey("f", "a.png"), library.indexing)
    assert names(search({"color": "e67e22"}, lambda_context)) == ["a.png"]


def test_removed_and_failed_stills_never_appear(library: Library, lambda_context: Any) -> None:
    library.put("f", "gone.png", still_of((TEAL, 0.4)))
    library.put("f", "broken.png", still_of((TEAL, 0.4)))
    library.remove("f", "gone.png", reindex=False)
    library.put("f", "broken.png", b"not an image", reindex=False)

    assert names(search({"color": "1abc9c"}, lambda_context)) == []
    for name in ("gone.png", "broken.png"):
        reindex_still(StillKey("f", name), library.indexing)
    assert names(search({"color": "1abc9c", "max_delta_e": "30"}, lambda_context)) == []


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"color": "zz0000"}, "hex"),
        ({"colors": ",".join(f"{i:06x}:10" for i in range(6))}, "5"),
        ({"colors": "c0392b:60,1abc9c:50"}, "100"),
        ({"color": "c0392b", "max_delta_e": "0.5"}, "max_delta_e"),
        ({"color": "c0392b", "max_delta_e": "51"}, "max_delta_e"),
        ({"color": "c0392b", "max_delta_e": "nan"}, "'max_delta_e': Input should be a finite number"),
        ({"color": "c0392b", "min_share": "nan"}, "'min_share': Input should be a finite number"),
        ({"class": "blue", "max_delta_e": "10"}, "does not apply to a class query"),
        ({"class": "mauve"}, "class"),
        ({}, "exactly one"),
        ({"color": "c0392b", "class": "red"}, "exactly one"),
        ({"color": "c0392b", "cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
    ],
)
def test_bad_input_is_a_400_that_says_what_is_wrong(
    library: Library, lambda_context: Any, query: dict[str, str], words: str
) -> None:
    response = search(query, lambda_context)

    assert response["statusCode"] == 400
    assert words in body_json(response)["message"]


def test_more_like_this_of_an_unknown_still_is_a_404(library: Library, lambda_context: Any) -> None:
    response = call(routes.fill(routes.SIMILAR, film="f", still="nope.png"), context=lambda_context)
    assert response["statusCode"] == 404
