"""Lambda's asynchronous invocation, run in process: the template's retries and on-failure destination.

S3 invokes the extract function asynchronously. How many attempts an event gets, and the invocation
record its on-failure destination (ExtractFailuresQueue) receives once they all failed, are
``palettes_stack.async_invoke``'s, read from the function's EventInvokeConfig in template.yaml: the
local stack's dispatcher applies the same. Here the retries follow each other at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from palettes_stack.async_invoke import AsyncInvokeConfig, GiveUpCondition, error_payload


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
    """Calls ``handler(event)`` as Lambda's async invoke does: ``config.max_attempts`` attempts at most,
    then the invocation record to the on-failure queue.

    ``before_attempt(n)`` runs before attempt ``n`` (1-based), so that a test can decide which attempts
    a fault hits.
    """

    def __init__(
        self,
        handler: Callable[[dict[str, Any]], Any],
        *,
        config: AsyncInvokeConfig,
        sqs: Any,
        on_failure_queue_url: str,
        before_attempt: Callable[[int], None] | None = None,
    ) -> None:
        self._handler = handler
        self.config = config
        self._sqs = sqs
        self._queue_url = on_failure_queue_url
        self._before_attempt = before_attempt or (lambda _attempt: None)

    def invoke(self, event: dict[str, Any]) -> Invocation:
        invocation = Invocation(event=event)
        for attempt in range(1, self.config.max_attempts + 1):
            self._before_attempt(attempt)
            try:
                invocation.result = self._handler(event)
            except Exception as error:  # noqa: BLE001 - Lambda catches everything the handler raises
                invocation.errors.append(error)
                continue
            invocation.succeeded = True
            return invocation
        record = self.config.failure_record(
            event,
            condition=GiveUpCondition.RETRIES_EXHAUSTED,
            attempts=invocation.attempts,
            error=error_payload(invocation.errors[-1]),
        )
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(record))
        return invocation


def failure_records(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Every invocation record in the on-failure queue (each received once; hidden for a minute after)."""
    records: list[dict[str, Any]] = []
    while True:
        response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60)
        messages = response.get("Messages", [])
        if not messages:
            return records
        records.extend(json.loads(message["Body"]) for message in messages)
