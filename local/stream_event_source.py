"""DynamoDB stream event source mappings as Lambda runs them, for every DynamoDB event of a function.

Each shard of the table's stream is read in order by one thread (ParallelizationFactor 1), from the
trigger's ``StartingPosition``; shards that appear later are read from their start, a child after
its parent. Records that match none of the trigger's filter patterns are dropped
(``palettes_stack.event_filter``). The rest gather into a batch until it holds ``BatchSize`` records
or ``MaximumBatchingWindowInSeconds`` has passed since its first one, and the function is invoked
synchronously with Lambda's event (``Records`` in Lambda's DynamoDB format, eventVersion 1.1). Then:

* it returned, and names no failure: the batch is done (the checkpoint moves past it);
* with ``ReportBatchItemFailures``, it returned ``batchItemFailures``: the checkpoint moves to the
  lowest sequence number named and the records from there are retried; a response naming a record
  outside the batch, or with an empty or missing ``itemIdentifier``, fails the whole batch;
* it raised or timed out: the batch is retried, split in two halves (each retried on its own, the
  first before the second) when ``BisectBatchOnFunctionError`` is set.

Every retry counts against ``MaximumRetryAttempts`` (-1: no limit). A batch that exhausts them is
given up: Lambda's on-failure record (shard, sequence range, arrival times, batch size, stream ARN)
goes to the trigger's ``DestinationConfig.OnFailure`` queue, and the shard moves on. Retries run at
once here (no backoff).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from palettes_stack.event_filter import matches_any
from palettes_stack.template import DynamoDbTrigger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

    from local.runtime import EnvironmentPool, Invocation

# A boto3 "dynamodbstreams" client (the project's dev tools carry no stubs for it).
DynamoDBStreamsClient = Any
# Lambda polls each shard four times a second.
POLL_INTERVAL_SECONDS = 0.25
SHARD_DISCOVERY_SECONDS = 1.0
# DynamoDB Streams' largest GetRecords page.
GET_RECORDS_LIMIT = 1000
RETRY_ATTEMPTS_EXHAUSTED = "RetryAttemptsExhausted"
_log = logging.getLogger(__name__)


def stream_record(record: Mapping[str, Any], *, stream_arn: str, region: str) -> dict[str, Any]:
    """A GetRecords record as a record of the event Lambda hands a stream-triggered function."""
    stream = record["dynamodb"]
    created = stream["ApproximateCreationDateTime"]
    dynamodb: dict[str, Any] = {
        "ApproximateCreationDateTime": int(created.timestamp() if isinstance(created, datetime) else created),
        "Keys": stream["Keys"],
        "SequenceNumber": stream["SequenceNumber"],
        "SizeBytes": stream["SizeBytes"],
        "StreamViewType": stream["StreamViewType"],
    }
    dynamodb.update({image: stream[image] for image in ("NewImage", "OldImage") if image in stream})
    lambda_record: dict[str, Any] = {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
        "eventSourceARN": stream_arn,
    }
    if "userIdentity" in record:  # a removal by time to live
        lambda_record["userIdentity"] = record["userIdentity"]
    return lambda_record


@dataclass(frozen=True)
class BatchOutcome:
    """What an invocation left to retry: records from ``retry_from`` on (None: nothing), and whether
    the function failed (which bisects) rather than reported failures."""

    retry_from: int | None
    function_error: bool = False


def batch_outcome(
    invocation: Invocation, records: Sequence[Mapping[str, Any]], *, report_batch_item_failures: bool
) -> BatchOutcome:
    """Lambda's reading of an invocation of ``records`` (ordered by sequence number)."""
    if not invocation.ok:
        return BatchOutcome(0, function_error=True)
    result = invocation.result
    if not report_batch_item_failures or not isinstance(result, Mapping):
        return BatchOutcome(None)
    failures = result.get("batchItemFailures")
    if not failures:
        return BatchOutcome(None)
    if not isinstance(failures, list):
        return BatchOutcome(0)
    positions = {str(record["dynamodb"]["SequenceNumber"]): index for index, record in enumerate(records)}
    named = [failure.get("itemIdentifier") if isinstance(failure, Mapping) else None for failure in failures]
    if not all(isinstance(item, str) and item in positions for item in named):
        return BatchOutcome(0)  # Lambda fails the whole batch on a response it cannot read
    return BatchOutcome(min(positions[str(item)] for item in named))


