"""SQS event source mappings as Lambda runs them, for every SQS event of a function in the template.

Lambda polls the queue, invokes the function synchronously with a batch of up to ``BatchSize``
messages in its SQS event format, and then:

* when the function returns (without ``ReportBatchItemFailures``), deletes the whole batch;
* with ``ReportBatchItemFailures``, deletes all but the messages its ``batchItemFailures`` name;
  a failure that names no message of the batch fails the whole batch, as in Lambda;
* when the function raises or times out, deletes nothing.

What is not deleted becomes visible again after the queue's visibility timeout and is received
again; the queue's redrive policy (``maxReceiveCount``, which moto's SQS applies on receive) moves
a message that keeps failing to its dead-letter queue. Nothing of that is done here: as in Lambda,
it is the queue's.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any

from local.queue_poller import QueuePoller
from local.runtime import EnvironmentPool, Invocation
from palettes_stack.template import SqsTrigger

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class SqsEventSource(QueuePoller):
    """One function's event source mapping on one queue."""

    def __init__(
        self,
        sqs: SQSClient,
        queue_url: str,
        pool: EnvironmentPool,
        trigger: SqsTrigger,
        *,
        queue_arn: str,
        region: str,
    ) -> None:
        super().__init__(
            sqs,
            queue_url,
            pool,
            batch_size=trigger.batch_size,
            batching_window_seconds=trigger.maximum_batching_window_seconds,
        )
        self.trigger = trigger
        self._queue_arn = queue_arn
        self._region = region

    def handle(self, messages: list[Any]) -> None:
        event = {"Records": [sqs_record(message, self._queue_arn, self._region) for message in messages]}
        invocation = self._pool.invoke(event)
        failed = self._failed_message_ids(invocation, {message["MessageId"] for message in messages})
        done = [message for message in messages if message["MessageId"] not in failed]
        if done:
            self._sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(done)
                ],
            )

    def _failed_message_ids(self, invocation: Invocation, batch: set[str]) -> set[str]:
        """The messages to leave in the queue: all of them unless the function succeeded, then those
        its partial batch response names."""
        if not invocation.ok:
            return batch
        if not self.trigger.report_batch_item_failures or not isinstance(invocation.result, dict):
            return set()
        failures = invocation.result.get("batchItemFailures") or []
        named = [failure.get("itemIdentifier") if isinstance(failure, dict) else None for failure in failures]
        if not all(isinstance(identifier, str) and identifier in batch for identifier in named):
            return batch  # Lambda fails the whole batch on a response it cannot read
        return {str(identifier) for identifier in named}


def sqs_record(message: Any, queue_arn: str, region: str) -> dict[str, Any]:
    """A received SQS message as a record of the event Lambda hands an SQS-triggered function."""
    body = str(message["Body"])
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": {
            name: _message_attribute(value)
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),  # noqa: S324 - SQS's checksum
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _message_attribute(value: Any) -> dict[str, Any]:
    """SQS's ``{"StringValue", "DataType"}`` as Lambda spells it (``{"stringValue", "dataType"}``)."""
    attribute: dict[str, Any] = {
        "dataType": value.get("DataType"),
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [base64.b64encode(item).decode() for item in value.get("BinaryListValues", [])],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return attribute
