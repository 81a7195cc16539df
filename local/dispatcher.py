"""Asynchronous invocation as Lambda does it: an event queue, retries, then an on-failure destination.

S3 notifications (configured from the template's S3 event source) and ``lambda invoke
--invocation-type Event`` both put events on the function's async queue, an SQS queue on the local
endpoint that stands for Lambda's internal one. Pollers take one event at a time and invoke the
function with it, unchanged. What happens next is the function's EventInvokeConfig, read and
applied by ``palettes_stack.async_invoke``: an error is retried (the message becomes visible again
after a delay: 1 s then 2 s here, 1 and 2 minutes in Lambda); once the retries are exhausted, or the
event is too old, the invocation record goes to the on-failure queue.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from local.queue_poller import QueuePoller
from local.runtime import EnvironmentPool
from palettes_stack.async_invoke import AsyncInvokeConfig, GiveUpCondition

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

# S3 sends this to a queue when a notification is configured, never to a function.
S3_TEST_EVENT = "s3:TestEvent"


@dataclass
class DispatchStats:
    succeeded: int = 0
    retried: int = 0
    failed: int = 0


class AsyncDispatcher(QueuePoller):
    """Drains one function's async queue with one poller per execution environment."""

    def __init__(
        self,
        sqs: SQSClient,
        queue_url: str,
        pool: EnvironmentPool,
        config: AsyncInvokeConfig,
        *,
        on_failure_queue_url: str | None,
        retry_delays: Sequence[int] = (1, 2),
    ) -> None:
        super().__init__(sqs, queue_url, pool)
        self._config = config
        self._on_failure_queue_url = on_failure_queue_url
        self._retry_delays = tuple(retry_delays)
        self.stats = DispatchStats()

    def send(self, event: Any) -> None:
        """Queue an asynchronous invocation (what Lambda's Invoke does with InvocationType=Event)."""
        self._sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(event))

    def handle(self, messages: list[Any]) -> None:
        for message in messages:
            self._handle(message)

    def _handle(self, message: Any) -> None:
        receipt = message["ReceiptHandle"]
        event = json.loads(message["Body"])
        if isinstance(event, dict) and event.get("Event") == S3_TEST_EVENT:
            self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt)
            return
        attributes = message.get("Attributes", {})
        attempt = int(attributes.get("ApproximateReceiveCount", "1"))
        age = time.time() - int(attributes.get("SentTimestamp", time.time() * 1000)) / 1000
        if self._config.is_too_old(age):
            self._give_up(event, GiveUpCondition.EVENT_AGE_EXCEEDED, attempt - 1, None, None)
        else:
            invocation = self._pool.invoke(event)
            if invocation.ok:
                self.stats.succeeded += 1
            elif self._config.is_last_attempt(attempt):
                self.stats.failed += 1
                self._give_up(
                    event, GiveUpCondition.RETRIES_EXHAUSTED, attempt, invocation.request_id, invocation.error
                )
            else:
                self.stats.retried += 1
                self._sqs.change_message_visibility(
                    QueueUrl=self.queue_url,
                    ReceiptHandle=receipt,
                    VisibilityTimeout=self._retry_delay(attempt),
                )
                return
        self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt)

    def _retry_delay(self, attempt: int) -> int:
        """The local delay before retry number ``attempt`` (Lambda waits minutes)."""
        if not self._retry_delays:
            return 0
        return int(self._retry_delays[min(attempt, len(self._retry_delays)) - 1])

    def _give_up(
        self,
        event: Any,
        condition: GiveUpCondition,
        attempts: int,
        request_id: str | None,
        error: dict[str, Any] | None,
    ) -> None:
        if self._on_failure_queue_url is None:
            return
        record = self._config.failure_record(
            event, condition=condition, attempts=attempts, request_id=request_id, error=error
        )
        self._sqs.send_message(QueueUrl=self._on_failure_queue_url, MessageBody=json.dumps(record))
