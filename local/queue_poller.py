"""Pollers of one SQS queue of the local endpoint feeding one function's execution environments.

Lambda polls queues in two places: its internal queue of asynchronous invocations
(``local.dispatcher``) and the queues of SQS event source mappings (``local.sqs_event_source``).
Both receive here with one poller thread per execution environment, so a function never has more
messages in hand than environments to run them; what to do with what was received is theirs.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from local.runtime import EnvironmentPool

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

POLL_WAIT_SECONDS = 1
# Lambda's largest batch from one ReceiveMessage call.
SQS_RECEIVE_LIMIT = 10
_log = logging.getLogger(__name__)


class QueuePoller:
    """Receives up to ``batch_size`` messages at a time and hands them to :meth:`handle`.

    ``batching_window_seconds`` (Lambda's MaximumBatchingWindowInSeconds) is how long a batch may
    keep gathering messages after the first, up to ``batch_size``.
    """

    def __init__(
        self,
        sqs: SQSClient,
        queue_url: str,
        pool: EnvironmentPool,
        *,
        batch_size: int = 1,
        batching_window_seconds: float = 0,
    ) -> None:
        self._sqs = sqs
        self.queue_url = queue_url
        self._pool = pool
        self._batch_size = batch_size
        self._batching_window_seconds = batching_window_seconds
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._in_flight = 0
        self._lock = threading.Lock()

    def handle(self, messages: list[Any]) -> None:
        """Process what was received; a message not deleted is received again after its visibility timeout."""
        raise NotImplementedError

    def start(self) -> None:
        for index in range(self._pool.size):
            thread = threading.Thread(
                target=self._poll,
                name=f"{type(self).__name__}:{self._pool.function.name}:{index}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=POLL_WAIT_SECONDS + self._pool.function.timeout_seconds + 5)
        self._threads.clear()

    def is_idle(self) -> bool:
        """No message waiting, none in flight (received and not deleted, or waiting for a retry), none
        being handled."""
        with self._lock:
            if self._in_flight:
                return False
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        with self._lock:
            return not self._in_flight and all(int(count) == 0 for count in attributes.values())

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                messages = self._receive_batch()
            except Exception:  # noqa: BLE001 - the endpoint is going away at shutdown; keep polling otherwise
                if self._stop.wait(0.5):
                    return
                continue
            if not messages:
                continue
            with self._lock:
                self._in_flight += 1
            try:
                self.handle(messages)
            except Exception:  # noqa: BLE001 - a poller must outlive one bad batch
                _log.exception("could not handle messages of %s", self.queue_url)
            finally:
                with self._lock:
                    self._in_flight -= 1

    def _receive_batch(self) -> list[Any]:
        messages = self._receive(self._batch_size, POLL_WAIT_SECONDS)
        window_ends = time.monotonic() + self._batching_window_seconds
        while messages and len(messages) < self._batch_size and time.monotonic() < window_ends:
            messages += self._receive(self._batch_size - len(messages), 0)
            if len(messages) < self._batch_size:
                self._stop.wait(0.1)
        return messages

    def _receive(self, count: int, wait_seconds: int) -> list[Any]:
        response = self._sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(SQS_RECEIVE_LIMIT, count),
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(response.get("Messages", []))
