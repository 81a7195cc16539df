"""The DynamoDB stream event source mapping (local/stream_event_source.py) on moto's server.

A stand-in function records each batch and answers as a test says; the table is the template's
(keys-only stream). Every test waits for an outcome (a delivery, a message on the failure queue, the
mapping idle) under a generous deadline, never for a fixed time.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from local.runtime import Invocation
from local.stream_event_source import StreamEventSource
from palettes_stack.resources import create_table
from palettes_stack.template import DynamoDbTrigger, StackTemplate

REGION = "eu-west-1"
DEADLINE_SECONDS = 30
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:123456789012:function:stream-test"
_TABLES = itertools.count(1)
Batch = list[dict[str, Any]]


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def client(endpoint: str, service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


@dataclass
class Table:
    """A fresh copy of the template's table on the server, and what writes to it."""

    name: str
    stream_arn: str
    dynamodb: Any

    def put(self, *sort_keys: str) -> None:
        for sort_key in sort_keys:
            self.dynamodb.put_item(TableName=self.name, Item={"pk": {"S": "FILM#f"}, "sk": {"S": sort_key}})


@pytest.fixture
def table(endpoint: str) -> Table:
    template = StackTemplate.read(stack_name=f"stream-{next(_TABLES)}", region=REGION)
    dynamodb = client(endpoint, "dynamodb")
    name = create_table(template, "PalettesTable", dynamodb)
    stream_arn = dynamodb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    return Table(name, stream_arn, dynamodb)


@pytest.fixture
def failure_queue(endpoint: str) -> Iterator[str]:
    sqs = client(endpoint, "sqs")
    url = str(sqs.create_queue(QueueName=f"stream-failures-{next(_TABLES)}")["QueueUrl"])
    yield url
    sqs.delete_queue(QueueUrl=url)


@dataclass
class StandInFunction:
    """Stands in for a function's environments: records each batch, then answers with ``respond``
    (a result), or fails when ``respond`` raises."""

    respond: Callable[[Batch], Any] = lambda batch: None
    function: Any = field(
        default_factory=lambda: SimpleNamespace(name="stream-test", arn=FUNCTION_ARN, timeout_seconds=5)
    )
    size: int = 1
    batches: list[Batch] = field(default_factory=list)
    request_ids: Iterator[int] = field(default_factory=itertools.count)

    def invoke(self, event: dict[str, Any], *, request_id: str | None = None) -> Invocation:
        self.batches.append(event["Records"])
        request = f"request-{next(self.request_ids)}"
        try:
            return Invocation(request, result=self.respond(event["Records"]))
        except RuntimeError as error:
            return Invocation(request, error={"errorType": "RuntimeError", "errorMessage": str(error)})

    def sort_keys(self) -> list[list[str]]:
        return [[sort_key(record) for record in batch] for batch in self.batches]


def sort_key(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["Keys"]["sk"]["S"])


def sequence(record: dict[str, Any]) -> str:
    return str(record["dynamodb"]["SequenceNumber"])


def trigger(**settings: Any) -> DynamoDbTrigger:
    return DynamoDbTrigger(table_logical_id="PalettesTable", starting_position="TRIM_HORIZON", **settings)


@pytest.fixture
def run(endpoint: str, table: Table) -> Iterator[Callable[..., StreamEventSource]]:
    """``run(function, trigger, queue_url=None)``: a started mapping on the table's stream, stopped after."""
    started: list[StreamEventSource] = []

    def start(
        function: StandInFunction, mapping: DynamoDbTrigger, queue_url: str | None = None
    ) -> StreamEventSource:
        source = StreamEventSource(
            client(endpoint, "dynamodbstreams"),
            table.stream_arn,
            function,  # type: ignore[arg-type]
            mapping,
            region=REGION,
            sqs=client(endpoint, "sqs"),
            on_failure_queue_url=queue_url,
        )
        source.start()
        started.append(source)
        return source

    yield start
    for source in started:
        source.stop()


def wait_until(outcome: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not outcome():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {DEADLINE_SECONDS} s: {what}")
        time.sleep(0.05)


def wait_idle(source: StreamEventSource) -> None:
    wait_until(source.is_idle, "the mapping is idle")


def failure_records(endpoint: str, queue_url: str, count: int) -> list[dict[str, Any]]:
    sqs = client(endpoint, "sqs")
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + DEADLINE_SECONDS
    while len(found) < count and time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in messages.get("Messages", []):
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    assert len(found) == count, found
    return found


# ------------------------------------------------------------------ batches and order
def test_records_arrive_in_order_in_batches_of_at_most_batch_size(table: Table, run: Any) -> None:
    names = [f"STILL#{index:02}" for index in range(8)]
    table.put(*names)
    function = StandInFunction()
    source = run(function, trigger(batch_size=3))
    wait_until(lambda: sum(map(len, function.batches)) == len(names), "every record delivered")
    wait_idle(source)
    assert function.sort_keys() == [names[0:3], names[3:6], names[6:8]]
    sequences = [int(sequence(record)) for batch in function.batches for record in batch]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)


