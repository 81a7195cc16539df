"""The domain's :class:`~palette_service.domain.ports.ReplayQueue` on SQS."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class SqsReplayQueue:
    """Keeps each message by sending it, unchanged, to one queue."""

    def __init__(self, sqs: SQSClient, queue_url: str) -> None:
        self._sqs = sqs
        self._queue_url = queue_url

    def keep(self, message: str) -> None:
        self._sqs.send_message(QueueUrl=self._queue_url, MessageBody=message)
