"""The aggregate function's stream event source mapping, in this process, for the reliability tests.

The mapping itself is the local stack's (``local.stream_event_source.StreamEventSource.deliver``, with
the template's ``BatchSize``, ``MaximumRetryAttempts``, bisection, partial batch responses and
on-failure queue); only the invocation is in process: :class:`InProcessFunction` stands in for the
function's execution environment and calls a handler here, so a test can hand it fault-injecting
services. The stream records are the ones the table's keys-only stream holds for still items
(moto's in-process mock has no DynamoDB Streams API, its server does: the e2e tests use that).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from local.runtime import Invocation
from local.stream_event_source import StreamEventSource
from palette_service.data.items import item_key
from palette_service.domain.records import StillKey
from palettes_stack.event_filter import matches_any
from tests.conftest import REGION, TEST_STACK

AGGREGATE_FUNCTION = TEST_STACK.function("AggregateFunction")
(AGGREGATE_TRIGGER,) = AGGREGATE_FUNCTION.dynamodb_triggers
STREAM_ARN = (
    f"arn:aws:dynamodb:{REGION}:123456789012:table/{TEST_STACK.physical_name('PalettesTable')}/stream/1"
)
SHARD_ID = "shardId-00000000000000000001-00000001"
_SEQUENCE_NUMBERS = itertools.count(100_000_000_000_000_000_001)

Handler = Callable[[dict[str, Any]], Any]


def still_changed(still: StillKey, event_name: str = "MODIFY") -> dict[str, Any]:
    """The Lambda record of a keys-only stream record of ``still``'s item; sequence numbers grow."""
    number = str(next(_SEQUENCE_NUMBERS))
    keys = {name: {"S": value} for name, value in item_key(still).items()}
    record = {
        "eventID": number,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": {
            "ApproximateCreationDateTime": int(time.time()),
            "Keys": keys,
            "SequenceNumber": number,
            "SizeBytes": 64,
            "StreamViewType": "KEYS_ONLY",
        },
        "eventSourceARN": STREAM_ARN,
    }
    assert matches_any(AGGREGATE_TRIGGER.filter_patterns, record), "the mapping's filter would drop it"
    return record


@dataclass
class InProcessFunction:
    """Stands in for the aggregate function's environment: each invocation calls ``handler`` here, a
    raised exception is the function's error. ``before_attempt(n)`` runs before the n-th invocation."""

    handler: Handler
    before_attempt: Callable[[int], None] = lambda _attempt: None
    function: Any = AGGREGATE_FUNCTION
    batches: list[list[dict[str, Any]]] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)

    def invoke(self, event: dict[str, Any], *, request_id: str | None = None) -> Invocation:
        self.batches.append(list(event["Records"]))
        self.before_attempt(len(self.batches))
        request = request_id or f"request-{len(self.batches)}"
        try:
            result = self.handler(event)
        except Exception as error:  # noqa: BLE001 - what Lambda reports as the invocation's error
            self.results.append(error)
            return Invocation(request, error={"errorType": type(error).__name__, "errorMessage": str(error)})
        self.results.append(result)
        return Invocation(request, result=result)

    def sequence_numbers(self) -> list[list[str]]:
        return [[record["dynamodb"]["SequenceNumber"] for record in batch] for batch in self.batches]


def stream_mapping(function: InProcessFunction, *, sqs: Any, on_failure_queue_url: str) -> StreamEventSource:
    """The template's event source mapping of the aggregate function, delivering to ``function``."""
    return StreamEventSource(
        streams=None,
        stream_arn=STREAM_ARN,
        pool=function,  # type: ignore[arg-type]
        trigger=AGGREGATE_TRIGGER,
        region=REGION,
        sqs=sqs,
        on_failure_queue_url=on_failure_queue_url,
    )


def deliver(mapping: StreamEventSource, records: Sequence[dict[str, Any]]) -> None:
    """One batch of ``records`` through the mapping: retried, bisected or given up as the template says."""
    assert len(records) <= AGGREGATE_TRIGGER.batch_size
    mapping.deliver(SHARD_ID, list(records))