def test_a_batch_is_lambdas_dynamodb_event(table: Table, run: Any) -> None:
    table.put("STILL#a")
    table.dynamodb.delete_item(TableName=table.name, Key={"pk": {"S": "FILM#f"}, "sk": {"S": "STILL#a"}})
    function = StandInFunction()
    source = run(function, trigger(batch_size=10))
    wait_until(lambda: sum(map(len, function.batches)) == 2, "both records delivered")
    wait_idle(source)
    inserted, removed = (record for batch in function.batches for record in batch)
    assert (inserted["eventName"], removed["eventName"]) == ("INSERT", "REMOVE")
    assert inserted["eventVersion"] == "1.1"
    assert inserted["eventSource"] == "aws:dynamodb"
    assert inserted["awsRegion"] == REGION
    assert inserted["eventSourceARN"] == table.stream_arn
    assert inserted["eventID"] != removed["eventID"]
    stream = inserted["dynamodb"]
    assert set(stream) == {
        "ApproximateCreationDateTime",
        "Keys",
        "SequenceNumber",
        "SizeBytes",
        "StreamViewType",
    }
    assert stream["Keys"] == {"pk": {"S": "FILM#f"}, "sk": {"S": "STILL#a"}}
    assert stream["StreamViewType"] == "KEYS_ONLY"
    assert isinstance(stream["ApproximateCreationDateTime"], int)
    assert abs(stream["ApproximateCreationDateTime"] - time.time()) < 3600
    json.dumps(inserted)  # the event crosses a process boundary as JSON


def test_a_batch_gathers_until_full_within_its_window(table: Table, run: Any) -> None:
    # A window far longer than the deadline: the batch can only have gone because it was full.
    function = StandInFunction()
    source = run(function, trigger(batch_size=3, maximum_batching_window_seconds=3600))
    table.put("STILL#1")
    table.put("STILL#2")
    table.put("STILL#3")
    wait_until(lambda: bool(function.batches), "a full batch delivered")
    wait_idle(source)
    assert function.sort_keys() == [["STILL#1", "STILL#2", "STILL#3"]]


def test_a_batch_that_is_not_full_goes_when_its_window_passes(table: Table, run: Any) -> None:
    table.put("STILL#1", "STILL#2")
    function = StandInFunction()
    source = run(function, trigger(batch_size=1000, maximum_batching_window_seconds=1))
    assert not source.is_idle()  # gathering: the records are waiting
    wait_until(lambda: bool(function.batches), "the window passed")
    wait_idle(source)
    assert function.sort_keys() == [["STILL#1", "STILL#2"]]


def test_records_the_filters_drop_never_reach_the_function(table: Table, run: Any) -> None:
    table.put("STILL#1", "AGGREGATE", "STILL#2", "AGGREGATE")
    function = StandInFunction()
    template = StackTemplate.read(stack_name="stream-filters", region=REGION)
    [mapping] = template.function("AggregateFunction").dynamodb_triggers
    source = run(function, trigger(batch_size=10, filter_patterns=mapping.filter_patterns))
    wait_until(lambda: bool(function.batches), "a delivery")
    wait_idle(source)
    table.put("AGGREGATE")
    wait_idle(source)  # a filtered record is consumed, not left pending
    assert function.sort_keys() == [["STILL#1", "STILL#2"]]


def test_latest_skips_what_the_stream_held_before(table: Table, run: Any) -> None:
    table.put("STILL#old")
    function = StandInFunction()
    source = run(function, DynamoDbTrigger("PalettesTable", "LATEST", batch_size=10))
    wait_idle(source)
    table.put("STILL#new")
    wait_until(lambda: bool(function.batches), "the new record delivered")
    assert function.sort_keys() == [["STILL#new"]]


# ------------------------------------------------------------------ partial batch responses
def test_a_partial_failure_checkpoints_before_the_lowest_failed_record(table: Table, run: Any) -> None:
    table.put("STILL#1", "STILL#2", "STILL#3", "STILL#4")
    failed_once: set[str] = set()

    def fail_2_and_3_once(batch: Batch) -> dict[str, Any]:
        first_time = [record for record in batch if sort_key(record) in ("STILL#3", "STILL#2")]
        first_time = [record for record in first_time if sort_key(record) not in failed_once]
        failed_once.update(sort_key(record) for record in first_time)
        # Named out of order: the checkpoint goes before the lowest sequence number.
        return {
            "batchItemFailures": [{"itemIdentifier": sequence(record)} for record in reversed(first_time)]
        }

    function = StandInFunction(fail_2_and_3_once)
    source = run(function, trigger(batch_size=10, report_batch_item_failures=True))
    wait_until(lambda: len(function.batches) == 2, "the retry")
    wait_idle(source)
    assert function.sort_keys() == [
        ["STILL#1", "STILL#2", "STILL#3", "STILL#4"],
        ["STILL#2", "STILL#3", "STILL#4"],
    ]


