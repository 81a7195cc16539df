"""Colour search through the local stack: uploads reach the index by the table's stream, and /search
and /similar find them; a removal and an overwrite take their colours out."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from PIL import Image

from local.stack import LocalStack
from tests.e2e.conftest import SAMPLES, HttpAnswer, http_get, wait_for_items

pytestmark = pytest.mark.e2e

FILM = "e2e-search"
PLANTED = "planted.png"
# A saturated violet that no sample still holds, planted over a tenth of a sample's frame.
VIOLET = (128, 0, 255)


def planted_still() -> bytes:
    image = Image.open(SAMPLES / "coffee.jpg").convert("RGB")
    image.paste(VIOLET, (0, 0, image.width // 4, image.height * 2 // 5))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def put(stack: LocalStack, name: str, body: bytes) -> None:
    stack.client("s3").put_object(Bucket=stack.bucket, Key=f"{stack.input_prefix}{FILM}/{name}", Body=body)


@pytest.fixture(scope="module")
def indexed(stack: LocalStack) -> Iterator[LocalStack]:
    names = ["rocket.jpg", "coffee.jpg", "astronaut.jpg"]
    for name in names:
        put(stack, name, (SAMPLES / name).read_bytes())
    put(stack, PLANTED, planted_still())
    wait_for_items(stack.resource("dynamodb").Table(stack.table_name), FILM, [*names, PLANTED])
    assert stack.wait_idle(120)  # the stream's batch reindexes the stills
    yield stack


def api(stack: LocalStack, path: str, query: dict[str, str] | None = None) -> HttpAnswer:
    url = stack.api_url + path + (f"?{urlencode(query)}" if query else "")
    return http_get(url, {"Accept": "application/json", "x-api-key": stack.api_key})


def hit_names(answer: HttpAnswer) -> list[str]:
    assert answer.status == 200, answer.body
    return [hit["name"] for hit in answer.json()["items"]]


def test_a_planted_colour_is_found_first(indexed: LocalStack) -> None:
    answer = api(indexed, "/search", {"color": "8000ff", "film": FILM, "min_share": "0.01"})

    assert hit_names(answer)[0] == PLANTED
    [match] = answer.json()["items"][0]["matches"]
    assert match["delta_e"] < 10


def test_a_mix_and_a_class(indexed: LocalStack) -> None:
    assert hit_names(api(indexed, "/search", {"colors": "8000ff:10", "film": FILM}))[0] == PLANTED
    first = api(indexed, "/search", {"color": "8000ff", "film": FILM, "min_share": "0.01"}).json()
    term = first["items"][0]["matches"][0]["basic"]  # the planted colour's basic colour term
    assert PLANTED in hit_names(api(indexed, "/search", {"class": term, "film": FILM, "min_share": "0.01"}))


def test_more_like_this(indexed: LocalStack) -> None:
    answer = api(indexed, f"/palettes/{FILM}/{quote(PLANTED)}/similar", {"film": FILM})

    names = hit_names(answer)
    assert names[0] == "coffee.jpg"  # the still the colour was planted in
    assert PLANTED not in names


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"color": "zz0000"}, "hex"),
        ({"colors": ",".join(f"{i:06x}:10" for i in range(6))}, "5"),
        ({"colors": "c0392b:60,1abc9c:50"}, "100"),
        ({"color": "8000ff", "max_delta_e": "0"}, "max_delta_e"),
        ({"colors": "8000ff:10", "max_delta_e": "51"}, "max_delta_e"),
        ({"class": "mauve"}, "class"),
        ({"class": "red", "cursor": "bm90IGEgY3Vyc29y"}, "cursor"),
    ],
)
def test_bad_input_is_a_400_that_says_what_is_wrong(
    indexed: LocalStack, query: dict[str, str], words: str
) -> None:
    answer = api(indexed, "/search", query)
    assert answer.status == 400
    assert words in answer.json()["message"]


def test_a_cursor_of_another_query_is_refused(indexed: LocalStack) -> None:
    query = {"class": "grey", "film": FILM, "limit": "1", "min_share": "0.005"}
    cursor = api(indexed, "/search", query).json()["next_cursor"]
    assert cursor is not None
    assert api(indexed, "/search", {**query, "cursor": cursor}).status == 200
    refused = api(indexed, "/search", {**query, "class": "black", "cursor": cursor})
    assert refused.status == 400
    assert "cursor" in refused.json()["message"]


def test_more_like_this_of_an_unknown_still_is_a_404_and_a_bad_limit_a_400(indexed: LocalStack) -> None:
    assert api(indexed, f"/palettes/{FILM}/nope.png/similar").status == 404
    answer = api(indexed, f"/palettes/{FILM}/{quote(PLANTED)}/similar", {"limit": "0"})
    assert answer.status == 400
    assert "limit" in answer.json()["message"]


def test_an_overwrite_and_a_removal_take_the_colours_out(indexed: LocalStack) -> None:
    put(indexed, PLANTED, (SAMPLES / "rocket.jpg").read_bytes())
    indexed.client("s3").delete_object(Bucket=indexed.bucket, Key=f"{indexed.input_prefix}{FILM}/coffee.jpg")
    assert indexed.wait_idle(120)

    assert PLANTED not in hit_names(api(indexed, "/search", {"color": "8000ff", "film": FILM}))
    assert "coffee.jpg" not in hit_names(api(indexed, f"/palettes/{FILM}/rocket.jpg/similar"))


def still_records(stack: LocalStack, name: str) -> tuple[str, str, list[dict[str, Any]]]:
    """The stream's records of the still's item: its stream, its shard, and the records in order."""
    streams = stack.client("dynamodbstreams")
    arn = stack.resource("dynamodb").Table(stack.table_name).latest_stream_arn
    keys = {"pk": {"S": f"FILM#{FILM}"}, "sk": {"S": f"STILL#{name}"}}
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records: list[dict[str, Any]] = []
        while iterator and (page := streams.get_records(ShardIterator=iterator))["Records"]:
            iterator = page.get("NextShardIterator")
            records += [record for record in page["Records"] if record["dynamodb"]["Keys"] == keys]
        if records:
            return arn, shard["ShardId"], records
    raise AssertionError(f"no stream record of {name}")


def test_a_given_up_batch_replayed_from_its_failure_record_reindexes_its_stills(
    indexed: LocalStack,
) -> None:
    """As if the planted still's batch had failed every retry: its index entries are gone. Invoking
    the aggregate function with the on-failure record's body (its stream, shard and sequence range)
    reads those records from the stream again, and the planted colour is found again."""
    put(indexed, "replayed.png", planted_still())
    wait_for_items(indexed.resource("dynamodb").Table(indexed.table_name), FILM, ["replayed.png"])
    assert indexed.wait_idle(120)
    assert "replayed.png" in hit_names(api(indexed, "/search", {"color": "8000ff", "film": FILM}))
    table = indexed.resource("dynamodb").Table(indexed.table_name)
    for item in table.scan()["Items"]:  # the test's own view of the index; the service never scans
        if str(item["pk"]).startswith("COLOR#") and str(item["sk"]).startswith(f"{FILM}/replayed.png/"):
            table.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
    assert "replayed.png" not in hit_names(api(indexed, "/search", {"color": "8000ff", "film": FILM}))
    stream_arn, shard, records = still_records(indexed, "replayed.png")
    failure = {
        "requestContext": {"condition": "RetryAttemptsExhausted", "approximateInvokeCount": 6},
        "DDBStreamBatchInfo": {
            "shardId": shard,
            "startSequenceNumber": records[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": records[-1]["dynamodb"]["SequenceNumber"],
            "batchSize": len(records),
            "streamArn": stream_arn,
        },
    }

    response = indexed.client("lambda").invoke(
        FunctionName=indexed.aggregate_function.name, Payload=json.dumps(failure).encode()
    )

    assert "FunctionError" not in response, response["Payload"].read()
    assert json.loads(response["Payload"].read()) == {"batchItemFailures": []}
    assert "replayed.png" in hit_names(api(indexed, "/search", {"color": "8000ff", "film": FILM}))
