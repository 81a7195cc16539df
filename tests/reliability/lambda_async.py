"""Lambda's asynchronous invocation, simulated: the template's retries and on-failure destination.

S3 invokes the extract function asynchronously. template.yaml sets ``MaximumRetryAttempts: 2`` and an
``OnFailure`` SQS destination (ExtractFailuresQueue): an event whose handler raises three times lands
there as an invocation record (the shape below is the one Lambda documents for destinations).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MAXIMUM_RETRY_ATTEMPTS = 2  # template.yaml, ExtractFunction.EventInvokeConfig
FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:palettes-ExtractFunction"


@dataclass
class Invocation:
    """What became of one event: the errors of the failed attempts and, if one succeeded, its result."""

    event: dict[str, Any]
    errors: list[BaseException] = field(default_factory=list)
    result: Any = None
    succeeded: bool = False

    @property
    def attempts(self) -> int:
        return len(self.errors) + (1 if self.succeeded else 0)


class AsyncLambda:
    """Calls ``handler(event)`` as Lambda's async invoke does: up to 1 + 2 attempts, then the destination.

    ``before_attempt(n)`` runs before attempt ``n`` (1-based), so that a test can decide which attempts
    a fault hits.
    """

    def __init__(
        self,
        handler: Callable[[dict[str, Any]], Any],
        *,
        sqs: Any,
        on_failure_queue_url: str,
        retries: int = MAXIMUM_RETRY_ATTEMPTS,
        before_attempt: Callable[[int], None] | None = None,
    ) -> None:
        self._handler = handler
        self._sqs = sqs
        self._queue_url = on_failure_queue_url
        self._retries = retries
        self._before_attempt = before_attempt or (lambda _attempt: None)

    def invoke(self, event: dict[str, Any]) -> Invocation:
        invocation = Invocation(event=event)
        for attempt in range(1, self._retries + 2):
            self._before_attempt(attempt)
            try:
                invocation.result = self._handler(event)
            except Exception as error:  # noqa: BLE001 - Lambda catches everything the handler raises
                invocation.errors.append(error)
                continue
            invocation.succeeded = True
            return invocation
        self._send_to_destination(invocation)
        return invocation

    def _send_to_destination(self, invocation: Invocation) -> None:
        last = invocation.errors[-1]
        record = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"{FUNCTION_ARN}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": invocation.attempts,
            },
            "requestPayload": invocation.event,
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "responsePayload": {
                "errorMessage": str(last),
                "errorType": type(last).__name__,
                "stackTrace": [],
            },
        }
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(record))


def failure_records(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every invocation record in the on-failure queue (each received once; hidden for a minute after)."""
    records: list[dict[str, Any]] = []
    while True:
        response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60)
        messages = response.get("Messages", [])
        if not messages:
            return records
        records.extend(json.loads(message["Body"]) for message in messages)
