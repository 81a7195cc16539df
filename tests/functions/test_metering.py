"""The request meter of the cost model (``local.metering``) on moto: it counts what AWS would bill.

Clients are made from a session the meter is attached to, as the local stack's execution
environments make the handlers' clients; the meter looks items up with a client of its own.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from local.metering import EndpointLookup, RequestMeter
from palette_service.data.dynamodb import DynamoStillRepository
from tests.conftest import REGION


@pytest.fixture
def metered(palettes_table: Any, stills_bucket: str) -> tuple[RequestMeter, boto3.session.Session]:
    meter = RequestMeter(EndpointLookup(boto3.session.Session(region_name=REGION).client("dynamodb")))
    session = boto3.session.Session(region_name=REGION)
    meter.attach(session.events)
    return meter, session


def test_s3_requests_are_counted_by_operation(metered: Any, stills_bucket: str) -> None:
    meter, session = metered
    s3 = session.client("s3")
    s3.put_object(Bucket=stills_bucket, Key="a", Body=b"x")
    s3.put_object(Bucket=stills_bucket, Key="b", Body=b"y")
    s3.head_object(Bucket=stills_bucket, Key="a")
    s3.get_object(Bucket=stills_bucket, Key="a")["Body"].read()
    s3.delete_object(Bucket=stills_bucket, Key="b")
    usage = meter.take()
    assert usage.requests == {"s3:PutObject": 2, "s3:HeadObject": 1, "s3:GetObject": 1, "s3:DeleteObject": 1}
    assert meter.take().requests == {}  # taking starts again


def test_a_failed_request_is_still_a_request(metered: Any, stills_bucket: str) -> None:
    meter, session = metered
    s3 = session.client("s3")
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=stills_bucket, Key="missing")
    assert meter.take().requests == {"s3:HeadObject": 1}


def test_requests_made_one_after_another_do_not_overlap(metered: Any, stills_bucket: str) -> None:
    meter, session = metered
    s3 = session.client("s3")
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=stills_bucket, Key="missing")  # an error ends its wait too
    s3.put_object(Bucket=stills_bucket, Key="a", Body=b"x")
    s3.put_object(Bucket=stills_bucket, Key="b", Body=b"y")
    assert meter.take().overlapped == {}


def test_a_request_made_while_another_is_in_flight_is_counted_as_overlapped(
    metered: Any, stills_bucket: str
) -> None:
    meter, session = metered
    s3 = session.client("s3")
    # Each PUT leaves only once both have started: they are in flight together, whatever the threads do.
    both_started = threading.Barrier(2, timeout=30)

    def wait_for_the_other(**_: Any) -> None:
        both_started.wait()

    s3.meta.events.register("before-send.s3.PutObject", wait_for_the_other)
    with ThreadPoolExecutor(max_workers=2) as executor:
        puts = [executor.submit(s3.put_object, Bucket=stills_bucket, Key=key, Body=b"x") for key in "ab"]
        for put in puts:
            put.result()
    s3.get_object(Bucket=stills_bucket, Key="a")["Body"].read()  # after both: its own wait
    usage = meter.take()
    assert usage.requests == {"s3:PutObject": 2, "s3:GetObject": 1}
    assert usage.overlapped == {"s3:PutObject": 1}


def _text(size: int) -> str:
    return "x" * size


def test_writes_cost_a_unit_per_started_kilobyte_of_the_larger_item(
    metered: Any, palettes_table: Any
) -> None:
    meter, session = metered
    table = session.resource("dynamodb").Table(palettes_table.name)
    key = {"pk": "FILM#f", "sk": "STILL#s"}
    # pk (2 + 6) + sk (2 + 7) + fill (4 + 2500) = 2521 bytes: 3 WRUs; no index key, no index write.
    table.put_item(Item={**key, "fill": _text(2500)})
    usage = meter.take()
    assert usage.write_units == {"PutItem": 3}
    assert usage.index_write_units == {"PutItem": 0}
    # Shrinking it is billed at the size before: 3 WRUs.
    table.update_item(Key=key, UpdateExpression="SET fill = :b", ExpressionAttributeValues={":b": "small"})
    assert meter.take().write_units == {"UpdateItem": 3}
    # A condition that fails still costs the item's size (now 1 KB or less).
    with pytest.raises(table.meta.client.exceptions.ConditionalCheckFailedException):
        table.update_item(
            Key=key,
            UpdateExpression="SET fill = :b",
            ConditionExpression="attribute_not_exists(pk)",
            ExpressionAttributeValues={":b": _text(5000)},
        )
    assert meter.take().write_units == {"UpdateItem": 1}
    table.delete_item(Key=key)
    assert meter.take().write_units == {"DeleteItem": 1}


def test_index_writes_follow_the_index_key(metered: Any, palettes_table: Any) -> None:
    meter, session = metered
    table = session.resource("dynamodb").Table(palettes_table.name)
    key = {"pk": "FILM#f", "sk": "STILL#s"}
    # ByFilmNewest projects `reason` (one of the listings' fields), not the document.
    listed = {
        **key,
        "gsi1pk": "FILM#f",
        "gsi1sk": "2026-01-01#s",
        "reason": _text(1500),
        "document": _text(1500),
    }
    table.put_item(Item=listed)  # into the index: one put of the 2 KB it projects of the 3 KB item
    usage = meter.take()
    assert (usage.write_units, usage.index_write_units, usage.index_writes) == (
        {"PutItem": 3},
        {"PutItem": 2},
        {"PutItem": 1},
    )
    # A new index sort key moves the item in the index: a delete and a put.
    table.update_item(
        Key=key, UpdateExpression="SET gsi1sk = :k", ExpressionAttributeValues={":k": "2026-01-02#s"}
    )
    usage = meter.take()
    assert (usage.index_write_units, usage.index_writes) == ({"UpdateItem": 4}, {"UpdateItem": 2})
    # Out of the index (a tombstone has no index key): one delete.
    table.update_item(Key=key, UpdateExpression="REMOVE gsi1pk, gsi1sk")
    usage = meter.take()
    assert (usage.index_write_units, usage.index_writes) == ({"UpdateItem": 2}, {"UpdateItem": 1})


def test_batch_writes_count_every_item(metered: Any, palettes_table: Any) -> None:
    meter, session = metered
    table = session.resource("dynamodb").Table(palettes_table.name)
    with table.batch_writer() as batch:
        for slot in range(5):
            batch.put_item(Item={"pk": "COLOR#L5C3H07", "sk": f"f/s/{slot}", "palette": _text(1100)})
    assert meter.take().write_units == {"BatchWriteItem": 10}  # five items of 2 KB
    with table.batch_writer() as batch:
        batch.delete_item(Key={"pk": "COLOR#L5C3H07", "sk": "f/s/0"})
    assert meter.take().write_units == {"BatchWriteItem": 2}


def test_reads_cost_a_unit_per_started_4_kb_half_when_eventually_consistent(
    metered: Any, palettes_table: Any
) -> None:
    meter, session = metered
    table = session.resource("dynamodb").Table(palettes_table.name)
    for name in ("a", "b", "c"):
        palettes_table.put_item(Item={"pk": "FILM#f", "sk": f"STILL#{name}", "fill": _text(3000)})
    key = {"pk": "FILM#f", "sk": "STILL#a"}
    table.get_item(Key=key, ConsistentRead=True)
    table.get_item(Key=key)
    table.get_item(Key={"pk": "FILM#f", "sk": "STILL#none"}, ConsistentRead=True)  # nothing: still 1 RRU
    assert meter.take().read_units == {"GetItem": 1 + 0.5 + 1}
    # A page of three 3 KB items: 9 KB, 3 RRUs consistent.
    table.query(
        KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": "FILM#f"}, ConsistentRead=True
    )
    assert meter.take().read_units == {"Query": 3}
    # A batch reads each key as a GetItem: two 3 KB items and a missing one, 3 RRUs consistent.
    keys = [{"pk": "FILM#f", "sk": f"STILL#{name}"} for name in ("a", "b", "none")]
    table.meta.client.batch_get_item(RequestItems={table.name: {"Keys": keys, "ConsistentRead": True}})
    table.meta.client.batch_get_item(RequestItems={table.name: {"Keys": keys[:1]}})
    assert meter.take().read_units == {"BatchGetItem": 3 + 0.5}


def test_the_repository_claim_is_one_write_unit(metered: Any, palettes_table: Any) -> None:
    """The service's own write path, metered: a still's claim on a new item costs 1 WRU and no index write."""
    from palette_service.domain.records import PendingVersion, StillKey

    meter, session = metered
    repository = DynamoStillRepository(session.resource("dynamodb").Table(palettes_table.name))
    pending = PendingVersion(
        sequencer="0067455D2B7A3C1F00", etag="e", version_id="v", since="2026-01-01T00:00:00.000000Z"
    )
    repository.claim(StillKey(film="f", name="s.jpg"), "stills/f/s.jpg", pending)
    usage = meter.take()
    assert usage.write_units == {"UpdateItem": 1}
    assert usage.index_write_units == {"UpdateItem": 0}
