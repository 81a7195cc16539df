"""The service's pure parts: key layout, S3 event parsing, sequencer order, settings, cursors."""

from __future__ import annotations

import base64
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from palette_service.data.dynamodb import DynamoStillRepository
from palette_service.data.items import item_key
from palette_service.domain.events import normalize_sequencer, parse_s3_event
from palette_service.domain.keys import InvalidKeyLayoutError, parse_still_key
from palette_service.domain.listing import ListingQuery, decode_cursor, encode_cursor, list_stills
from palette_service.domain.records import StillKey
from palette_service.errors import InvalidCursorError, InvalidQueryError, SettingsError
from palette_service.settings import ServiceSettings
from tests.events import S3Object, load_event, s3_event

AWKWARD_KEYS = [
    "stills/my film/shot 01.jpg",
    "stills/film+plus/a+b=c.jpg",
    "stills/film/100% real.jpg",
    "stills/Amélie/plan ñ 東京.png",
    "stills/film/it's (final) [v2] & co.jpg",
]


def test_still_key_round_trip() -> None:
    still = parse_still_key("stills/my-film/Opening shot é.jpg", "stills/")
    assert still == StillKey(film="my-film", name="Opening shot é.jpg")
    assert item_key(still) == {"pk": "FILM#my-film", "sk": "STILL#Opening shot é.jpg"}
    assert still.object_key("stills/") == "stills/my-film/Opening shot é.jpg"
    assert still.palette_key("palettes/") == "palettes/my-film/Opening shot é.jpg.json"
    assert still.swatch_key("swatches/") == "swatches/my-film/Opening shot é.jpg.png"


@pytest.mark.parametrize(
    ("key", "recorded_as"),
    [
        ("stills/film/extra/name.jpg", StillKey("film", "extra/name.jpg")),
        ("stills/film//name.jpg", StillKey("film", "/name.jpg")),
        ("stills/name.jpg", None),
        ("stills//name.jpg", None),
        ("stills/film/", None),
        ("stills/film/sub/", None),
        ("stills/../name.jpg", None),  # a film or still named as a dot segment: no URL can carry it
        ("stills/film/.", None),
    ],
)
def test_bad_layouts_name_an_item_only_when_they_can(key: str, recorded_as: StillKey | None) -> None:
    with pytest.raises(InvalidKeyLayoutError) as raised:
        parse_still_key(key, "stills/")
    assert raised.value.still == recorded_as
    assert "stills/<film>/<name>" in str(raised.value)


def test_every_record_key_is_decoded_like_s3_encodes_it() -> None:
    objects = [S3Object(key=key, etag="e", size=1, sequencer="01") for key in AWKWARD_KEYS]
    parsed = parse_s3_event(s3_event("bucket", *objects))
    assert [record.key for record in parsed] == AWKWARD_KEYS


def test_the_sample_event_parses() -> None:
    (record,) = parse_s3_event(load_event("s3-put"))
    assert record.key == "stills/my-film/Opening shot é.jpg"
    assert record.is_creation
    assert record.version_id
    assert len(record.sequencer) == 32


def test_an_event_without_records_is_empty() -> None:
    assert parse_s3_event({"Service": "Amazon S3", "Event": "s3:TestEvent"}) == []


def test_sequencers_compare_after_right_padding() -> None:
    assert normalize_sequencer("0055AED6DCD90281E5") == "0055AED6DCD90281E5".ljust(32, "0")
    assert normalize_sequencer("0055aed6dcd90281e5") == normalize_sequencer("0055AED6DCD90281E5")
    assert normalize_sequencer("0055AED6DCD90281E6") > normalize_sequencer("0055AED6DCD90281E5")
    # Different lengths: the shorter is padded on the right before comparing.
    assert normalize_sequencer("0055AED6DCD90281E5FF") > normalize_sequencer("0055AED6DCD90281E5")
    assert normalize_sequencer(None) == "0" * 32 == normalize_sequencer("not hex")


@given(st.integers(min_value=0, max_value=2**72 - 1), st.integers(min_value=0, max_value=2**72 - 1))
def test_sequencer_order_is_numeric_order_at_one_width(first: int, second: int) -> None:
    a, b = normalize_sequencer(f"{first:018X}"), normalize_sequencer(f"{second:018X}")
    assert (a < b) == (first < second)


def test_settings_read_the_environment_and_default_the_prefixes() -> None:
    settings = ServiceSettings.from_env({"STILLS_BUCKET": "bucket", "PALETTES_TABLE": "table"})
    assert settings.input_prefix == "stills/"
    assert (settings.palette_prefix, settings.swatch_prefix) == ("palettes/", "swatches/")
    assert settings.max_object_bytes == 50 * 1024 * 1024


def test_settings_name_every_missing_variable() -> None:
    with pytest.raises(SettingsError) as raised:
        ServiceSettings.from_env({"MAX_OBJECT_BYTES": "lots"})
    message = str(raised.value)
    assert "STILLS_BUCKET" in message
    assert "PALETTES_TABLE" in message
    assert "MAX_OBJECT_BYTES" in message


@pytest.mark.parametrize(
    "overrides",
    [{"INPUT_PREFIX": "palettes/"}, {"INPUT_PREFIX": "stills"}, {"PALETTE_PREFIX": "stills/palettes/"}],
)
def test_settings_refuse_prefixes_that_would_loop_or_are_not_folders(overrides: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        ServiceSettings.from_env({"STILLS_BUCKET": "bucket", "PALETTES_TABLE": "table", **overrides})


INDEX_KEY = {
    "pk": "FILM#my-film",
    "sk": "STILL#a.jpg",
    "gsi1pk": "FILM#my-film",
    "gsi1sk": "2024-11-26T06:30:00.000000Z#a.jpg",
}


def test_a_cursor_round_trips_for_its_own_query() -> None:
    query = ListingQuery.parse("my-film/")
    cursor = encode_cursor(INDEX_KEY, query.prefix)
    assert "=" not in cursor
    assert decode_cursor(cursor, query.prefix) == INDEX_KEY


def _forge(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor",
        "%%%%",
        "é",
        _forge([1, 2]),
        _forge({"v": 1, "p": "my-film/", **INDEX_KEY, "extra": 1}),
        _forge({"v": 2, "p": "my-film/", **INDEX_KEY}),
        _forge({"v": 1, "p": "other/", **INDEX_KEY}),
        _forge({"v": 1, "p": "my-film/", **INDEX_KEY, "pk": "FILM#other", "gsi1pk": "FILM#other"}),
        _forge({"v": 1, "p": "my-film/", **INDEX_KEY, "sk": "AGGREGATE"}),
        _forge({"v": 1, "p": "my-film/", **INDEX_KEY, "gsi1sk": 5}),
        "A" * 5000,
    ],
)
def test_a_cursor_from_elsewhere_is_refused(cursor: str, repository: DynamoStillRepository) -> None:
    # The listing checks the cursor's shape and query; the repository, that its key is the film's.
    with pytest.raises(InvalidCursorError):
        list_stills(repository, "my-film/", cursor=cursor)


@pytest.mark.parametrize("prefix", [None, "", "my-film", "/a"])
def test_a_listing_needs_a_film_folder(prefix: str | None) -> None:
    with pytest.raises(InvalidQueryError, match="film"):
        ListingQuery.parse(prefix)


def test_a_listing_prefix_splits_into_film_and_name_prefix() -> None:
    assert ListingQuery.parse("my-film/Open") == ListingQuery("my-film/Open", "my-film", "Open")
