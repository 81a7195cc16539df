"""Asynchronous invocation as Lambda does it: an event queue, retries, then an on-failure destination.

S3 notifications (configured from the template's S3 event source) and ``lambda invoke
--invocation-type Event`` both put events on the function's async queue, an SQS queue on the local
endpoint that stands for Lambda's internal one. Pollers take one event at a time and invoke the
function with it, unchanged. An error is retried ``MaximumRetryAttempts`` times (the message becomes
visible again after a delay: 1 s then 2 s here, 1 and 2 minutes in Lambda); then, or when the event
is older than ``MaximumEventAgeInSeconds``, an invocation record goes to the on-failure queue in
the format Lambda's destinations use.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from local.runtime import EnvironmentPool, Invocation

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

# S3 sends this to a queue when a notification is configured, never to a function.
S3_TEST_EVENT = "s3:TestEvent"
POLL_WAIT_SECONDS = 1
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AsyncPolicy:
    """The function's EventInvokeConfig, and the local retry delays (seconds, one per retry)."""

    function_arn: str
    max_retry_attempts: int
    max_event_age_seconds: int
    on_failure_queue_url: str | None
    retry_delays: Sequence[int] = (1, 2)

    def retry_delay(self, attempt: int) -> int:
        return int(self.retry_delays[min(attempt, len(self.retry_delays)) - 1]) if self.retry_delays else 0


@dataclass
class DispatchStats:
    succeeded: int = 0
    retried: int = 0
    failed: int = 0


class AsyncDispatcher:
    """Drains one function's async queue with one poller per execution environment."""

    def __init__(self, sqs: SQSClient, queue_url: str, pool: EnvironmentPool, policy: AsyncPolicy) -> None:
        self._sqs = sqs
        self.queue_url = queue_url
        self._pool = pool
        self._policy = policy
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._in_flight = 0
        self._lock = threading.Lock()
        self.stats = DispatchStats()

    def start(self) -> None:
        for index in range(self._pool.size):
            thread = threading.Thread(
                target=self._poll, name=f"dispatch:{self._pool.function.name}:{index}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=POLL_WAIT_SECONDS + self._pool.function.timeout_seconds + 5)
        self._threads.clear()

    def send(self, event: Any) -> None:
        """Queue an asynchronous invocation (what Lambda's Invoke does with InvocationType=Event)."""
        self._sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(event))

    def is_idle(self) -> bool:
        """No event waiting, none waiting for a retry, none being processed."""
        with self._lock:
            if self._in_flight:
                return False
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        with self._lock:
            return not self._in_flight and all(int(count) == 0 for count in attributes.values())

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.is_idle():
                return True
            time.sleep(0.2)
        return False

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                response = self._sqs.receive_message(
                    QueueUrl=self.queue_url,
                    MaxNumberOfMessages=1,
                    WaitTimeSeconds=POLL_WAIT_SECONDS,
                    MessageSystemAttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
                )
            except Exception:  # noqa: BLE001 - the endpoint is going away at shutdown; keep polling otherwise
                if self._stop.wait(0.5):
                    return
                continue
            for message in response.get("Messages", []):
                with self._lock:
                    self._in_flight += 1
                try:
                    self._handle(message)
                except Exception:  # noqa: BLE001 - a poller must outlive one bad message
                    # The message was not deleted: it is received again after its visibility timeout.
                    _log.exception("could not dispatch a message of %s", self.queue_url)
                finally:
                    with self._lock:
                        self._in_flight -= 1

    def _handle(self, message: Any) -> None:
        receipt = message["ReceiptHandle"]
        event = json.loads(message["Body"])
        if isinstance(event, dict) and event.get("Event") == S3_TEST_EVENT:
            self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt)
            return
        attributes = message.get("Attributes", {})
        attempt = int(attributes.get("ApproximateReceiveCount", "1"))
        age = time.time() - int(attributes.get("SentTimestamp", time.time() * 1000)) / 1000
        if age > self._policy.max_event_age_seconds:
            self._send_to_failure_destination(event, "EventAgeExceeded", attempt - 1, None)
            self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt)
            return
        invocation = self._pool.invoke(event)
        if invocation.ok:
            self.stats.succeeded += 1
            self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt)
        elif attempt > self._policy.max_retry_attempts:
            self.stats.failed += 1
            self._send_to_failure_destination(event, "RetriesExhausted", attempt, invocation)
            self._sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=receipt)
        else:
            self.stats.retried += 1
            self._sqs.change_message_visibility(
                QueueUrl=self.queue_url,
                ReceiptHandle=receipt,
                VisibilityTimeout=self._policy.retry_delay(attempt),
            )

    def _send_to_failure_destination(
        self, event: Any, condition: str, attempts: int, invocation: Invocation | None
    ) -> None:
        if self._policy.on_failure_queue_url is None:
            return
        record: dict[str, Any] = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "requestContext": {
                "requestId": invocation.request_id if invocation else "",
                "functionArn": f"{self._policy.function_arn}:$LATEST",
                "condition": condition,
                "approximateInvokeCount": attempts,
            },
            "requestPayload": event,
        }
        if invocation is not None:
            record["responseContext"] = {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            }
            record["responsePayload"] = invocation.error
        self._sqs.send_message(QueueUrl=self._policy.on_failure_queue_url, MessageBody=json.dumps(record))