def failure_record(
    records: Sequence[Mapping[str, Any]],
    *,
    shard_id: str,
    function_arn: str,
    invocation: Invocation,
    invoke_count: int,
) -> dict[str, Any]:
    """The record Lambda sends the on-failure destination for a batch it gave up on."""
    response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if not invocation.ok:
        response_context["functionError"] = "Unhandled"
    first, last = records[0], records[-1]
    return {
        "requestContext": {
            "requestId": invocation.request_id,
            "functionArn": function_arn,
            "condition": RETRY_ATTEMPTS_EXHAUSTED,
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": response_context,
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "DDBStreamBatchInfo": {
            "shardId": shard_id,
            "startSequenceNumber": first["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": last["dynamodb"]["SequenceNumber"],
            "approximateArrivalOfFirstRecord": _arrival(first),
            "approximateArrivalOfLastRecord": _arrival(last),
            "batchSize": len(records),
            "streamArn": first["eventSourceARN"],
        },
    }


def _arrival(record: Mapping[str, Any]) -> str:
    seconds = float(record["dynamodb"]["ApproximateCreationDateTime"])
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class StreamEventSource:
    """One function's event source mapping on one table's stream: a reader per shard."""

    def __init__(
        self,
        streams: DynamoDBStreamsClient,
        stream_arn: str,
        pool: EnvironmentPool,
        trigger: DynamoDbTrigger,
        *,
        region: str,
        sqs: SQSClient | None = None,
        on_failure_queue_url: str | None = None,
    ) -> None:
        self.stream_arn = stream_arn
        self.trigger = trigger
        self._streams = streams
        self._pool = pool
        self._region = region
        self._sqs = sqs
        self._on_failure_queue_url = on_failure_queue_url
        self._stop = threading.Event()
        self._readers: dict[str, _ShardReader] = {}
        self._discovery_lock = threading.Lock()
        self._discovery: threading.Thread | None = None
        self.given_up = 0

    def start(self) -> None:
        self._discover(initial=True)
        self._discovery = threading.Thread(
            target=self._watch_shards, name=f"StreamEventSource:{self._pool.function.name}", daemon=True
        )
        self._discovery.start()

    def stop(self) -> None:
        self._stop.set()
        if self._discovery is not None:
            self._discovery.join(timeout=SHARD_DISCOVERY_SECONDS + 5)
        for reader in list(self._readers.values()):
            reader.join(timeout=self._pool.function.timeout_seconds + 5)
        self._discovery = None

    def is_idle(self) -> bool:
        """No record waiting in any shard (read or not, filtered out or not) and no invocation in flight."""
        self._discover(initial=False)
        return all(reader.is_idle() for reader in list(self._readers.values()))

    # ------------------------------------------------------------------ shards
    def _watch_shards(self) -> None:
        while not self._stop.wait(SHARD_DISCOVERY_SECONDS):
            try:
                self._discover(initial=False)
            except Exception:  # noqa: BLE001 - the endpoint is going away at shutdown; keep watching otherwise
                _log.debug("could not describe %s", self.stream_arn, exc_info=True)

    def _discover(self, *, initial: bool) -> None:
        """Start a reader for each shard not read yet whose parent, if read here, is finished."""
        with self._discovery_lock:
            for shard in self._shards():
                shard_id = shard["ShardId"]
                parent = self._readers.get(shard.get("ParentShardId", ""))
                if shard_id in self._readers or (parent is not None and not parent.finished):
                    continue
                position = self.trigger.starting_position if initial else "TRIM_HORIZON"
                iterator = self._streams.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=position
                )["ShardIterator"]
                self._readers[shard_id] = reader = _ShardReader(self, shard_id, iterator)
                reader.start()

    def _shards(self) -> list[Any]:
        shards: list[Any] = []
        arguments: dict[str, Any] = {"StreamArn": self.stream_arn}
        while True:
            description = self._streams.describe_stream(**arguments)["StreamDescription"]
            shards += description.get("Shards", [])
            if not description.get("LastEvaluatedShardId"):
                return shards
            arguments["ExclusiveStartShardId"] = description["LastEvaluatedShardId"]

    # ------------------------------------------------------------------ batches
    def deliver(self, shard_id: str, batch: list[dict[str, Any]]) -> None:
        """Invoke the function with ``batch`` until every record is done or given up (Lambda's retries)."""
        pending: deque[tuple[list[dict[str, Any]], int]] = deque([(batch, 0)])
        while pending and not self._stop.is_set():
            records, retries = pending.popleft()
            invocation = self._pool.invoke({"Records": records})
            outcome = batch_outcome(
                invocation, records, report_batch_item_failures=self.trigger.report_batch_item_failures
            )
            if outcome.retry_from is None:
                continue
            remaining = records[outcome.retry_from :]
            if 0 <= self.trigger.maximum_retry_attempts <= retries:
                self._give_up(shard_id, remaining, invocation, retries + 1)
            elif outcome.function_error and self._bisects(remaining):
                half = len(remaining) // 2
                pending.extendleft([(remaining[half:], retries + 1), (remaining[:half], retries + 1)])
            else:
                pending.appendleft((remaining, retries + 1))

    def _bisects(self, records: list[dict[str, Any]]) -> bool:
        return self.trigger.bisect_batch_on_function_error and len(records) > 1

    def _give_up(
        self, shard_id: str, records: list[dict[str, Any]], invocation: Invocation, invoke_count: int
    ) -> None:
        self.given_up += 1
        if self._sqs is None or self._on_failure_queue_url is None:
            _log.warning("%s gave up %d stream records", self._pool.function.name, len(records))
            return
        record = failure_record(
            records,
            shard_id=shard_id,
            function_arn=self._pool.function.arn,
            invocation=invocation,
            invoke_count=invoke_count,
        )
        self._sqs.send_message(QueueUrl=self._on_failure_queue_url, MessageBody=json.dumps(record))

    def keeps(self, record: Mapping[str, Any]) -> bool:
        return matches_any(self.trigger.filter_patterns, record)

    def to_lambda_record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        return stream_record(record, stream_arn=self.stream_arn, region=self._region)

    @property
    def streams(self) -> DynamoDBStreamsClient:
        return self._streams

    @property
    def stopping(self) -> threading.Event:
        return self._stop


class _ShardReader:
    """One shard, in order: read, filter, gather a batch, deliver it; one batch at a time."""

    def __init__(self, source: StreamEventSource, shard_id: str, iterator: str | None) -> None:
        self.shard_id = shard_id
        self.finished = False
        self._source = source
        self._iterator = iterator
        self._buffer: list[dict[str, Any]] = []
        self._window_started: float | None = None
        self._delivering = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=f"shard:{shard_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout=timeout)

    def is_idle(self) -> bool:
        with self._lock:
            if self._buffer or self._delivering:
                return False
            if self._iterator is None:
                return True
            page = self._source.streams.get_records(ShardIterator=self._iterator, Limit=1)
            return not page.get("Records")

    def _run(self) -> None:
        stopping = self._source.stopping
        while not stopping.is_set():
            try:
                batch = self._next_batch()
            except Exception:  # noqa: BLE001 - the endpoint is going away at shutdown; keep reading otherwise
                _log.debug("could not read shard %s", self.shard_id, exc_info=True)
                batch = None
            if batch is not None:
                self._deliver(batch)
            elif self._iterator is None and not self._buffer:
                self.finished = True
                return
            else:
                stopping.wait(POLL_INTERVAL_SECONDS)

    def _next_batch(self) -> list[dict[str, Any]] | None:
        """Read what the shard holds (up to a batch), and take a batch once it is full or its window
        has passed."""
        batch_size = self._source.trigger.batch_size
        window = self._source.trigger.maximum_batching_window_seconds
        with self._lock:
            self._read(batch_size - len(self._buffer))
            if not self._buffer:
                return None
            if self._window_started is None:
                self._window_started = time.monotonic()
            if len(self._buffer) < batch_size and time.monotonic() - self._window_started < window:
                return None
            batch, self._buffer = self._buffer[:batch_size], self._buffer[batch_size:]
            self._delivering = True
            return batch

    def _read(self, wanted: int) -> None:
        """Up to ``wanted`` more records that pass the filters into the buffer."""
        while wanted > 0 and self._iterator is not None:
            page = self._source.streams.get_records(
                ShardIterator=self._iterator, Limit=min(GET_RECORDS_LIMIT, wanted)
            )
            self._iterator = page.get("NextShardIterator")
            records = page.get("Records", [])
            if not records:
                return
            kept = [self._source.to_lambda_record(record) for record in records]
            kept = [record for record in kept if self._source.keeps(record)]
            self._buffer += kept
            wanted -= len(kept)

    def _deliver(self, batch: list[dict[str, Any]]) -> None:
        try:
            self._source.deliver(self.shard_id, batch)
        except Exception:  # noqa: BLE001 - a shard must outlive one bad batch
            _log.exception("could not deliver a batch of shard %s", self.shard_id)
        finally:
            with self._lock:
                self._delivering = False
                # The next window begins when the invocation completes, as in Lambda.
                self._window_started = time.monotonic() if self._buffer else None