@pytest.mark.parametrize(
    "failures",
    [
        [{"itemIdentifier": "1"}],  # not a record of the batch
        [{"itemIdentifier": ""}],
        [{"itemIdentifier": None}],
        [{"sequenceNumber": "x"}],
        ["oops"],
        {"itemIdentifier": "x"},
    ],
)
def test_a_response_lambda_cannot_read_fails_the_whole_batch(table: Table, run: Any, failures: Any) -> None:
    table.put("STILL#1", "STILL#2")
    answers = iter([{"batchItemFailures": failures}])
    function = StandInFunction(lambda batch: next(answers, None))
    source = run(function, trigger(batch_size=10, report_batch_item_failures=True))
    wait_until(lambda: len(function.batches) == 2, "the retry")
    wait_idle(source)
    assert function.sort_keys() == [["STILL#1", "STILL#2"]] * 2


@pytest.mark.parametrize("response", [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}])
def test_an_empty_response_is_a_success(table: Table, run: Any, response: Any) -> None:
    table.put("STILL#1")
    function = StandInFunction(lambda batch: response)
    source = run(function, trigger(batch_size=10, report_batch_item_failures=True))
    wait_until(lambda: bool(function.batches), "a delivery")
    wait_idle(source)
    assert len(function.batches) == 1


def test_failures_are_ignored_unless_the_mapping_reports_them(table: Table, run: Any) -> None:
    table.put("STILL#1")
    function = StandInFunction(lambda batch: {"batchItemFailures": [{"itemIdentifier": sequence(batch[0])}]})
    source = run(function, trigger(batch_size=10))
    wait_until(lambda: bool(function.batches), "a delivery")
    wait_idle(source)
    assert len(function.batches) == 1


def test_a_record_reported_on_every_retry_is_given_up_with_what_follows_it(
    endpoint: str, table: Table, run: Any, failure_queue: str
) -> None:
    table.put("STILL#1", "STILL#bad", "STILL#3")

    def report_bad(batch: Batch) -> dict[str, Any]:
        return {
            "batchItemFailures": [
                {"itemIdentifier": sequence(r)} for r in batch if sort_key(r) == "STILL#bad"
            ]
        }

    function = StandInFunction(report_bad)
    mapping = trigger(batch_size=10, report_batch_item_failures=True, maximum_retry_attempts=2)
    source = run(function, mapping, failure_queue)
    [record] = failure_records(endpoint, failure_queue, 1)
    wait_idle(source)
    assert function.sort_keys() == [["STILL#1", "STILL#bad", "STILL#3"]] + [["STILL#bad", "STILL#3"]] * 2
    info = record["DDBStreamBatchInfo"]
    assert info["batchSize"] == 2
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == tuple(
        sequence(r) for r in function.batches[-1]
    )
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert "functionError" not in record["responseContext"]


# ------------------------------------------------------------------ errors, bisection, giving up
def poison(batch: Batch) -> None:
    if any(sort_key(record) == "STILL#poison" for record in batch):
        raise RuntimeError("poison")


def test_an_error_bisects_the_batch_until_the_bad_record_is_alone_then_gives_it_up(
    endpoint: str, table: Table, run: Any, failure_queue: str
) -> None:
    table.put("STILL#1", "STILL#2", "STILL#poison", "STILL#4")
    function = StandInFunction(poison)
    mapping = trigger(
        batch_size=10,
        maximum_retry_attempts=5,
        bisect_batch_on_function_error=True,
        report_batch_item_failures=True,
    )
    source = run(function, mapping, failure_queue)
    [record] = failure_records(endpoint, failure_queue, 1)
    wait_idle(source)
    assert function.sort_keys() == [
        ["STILL#1", "STILL#2", "STILL#poison", "STILL#4"],
        ["STILL#1", "STILL#2"],  # the halves in order, each retried on its own
        ["STILL#poison", "STILL#4"],
        *[["STILL#poison"]] * 4,  # every split and retry counted: 5 retries in all
        ["STILL#4"],  # in order: only once the first half is done with
    ]
    poisoned = next(r for batch in function.batches for r in batch if sort_key(r) == "STILL#poison")
    created = poisoned["dynamodb"]["ApproximateCreationDateTime"]
    assert record["requestContext"] == {
        "requestId": f"request-{len(function.batches) - 2}",
        "functionArn": FUNCTION_ARN,
        "condition": "RetryAttemptsExhausted",
        "approximateInvokeCount": 6,
    }
    assert record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record["version"] == "1.0"
    assert record["timestamp"].endswith("Z")
    arrival = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created))
    assert record["DDBStreamBatchInfo"] == {
        "shardId": record["DDBStreamBatchInfo"]["shardId"],
        "startSequenceNumber": sequence(poisoned),
        "endSequenceNumber": sequence(poisoned),
        "approximateArrivalOfFirstRecord": arrival,
        "approximateArrivalOfLastRecord": arrival,
        "batchSize": 1,
        "streamArn": table.stream_arn,
    }
    shards = client(endpoint, "dynamodbstreams").describe_stream(StreamArn=table.stream_arn)
    assert record["DDBStreamBatchInfo"]["shardId"] in {
        shard["ShardId"] for shard in shards["StreamDescription"]["Shards"]
    }


