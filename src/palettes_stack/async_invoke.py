"""Lambda's asynchronous invocation as a function's EventInvokeConfig sets it: the one emulation.

S3 invokes a function asynchronously: Lambda runs the event, retries it ``MaximumRetryAttempts``
times when the handler raises, drops it once it is older than ``MaximumEventAgeInSeconds``, and in
both cases sends an invocation record to the on-failure destination. The local stack's dispatcher
(queue-driven, with delays) and the reliability tests' in-process runner (immediate retries) decide
with :class:`AsyncInvokeConfig` and build the record with :meth:`AsyncInvokeConfig.failure_record`,
in the format Lambda documents for destinations.
"""

from __future__ import annotations

import traceback
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Self

from palettes_stack.template import FunctionSpec


class GiveUpCondition(StrEnum):
    """Why Lambda gave an event up (``requestContext.condition`` of the record)."""

    RETRIES_EXHAUSTED = "RetriesExhausted"
    EVENT_AGE_EXCEEDED = "EventAgeExceeded"


@dataclass(frozen=True)
class AsyncInvokeConfig:
    """One function's asynchronous invocation settings, from the template (Lambda's defaults where it
    sets none)."""

    function_arn: str
    max_retry_attempts: int
    max_event_age_seconds: int
    on_failure_logical_id: str | None

    @classmethod
    def of(cls, function: FunctionSpec) -> Self:
        return cls(
            function_arn=function.arn,
            max_retry_attempts=function.max_retry_attempts,
            max_event_age_seconds=function.max_event_age_seconds,
            on_failure_logical_id=function.on_failure_logical_id,
        )

    @property
    def max_attempts(self) -> int:
        """The first attempt and its retries."""
        return 1 + self.max_retry_attempts

    def is_last_attempt(self, attempt: int) -> bool:
        """Whether a failure of ``attempt`` (1 for the first) gives the event up."""
        return attempt >= self.max_attempts

    def is_too_old(self, age_seconds: float) -> bool:
        return age_seconds > self.max_event_age_seconds

    def failure_record(
        self,
        event: Any,
        *,
        condition: GiveUpCondition,
        attempts: int,
        request_id: str | None = None,
        error: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The invocation record the on-failure destination receives: the event, why and after how many
        attempts it was given up and, when an attempt failed, the last error (``responsePayload``)."""
        record: dict[str, Any] = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "requestContext": {
                "requestId": request_id or str(uuid.uuid4()),
                "functionArn": f"{self.function_arn}:$LATEST",
                "condition": str(condition),
                "approximateInvokeCount": attempts,
            },
            "requestPayload": event,
        }
        if error is not None:
            record["responseContext"] = {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            }
            record["responsePayload"] = dict(error)
        return record


def error_payload(error: BaseException, *, error_type: str | None = None) -> dict[str, Any]:
    """What Lambda reports for an exception a handler raised (the invoker's and the record's payload)."""
    return {
        "errorMessage": str(error),
        "errorType": error_type or type(error).__name__,
        "stackTrace": traceback.format_tb(error.__traceback__),
    }