def test_without_bisection_the_whole_batch_is_retried_then_given_up_and_the_shard_moves_on(
    endpoint: str, table: Table, run: Any, failure_queue: str
) -> None:
    table.put("STILL#1", "STILL#poison")
    function = StandInFunction(poison)
    source = run(function, trigger(batch_size=2, maximum_retry_attempts=2), failure_queue)
    [record] = failure_records(endpoint, failure_queue, 1)
    assert function.sort_keys() == [["STILL#1", "STILL#poison"]] * 3
    assert record["DDBStreamBatchInfo"]["batchSize"] == 2
    assert record["requestContext"]["approximateInvokeCount"] == 3
    table.put("STILL#after")
    wait_until(lambda: len(function.batches) == 4, "the next record delivered")
    wait_idle(source)
    assert function.sort_keys()[-1] == ["STILL#after"]


def test_a_batch_that_fails_once_is_retried_whole(table: Table, run: Any) -> None:
    failures = iter([RuntimeError("once")])

    def fail_once(batch: Batch) -> None:
        if error := next(failures, None):
            raise error

    table.put("STILL#1", "STILL#2")
    function = StandInFunction(fail_once)
    source = run(function, trigger(batch_size=10, maximum_retry_attempts=1))
    wait_until(lambda: len(function.batches) == 2, "the retry")
    wait_idle(source)
    assert function.sort_keys() == [["STILL#1", "STILL#2"]] * 2


# ------------------------------------------------------------------ shards
@dataclass
class SplittingStream:
    """A stream whose first shard closes after its records and has a child, as DynamoDB splits shards
    (moto keeps one open shard forever). Iterators are ``<shard>:<position>``."""

    records: dict[str, list[dict[str, Any]]]
    parents: dict[str, str]
    visible: set[str] = field(default_factory=lambda: {"parent"})

    def describe_stream(self, StreamArn: str, **_: Any) -> dict[str, Any]:
        shards = [{"ShardId": shard, "ParentShardId": self.parents.get(shard, "")} for shard in self.visible]
        return {"StreamDescription": {"StreamArn": StreamArn, "Shards": shards}}

    def get_shard_iterator(self, ShardId: str, ShardIteratorType: str, **_: Any) -> dict[str, str]:
        assert ShardIteratorType == "TRIM_HORIZON"  # the trigger's for the parent, always for a child
        return {"ShardIterator": f"{ShardId}:0"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        shard, position = ShardIterator.rsplit(":", 1)
        start = int(position)
        page = self.records[shard][start : start + Limit]
        end = start + len(page)
        if shard == "parent" and end == len(self.records[shard]):
            self.visible.add("child")  # the split shows once the parent is read to its end
            return {"Records": page}  # closed: no NextShardIterator
        return {"Records": page, "NextShardIterator": f"{shard}:{end}"}


def raw_record(sort_key: str, number: int) -> dict[str, Any]:
    return {
        "eventID": f"event-{number}",
        "eventName": "INSERT",
        "dynamodb": {
            "ApproximateCreationDateTime": time.time(),
            "Keys": {"pk": {"S": "FILM#f"}, "sk": {"S": sort_key}},
            "SequenceNumber": str(1000 + number),
            "SizeBytes": 10,
            "StreamViewType": "KEYS_ONLY",
        },
    }


def test_a_child_shard_is_read_after_its_parent_is_finished() -> None:
    stream = SplittingStream(
        records={
            "parent": [raw_record("STILL#1", 1), raw_record("STILL#2", 2)],
            "child": [raw_record("STILL#3", 3)],
        },
        parents={"child": "parent"},
    )
    function = StandInFunction()
    source = StreamEventSource(stream, "arn:stream", function, trigger(batch_size=10), region=REGION)  # type: ignore[arg-type]
    source.start()
    try:
        wait_until(lambda: sum(map(len, function.batches)) == 3, "both shards delivered")
        wait_idle(source)
    finally:
        source.stop()
    assert function.sort_keys() == [["STILL#1", "STILL#2"], ["STILL#3"]]
